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


#: What a Monte Carlo run of a scenario without a distribution says instead of a histogram.
NOTHING_UNCERTAIN = (
    "No field has a distribution: every sample gives the same figures, those of 'gpucalc "
    "compare'. Give a field a distribution to see a spread (docs/uncertainty.md)."
)


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
    head = f"{human.count(n, 'sample')}, seed {result['seed']}; percentiles: np.percentile, linear"
    verdict = f"Building is cheaper in {human.probability(prob)} of samples"
    clipped = _clipped_rows(result)
    # no uncertain field (clipped has one entry per uncertain field): no spread to draw
    certain = not result["clipped"]
    if fmt is Format.markdown:
        out = [f"## Monte Carlo: {head}", "", f"**{verdict}**", ""]
        out += [
            md_table(
                ["Metric", "P5", "P50", "P95", "Mean"],
                [[label] + [f(stats[s]) for s in STATS] for label, stats, f in _sim_rows(result)],
                {1, 2, 3, 4},
            ),
            "",
        ]
        if certain:
            return "\n".join([*out, f"_{NOTHING_UNCERTAIN}_", ""])
        out += [
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
    if certain:
        console.print(NOTHING_UNCERTAIN, markup=False)
        return buffer.getvalue()
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

#: The savings matrix of a 2-D sweep is drawn (table, Markdown) only up to this many values
#: on each axis: a bigger one is unreadable, and the CSV or JSON has every point.
MAX_MATRIX_SIDE = 50
#: Grid points listed one per row in the table and Markdown views; the rest are counted in a
#: note (a 1,000 x 1,000 grid would take minutes and gigabytes to draw; CSV and JSON keep all).
MAX_TABLE_POINTS = 1000

SWEEP_OUTPUTS: list[tuple[str, str]] = [
    ("savings_npv_usd", "Savings NPV"),
    ("npv_usd_buy", "Buy NPV"),
    ("npv_usd_build", "Build NPV"),
    ("payback_year", "Payback"),
]


def _sweep_cell(
    key: str,
    x: Any,
    start_year: int | None,
    savings_usd: float | None = None,
    lasting: float | None = None,
) -> str:
    """An output of a sweep for people: money, or when building pays back (a calendar year
    when the scenario has a ``start_year``, as in compare, batch and the report): from
    ``lasting`` (the point's ``lasting_payback_year``) when the savings dip after MODEL.md's
    first payback year.

    >>> _sweep_cell("payback_year", 2.0, 2025), _sweep_cell("payback_year", 2.0, None)
    ('2027', 'year 3')
    >>> _sweep_cell("payback_year", 0.0, 2025, 1e6, 2.0)
    '2027'
    >>> _sweep_cell("savings_npv_usd", None, None), _sweep_cell("npv_usd_buy", 1e9, None)
    ('n/a', '$1.00B')
    """
    if key == "payback_year":
        return human.payback_short(
            None if x is None else int(x),
            start_year,
            savings_usd,
            None if lasting is None else int(lasting),
        )
    return _signed_usd(x) if key == "savings_npv_usd" else human.usd(x)


def _sweep_points(
    result: dict[str, Any], limit: int | None = None
) -> list[tuple[list[float], dict[str, Any]]]:
    """The first ``limit`` grid points (all when None) in row-major order: each point's
    values and outputs."""
    from itertools import islice, product

    values = result["values"]
    points: list[tuple[list[float], dict[str, Any]]] = []
    indices = product(*(range(len(v)) for v in values))
    for index in islice(indices, limit):
        out = {}
        for key, cell in result["outputs"].items():
            for i in index:
                cell = cell[i]
            out[key] = cell
        points.append(([values[d][i] for d, i in enumerate(index)], out))
    return points


def _count(values: list[list[float]]) -> int:
    n = 1
    for v in values:
        n *= len(v)
    return n


def sweep_notes(result: dict[str, Any]) -> list[str]:
    """What the table and Markdown views leave out of a big sweep, and how to see it all.

    >>> sweep_notes({"params": ["a", "b"], "values": [[0.0] * 60, [0.0] * 2]})[0]
    'The savings matrix is drawn up to 50 x 50 values; this grid is 60 x 2: every point ...'
    """
    values = result["values"]
    notes = []
    if len(values) == 2 and max(len(v) for v in values) > MAX_MATRIX_SIDE:
        notes.append(
            f"The savings matrix is drawn up to {MAX_MATRIX_SIDE} x {MAX_MATRIX_SIDE} values; "
            f"this grid is {len(values[0]):,} x {len(values[1]):,}: every point is in "
            "--format csv or json."
        )
    total = _count(values)
    if total > MAX_TABLE_POINTS:
        notes.append(
            f"The first {MAX_TABLE_POINTS:,} of {total:,} grid points are listed: every point "
            "is in --format csv or json."
        )
    return notes


def _matrix(result: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    """The savings over a 2-D grid, when small enough to read: the column values, then one
    row per value of the first parameter (its value first)."""
    params, values = result["params"], result["values"]
    if len(params) != 2 or max(len(v) for v in values) > MAX_MATRIX_SIDE:
        return None
    savings = result["outputs"]["savings_npv_usd"]
    return (
        [_value(params[1], v) for v in values[1]],
        [
            [_value(params[0], v)] + [_signed_usd(x) for x in row]
            for v, row in zip(values[0], savings, strict=True)
        ],
    )


def render_sweep(result: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """A sweep in ``fmt``: one row per grid point (CSV), or tables for people (at most
    :data:`MAX_TABLE_POINTS` rows and a :data:`MAX_MATRIX_SIDE`-square matrix)."""
    if fmt is Format.json:
        return json_render.render(result)
    params = result["params"]
    if fmt is Format.csv:
        keys = list(result["outputs"])  # every output, lasting_payback_year included
        rows: list[list[Any]] = [params + keys]
        rows += [vals + [out[key] for key in keys] for vals, out in _sweep_points(result)]
        return _csv(rows)
    start_year = result.get("start_year")
    total = _count(result["values"])
    points = _sweep_points(result, MAX_TABLE_POINTS)
    header = params + [label for _k, label in SWEEP_OUTPUTS]
    body = [
        [_value(p, v) for p, v in zip(params, vals, strict=True)]
        + [
            # no payback can be told where the savings overflow: n/a, not "never"
            "n/a"
            if key == "payback_year" and out["savings_npv_usd"] is None
            else _sweep_cell(
                key, out[key], start_year, out["savings_npv_usd"], out.get("lasting_payback_year")
            )
            for key, _l in SWEEP_OUTPUTS
        ]
        for vals, out in points
    ]
    grid = _matrix(result)
    notes = sweep_notes(result)
    matrix_title = "Savings NPV (buy - build)"
    if len(params) == 2:
        matrix_title += f": rows {params[0]}, columns {params[1]}"
    if fmt is Format.markdown:
        right = set(range(len(header)))
        out = [f"## Sweep of {', '.join(params)}", "", md_table(header, body, right), ""]
        if grid:
            out += [f"### {matrix_title}", ""]
            out += [md_table([params[0], *grid[0]], grid[1], set(range(1, len(grid[0]) + 1))), ""]
        out += [f"*{note}*\n" for note in notes]
        return "\n".join(out)
    from rich import box
    from rich.table import Table

    from gpu_calc.render.table import dotted, fits, fits_whole, stacked

    console, buffer = console_for(color)
    console.print(f"[bold]Sweep[/bold] of {', '.join(params)} ({human.count(total, 'point')})")
    if grid:
        # Every header and cell whole: the matrix is split into as few column blocks as fit
        # the width, each repeating the row values.
        columns, cells = grid

        def block(lo: int, hi: int) -> Table:
            g = Table(box=box.SIMPLE_HEAVY)
            g.add_column(dotted(params[0]), no_wrap=True)
            for name in columns[lo:hi]:
                g.add_column(name, justify="right", no_wrap=True)
            for row in cells:
                g.add_row(row[0], *row[1 + lo : 1 + hi])
            return g

        lo = 0
        while lo < len(columns):
            hi = lo + 1
            while hi < len(columns) and fits(console, block(lo, hi + 1)):
                hi += 1
            part = (
                ""
                if (lo, hi) == (0, len(columns))
                else f" (columns {lo + 1}-{hi} of {len(columns)})"
            )
            console.print(matrix_title + part, markup=False)
            console.print(block(lo, hi))
            lo = hi

    def points_table(underscores: bool, measure: bool = False) -> Table:
        t = Table(box=box.SIMPLE_HEAVY)
        for i, name in enumerate(header):
            if name == "Payback":  # words may wrap ("from the / start"), never the heading
                cap = len(name) if measure else None
                t.add_column(name, justify="right", min_width=len(name), max_width=cap)
                continue
            # keys broken after dots (and underscores when narrower), numbers whole
            heading = dotted(name, underscores=underscores) if i < len(params) else stacked(name)
            t.add_column(heading, justify="right", no_wrap=True)
        for row in body:
            t.add_row(*row)
        return t

    whole = fits_whole(console, points_table(False, True))
    if whole or fits_whole(console, points_table(True, True)):
        console.print(points_table(not whole))
    else:
        # a key too long to break (a workload named in one long word): a point to a line
        for row in body:
            where = ", ".join(f"{p} = {v}" for p, v in zip(params, row, strict=False))
            rest = "; ".join(
                f"{label} {cell}"
                for label, cell in zip(header[len(params) :], row[len(params) :], strict=True)
            )
            console.print(f"{where}: {rest}", markup=False, overflow="fold")
    for note in notes:
        console.print(note, markup=False)
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
    if result["base_usd"] is None:
        head += (
            "; n/a: the scenario's own values give figures too large to compute (past about "
            "1.8e308; 'gpucalc compare' shows which), so most bars cannot be told"
        )
    elif any(b[k] is None for b in bars for k in ("low_usd", "high_usd")):
        head += (
            "; n/a: a figure too large to compute at that value (past about 1.8e308; "
            "'gpucalc compare --set KEY=VALUE' shows which)"
        )
    header = ["Parameter", "Low", "High", "Savings at low", "Savings at high", "Swing"]
    # a swing too large to compute (null) has no bar; the others are scaled to the largest
    top = max((b["swing_usd"] for b in bars if b["swing_usd"] is not None), default=0.0) or 1.0
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

    from gpu_calc.render.table import dotted, fits_whole, stacked

    def tornado_table(bar_width: int, split: int) -> Table:
        t = Table(box=box.SIMPLE_HEAVY)
        # keys whole (split 0), broken after dots (1), or after dots and underscores (2);
        # the column as wide as the longest line: never broken inside a word
        names = [dotted(b["param"], underscores=split == 2) if split else b["param"] for b in bars]
        widest = max([len(header[0])] + [len(line) for n in names for line in n.split("\n")])
        t.add_column(header[0], overflow="fold", width=widest)
        for name in header[1:]:
            t.add_column(stacked(name), justify="right", no_wrap=True)
        if bar_width:
            t.add_column("", no_wrap=True)
        for b, row, name in zip(bars, body, names, strict=True):
            swing = b["swing_usd"]
            bar = "" if swing is None else "#" * max(0, round(bar_width * swing / top))
            t.add_row(name, *row[1:], *([bar] if bar_width else []))
        return t

    # wide enough for whole keys and bars in a pipe; a terminal narrows it (table_width)
    console, buffer = console_for(color, width=max([110] + [len(b["param"]) + 90 for b in bars]))
    console.print(f"[bold]Tornado[/bold]: {head}", markup=True)
    # the widest layout that fits: whole keys, then keys broken after dots, then no bars
    for bar_width, split in ((10, 0), (10, 1), (0, 1), (0, 2)):
        t = tornado_table(bar_width, split)
        if fits_whole(console, t):
            console.print(t)
            return buffer.getvalue()
    # narrower still (an 80-column terminal and long keys or units): one bar to a pair of
    # lines, the key whole on the first, so that no key is broken inside a word
    for row in body:
        console.print(row[0], markup=False, overflow="fold")
        console.print(
            f"    low {row[1]}: {row[3]}    high {row[2]}: {row[4]}    swing {row[5]}",
            markup=False,
            overflow="fold",
        )
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
    key = result["param"]
    searched = f"(searched {_value(key, lo)} to {_value(key, hi)})"
    before = result.get("before")
    if before is not None:  # an integer field: no whole value gives zero savings
        text = (
            f"Savings NPV changes sign between {key} = {_value(key, before['value'])} "
            f"({_signed_usd(before['savings_usd'])}) and {_value(key, result['value'])} "
            f"({_signed_usd(result['savings_usd'])}) {searched}"
        )
    else:
        text = f"Savings NPV is zero at {key} = {_value(key, result['value'])} {searched}"
    if fmt is Format.markdown:
        return f"## Break-even of {result['param']}\n\n{text}\n"
    console, buffer = console_for(color)
    console.print(text, markup=False)
    return buffer.getvalue()
