"""A shareable report: one self-contained HTML file per scenario, and an index of many.

The page holds its charts as inline SVG and its style as inline CSS; it loads nothing from
the network, opens offline and prints on A4 with page breaks between its parts. It also
carries the comparison's JSON (the output of ``gpucalc compare --format json``) in a
``<script type="application/json" id="gpucalc-data">`` block, so a script can read the exact
numbers behind the rounded ones shown.

Sections (each a ``<section id=...>``): ``verdict``, ``plans``, ``cumulative``,
``breakdown``, ``resources``, ``silicon``, ``uncertainty`` (when the scenario has uncertain
fields and the uncertainty module is present), ``perspective`` (when the scenario has
any) and ``inputs``. Every piece of user text is escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpu_calc import __version__
from gpu_calc.errors import InputError, InputErrors, format_path, printable
from gpu_calc.render import human
from gpu_calc.scenario import LoadedScenario
from gpu_calc.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED

if TYPE_CHECKING:
    from gpu_calc.files import Inputs

#: Monte Carlo samples and seed of a report's uncertainty section (those of ``simulate``).
REPORT_SAMPLES = DEFAULT_SAMPLES
REPORT_SEED = DEFAULT_SEED

CSS = """
:root { --buy: %(buy)s; --build: %(build)s; --ink: #222; --muted: #666; --rule: #ddd; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial,
  sans-serif; color: var(--ink); background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 0 0 10px; border-bottom: 2px solid var(--rule);
  padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
p.meta, p.note, figcaption { color: var(--muted); font-size: 0.9rem; }
section { margin: 28px 0; }
.verdict { border-left: 8px solid var(--ink); background: #f6f6f6; padding: 14px 18px;
  font-size: 1.25rem; font-weight: 600; }
.verdict.build { border-color: var(--build); }
.verdict.buy { border-color: var(--buy); }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin-top: 12px; }
.kpi { border: 1px solid var(--rule); padding: 8px 10px; }
.kpi b { display: block; font-size: 1.2rem; }
.kpi span { color: var(--muted); font-size: 0.85rem; }
table { border-collapse: collapse; width: 100%%; font-size: 0.92rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #fafafa; }
th.buy { border-bottom: 4px solid var(--buy); }
th.build { border-bottom: 4px dashed var(--build); }
td.indent { padding-left: 24px; color: var(--muted); }
td.source { color: var(--muted); font-size: 0.85rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.88em; }
figure { margin: 0 0 12px; }
figure svg { display: block; width: 100%%; height: auto; max-width: 960px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid var(--ink);
  vertical-align: -2px; margin-right: 4px; }
.swatch.buy { background: var(--buy); }
.swatch.build { background: repeating-linear-gradient(45deg, var(--build) 0 4px,
  #222 4px 5px); }
footer { color: var(--muted); font-size: 0.8rem; border-top: 1px solid var(--rule);
  padding-top: 8px; margin-top: 40px; }
ul.errors { color: #a00; }
td.status.bad { color: #a00; font-weight: bold; }
@page { size: A4; margin: 14mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid; page-break-inside: avoid; }
  section.inputs, section.plans { break-inside: auto; page-break-inside: auto; }
  .page-break { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _css() -> str:
    from gpu_calc.charts import PALETTE

    return CSS % {"buy": PALETTE["buy"].color, "build": PALETTE["build"].color}


def esc(text: Any) -> str:
    """Text for HTML, escaped (quotes too)."""
    return html.escape(str(text), quote=True)


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` or ``<!--`` can end the block."""
    text = json.dumps(data, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass
class Uncertainty:
    """The uncertainty part of a report: tornado and Monte Carlo dicts, or why not."""

    tornado: dict[str, Any] | None = None
    simulation: dict[str, Any] | None = None
    note: str = ""


def check_samples(loaded: LoadedScenario, samples: int) -> None:
    """Refuse, before any work, a Monte Carlo run of ``samples`` above the memory limit,
    with the message ``simulate`` and ``plot`` give (:func:`gpu_calc.limits.check_simulation`);
    nothing when the scenario has no uncertain field (no Monte Carlo is run).

    Raises
    ------
    InputError
        Naming ``--samples N``.
    """
    from gpu_calc import limits
    from gpu_calc.inputs import ModelInputs

    inputs = ModelInputs.from_scenario(loaded)
    uncertain = inputs.uncertain()
    if not uncertain:
        return
    try:
        from gpu_calc.uncertainty import DEFAULT_CHUNK_SIZE
    except ImportError:  # no uncertainty module: no Monte Carlo either
        return
    limits.check_simulation(
        samples,
        inputs.horizon_years,
        len(uncertain),
        DEFAULT_CHUNK_SIZE,
        1,
        arrays=inputs.fleet_arrays(),
    )


def uncertainty_of(loaded: LoadedScenario, samples: int, seed: int) -> Uncertainty:
    """Tornado and Monte Carlo of a scenario with uncertain fields (empty when it has none).

    When the uncertainty module is not installed the result carries a note instead.

    Raises
    ------
    InputError
        When ``samples`` would take more memory than the limit (:func:`check_samples`).
        Inputs so large that a figure overflows are said in the note instead.
    """
    from gpu_calc.inputs import ModelInputs

    if not ModelInputs.from_scenario(loaded).uncertain():
        return Uncertainty()
    try:
        from gpu_calc.uncertainty.montecarlo import simulate
        from gpu_calc.uncertainty.sensitivity import tornado
    except ImportError:
        return Uncertainty(
            note="This scenario has uncertain inputs, but this build of gpucalc has no "
            "uncertainty module: the tornado and the Monte Carlo histogram are left out."
        )
    check_samples(loaded, samples)
    out = Uncertainty()
    notes = []
    # inputs so extreme that a figure overflows give no tornado or histogram: said in words
    try:
        out.tornado = tornado(loaded).to_dict()
    except InputError as exc:
        notes.append(f"No tornado: {exc.message}.")
    try:
        out.simulation = simulate(loaded, samples=samples, seed=seed).to_dict()
    except InputError as exc:
        notes.append(f"No Monte Carlo: {exc.message}.")
    out.note = " ".join(notes)
    return out


# --------------------------------------------------------------------------- inputs


def _number_text(v: float) -> str:
    """A number of a distribution as written by people: ``600,000``, ``1,000,000``,
    ``0.25``, ``1.5e+20`` (no ``1e+06`` for a million).

    >>> _number_text(1e6), _number_text(600000.0), _number_text(0.25), _number_text(1.5e20)
    ('1,000,000', '600,000', '0.25', '1.5e+20')
    """
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.10g}"


def _value_text(value: Any) -> str:
    """A number, or a distribution as ``pert(low=1, mode=2, high=4)``."""
    if hasattr(value, "model_dump"):
        data = value.model_dump(by_alias=True)
        name = data.pop("dist")
        args = ", ".join(
            f"{k}={_number_text(v)}" if isinstance(v, float | int) else f"{k}={v}"
            for k, v in data.items()
        )
        return f"{name}({args})"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


#: Top-level keys that are no input of the model: the file's version, its name and
#: description, and what is computed or checked beside it.
_NOT_INPUTS = ("version", "name", "description", "perspective", "expect")

_ALPHA = re.compile(r"^(build\.chip|build\.generations\[(\d+)\]\.chip)\.yield_alpha$")


def not_used(loaded: LoadedScenario, key: str) -> str | None:
    """Why the input ``key`` changes no number, or None when it is used: a price given for
    the installed base (sunk, MODEL.md 11.4), a later chip generation's software budget (the
    build plan pays ``build.nre.software_usd_per_year`` once, 11.2), a yield alpha beside a
    yield model other than ``negative_binomial`` (section 4)."""
    from gpu_calc.inputs import INSTALLED_PRICE, LATER_SOFTWARE

    if INSTALLED_PRICE.match(key):
        return "not used (sunk)"
    if LATER_SOFTWARE.match(key):
        return "not used (build.nre.software_usd_per_year is paid once)"
    m = _ALPHA.match(key)
    if m:
        build = loaded.scenario.build
        chip = build.chip if m.group(2) is None else build.generations[int(m.group(2))].chip
        if chip.yield_model != "negative_binomial":
            return f"not used (yield_model is {chip.yield_model})"
    return None


def _unwritten_part(path: tuple[str | int, ...], doc: Any) -> bool:
    """A chip's ``memory`` or ``packaging`` type that its file (or a --set) does not name:
    filled in from the accelerator preset for information, it prices nothing (issue 15's
    bill of materials applies only when the file asks for it)."""
    if len(path) < 2 or path[-1] not in ("memory", "packaging") or path[-2] != "chip":
        return False
    return path not in doc.marks and path not in doc.overrides


def _setting(value: Any) -> Any:
    """A value that is not a numeric field, as shown: a text, texts joined, or a number."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def input_values(loaded: LoadedScenario) -> list[tuple[str, Any, str]]:
    """Every input of the scenario: (key path, value as given, where it came from), in the
    order of the file's sections (MODEL.md sections 2 and 11).

    The value is a number, a distribution, or a text: a preset's name, a choice
    (``yield_model``, ``nre.timing``), the workloads a chip serves (``inference,
    training``). The source is the ``--set`` that gave it, the preset it was filled in from
    (with the preset's own source), the scenario file's line, or ``default``. Inputs the
    model does not use are listed too; :func:`not_used` says which and why.
    """
    from gpu_calc.inputs import ModelInputs
    from gpu_calc.scenario import input_leaves

    doc = loaded.doc
    rows: list[tuple[str, Any, str]] = []

    def source(path: tuple[str | int, ...]) -> str:
        if path in doc.overrides:
            return f"--set {doc.overrides[path]}"
        preset = loaded.preset_sources.get(path)  # type: ignore[arg-type]
        if preset is not None:
            return preset
        if path in doc.marks:
            return f"{doc.source}, line {doc.marks[path][0]}"
        return "default"

    fields = ModelInputs.from_scenario(loaded).fields
    seen = set()
    for path, value, bounds in input_leaves(loaded.scenario):
        if path[0] in _NOT_INPUTS:
            continue
        key = format_path(path)
        field = fields.get(key)
        if field is not None:
            rows.append((key, field.value, source(field.path)))
            seen.add(key)
        elif bounds is None and not _unwritten_part(path, doc):
            rows.append((key, _setting(value), source(path)))
    # every numeric field, whatever the walk above (the engine's inputs are the contract)
    rows.extend((k, f.value, source(f.path)) for k, f in fields.items() if k not in seen)
    return rows


def input_rows(loaded: LoadedScenario) -> list[tuple[str, str, str]]:
    """Every input of the scenario as text: (key path, value as written, where it came from)
    (see :func:`input_values`); an input the model does not use says so after its value."""
    rows = []
    for key, value, src in input_values(loaded):
        text = _value_text(value)
        note = not_used(loaded, key)
        rows.append((key, f"{text}: {note}" if note else text, src))
    return rows


# --------------------------------------------------------------------------- HTML parts


def _svg(fig: Any, prefix: str, label: str) -> str:
    from gpu_calc.charts import figure_bytes, inline_svg

    return inline_svg(figure_bytes(fig, "svg"), prefix, label)


def _drawn(draw: Callable[[], Any], prefix: str, label: str, caption: str, sep: str = "") -> str:
    """A chart as ``<figure>`` with its caption, or a note when its figures are all too large
    to draw (:class:`gpu_calc.charts.NothingToDraw`)."""
    from gpu_calc.charts import NothingToDraw

    try:
        fig = draw()
    except NothingToDraw as exc:
        return f'<p class="note">No chart: {esc(exc)}.</p>\n'
    return (
        f"<figure>{_svg(fig, prefix, label)}{sep}<figcaption>{esc(caption)}</figcaption></figure>\n"
    )


def _chart_section(
    ident: str,
    title: str,
    draw: Callable[[], Any],
    caption: str,
    extra: str = "",
    page_break: bool = False,
) -> str:
    cls = "chart page-break" if page_break else "chart"
    figure = _drawn(draw, ident, title, caption, sep="\n")
    return (
        f'<section id="{ident}" class="{cls}">\n<h2>{esc(title)}</h2>\n{figure}{extra}</section>\n'
    )


def _num_attr(x: Any) -> str:
    return "" if x is None else repr(float(x))


def _plans_table(result: dict[str, Any]) -> str:
    from gpu_calc.render.rows import difference, for_people, plan_rows, signed

    result = for_people(result)
    buy, build = result["plans"]["buy"], result["plans"]["build"]
    lines = [
        "<table>",
        '<thead><tr><th>Metric</th><th class="num buy"><span class="swatch buy"></span>Buy</th>'
        '<th class="num build"><span class="swatch build"></span>Build</th>'
        '<th class="num">Build − Buy</th></tr></thead><tbody>',
    ]
    for key, label, fmt in plan_rows(result):
        indent = ' class="indent"' if label.startswith(" ") else ""
        cells = [f"<td{indent}>{esc(label.strip())}</td>"]
        for name, plan in (("buy", buy), ("build", build)):
            cells.append(
                f'<td class="num" data-key="{name}.{key}" data-value="{_num_attr(plan[key])}">'
                f"{esc(fmt(plan[key]))}</td>"
            )
        cells.append(f'<td class="num">{esc(signed(fmt, difference(buy[key], build[key])))}</td>')
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _years_table(result: dict[str, Any]) -> str:
    from gpu_calc.render.rows import YEARLY_HEADER, YEARLY_TITLE, yearly_cells, yearly_note

    basis = YEARLY_TITLE.split(": ", 1)[1]
    lines = [
        f'<p class="note">{esc(basis[0].upper() + basis[1:])}.</p>',
        "<table><thead><tr>"
        + "".join(f'<th class="num">{esc(h)}</th>' for h in YEARLY_HEADER)
        + "</tr></thead><tbody>",
    ]
    for cells in yearly_cells(result):
        lines.append("<tr>" + "".join(f'<td class="num">{esc(c)}</td>' for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    note = yearly_note(result)
    if note:
        lines.append(f'<p class="note">{esc(note)}</p>')
    return "\n".join(lines)


def _kpis(result: dict[str, Any]) -> str:

    comp = result["comparison"]
    payback = comp["payback_year"]
    start_year = result.get("start_year")
    path = human.payback_path(comp.get("savings_npv_usd_per_year"))
    plain = human.payback(payback, result["horizon_years"], start_year)
    words = human.payback(payback, result["horizon_years"], start_year, path)
    if payback is not None and words != plain:
        # "pays back for good in 2027, after being ahead in the first year"
        caption = words
    elif payback == 0:
        # "building is cheaper from the first year: no payback period"
        caption = f"building is {human.payback(0, 1)}"
    else:
        caption = "payback of building"
    cell = human.payback_short(
        payback, start_year, comp["savings_npv_usd"], comp.get("lasting_payback_year")
    )
    payback_kpi = (cell, caption)
    items = [
        (human.usd(comp["savings_npv_usd"]), "savings NPV of building (buy − build)", "savings"),
        (human.percent(comp["savings_pct"]), "of the buy plan's NPV", "savings_pct"),
        (*payback_kpi, "payback"),
        (
            f"{result['horizon_years']} y at {result['discount_rate'] * 100:.3g}%",
            "horizon and discount rate",
            "horizon",
        ),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi" data-key="{key}"><b>{esc(v)}</b><span>{esc(t)}</span></div>'
            for v, t, key in items
        )
        + "</div>"
    )


def _silicon_table(result: dict[str, Any]) -> str:
    from gpu_calc.render import roadmap
    from gpu_calc.render.rows import silicon_rows

    if len(result.get("silicon_generations", [])) > 1:  # a column per chip generation
        return _html_table(roadmap.silicon_header(result), roadmap.silicon_cells(result))
    rows = "".join(
        f'<tr><td>{esc(label)}</td><td class="num" data-key="silicon.{key}" '
        f'data-value="{_num_attr(result["silicon"][key])}">{esc(fmt(result["silicon"][key]))}'
        "</td></tr>"
        for key, label, fmt in silicon_rows([result["silicon"]])
    )
    return f"<table><tbody>{rows}</tbody></table>"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain table: the first column text, the others numbers."""
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if i else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fleet_section(result: dict[str, Any], comparison: Any) -> str:
    """The roadmap: capacity by generation (chart), units per fleet and the NRE timeline."""
    from gpu_calc import charts
    from gpu_calc.render import roadmap

    tables = ""
    for plan in ("buy", "build"):
        tables += f"<h3>{esc(roadmap.fleet_title(plan))}</h3>\n"
        tables += _html_table(roadmap.fleet_header(result, plan), roadmap.fleet_cells(result, plan))
        tables += "\n"
    if roadmap.has_nre_timeline(result):
        tables += f"<h3>{esc(roadmap.NRE_TITLE)}</h3>\n"
        tables += _html_table(roadmap.nre_header(result), roadmap.nre_cells(result)) + "\n"
    return _chart_section(
        "fleet",
        "The fleet by generation",
        lambda: charts.comparison_figure("fleet", comparison),
        "Capacity in service each year (units in service times their performance, in "
        "reference-equivalents), by generation of bought accelerators, of in-house chips, and "
        "the installed base. Units owned beyond what is needed stand idle and are not shown. "
        "The tables below count units, in service and bought, not their performance.",
        extra=tables,
        page_break=True,
    )


def _perspective(result: dict[str, Any]) -> str:
    from gpu_calc.render.rows import PERSPECTIVE_HEADER, for_people, perspective_cells

    result = for_people(result)
    head = "".join(
        f'<th class="num">{h}</th>' if i >= 2 else f"<th>{h}</th>"
        for i, h in enumerate(PERSPECTIVE_HEADER)
    )
    rows = "".join(
        "<tr>"
        f"<td>{esc(cells[0])}</td><td><code>{esc(cells[1])}</code></td>"
        f'<td class="num">{esc(cells[2])}</td><td class="num">{esc(cells[3])}</td>'
        f'<td class="num" data-key="perspective.{i}.ratio" data-value="{_num_attr(p["ratio"])}">'
        f"{esc(cells[4].removesuffix('x') + '×' if cells[4].endswith('x') else cells[4])}</td></tr>"
        for i, (p, cells) in enumerate(
            zip(result["perspective"], perspective_cells(result), strict=True)
        )
    )
    return (
        '<section id="perspective">\n<h2>In perspective</h2>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>\n</section>\n"
    )


def _inputs(loaded: LoadedScenario) -> str:
    rows = "".join(
        f'<tr><td><code>{esc(k)}</code></td><td class="num">{esc(v)}</td>'
        f'<td class="source">{esc(src)}</td></tr>'
        for k, v, src in input_rows(loaded)
    )
    return (
        '<section id="inputs" class="inputs page-break">\n<h2>Inputs and their sources</h2>\n'
        '<p class="note">Every input the model used, as given or filled in from a preset '
        "(with the preset's source), and the place it came from.</p>\n"
        '<table><thead><tr><th>Key</th><th class="num">Value</th><th>Source</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>\n</section>\n"
    )


def _uncertainty(u: Uncertainty) -> str:
    from gpu_calc.charts import histogram_figure, tornado_figure

    if u.tornado is None and u.simulation is None:
        if not u.note:
            return ""
        return (
            '<section id="uncertainty" class="page-break">\n<h2>Uncertainty</h2>\n'
            f'<p class="note">{esc(u.note)}</p>\n</section>\n'
        )
    parts = ['<section id="uncertainty" class="page-break">\n<h2>Uncertainty</h2>\n']
    if u.note:
        parts.append(f'<p class="note">{esc(u.note)}</p>\n')
    if u.simulation is not None:
        sim = u.simulation
        stats = sim["comparison"]["savings_npv_usd"]
        p = sim["comparison"]["probability_build_cheaper"]
        clipped = {k: v for k, v in (sim.get("clipped") or {}).items() if v}
        clip_text = (
            " Draws clipped to their valid range: "
            + ", ".join(f"{k} {v:,}" for k, v in clipped.items())
            + "."
            if clipped
            else ""
        )
        parts.append(
            '<p data-key="montecarlo">Monte Carlo with '
            f"{human.count(int(sim['samples']), 'sample')}, seed "
            f"{esc(sim['seed'])}: building is cheaper in <b>{human.probability(p)}</b> of samples; "
            f"savings NPV P5 {esc(human.usd(stats['p5']))}, median "
            f"{esc(human.usd(stats['p50']))}, P95 {esc(human.usd(stats['p95']))}, mean "
            f"{esc(human.usd(stats['mean']))}.{esc(clip_text)}</p>\n"
        )
    tornado, simulation = u.tornado, u.simulation
    if tornado is not None:
        parts.append(
            _drawn(
                lambda: tornado_figure(tornado),
                "tornado",
                "Tornado of savings",
                "Savings NPV when one input moves at a time; the line is the base case.",
            )
        )
    if simulation is not None:
        parts.append(
            _drawn(
                lambda: histogram_figure(simulation),
                "histogram",
                "Histogram of savings",
                "Distribution of the savings NPV over the samples.",
            )
        )
    parts.append("</section>\n")
    return "".join(parts)


def render_report(
    loaded: LoadedScenario, samples: int = REPORT_SAMPLES, seed: int = REPORT_SEED
) -> str:
    """The whole report of one scenario as an HTML document (needs matplotlib).

    Parameters
    ----------
    loaded : LoadedScenario
        A validated scenario.
    samples, seed : int
        Monte Carlo samples and seed, used when the scenario has uncertain fields.

    Raises
    ------
    InputError
        When ``samples`` would take more memory than the limit, before any work.
    """
    from gpu_calc import charts
    from gpu_calc.render import roadmap
    from gpu_calc.results import compare

    charts.require_matplotlib()
    check_samples(loaded, samples)
    comparison = compare(loaded)
    result = comparison.to_dict()
    s = loaded.scenario
    comp = result["comparison"]
    description = (
        f'<p class="description">{esc(s.description.strip())}</p>\n' if s.description else ""
    )
    body = [
        f"<header>\n<h1>{esc(result['scenario'])}</h1>\n{description}"
        f'<p class="meta">Scenario file <code>{esc(printable(loaded.source))}</code> · '
        f"{human.count(result['horizon_years'], 'year')} · discount rate "
        f"{result['discount_rate'] * 100:.3g}% · money in USD, no inflation</p>\n</header>\n",
        f'<section id="verdict">\n<h2>Verdict</h2>\n'
        f'<div class="verdict {esc(comp["cheaper"] or "none")}">{esc(comp["verdict"])}</div>\n'
        f"{_kpis(result)}\n</section>\n",
        '<section id="plans" class="plans">\n<h2>The two plans side by side</h2>\n'
        '<p class="note">Buy: every unit of demand on bought accelerators. Build: a share of '
        "demand moves to the in-house chip, which adds its NRE and software cost. Totals over "
        "the horizon, undiscounted except the NPVs.</p>\n"
        f"{_plans_table(result)}\n<h3>Cash flows by year</h3>\n{_years_table(result)}\n"
        "</section>\n",
    ]
    body.append(
        _chart_section(
            "cumulative",
            "Cumulative discounted cost",
            lambda: charts.comparison_figure("cumulative", comparison),
            "Capex and NRE discounted to the start of each year, opex to its end, the "
            "residual value credited in the last year: each line ends at its plan's NPV. "
            "The star marks the year from which building has cost less.",
            page_break=True,
        )
    )
    if roadmap.is_roadmap(result) or roadmap.has_nre_timeline(result):
        body.append(_fleet_section(result, comparison))
    body.append(
        _chart_section(
            "breakdown",
            "Where the money goes",
            lambda: charts.comparison_figure("breakdown", comparison),
            "Undiscounted cost over the horizon by component; the residual value of what is "
            "still in life at the end is a credit below zero. The black bar is the TCO.",
        )
    )
    body.append(
        _chart_section(
            "resources",
            "Energy, water and carbon per year",
            lambda: charts.comparison_figure("resources", comparison),
            "Facility energy is IT energy times PUE; water counts on-site and off-site use; "
            "emissions count the grid and the embodied carbon of units bought that year.",
            page_break=True,
        )
    )
    body.append(
        _chart_section(
            "silicon",
            "The in-house chip's unit price",
            lambda: charts.comparison_figure("silicon", comparison),
            "From the wafer to one chip: the wafer's price shared over its dies, the dies "
            "lost to defects, then memory, packaging, packages lost in assembly, the board and "
            "any partner's markup.",
            extra=_silicon_table(result) + "\n",
        )
    )
    body.append(_uncertainty(uncertainty_of(loaded, samples, seed)))
    if result["perspective"]:
        body.append(_perspective(result))
    body.append(_inputs(loaded))
    body.append(
        f"<footer>Made by gpucalc {esc(__version__)}. The exact numbers are in this file's "
        "<code>gpucalc-data</code> block (the JSON of <code>gpucalc compare --format json"
        "</code>).</footer>\n"
    )
    return _page(result["scenario"], "".join(body), data=result)


def _page(title: str, body: str, data: Any = None) -> str:
    script = (
        '<script type="application/json" id="gpucalc-data">'
        + _json_for_script(data)
        + "</script>\n"
        if data is not None
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="gpucalc {esc(__version__)}">\n'
        f"<title>{esc(title)} · gpucalc report</title>\n<style>{_css()}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n{script}</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- many reports


#: The longest report stem, in bytes: with ``-NNN.html`` the name stays under the 255
#: bytes most file systems allow.
MAX_STEM_BYTES = 200


def _report_name(path: str, taken: set[str]) -> str:
    """``scenarios/meta-2024.yaml`` -> ``meta-2024.html`` (``meta-2024-2.html`` if taken,
    ignoring case, as macOS and Windows file systems do; never ``index.html``). A stem too
    long for a file name is cut and ends in a hash of the path, so that two long names
    stay apart.

    >>> taken = set()
    >>> [_report_name(p, taken) for p in ("a/A.yaml", "b/a.yaml", "Index.yml")]
    ['A.html', 'a-2.html', 'Index-2.html']
    >>> long = _report_name("x" * 300 + ".yaml", set())
    >>> len(long.encode()), long[-14:]
    (194, '-9ccfb387.html')
    """
    import hashlib

    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(path).stem) or "report"
    if len(stem.encode()) > MAX_STEM_BYTES:
        digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        cut = stem.encode()[: MAX_STEM_BYTES - 20].decode("utf-8", "ignore")
        stem = f"{cut}-{digest}"
    name = f"{stem}.html"
    n = 2
    while name.lower() in taken or name.lower() == "index.html":
        name = f"{stem}-{n}.html"
        n += 1
    taken.add(name.lower())
    return name


def _error_lines(error: BaseException | str | Sequence[InputError]) -> list[str]:
    if isinstance(error, list | tuple):
        return [str(e) for e in error]
    if isinstance(error, InputErrors):
        return [str(e) for e in error.errors]
    if isinstance(error, InputError):
        return [str(error)]
    return [str(error)]


#: The mark of a page gpucalc wrote (its ``<meta name="generator">``): such a file in a
#: ``--report-dir`` may be replaced by a new run; any other file is kept unless asked.
GENERATOR_MARK = b'<meta name="generator" content="gpucalc'


def _written_by_gpucalc(path: Path) -> bool:
    """Whether ``path`` is a regular file (not a symlink) whose head has GENERATOR_MARK."""
    import os
    import stat

    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return False
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        return GENERATOR_MARK in fh.read(4096)


def plan_report_dir(
    directory: str | Path, names: Sequence[str], inputs: Inputs | None = None, replace: bool = False
) -> list[Path]:
    """Check that ``names`` may be written in ``directory``; return those that exist (and
    will be replaced).

    A name that exists may be replaced when gpucalc wrote it (a report of an earlier run),
    or with ``replace``; a symlink is never followed (with ``replace`` the link itself is
    replaced), and a directory, device or FIFO is never replaced, nor is an input.

    Raises
    ------
    OutputError
        Naming every file it refuses to replace, before anything is written.
    """
    import os
    import stat

    from gpu_calc.files import OutputError

    out = Path(directory)
    existing: list[Path] = []
    refused: list[str] = []
    for name in names:
        target = out / name
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        if inputs is not None and inputs.which(str(target)) is not None:
            raise OutputError(f"refusing to overwrite an input, {target}")
        mine = _written_by_gpucalc(target)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise OutputError(f"{target} is in the way (not a regular file); move it away")
        if not mine and not replace:
            refused.append(name + (" (a symlink)" if stat.S_ISLNK(st.st_mode) else ""))
        existing.append(target)
    if refused:
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        listed = ", ".join(refused[:5]) + more
        raise OutputError(
            f"refusing to replace files gpucalc did not write: {listed} "
            "(move them away, choose another folder, or add --replace-reports)"
        )
    return existing


def report_names(paths: Sequence[str]) -> list[str]:
    """The file name of each scenario's report, in order (``index.html`` is the index's)."""
    taken: set[str] = set()
    return [_report_name(path, taken) for path in paths]


def write_report_dir(
    results: Sequence[tuple[str, LoadedScenario | BaseException | str | Sequence[InputError]]],
    directory: str | Path,
    samples: int = REPORT_SAMPLES,
    seed: int = REPORT_SEED,
    progress: Callable[[int, int], None] | None = None,
    *,
    inputs: Inputs | None = None,
    replace: bool = False,
    replaced: list[Path] | None = None,
    failures: Mapping[str, Sequence[str]] | None = None,
) -> list[Path]:
    """Write one report per scenario and an ``index.html`` linking them with a summary.

    Parameters
    ----------
    results : sequence of (str, LoadedScenario or error)
        Each scenario file's path and either its loaded scenario or the error it gave:
        an :class:`~gpu_calc.errors.InputErrors`, a list of
        :class:`~gpu_calc.errors.InputError` (as ``batch.FileResult.errors``), any
        exception, or a message. Files with an error are listed in the index with their
        error lines and get no report.
    directory : str or Path
        Where to write; created if missing.
    samples, seed : int
        Monte Carlo samples and seed for scenarios with uncertain fields.
    progress : callable, optional
        Called as ``progress(done, total)`` before the first file and after each one.
    inputs : Inputs, optional
        Files that must not be written (the scenarios read).
    replace : bool
        Also replace files gpucalc did not write (see :func:`plan_report_dir`).
    replaced : list, optional
        Receives the paths of the files that existed and were replaced.
    failures : mapping, optional
        Each scenario path's failed expectations, one line each (``batch``): the index's
        Status column says ``failed`` and lists them (else ``ok``; ``invalid`` for errors).

    Returns
    -------
    list of Path
        The files written, the index last.

    Raises
    ------
    OutputError
        When a file may not be replaced (nothing is written then), or cannot be written.
    """
    from gpu_calc.files import write_file
    from gpu_calc.results import compare

    out = Path(directory)
    valid = [path for path, item in results if isinstance(item, LoadedScenario)]
    names = iter(report_names(valid))
    existing = plan_report_dir(out, [*report_names(valid), "index.html"], inputs, replace)
    if replaced is not None:
        replaced.extend(existing)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows = []
    if progress:
        progress(0, len(results))
    for done, (path, item) in enumerate(results, start=1):
        if progress and done > 1:
            progress(done - 1, len(results))
        if not isinstance(item, LoadedScenario):
            lines = "".join(f"<li>{esc(line)}</li>" for line in _error_lines(item))
            rows.append(
                f'<tr><td><code>{esc(path)}</code></td><td class="status bad">invalid</td>'
                f'<td colspan="5"><ul class="errors">{lines}</ul></td></tr>'
            )
            continue
        failed = list((failures or {}).get(path, ()))
        status = (
            '<td class="status bad">failed<ul class="errors">'
            + "".join(f"<li>{esc(line)}</li>" for line in failed)
            + "</ul></td>"
            if failed
            else '<td class="status">ok</td>'
        )
        name = next(names)
        target = out / name
        write_file(str(target), render_report(item, samples, seed), inputs, follow=False)
        written.append(target)
        data = compare(item).to_dict()
        comp = data["comparison"]
        payback = comp["payback_year"]
        comp_start = data.get("start_year")
        pay_text = human.payback_short(
            payback,
            comp_start,
            comp["savings_npv_usd"],
            comp.get("lasting_payback_year"),
        )
        rows.append(
            f'<tr><td><a href="{esc(name)}">{esc(item.scenario.name)}</a><br>'
            f"<code>{esc(path)}</code></td>{status}"
            f"<td>{esc(comp['cheaper'])}</td>"
            f'<td class="num" data-value="{_num_attr(comp["savings_npv_usd"])}">'
            f"{esc(human.usd(comp['savings_npv_usd']))}</td>"
            f'<td class="num">{esc(human.percent(comp["savings_pct"]))}</td>'
            f'<td class="num">{esc(pay_text)}</td>'
            f"<td>{esc(comp['verdict'])}</td></tr>"
        )
    body = (
        "<header><h1>gpucalc reports</h1>\n"
        f'<p class="meta">{len(results)} scenario file{"s" if len(results) != 1 else ""}</p>'
        "</header>\n"
        '<section id="summary">\n<table><thead><tr><th>Scenario</th><th>Status</th>'
        "<th>Cheaper</th>"
        '<th class="num">Savings NPV</th><th class="num">Savings</th>'
        '<th class="num">Payback</th><th>Verdict</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>\n</section>\n"
    )
    if progress:
        progress(len(results), len(results))
    index = out / "index.html"
    write_file(str(index), _page("gpucalc reports", body), inputs, follow=False)
    written.append(index)
    return written
