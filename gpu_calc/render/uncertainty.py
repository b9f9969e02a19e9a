"""Renderers of the uncertainty commands: simulate, sweep, sensitivity and breakeven.

Each takes the result's JSON dict (``.to_dict()``) and a :class:`~gpu_calc.render.Format`;
JSON is the stable contract, CSV keeps exact numbers, table and Markdown are for people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from gpu_calc.render import Format, human
from gpu_calc.render import json as json_render

# The Markdown and rich table modules are imported where a view needs them: JSON and CSV
# output never pay for rich (issue 14: start-up).


def md_table(*args: Any, **kwargs: Any) -> str:
    """:func:`gpu_calc.render.markdown.table`, imported on first use."""
    from gpu_calc.render.markdown import table

    return table(*args, **kwargs)


def console_for(*args: Any, **kwargs: Any) -> Any:
    """:func:`gpu_calc.render.table.console_for`, imported on first use."""
    from gpu_calc.render.table import console_for as make

    return make(*args, **kwargs)


#: (key in "plans.PLAN", label, formatter) of the simulation's per-plan metrics.
SIM_PLAN_ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("npv_usd", "NPV of cost", human.usd),
    ("energy_it_kwh", "IT energy", human.energy_kwh),
    ("co2e_kg", "Emissions", human.co2e_kg),
]
STATS = ("p5", "p50", "p95", "mean")
BAR_WIDTH = 40


def _cell(x: Any) -> str:
    return "" if x is None else repr(x) if isinstance(x, float) else str(x)


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(c) for c in row])
    return buffer.getvalue()


def _value(key: str, x: float | None) -> str:
    """A value of the input ``key`` for people, in the unit its name carries.

    >>> _value("build.nre.software_usd_per_year", 34040700.4), _value("build.share", 0.174)
    ('$34.0M/yr', '17.4%')
    """
    return human.quantity(key, x)


def _signed_usd(x: float | None) -> str:
    return "n/a" if x is None else ("+" if x > 0 else "") + human.usd(x)


# --------------------------------------------------------------------------- simulate


def _sim_rows(result: dict[str, Any]) -> list[tuple[str, dict[str, float], Callable[[Any], str]]]:
    rows: list[tuple[str, dict[str, float], Callable[[Any], str]]] = [
        ("Savings NPV (buy - build)", result["comparison"]["savings_npv_usd"], _signed_usd)
    ]
    for plan in ("buy", "build"):
        for key, label, fmt in SIM_PLAN_ROWS:
            rows.append((f"{plan.capitalize()}: {label}", result["plans"][plan][key], fmt))
    return rows


def histogram_lines(result: dict[str, Any], width: int = BAR_WIDTH) -> list[str]:
    """The savings histogram as text: one line per bin, ``lo .. hi  ####  count``."""
    hist = result["histogram"]
    edges, counts = hist["edges_usd"], hist["counts"]
    top = max(counts) or 1
    labels = [f"{human.usd(edges[i])} .. {human.usd(edges[i + 1])}" for i in range(len(counts))]
    pad = max(len(label) for label in labels)
    lines = []
    for label, count in zip(labels, counts, strict=True):
        bar = "#" * round(width * count / top)
        lines.append(f"{label:>{pad}}  {bar:<{width}}  {count:,}")
    return lines


def _clipped_rows(result: dict[str, Any]) -> list[tuple[str, int]]:
    return [(k, v) for k, v in result["clipped"].items() if v]


def render_simulation(result: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """A Monte Carlo summary in ``fmt``."""
    if fmt is Format.json:
        return json_render.render(result)
    n = result["samples"]
    prob = result["comparison"]["probability_build_cheaper"]
    if fmt is Format.csv:
        rows: list[list[Any]] = [["metric", "statistic", "value"]]
        rows += [["samples", "count", n], ["seed", "value", result["seed"]]]
        rows += [["savings_npv_usd", s, result["comparison"]["savings_npv_usd"][s]] for s in STATS]
        rows.append(["probability_build_cheaper", "share", prob])
        for plan in ("buy", "build"):
            for key, _label, _fmt in SIM_PLAN_ROWS:
                rows += [[f"{plan}.{key}", s, result["plans"][plan][key][s]] for s in STATS]
        rows += [[f"clipped.{k}", "count", v] for k, v in result["clipped"].items()]
        hist = result["histogram"]
        rows += [
            [f"histogram.{hist['metric']}", f"edge_{i}", e] for i, e in enumerate(hist["edges_usd"])
        ]
        rows += [
            [f"histogram.{hist['metric']}", f"count_{i}", c] for i, c in enumerate(hist["counts"])
        ]
        return _csv(rows)
    head = f"{n:,} samples, seed {result['seed']}; percentiles: np.percentile, linear"
    verdict = f"Building is cheaper in {prob * 100:.1f}% of samples"
    clipped = _clipped_rows(result)
    if fmt is Format.markdown:
        out = [f"## Monte Carlo: {head}", "", f"**{verdict}**", ""]
        out += [
            md_table(
                ["Metric", "P5", "P50", "P95", "Mean"],
                [[label] + [f(stats[s]) for s in STATS] for label, stats, f in _sim_rows(result)],
                {1, 2, 3, 4},
            ),
            "",
            "### Savings NPV, histogram",
            "",
            "```",
            *histogram_lines(result),
            "```",
            "",
        ]
        if clipped:
            out += ["### Draws clipped into range", ""]
            out += [md_table(["Field", "Draws"], [[k, f"{v:,}"] for k, v in clipped], {1}), ""]
        return "\n".join(out)
    from rich import box
    from rich.table import Table

    console, buffer = console_for(color)
    console.print(f"[bold]Monte Carlo[/bold]: {head}")
    stats_table = Table(box=box.SIMPLE_HEAVY)
    stats_table.add_column("Metric")
    for name in ("P5", "P50", "P95", "Mean"):
        stats_table.add_column(name, justify="right")
    for label, stats, f in _sim_rows(result):
        stats_table.add_row(label, *(f(stats[s]) for s in STATS))
    console.print(stats_table)
    console.print(f"[bold]{verdict}[/bold]\n")
    console.print("Savings NPV (buy - build), histogram of samples:")
    for line in histogram_lines(result):
        console.print(line.replace("#", "[green]#[/green]") if color else line, markup=color)
    console.print()
    if clipped:
        console.print("Draws clipped into their field's valid range:")
        for k, v in clipped:
            console.print(f"  {k}: {v:,} of {n:,} ({v / n * 100:.2f}%)", markup=False)
    else:
        console.print("No draw was clipped.")
    return buffer.getvalue()


# --------------------------------------------------------------------------- sweep

SWEEP_OUTPUTS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("savings_npv_usd", "Savings NPV", _signed_usd),
    ("npv_usd_buy", "Buy NPV", human.usd),
    ("npv_usd_build", "Build NPV", human.usd),
    ("payback_year", "Payback", lambda x: human.payback_short(None if x is None else int(x))),
]


def _sweep_points(result: dict[str, Any]) -> list[tuple[list[float], dict[str, Any]]]:
    """Every grid point in row-major order: its values and its outputs."""
    values = result["values"]
    points: list[tuple[list[float], dict[str, Any]]] = []

    def walk(depth: int, index: list[int]) -> None:
        if depth == len(values):
            out = {}
            for key in result["outputs"]:
                cell = result["outputs"][key]
                for i in index:
                    cell = cell[i]
                out[key] = cell
            points.append(([values[d][i] for d, i in enumerate(index)], out))
            return
        for i in range(len(values[depth])):
            walk(depth + 1, index + [i])

    walk(0, [])
    return points


def render_sweep(result: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """A sweep in ``fmt``: one row per grid point (CSV), or tables for people."""
    if fmt is Format.json:
        return json_render.render(result)
    params = result["params"]
    points = _sweep_points(result)
    if fmt is Format.csv:
        rows: list[list[Any]] = [params + [key for key, _l, _f in SWEEP_OUTPUTS]]
        rows += [vals + [out[key] for key, _l, _f in SWEEP_OUTPUTS] for vals, out in points]
        return _csv(rows)
    header = params + [label for _k, label, _f in SWEEP_OUTPUTS]
    body = [
        [_value(p, v) for p, v in zip(params, vals, strict=True)]
        + [f(out[key]) for key, _l, f in SWEEP_OUTPUTS]
        for vals, out in points
    ]
    grid: tuple[list[str], list[list[str]]] | None = None
    if len(params) == 2:
        savings = result["outputs"]["savings_npv_usd"]
        grid = (
            [f"{params[0]} \\ {params[1]}"] + [_value(params[1], v) for v in result["values"][1]],
            [
                [_value(params[0], v)] + [_signed_usd(x) for x in row]
                for v, row in zip(result["values"][0], savings, strict=True)
            ],
        )
    if fmt is Format.markdown:
        right = set(range(len(params), len(header))) | set(range(len(params)))
        out = [f"## Sweep of {', '.join(params)}", "", md_table(header, body, right), ""]
        if grid:
            out += ["### Savings NPV over the grid", ""]
            out += [md_table(grid[0], grid[1], set(range(1, len(grid[0])))), ""]
        return "\n".join(out)
    from rich import box
    from rich.table import Table

    from gpu_calc.render.table import dotted, stacked

    console, buffer = console_for(color)
    console.print(f"[bold]Sweep[/bold] of {', '.join(params)} ({len(points):,} points)")
    if grid:
        g = Table(title="Savings NPV (buy - build)", box=box.SIMPLE_HEAVY, title_justify="left")
        corner = f"{dotted(params[0])} \\\n{dotted(params[1])}"
        for i, name in enumerate([corner, *grid[0][1:]]):
            g.add_column(name, justify="right" if i else "left")
        for row in grid[1]:
            g.add_row(*row)
        console.print(g)
    t = Table(box=box.SIMPLE_HEAVY)
    for i, name in enumerate(header):
        if i < len(params) or name != "Payback":  # keys and numbers stay whole
            t.add_column(
                dotted(name) if i < len(params) else stacked(name), justify="right", no_wrap=True
            )
        else:
            t.add_column(name, justify="right")
    for row in body:
        t.add_row(*row)
    console.print(t)
    return buffer.getvalue()


# --------------------------------------------------------------------------- sensitivity


def render_tornado(result: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """A tornado in ``fmt``: one row per bar, largest swing first."""
    if fmt is Format.json:
        return json_render.render(result)
    keys = ("param", "low_value", "high_value", "low_usd", "high_usd", "swing_usd")
    bars = result["bars"]
    if fmt is Format.csv:
        return _csv([list(keys)] + [[b[k] for k in keys] for b in bars])
    how = (
        "each uncertain field at its P10 and P90"
        if result["method"] == "p10_p90"
        else "each field at -20% and +20% of its base value"
    )
    head = f"Savings NPV {_signed_usd(result['base_usd'])} at base; {how}, the others at base"
    header = ["Parameter", "Low", "High", "Savings at low", "Savings at high", "Swing"]
    top = max((b["swing_usd"] for b in bars), default=0.0) or 1.0
    body = [
        [
            b["param"],
            _value(b["param"], b["low_value"]),
            _value(b["param"], b["high_value"]),
            _signed_usd(b["low_usd"]),
            _signed_usd(b["high_usd"]),
            human.usd(b["swing_usd"]),
        ]
        for b in bars
    ]
    if fmt is Format.markdown:
        return "\n".join(
            ["## Tornado of savings NPV", "", head, "", md_table(header, body, {1, 2, 3, 4, 5}), ""]
        )
    from rich import box
    from rich.table import Table

    from gpu_calc.render.table import dotted, fits, stacked

    def tornado_table(bar_width: int, split: bool) -> Table:
        t = Table(box=box.SIMPLE_HEAVY)
        t.add_column(header[0], overflow="fold")
        for name in header[1:]:
            t.add_column(stacked(name), justify="right", no_wrap=True)
        if bar_width:
            t.add_column("", no_wrap=True)
        for b, row in zip(bars, body, strict=True):
            bar = "#" * max(0, round(bar_width * b["swing_usd"] / top))
            name = dotted(row[0]) if split else row[0]
            t.add_row(name, *row[1:], *([bar] if bar_width else []))
        return t

    # wide enough for whole keys and bars in a pipe; a terminal narrows it (table_width)
    console, buffer = console_for(color, width=max([110] + [len(b["param"]) + 90 for b in bars]))
    console.print(f"[bold]Tornado[/bold]: {head}", markup=True)
    # the widest layout that fits: whole keys, then keys broken after dots, then no bars
    for bar_width, split in ((10, False), (10, True), (0, True)):
        t = tornado_table(bar_width, split)
        if fits(console, t):
            break
    console.print(t)
    return buffer.getvalue()


# --------------------------------------------------------------------------- breakeven


def render_breakeven(result: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """A break-even value in ``fmt``."""
    if fmt is Format.json:
        return json_render.render(result)
    lo, hi = result["range"]
    if fmt is Format.csv:
        return _csv(
            [["param", "value", "range_lo", "range_hi"], [result["param"], result["value"], lo, hi]]
        )
    text = (
        f"Savings NPV is zero at {result['param']} = {_value(result['param'], result['value'])} "
        f"(searched {_value(result['param'], lo)} to {_value(result['param'], hi)})"
    )
    if fmt is Format.markdown:
        return f"## Break-even of {result['param']}\n\n{text}\n"
    console, buffer = console_for(color)
    console.print(text, markup=False)
    return buffer.getvalue()
