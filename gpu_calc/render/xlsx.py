"""An Excel workbook for finance: ``--format xlsx -o FILE.xlsx`` (XlsxWriter).

Built from a comparison's JSON (``to_dict()``, MODEL.md section 8) and the scenario's inputs,
generically: every scalar per-plan key becomes a row of *Summary*, every per-year series of
each plan a row of *Per year*, so keys added to the JSON flow in without a change here.
Numbers stay numbers (in the JSON's units: USD, kWh, litres, kg), shown through number
formats (``$1,234``, ``1.31 TWh``, ``2.08 Mt``).

Sheets:

- **Summary**: the discount rate (an input cell: every NPV follows it), both plans side by
  side with the difference, and the comparison: savings, payback year, cheaper plan, verdict.
- **Per year**: demand, discount factors, every per-year series of each plan, each plan's
  discounted cost, and the discounted and cumulative savings behind the payback year.
- **Silicon**: the waterfall from wafer to unit price, and the NRE.
- **Inputs**: every input with its value, the base value used, and its place in the file or
  its preset source.
- **Uncertainty** (when the scenario has distributions, or with ``simulate``): each
  distribution with its P10 and P90; the Monte Carlo percentiles, clipped draws and histogram.
- **Sweep** (with ``sweep``): the outputs over the grid.

Totals, NPVs, the silicon waterfall and the comparison are live formulas over the per-year
cells and inputs, so an analyst can audit them and change them; each formula also stores the
value gpucalc computed, for readers that do not recalculate. A formula is written only where
it reproduces gpucalc's number (to 1e-9 relative); anywhere else the value is written, so a
workbook never disagrees with the JSON.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gpu_calc import __version__
from gpu_calc.render import human
from gpu_calc.render.rows import total as _sum

if TYPE_CHECKING:
    from gpu_calc.results import Comparison
    from gpu_calc.scenario import LoadedScenario

SUMMARY = "Summary"
PER_YEAR = "Per year"
SILICON = "Silicon"
INPUTS = "Inputs"
UNCERTAINTY = "Uncertainty"
SWEEP = "Sweep"

#: Relative agreement a formula must reach with gpucalc's number to be written.
RTOL = 1e-9

#: Labels of the per-year series (others are named after their key).
YEAR_LABELS = {
    "hw_capex_usd": "Hardware capex",
    "facility_capex_usd": "Facility capex",
    "nre_usd": "Chip NRE",
    "opex_usd": "Opex",
    "electricity_usd": "  of which electricity",
    "colocation_usd": "  of which colocation",
    "energy_it_kwh": "IT energy",
    "energy_facility_kwh": "Facility energy",
    "water_l": "Water",
    "co2e_kg": "Emissions",
    "need_it_mw": "IT capacity needed (MW)",
    "built_it_mw": "IT capacity built (MW)",
    "bought_units": "Accelerators bought",
    "chip_units": "In-house chips built",
    "active_bought_units": "Accelerators in service",
    "active_chip_units": "In-house chips in service",
}

COMPARISON_LABELS = {
    "savings_npv_usd": "Savings NPV (buy - build)",
    "savings_pct": "Savings, % of the buy plan's NPV",
    "payback_year": "Payback year (0-based)",
    "lasting_payback_year": "Ahead for good from year (0-based)",
    "cheaper": "Cheaper plan",
    "verdict": "Verdict",
}


@dataclass
class InputRow:
    """One input: its key, value as given (a number or a text), base value and source."""

    key: str
    value: Any
    source: str
    #: the number the deterministic run used (None for texts and for inputs not used)
    base: float | None = None
    #: a distribution's P10 and P90, as the model takes them (None for plain numbers)
    p10: float | None = None
    p90: float | None = None
    #: why the model does not use this input (None when it does): "not used (sunk)"
    note: str | None = None

    @property
    def uncertain(self) -> bool:
        return self.p10 is not None


@dataclass
class WorkbookData:
    """Everything a workbook shows: the comparison's JSON, the inputs, and optionally a
    simulation's or a sweep's JSON."""

    result: dict[str, Any]
    inputs: list[InputRow]
    simulation: dict[str, Any] | None = None
    sweep: dict[str, Any] | None = None
    version: str = __version__
    yield_model: str = "murphy"
    #: tokens served in each year, the same in both plans (MODEL.md 11.6), or None
    tokens_per_year: list[float] | None = None


def data_of(
    loaded: LoadedScenario,
    comparison: Comparison | None = None,
    simulation: dict[str, Any] | None = None,
    sweep: dict[str, Any] | None = None,
) -> WorkbookData:
    """The workbook's data for a scenario (its comparison is computed when not given)."""
    from gpu_calc.distributions import is_uncertain
    from gpu_calc.inputs import ModelInputs
    from gpu_calc.report import _value_text, input_values, not_used
    from gpu_calc.uncertainty.params import clip_values

    if comparison is None:
        from gpu_calc.results import compare

        comparison = compare(loaded)
    inputs = ModelInputs.from_scenario(loaded)
    fields = inputs.fields
    rows = []
    for key, value, source in input_values(loaded):
        f = fields.get(key)
        note = not_used(loaded, key)
        if note is not None:
            shown = _value_text(value) if is_uncertain(value) else f.base if f else value
            rows.append(InputRow(key, shown, source, note=note))
        elif f is not None and is_uncertain(value):
            # P10 and P90 as the tornado takes them: inside the field's range, integer
            # fields rounded (halves up)
            (p10, p90), _ = clip_values(inputs, f, [value.ppf(0.1), value.ppf(0.9)])
            rows.append(InputRow(key, _value_text(value), source, f.base, float(p10), float(p90)))
        elif f is not None:
            rows.append(InputRow(key, f.base, source, f.base))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rows.append(InputRow(key, float(value), source, float(value)))
        else:
            rows.append(InputRow(key, str(value), source))
    return WorkbookData(
        comparison.to_dict(),
        rows,
        simulation,
        sweep,
        yield_model=loaded.scenario.build.chip.yield_model,
        tokens_per_year=_tokens_per_year(inputs),
    )


def _tokens_per_year(inputs: Any) -> list[float] | None:
    """Tokens served in each year (MODEL.md 11.6) at the base values: each workload's demand
    times its ``reference_tokens_per_s``, over a year of seconds; None when no rate is given.
    """
    h = inputs.horizon_years
    fields = inputs.fields

    def per_year(key: str) -> list[float] | None:
        if key in fields:
            return [fields[key].base] * h
        if f"{key}[0]" in fields:
            return [fields[f"{key}[{t}]"].base for t in range(h)]
        return None

    names = inputs.structure.workloads
    prefixes = ["demand"] if names is None else [f"demand.workloads.{w}" for w in names]
    out = [0.0] * h
    rated = False
    for prefix in prefixes:
        rate, units = fields.get(f"{prefix}.reference_tokens_per_s"), per_year(f"{prefix}.units")
        if rate is None or units is None:
            continue
        rated = True
        for t in range(h):
            out[t] += units[t] * rate.base * 3600 * 8760
    return out if rated else None


# --------------------------------------------------------------------------- helpers


def _close(a: float | None, b: float | None) -> bool:
    """Whether a formula's value ``a`` reproduces gpucalc's ``b``."""
    if a is None or b is None:
        return a is None and b is None
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _guarded(compute: Callable[[], float | None]) -> float | None:
    """A formula's value as gpucalc works it out, or None where that overflows or divides
    by zero (the cell then shows gpucalc's own figure, null: an empty cell).

    >>> _guarded(lambda: 1 / 4), _guarded(lambda: 1 / 0), _guarded(lambda: (1e300) ** 2)
    (0.25, None, None)
    """
    try:
        value = compute()
    except (ArithmeticError, ValueError):  # ZeroDivisionError, OverflowError, math domain
        return None
    return float(value) if value is not None and math.isfinite(value) else None


def cell(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    """An A1 reference, 0-based row and column: ``cell(0, 2)`` -> ``C1``.

    >>> cell(3, 1, "Per year", absolute=True)
    "'Per year'!$B$4"
    """
    from xlsxwriter.utility import xl_rowcol_to_cell

    ref = str(xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute))
    if sheet is None:
        return ref
    return f"'{sheet}'!{ref}" if " " in sheet else f"{sheet}!{ref}"


def _scaled(value: float, steps: Sequence[tuple[float, str, str]], base: str) -> str:
    for threshold, commas, unit in steps:
        if abs(value) >= threshold:
            return f'#,##0.00{commas}" {unit}"'
    return f'#,##0.00" {base}"'


#: Excel number format of each unit of :func:`gpu_calc.render.human.unit_of` (money by
#: magnitude, energies, water and emissions scaled by magnitude: see :func:`number_format`).
_EXCEL_FORMATS = {
    "_usd_per_kwh": "$#,##0.0000",
    "_usd_per_reference_hour": "$#,##0.0000",
    "_usd_per_million_tokens": "$#,##0.0000",
    "_l_per_kwh": '0.00" L/kWh"',
    "_kg_co2e_per_kwh": '0.000" kg/kWh"',
    "_kg_co2e_per_gb": '0.000" kg/GB"',
    "_kg_co2e_per_cm2": '0.000" kg/cm2"',
    "_per_cm2": '0.000" /cm2"',
    "_mw": '#,##0.0" MW"',
    "_km": '#,##0.0" km"',
    "_mm": '#,##0.0" mm"',
    "_mm2": '#,##0.0" mm2"',
    "_w": '#,##0" W"',
    "_w_per_server": '#,##0" W/server"',
    "_gb": '#,##0" GB"',
    "_pct": '0.0"%"',
    "_tokens_per_s": '#,##0" tokens/s"',
    "share": "0.0%",
    "units": "#,##0",
    "_years": "0",
    "_year": "0",
    "respins": "0",
    "per_server": "0",
    "per_package": "0",
}
_SCALED = {
    "_kwh": ([(1e9, ",,,", "TWh"), (1e6, ",,", "GWh"), (1e3, ",", "MWh")], "kWh"),
    "_l": ([(1e9, ",,,", "GL"), (1e6, ",,", "ML"), (1e3, ",", "m3")], "L"),
    "_kg": ([(1e9, ",,,", "Mt"), (1e6, ",,", "kt"), (1e3, ",", "t")], "kg"),
}
_SCALED["_kwh_per_year"] = _SCALED["_kwh"]
_SCALED["_kg_co2e"] = (
    [(1e9, ",,,", "Mt CO2e"), (1e6, ",,", "kt CO2e"), (1e3, ",", "t CO2e")],
    "kg CO2e",
)
#: Names whose format their unit does not say.
_NAMED_FORMATS = {
    "pue": "0.00",
    "perf_vs_reference": "0.000",
    "tokens": "#,##0",
    "dies_per_wafer": "#,##0",
    "payback_year": "#,##0",
    "lasting_payback_year": "#,##0",
}


def number_format(key: str, magnitude: float = 0.0) -> str:
    """The Excel number format of a value named ``key`` of about ``magnitude``, chosen by the
    unit its name carries (:func:`gpu_calc.render.human.unit_of`, as every human view);
    large energies, water and emissions are shown scaled (the value stays in the JSON's
    unit), money with cents below 1,000 USD.

    >>> number_format("energy_it_kwh", 1.3e9)
    '#,##0.00,,," TWh"'
    >>> number_format("npv_usd", 1e10), number_format("die_usd", 188.9)
    ('$#,##0;-$#,##0', '$#,##0.00;-$#,##0.00')
    >>> number_format("site.electricity_usd_per_kwh[0]"), number_format("site.wue_l_per_kwh")
    ('$#,##0.0000', '0.00" L/kWh"')
    """
    name = human.key_name(key)
    if name in _NAMED_FORMATS:
        return _NAMED_FORMATS[name]
    unit = human.unit_of(key)
    if unit is None:
        return "General"
    if unit in _EXCEL_FORMATS:
        return _EXCEL_FORMATS[unit]
    if unit == "_kg" and "co2e" in name:  # co2e_kg: emissions, said as such
        unit = "_kg_co2e"
    if unit in _SCALED:
        steps, base = _SCALED[unit]
        return _scaled(magnitude, steps, base)
    # money: "_usd" and every "_usd_per_..." not above
    return "$#,##0;-$#,##0" if abs(magnitude) >= 1000 else "$#,##0.00;-$#,##0.00"


class _Book:
    """The workbook being written, with its formats made once each."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                # user text (scenario names, sources) is never a formula or a link
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple[Any, ...], Any] = {}

    def fmt(self, num: str | None = None, **props: Any) -> Any:
        key = (num, tuple(sorted(props.items())))
        if key not in self._formats:
            spec = dict(props)
            if num:
                spec["num_format"] = num
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def close(self) -> bytes:
        self.wb.set_properties(
            {"title": "gpucalc workbook", "comments": f"written by gpucalc {__version__}"}
        )
        self.wb.close()
        return self.buffer.getvalue()


class _Sheet:
    """One worksheet: writes numbers, texts and formulas (with their computed values)."""

    def __init__(self, book: _Book, name: str, widths: Sequence[float]):
        self.book = book
        self.name = name
        self.ws = book.wb.add_worksheet(name)
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)

    def text(self, row: int, col: int, value: str, **style: Any) -> None:
        self.ws.write_string(row, col, value, self.book.fmt(None, **style) if style else None)

    def number(self, row: int, col: int, value: Any, num: str = "General", **style: Any) -> None:
        """A number; ``None`` (the JSON's null) and a figure too large to store (an infinity
        or NaN worked out here) are an empty cell."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            self.ws.write_blank(row, col, None)
        elif isinstance(value, str):
            self.text(row, col, value, **style)
        elif _is_number(value):
            self.ws.write_number(row, col, float(value), self.book.fmt(num, **style))
        else:
            self.text(row, col, str(value), **style)

    def formula(self, row: int, col: int, text: str, value: Any, num: str = "General") -> None:
        """A live formula, with gpucalc's value stored as its cached result (empty when
        there is none, or it is too large to store: Excel shows its own #NUM! or #DIV/0!)."""
        cached: Any = value
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            cached = ""
        self.ws.write_formula(row, col, text, self.book.fmt(num), cached)

    def ref(self, row: int, col: int, absolute: bool = False) -> str:
        return cell(row, col, self.name, absolute)

    def title(self, text: str, note: str = "") -> int:
        self.text(0, 0, text, bold=True, font_size=14)
        if note:
            self.text(1, 0, note, italic=True, font_color="#555555")
        return 3

    def header(self, row: int, labels: Sequence[str]) -> None:
        for col, label in enumerate(labels):
            self.text(row, col, label, bold=True, bottom=1, bg_color="#EEEEEE")


def _label(key: str, labels: dict[str, str]) -> str:
    return labels.get(key, key.replace("_", " ").capitalize())


# --------------------------------------------------------------------------- Per year


@dataclass
class _Years:
    """Where the Per year sheet put things, for the Summary's formulas."""

    #: (plan, per-year key) -> row
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    #: plan -> row of its discounted cost
    discounted: dict[str, int] = field(default_factory=dict)
    demand_row: int | None = None
    demand: list[float] | None = None
    tokens_row: int | None = None
    tokens: list[float] | None = None
    payback_row: int | None = None
    first_col: int = 3
    horizon: int = 0

    def span(self, row: int) -> str:
        """The per-year cells of ``row`` (absolute, with the sheet's name)."""
        a = cell(row, self.first_col, None, True)
        b = cell(row, self.first_col + self.horizon - 1, None, True)
        return f"'{PER_YEAR}'!{a}:{b}"

    def total(self, row: int) -> int:
        return self.first_col + self.horizon


def _per_year(
    book: _Book, data: WorkbookData, rate_ref: str, residual_refs: dict[str, str]
) -> _Years:
    result = data.result
    h = int(result["horizon_years"])
    r = float(result["discount_rate"])
    plans = result["plans"]
    years = _Years(horizon=h)
    c0 = years.first_col
    sh = _Sheet(book, PER_YEAR, [34, 24, 8] + [16] * h + [18])
    row = sh.title(
        f"{result['scenario']}: year by year",
        "Years are 0-based. Capex and NRE are paid at the start of a year, opex at its end "
        "(model.md, section 6). Totals and discounted figures are formulas.",
    )
    start = result.get("start_year")
    when = [f" ({start + t})" if isinstance(start, int) else "" for t in range(h)]
    sh.header(row, ["Series", "Key", "Plan"] + [f"Year {t}{when[t]}" for t in range(h)] + ["Total"])
    row += 1
    year_row = row
    sh.text(row, 0, "Year")
    for t in range(h):
        sh.number(row, c0 + t, t, "0")
    row += 1

    def df(t_ref: str, shift: str) -> str:
        return f"1/(1+{rate_ref})^({t_ref}{shift})"

    start_row, end_row = row, row + 1
    sh.text(start_row, 0, "Discount factor, start of year")
    sh.text(end_row, 0, "Discount factor, end of year")
    for t in range(h):
        t_ref = cell(year_row, c0 + t)
        sh.formula(start_row, c0 + t, "=" + df(t_ref, ""), (1 + r) ** -t, "0.0000")
        sh.formula(end_row, c0 + t, "=" + df(t_ref, "+1"), (1 + r) ** -(t + 1), "0.0000")
    row += 2
    demand = result.get("demand_units_per_year")
    if isinstance(demand, list) and len(demand) == h and all(_is_number(v) for v in demand):
        years.demand_row = row
        years.demand = [float(v) for v in demand]
        sh.text(row, 0, "Demand (reference-equivalents)")
        sh.text(row, 1, "demand_units_per_year")
        for t, v in enumerate(demand):
            sh.number(row, c0 + t, v, "#,##0")
        sh.formula(
            row, c0 + h, f"=SUM({cell(row, c0)}:{cell(row, c0 + h - 1)})", sum(demand), "#,##0"
        )
        row += 1
    tokens = data.tokens_per_year
    if tokens is not None and len(tokens) == h:
        years.tokens_row = row
        years.tokens = tokens
        sh.text(row, 0, "Tokens served (both plans)")
        sh.text(row, 1, "tokens_per_year")
        for t, v in enumerate(tokens):
            sh.number(row, c0 + t, v, "#,##0")
        sh.formula(
            row,
            c0 + h,
            f"=SUM({cell(row, c0)}:{cell(row, c0 + h - 1)})",
            _sum(*tokens),
            "#,##0",
        )
        row += 1
    row += 1

    cash: dict[str, list[float] | None] = {}
    for plan, pdata in plans.items():
        series: dict[str, list[Any]] = pdata.get("per_year", {})
        sh.text(row, 0, f"{plan.capitalize()} plan", bold=True)
        row += 1
        for key, values in series.items():
            if not isinstance(values, list) or len(values) != h:
                continue
            years.rows[(plan, key)] = row
            sh.text(row, 0, _label(key, YEAR_LABELS))
            sh.text(row, 1, key)
            sh.text(row, 2, plan)
            nums = [v for v in values if _is_number(v)]
            num = number_format(key, max((abs(v) for v in nums), default=0.0))
            for t, v in enumerate(values):
                sh.number(row, c0 + t, v, num)
            if len(nums) == h and not key.endswith(("_mw",)) and "active" not in key:
                total = f"=SUM({cell(row, c0)}:{cell(row, c0 + h - 1)})"
                sh.formula(row, c0 + h, total, _sum(*nums), num)
            row += 1
        # the plan's discounted cost, year by year: what its NPV sums
        needed = ("hw_capex_usd", "facility_capex_usd", "nre_usd", "opex_usd")
        if all((plan, k) in years.rows and all(_is_number(v) for v in series[k]) for k in needed):
            flows = []
            sh.text(row, 0, "Discounted cost (capex + NRE at start, opex at end)")
            sh.text(row, 2, plan)
            for t in range(h):
                up = "+".join(cell(years.rows[(plan, k)], c0 + t) for k in needed[:3])
                opex = cell(years.rows[(plan, "opex_usd")], c0 + t)
                value = sum(series[k][t] for k in needed[:3]) * (1 + r) ** -t + series["opex_usd"][
                    t
                ] * (1 + r) ** -(t + 1)
                flows.append(value)
                sh.formula(
                    row,
                    c0 + t,
                    f"=({up})*{cell(start_row, c0 + t)}+{opex}*{cell(end_row, c0 + t)}",
                    value,
                    number_format("x_usd", 1e6),
                )
            sh.formula(
                row,
                c0 + h,
                f"=SUM({cell(row, c0)}:{cell(row, c0 + h - 1)})",
                _sum(*flows),
                number_format("x_usd", 1e6),
            )
            years.discounted[plan] = row
            cash[plan] = flows
            row += 1
        row += 1

    # savings by year: the payback year's working
    savings = result.get("comparison", {}).get("savings_npv_usd_per_year")
    res = {p: plans[p].get("residual_usd") for p in plans}
    if (
        {"buy", "build"} <= set(years.discounted)
        and {"buy", "build"} <= set(residual_refs)
        and isinstance(savings, list)
        and all(_is_number(v) for v in res.values())
    ):
        money = number_format("x_usd", 1e6)
        buy_flows, build_flows = cash["buy"] or [], cash["build"] or []
        ours = [b - d for b, d in zip(buy_flows, build_flows, strict=True)]
        ours[-1] += (res["build"] - res["buy"]) * (1 + r) ** -h
        if all(_close(a, b) for a, b in zip(ours, savings, strict=True)):
            sh.text(row, 0, "Comparison", bold=True)
            row += 1
            s_row, c_row, p_row = row, row + 1, row + 2
            sh.text(s_row, 0, "Savings, discounted (buy - build)")
            sh.text(s_row, 1, "savings_npv_usd_per_year")
            sh.text(c_row, 0, "Cumulative savings, discounted")
            sh.text(p_row, 0, "Paid back by this year")
            cumulative = 0.0
            for t in range(h):
                col = c0 + t
                text = (
                    f"={cell(years.discounted['buy'], col)}-{cell(years.discounted['build'], col)}"
                )
                if t == h - 1:  # the residual values, at the end of the horizon
                    text += f"+({residual_refs['build']}-{residual_refs['buy']})/(1+{rate_ref})^{h}"
                sh.formula(s_row, col, text, savings[t], money)
                cumulative += savings[t]
                prev = f"{cell(c_row, col - 1)}+" if t else ""
                sh.formula(c_row, col, f"={prev}{cell(s_row, col)}", cumulative, money)
                paid = cumulative >= 0
                sh.formula(
                    p_row,
                    col,
                    f'=IF({cell(c_row, col)}>=0,{cell(year_row, col)},"")',
                    t if paid else "",
                    "0",
                )
            sh.formula(
                s_row,
                c0 + h,
                f"=SUM({cell(s_row, c0)}:{cell(s_row, c0 + h - 1)})",
                _sum(*savings),
                money,
            )
            years.payback_row = p_row
            row += 3
    sh.ws.freeze_panes(year_row, c0)
    return years


# --------------------------------------------------------------------------- Summary


def _payback_words(index: str, horizon: int, start_year: Any, cumulative: str | None) -> str:
    """A formula saying the payback year at ``index`` (0-based, empty: never) as
    :func:`gpu_calc.render.human.payback` does, from the cumulative savings ``cumulative``
    (a range of the years; ``None``: not in the book, the plain wording)."""

    def when(t: str) -> str:
        if isinstance(start_year, int):
            return f"({int(start_year)}+{t})"
        return f'"year "&({t}+1)&" of {horizon}"'

    plain = (
        f'IF({index}=0,"cheaper from the first year: no payback period",'
        f'"pays back in "&{when(index)})'
    )
    if cumulative is not None:
        c = cumulative
        first = f'IF({index}=0,"the first year",{when(index)})'
        level = f'IF(INDEX({c},1,{index}+1)=0,"even","ahead")'
        # the year from which the savings stay >= 0: one after the last year below 0
        lasting = f"SUMPRODUCT(MAX(({c}<0)*(COLUMN({c})-MIN(COLUMN({c}))+1)))"
        plain = (
            f"IF(INDEX({c},1,{horizon})<0,"
            f'{level}&" in "&{first}&" but behind again by the end of the horizon",'
            f'IF({lasting}>{index},"pays back for good in "&{when(lasting)}&", after being "&'
            f'{level}&" in "&{first},'
            f'IF(AND(MIN({c})=0,MAX({c})=0),"even every year: the plans cost the same",'
            f'IF({level}="even","even in "&{first}&", ahead from then on",{plain}))))'
        )
    return f'=IF({index}="","does not pay back within {human.count(horizon, "year")}",{plain})'


def _summary(book: _Book, data: WorkbookData) -> None:
    result = data.result
    plans = result["plans"]
    names = list(plans)
    h = int(result["horizon_years"])
    r = float(result["discount_rate"])
    sh = _Sheet(book, SUMMARY, [40, 26] + [18] * len(names) + [18, 60])
    sh.title(
        str(result.get("scenario", "")),
        f"gpucalc {data.version}, from {result.get('source', '')}. Blue cells are inputs; "
        "black figures are formulas or gpucalc's results (model: docs/model.md).",
    )
    rate_row, horizon_row = 3, 4
    sh.text(rate_row, 0, "Discount rate")
    sh.number(rate_row, 1, r, "0.00%", font_color="#0000FF", bg_color="#FFF2CC")
    sh.text(rate_row, 2, "change it: every NPV and the payback year follow", italic=True)
    sh.text(horizon_row, 0, "Horizon (years)")
    sh.number(horizon_row, 1, h, "0")
    rate_ref = sh.ref(rate_row, 1, absolute=True)

    # the plans' table goes first so that Per year can point at the residual values
    top = 6
    diff_col = 2 + len(names)
    sh.header(top, ["Metric", "Key"] + [n.capitalize() for n in names] + ["Build - Buy"])
    keys = [k for k, v in plans[names[0]].items() if v is None or _is_number(v)]
    key_row = {k: top + 1 + i for i, k in enumerate(keys)}
    residual_refs = {
        n: sh.ref(key_row["residual_usd"], 2 + i, absolute=True)
        for i, n in enumerate(names)
        if "residual_usd" in key_row
    }
    years = _per_year(book, data, rate_ref, residual_refs)

    from gpu_calc.render.roadmap import TOKEN_ROWS
    from gpu_calc.render.rows import PLAN_ROWS

    labels = {key: label for key, label, _ in PLAN_ROWS + TOKEN_ROWS}
    for key in keys:
        row = key_row[key]
        sh.text(row, 0, _label(key, labels).strip())
        sh.text(row, 1, key)
        values = [plans[n].get(key) for n in names]
        num = number_format(key, max((abs(v) for v in values if _is_number(v)), default=0.0))
        # a figure whose inputs were not all given is n/a, as in every human view (the JSON
        # keeps MODEL.md's number: a missing length_mm counts 0)
        missing = {n: (plans[n].get("missing_inputs") or {}).get(key) for n in names}
        if any(missing.values()):
            for i, n in enumerate(names):
                if missing[n]:
                    sh.text(row, 2 + i, "n/a")
                else:
                    sh.number(row, 2 + i, plans[n].get(key), num)
            gaps = "; ".join(f"{n}: {m}" for n, m in missing.items() if m)
            sh.text(row, diff_col + 1, f"n/a: not given ({gaps})", italic=True)
            continue
        for i, n in enumerate(names):
            col = 2 + i
            formula = _plan_formula(key, n, plans[n], years, key_row, col, rate_ref, h, r)
            if formula is not None:
                sh.formula(row, col, formula, plans[n].get(key), num)
            else:
                sh.number(row, col, plans[n].get(key), num)
        if {"buy", "build"} <= set(names) and all(_is_number(v) for v in values):
            b, d = names.index("buy") + 2, names.index("build") + 2
            diff = plans["build"][key] - plans["buy"][key]
            sh.formula(
                row,
                diff_col,
                f"={cell(row, d)}-{cell(row, b)}",
                diff,
                # its own scale: a 1.26 GWh difference of two TWh figures is not -0.00 TWh
                number_format(key, abs(diff)) if math.isfinite(diff) else num,
            )

    row = top + len(keys) + 2
    sh.text(row, 0, "Comparison", bold=True)
    row += 1
    comparison = result.get("comparison", {})
    npv = key_row.get("npv_usd")
    crow: dict[str, int] = {}
    for key, value in comparison.items():
        if isinstance(value, list):
            continue
        crow[key] = row
        sh.text(row, 0, _label(key, COMPARISON_LABELS))
        sh.text(row, 1, key)
        text = None
        if npv is not None and {"buy", "build"} <= set(names):
            buy_npv = cell(npv, 2 + names.index("buy"))
            build_npv = cell(npv, 2 + names.index("build"))
            s_ref = cell(crow["savings_npv_usd"], 2) if "savings_npv_usd" in crow else None
            if key == "savings_npv_usd":
                text = f"={buy_npv}-{build_npv}"
            elif key == "savings_pct" and s_ref:
                text = f'=IF({buy_npv}>0,{s_ref}/{buy_npv}*100,"")'
            elif key == "cheaper" and s_ref:
                text = f'=IF({s_ref}>0,"build","buy")'
        if key == "payback_year" and years.payback_row is not None:
            span = years.span(years.payback_row)
            text = f'=IF(COUNT({span})=0,"",MIN({span}))'
        num = number_format(key, abs(value) if _is_number(value) else 0.0)
        if key == "payback_year":
            # the 0-based index is the JSON's; beside it, what an analyst reads (issue 12)
            sh.formula(
                row,
                3,
                _payback_words(
                    cell(row, 2),
                    h,
                    result.get("start_year"),
                    None if years.payback_row is None else years.span(years.payback_row - 1),
                ),
                human.payback(
                    None if value is None else int(value),
                    h,
                    result.get("start_year"),
                    human.payback_path(result["comparison"].get("savings_npv_usd_per_year")),
                ),
            )
        if text is not None:
            sh.formula(row, 2, text, value, num)
        elif key == "verdict":
            sh.text(row, 2, str(value))
            sh.text(row, 3, "(at the discount rate gpucalc was given)", italic=True)
        else:
            sh.number(row, 2, value, num)
        row += 1

    perspective = result.get("perspective") or []
    if perspective:
        row += 1
        sh.text(row, 0, "In perspective", bold=True)
        row += 1
        sh.header(row, ["Reference", "Metric (plan)", "Ours", "Reference value", "Ratio"])
        for p in perspective:
            row += 1
            num = number_format(p["metric"], abs(p["value"]) if _is_number(p["value"]) else 0.0)
            sh.text(row, 0, str(p["label"]))
            sh.text(row, 1, f"{p['metric']} ({p['plan']})")
            sh.number(row, 2, p["metric_value"], num)
            sh.number(row, 3, p["value"], num)
            if _is_number(p["metric_value"]) and _is_number(p["value"]) and p["value"]:
                sh.formula(row, 4, f"={cell(row, 2)}/{cell(row, 3)}", p["ratio"], "0.000")
            else:
                sh.number(row, 4, p["ratio"], "0.000")
    sh.ws.activate()


def _plan_formula(
    key: str,
    plan: str,
    pdata: dict[str, Any],
    years: _Years,
    key_row: dict[str, int],
    col: int,
    rate_ref: str,
    h: int,
    r: float,
) -> str | None:
    """A live formula for a plan's total, when one reproduces gpucalc's value."""
    series = pdata.get("per_year", {})
    value = pdata.get(key)
    if not _is_number(value):
        return None

    def total(k: str) -> float | None:
        s = series.get(k)
        if not isinstance(s, list) or (plan, k) not in years.rows:
            return None
        return _sum(*s) if all(_is_number(v) for v in s) else None

    def span(k: str) -> str:
        return years.span(years.rows[(plan, k)])

    def here(k: str) -> str:
        return cell(key_row[k], col)

    candidates: list[tuple[str, Callable[[], float | None]]] = []
    if total(key) is not None and "active" not in key and not key.endswith("_mw"):
        candidates.append((f"=SUM({span(key)})", lambda: total(key)))
    if (
        key == "capex_usd"
        and total("hw_capex_usd") is not None
        and total("facility_capex_usd") is not None
    ):
        candidates.append(
            (
                f"=SUM({span('hw_capex_usd')})+SUM({span('facility_capex_usd')})",
                lambda: (total("hw_capex_usd") or 0.0) + (total("facility_capex_usd") or 0.0),
            )
        )
    parts = ("capex_usd", "nre_usd", "opex_usd", "residual_usd")
    if key == "tco_usd" and all(k in key_row and _is_number(pdata.get(k)) for k in parts):
        candidates.append(
            (
                f"={here('capex_usd')}+{here('nre_usd')}+{here('opex_usd')}-{here('residual_usd')}",
                lambda: (
                    pdata["capex_usd"]
                    + pdata["nre_usd"]
                    + pdata["opex_usd"]
                    - pdata["residual_usd"]
                ),
            )
        )
    if key == "npv_usd" and plan in years.discounted and "residual_usd" in key_row:
        d_row = years.discounted[plan]
        flows = years.total(d_row)

        def npv() -> float:
            out = 0.0
            for t in range(h):
                up = sum(series[k][t] for k in ("hw_capex_usd", "facility_capex_usd", "nre_usd"))
                out += up * (1 + r) ** -t + series["opex_usd"][t] * (1 + r) ** -(t + 1)
            return out - pdata["residual_usd"] * (1 + r) ** -h

        candidates.append(
            (
                f"={cell(d_row, flows, PER_YEAR, True)}-{here('residual_usd')}/(1+{rate_ref})^{h}",
                npv,
            )
        )
    if key == "peak_it_mw" and (plan, "need_it_mw") in years.rows:
        s = series["need_it_mw"]
        if all(_is_number(v) for v in s):
            candidates.append((f"=MAX({span('need_it_mw')})", lambda: max(s)))
    demand = years.demand
    if key == "usd_per_reference_hour" and demand and years.demand_row is not None:
        tco: Any = pdata.get("tco_usd")
        demand_sum = _sum(*demand)
        if "tco_usd" in key_row and _is_number(tco) and demand_sum is not None and demand_sum > 0:
            candidates.append(
                (
                    f"={here('tco_usd')}/(SUM({years.span(years.demand_row)})*8760)",
                    lambda: float(tco) / (demand_sum * 8760),
                )
            )
    tokens = years.tokens
    if key == "tokens" and tokens is not None and years.tokens_row is not None:
        candidates.append((f"=SUM({years.span(years.tokens_row)})", lambda: _sum(*tokens)))
    if key == "usd_per_million_tokens" and {"tco_usd", "tokens"} <= set(key_row):
        tco_v, tokens_v = pdata.get("tco_usd"), pdata.get("tokens")
        if (
            isinstance(tco_v, int | float)
            and isinstance(tokens_v, int | float)
            and _is_number(tco_v)
            and _is_number(tokens_v)
            and tokens_v
        ):
            per_million = float(tco_v) * 1e6 / float(tokens_v)  # MODEL.md 11.6
            candidates.append((f"={here('tco_usd')}*1000000/{here('tokens')}", lambda: per_million))
    for text, compute in candidates:
        if _close(_guarded(compute), value):
            return text
    return None


# --------------------------------------------------------------------------- Silicon

#: The waterfall's inputs: (label, input key under build.chip or build.nre).
_SILICON_INPUTS = {
    "wafer": ("Wafer price", "build.chip.wafer_usd"),
    "diameter": ("Wafer diameter (mm)", "build.chip.wafer_diameter_mm"),
    "area": ("Die area (mm2)", "build.chip.die_area_mm2"),
    "d0": ("Defect density (per cm2)", "build.chip.defect_density_per_cm2"),
    "harvest": ("Harvestable share of the die area", "build.chip.harvest_area_fraction"),
    "alpha": ("Clustering alpha (negative binomial)", "build.chip.yield_alpha"),
    "per_package": ("Dies per package", "build.chip.dies_per_package"),
    "memory": ("Memory (lump sum)", "build.chip.memory_usd"),
    "memory_gb": ("Memory capacity (GB)", "build.chip.memory_gb"),
    "memory_per_gb": ("Memory price per GB", "build.chip.memory_usd_per_gb"),
    "packaging": ("Packaging (lump sum)", "build.chip.packaging_usd"),
    "packaging_base": ("Packaging base", "build.chip.packaging_base_usd"),
    "packaging_per_mm2": (
        "Packaging price per mm2 of interposer",
        "build.chip.packaging_usd_per_mm2",
    ),
    "interposer": ("Interposer area (mm2)", "build.chip.interposer_area_mm2"),
    "test": ("Test and assembly", "build.chip.test_assembly_usd"),
    "wafer_co2e": ("Wafer carbon (kg CO2e per cm2)", "build.chip.wafer_kg_co2e_per_cm2"),
    "memory_co2e": ("Memory carbon (kg CO2e per GB)", "build.chip.memory_kg_co2e_per_gb"),
    "package_co2e": ("Package carbon (kg CO2e)", "build.chip.package_kg_co2e"),
    "embodied": ("Manufacturing emissions (lump sum)", "build.chip.embodied_kg_co2e"),
    "package_yield": ("Package yield", "build.chip.package_yield"),
    "board": ("Board", "build.chip.board_usd"),
    "markup": ("Design partner markup", "build.chip.partner_markup"),
    "design": ("Design", "build.nre.design_usd"),
    "ip": ("IP", "build.nre.ip_usd"),
    "mask": ("Mask set", "build.chip.mask_set_usd"),
    "respins": ("Respins", "build.nre.respins"),
}


def _yield_formula(model: str, area: str, d0: str, alpha: str) -> str | None:
    x = f"({area}/100*{d0})"
    if model == "murphy":
        return f"=IF({x}=0,1,((1-EXP(-{x}))/{x})^2)"
    if model == "poisson":
        return f"=EXP(-{x})"
    if model == "negative_binomial":
        return f"=(1+{x}/{alpha})^(-{alpha})"
    return None


def _yield_value(model: str, area: float, d0: float, alpha: float) -> float | None:
    x = area / 100 * d0
    if model == "murphy":
        return 1.0 if x == 0 else ((1 - math.exp(-x)) / x) ** 2
    if model == "poisson":
        return math.exp(-x)
    if model == "negative_binomial":
        return float((1 + x / alpha) ** (-alpha))
    return None


#: How the Silicon sheet's waterfall writes an input row (by its short name) and a step
#: (label, JSON key, formula, value, how it is worked out).
_PutInput = Callable[[str], None]
_PutStep = Callable[[str, str, str | None, float | None, str], None]


def _bill_of_materials(
    base: dict[str, Any],
    put_input: _PutInput,
    put_step: _PutStep,
    refs: dict[str, str],
    vals: dict[str, float],
) -> None:
    """Memory, packaging and test and assembly of one chip: each from its parts when the
    scenario prices it from parts (docs/model.md, bill of materials), else its lump sum."""
    text: str | None
    value: float | None
    if "build.chip.memory_usd_per_gb" in base:
        put_input("memory_gb")
        put_input("memory_per_gb")
        text = value = None
        if {"memory_gb", "memory_per_gb"} <= set(refs):
            text = f"={refs['memory_gb']}*{refs['memory_per_gb']}"
            value = _guarded(lambda: vals["memory_gb"] * vals["memory_per_gb"])
        put_step("Memory", "memory_usd", text, value, "capacity x price per GB")
    else:
        put_input("memory")
        text = f"={refs['memory']}" if "memory" in refs else "=0"
        put_step("Memory", "memory_usd", text, vals.get("memory", 0.0), "the lump sum")
    if "build.chip.packaging_base_usd" in base or "build.chip.packaging_usd_per_mm2" in base:
        for name in ("packaging_base", "packaging_per_mm2", "interposer"):
            put_input(name)
        r = {k: refs.get(k, "0") for k in ("packaging_base", "packaging_per_mm2", "interposer")}
        v = {k: vals.get(k, 0.0) for k in ("packaging_base", "packaging_per_mm2", "interposer")}
        put_step(
            "Packaging",
            "packaging_usd",
            f"={r['packaging_base']}+{r['packaging_per_mm2']}*{r['interposer']}",
            _guarded(lambda: v["packaging_base"] + v["packaging_per_mm2"] * v["interposer"]),
            "base + price per mm2 x interposer area",
        )
    else:
        put_input("packaging")
        text = f"={refs['packaging']}" if "packaging" in refs else "=0"
        put_step("Packaging", "packaging_usd", text, vals.get("packaging", 0.0), "the lump sum")
    put_input("test")
    text = f"={refs['test']}" if "test" in refs else "=0"
    how = "as given" if "test" in refs else "none given"
    put_step("Test and assembly", "test_assembly_usd", text, vals.get("test", 0.0), how)


def _carbon(
    base: dict[str, Any],
    put_input: _PutInput,
    put_step: _PutStep,
    refs: dict[str, str],
    vals: dict[str, float],
) -> None:
    """The chip's manufacturing emissions: from its parts (ACT: wafer carbon per cm2 over
    the die yield, memory per GB, package) when it has carbon parts, else the lump sum."""
    keys = ("wafer_co2e", "memory_co2e", "package_co2e")
    if any(_SILICON_INPUTS[k][1] in base for k in keys):
        for name in keys:
            put_input(name)
        if "memory_co2e" in refs and "memory_gb" not in refs:
            put_input("memory_gb")
        names = ("area", "die_yield", "memory_gb") + keys
        if not {"area", "die_yield"} <= set(refs):
            put_step("Manufacturing emissions", "embodied_kg_co2e", None, None, "")
            return
        r = {k: refs.get(k, "0") for k in names}
        v = {k: vals.get(k, 0.0) for k in names}
        # a multi-die package counts each die's carbon (docs/model.md)
        n_ref, n = refs.get("per_package"), vals.get("per_package", 1.0)
        times = f"*{n_ref}" if n_ref else ""
        put_step(
            "Manufacturing emissions",
            "embodied_kg_co2e",
            f"={r['area']}/100*{r['wafer_co2e']}/{r['die_yield']}{times}"
            f"+{r['memory_gb']}*{r['memory_co2e']}+{r['package_co2e']}",
            _guarded(
                lambda: (
                    v["area"] / 100 * v["wafer_co2e"] / v["die_yield"] * n
                    + v["memory_gb"] * v["memory_co2e"]
                    + v["package_co2e"]
                )
            ),
            "die area (cm2) x wafer carbon / die yield"
            + (" x dies per package" if n_ref else "")
            + " + memory x carbon per GB + package",
        )
    else:
        put_input("embodied")
        text = f"={refs['embodied']}" if "embodied" in refs else "=0"
        put_step(
            "Manufacturing emissions",
            "embodied_kg_co2e",
            text,
            vals.get("embodied", 0.0),
            "the lump sum",
        )


def _silicon(book: _Book, data: WorkbookData) -> None:
    silicon = data.result.get("silicon") or {}
    base = {row.key: row.base for row in data.inputs if row.base is not None}
    sh = _Sheet(book, SILICON, [40, 34, 18, 60])
    row = sh.title(
        "Silicon: from wafer to the in-house chip's unit price",
        "model.md, section 4. Inputs in blue; the steps are formulas over them.",
    )
    sh.header(row, ["Step", "Key", "Value", "How"])
    row += 1
    refs: dict[str, str] = {}
    vals: dict[str, float] = {}

    def put_input(name: str) -> None:
        nonlocal row
        label, key = _SILICON_INPUTS[name]
        if key not in base:
            return
        sh.text(row, 0, label)
        sh.text(row, 1, key)
        value = float(base[key])
        sh.number(row, 2, value, number_format(key, value), font_color="#0000FF")
        refs[name], vals[name] = cell(row, 2), value
        row += 1

    def put_step(label: str, key: str, text: str | None, value: float | None, how: str) -> None:
        nonlocal row
        got: Any = silicon.get(key)
        sh.text(row, 0, label, bold=True)
        sh.text(row, 1, f"silicon.{key}")
        num = number_format(key, abs(got) if _is_number(got) else 0.0)
        if text is not None and value is not None and _close(value, got):
            sh.formula(row, 2, text, got, num)
            refs[key] = cell(row, 2)
            vals[key] = float(got)
        else:
            sh.number(row, 2, got, num)
            if _is_number(got):
                refs[key], vals[key] = cell(row, 2), float(got)
        sh.text(row, 3, how, italic=True)
        row += 1

    for name in ("wafer", "diameter", "area", "d0", "harvest"):
        put_input(name)
    if data.yield_model == "negative_binomial":
        put_input("alpha")
    have = set(refs)
    text = value = None
    if {"diameter", "area"} <= have:
        d, a = refs["diameter"], refs["area"]
        text = f"=INT(PI()*({d}/2)^2/{a}-PI()*{d}/SQRT(2*{a}))"
        dv, av = vals["diameter"], vals["area"]
        value = _guarded(
            lambda: math.floor(math.pi * (dv / 2) ** 2 / av - math.pi * dv / math.sqrt(2 * av))
        )
    put_step("Dies per wafer", "dies_per_wafer", text, value, "whole dies, edge loss removed")
    text = value = None
    if {"area", "d0"} <= have:
        alpha_ref = refs.get("alpha", "3")
        # die harvesting: the yield model sees only the critical area (docs/model.md)
        area_ref, area = refs["area"], vals["area"]
        how = f"{data.yield_model} yield model"
        if "harvest" in refs:
            area_ref = f"({refs['area']}*(1-{refs['harvest']}))"
            area = vals["area"] * (1 - vals["harvest"])
            how += " on the critical area, die area x (1 - harvestable share)"
        text = _yield_formula(data.yield_model, area_ref, refs["d0"], alpha_ref)
        value = _guarded(
            lambda: _yield_value(data.yield_model, area, vals["d0"], vals.get("alpha", 3.0))
        )
    else:
        how = f"{data.yield_model} yield model"
    put_step("Die yield", "die_yield", text, value, how)
    text = value = None
    if {"wafer", "dies_per_wafer", "die_yield"} <= set(refs):
        text = f"={refs['wafer']}/({refs['dies_per_wafer']}*{refs['die_yield']})"
        value = _guarded(lambda: vals["wafer"] / (vals["dies_per_wafer"] * vals["die_yield"]))
    put_step("Cost of a good die", "die_usd", text, value, "wafer / (dies x yield)")
    # a multi-die package (docs/model.md): one die's cost times its dies (one by default)
    put_input("per_package")
    given = "per_package" in refs
    put_step(
        "Dies per package (as computed)",
        "dies_per_package",
        f"={refs['per_package']}" if given else "=1",
        vals.get("per_package", 1.0),
        "as given" if given else "one die (default)",
    )
    text = value = None
    if {"dies_per_package", "die_usd"} <= set(refs):
        text = f"={refs['dies_per_package']}*{refs['die_usd']}"
        value = _guarded(lambda: vals["dies_per_package"] * vals["die_usd"])
    put_step("Dies of the package", "dies_usd", text, value, "dies per package x cost of a die")
    _bill_of_materials(base, put_input, put_step, refs, vals)
    for name in ("package_yield", "board", "markup"):
        put_input(name)
    text = value = None
    parts: tuple[str, ...] = ("dies_usd", "memory_usd", "packaging_usd", "test_assembly_usd")
    parts += ("package_yield", "board", "markup")
    if all(p in refs for p in parts):
        r = refs
        text = (
            f"=(({r['dies_usd']}+{r['memory_usd']}+{r['packaging_usd']}+{r['test_assembly_usd']})"
            f"/{r['package_yield']}+{r['board']})*(1+{r['markup']})"
        )
        v = vals
        total = v["dies_usd"] + v["memory_usd"] + v["packaging_usd"] + v["test_assembly_usd"]
        value = _guarded(lambda: (total / v["package_yield"] + v["board"]) * (1 + v["markup"]))
    put_step(
        "Unit price of the chip",
        "unit_price_usd",
        text,
        value,
        "((dies + memory + packaging + test and assembly) / package yield + board) x (1 + markup)",
    )
    _carbon(base, put_input, put_step, refs, vals)
    row += 1
    for name in ("design", "ip", "mask", "respins"):
        put_input(name)
    text = value = None
    if {"design", "ip", "mask", "respins"} <= set(refs):
        r = refs
        text = f"={r['design']}+{r['ip']}+{r['mask']}*(1+{r['respins']})"
        v = vals
        value = _guarded(lambda: v["design"] + v["ip"] + v["mask"] * (1 + v["respins"]))
    put_step("NRE", "nre_usd", text, value, "design + IP + mask set x (1 + respins)")

    generations = data.result.get("silicon_generations")
    if isinstance(generations, list) and len(generations) > 1:
        row += 1
        sh.text(row, 0, "Every chip generation", bold=True)
        row += 1
        keys = [k for k, v in generations[0].items() if v is None or _is_number(v)]
        sh.header(row, ["Generation"] + keys)
        for g, gen in enumerate(generations):
            row += 1
            sh.number(row, 0, g, "0")
            for i, k in enumerate(keys):
                v = gen.get(k)
                sh.number(row, 1 + i, v, number_format(k, abs(v) if _is_number(v) else 0.0))


# --------------------------------------------------------------------------- Inputs


def _inputs(book: _Book, data: WorkbookData) -> None:
    sh = _Sheet(book, INPUTS, [44, 26, 16, 90])
    row = sh.title(
        "Inputs and where they came from",
        "Every input of the scenario as given (numbers, texts and choices), the base value the "
        "deterministic run used ('not used' where the model ignores the input, such as the "
        "price of the installed base), and its source: the file's line, a --set, a preset with "
        "the preset's own source, or the default. "
        "Change inputs in the scenario and run gpucalc again; only the Summary's discount rate "
        "feeds this workbook's formulas.",
    )
    sh.header(row, ["Key", "Value", "Base value", "Source"])
    for item in data.inputs:
        row += 1
        sh.text(row, 0, item.key)
        shown = item.base if item.base is not None else item.value
        magnitude = abs(shown) if _is_number(shown) else 0.0
        num = number_format(item.key, magnitude)
        if isinstance(item.value, str):
            sh.text(row, 1, item.value)
        else:
            sh.number(row, 1, item.value, num)
        if item.note is not None:
            sh.text(row, 2, item.note, italic=True, font_color="#555555")
        else:
            sh.number(row, 2, item.base, num)
        sh.text(row, 3, item.source)
    sh.ws.freeze_panes(4, 1)
    sh.ws.autofilter(3, 0, row, 3)


# --------------------------------------------------------------------------- Uncertainty


def _uncertainty(book: _Book, data: WorkbookData) -> None:
    uncertain = [row for row in data.inputs if row.uncertain]
    sim = data.simulation
    sh = _Sheet(book, UNCERTAINTY, [44, 30, 16, 16, 16, 16])
    row = sh.title(
        "Uncertainty",
        "The scenario's distributions (model.md, section 7); with gpucalc simulate, the Monte "
        "Carlo percentiles (np.percentile, linear) and the savings histogram.",
    )
    if uncertain:
        sh.text(row, 0, "Distributions", bold=True)
        row += 1
        sh.header(row, ["Key", "Distribution", "Base value", "P10", "P90"])
        for item in uncertain:
            row += 1
            num = number_format(item.key, abs(item.base or 0.0))
            sh.text(row, 0, item.key)
            sh.text(row, 1, str(item.value))
            sh.number(row, 2, item.base, num)
            sh.number(row, 3, item.p10, num)
            sh.number(row, 4, item.p90, num)
        row += 2
    if sim is None:
        if uncertain:
            sh.text(
                row, 0, "gpucalc simulate FILE --format xlsx -o FILE.xlsx adds the Monte Carlo."
            )
        return
    sh.text(
        row,
        0,
        f"Monte Carlo: {human.count(sim['samples'], 'sample')}, seed {sim['seed']}",
        bold=True,
    )
    row += 1
    sh.header(row, ["Metric", "Key", "P5", "P50", "P95", "Mean"])
    stats_rows: list[tuple[str, str, dict[str, Any]]] = [
        (
            "Savings NPV (buy - build)",
            "comparison.savings_npv_usd",
            sim["comparison"]["savings_npv_usd"],
        )
    ]
    from gpu_calc.render.uncertainty import SIM_PLAN_ROWS

    labels = {key: label for key, label, _ in SIM_PLAN_ROWS}  # as simulate's table says
    for plan, metrics in sim.get("plans", {}).items():
        for key, stats in metrics.items():
            label = f"{plan.capitalize()}: {labels.get(key, key)}"
            stats_rows.append((label, f"plans.{plan}.{key}", stats))
    for label, key, stats in stats_rows:
        row += 1
        num = number_format(key, abs(stats.get("p50") or 0.0))
        sh.text(row, 0, label)
        sh.text(row, 1, key)
        for i, q in enumerate(("p5", "p50", "p95", "mean")):
            sh.number(row, 2 + i, stats.get(q), num)
    row += 2
    sh.text(row, 0, "Probability that building is cheaper")
    sh.text(row, 1, "comparison.probability_build_cheaper")
    sh.number(row, 2, sim["comparison"].get("probability_build_cheaper"), "0.0%")
    clipped = sim.get("clipped") or {}
    if clipped:
        row += 2
        sh.text(row, 0, "Draws clipped into their valid range", bold=True)
        row += 1
        sh.header(row, ["Key", "Draws clipped"])
        for key, count in clipped.items():
            row += 1
            sh.text(row, 0, key)
            sh.number(row, 1, count, "#,##0")
    hist = sim.get("histogram")
    if hist:
        row += 2
        sh.text(row, 0, "Histogram of savings NPV", bold=True)
        row += 1
        sh.header(row, ["From", "To", "Samples"])
        first = row + 1
        edges, counts = hist["edges_usd"], hist["counts"]
        for i, count in enumerate(counts):
            row += 1
            sh.number(row, 0, edges[i], "$#,##0;-$#,##0")
            sh.number(row, 1, edges[i + 1], "$#,##0;-$#,##0")
            sh.number(row, 2, count, "#,##0")
        row += 1
        sh.text(row, 1, "Total")
        sh.formula(row, 2, f"=SUM({cell(first, 2)}:{cell(row - 1, 2)})", sum(counts), "#,##0")


# --------------------------------------------------------------------------- Sweep


def _sweep(book: _Book, data: WorkbookData) -> None:
    grid = data.sweep or {}
    params: list[str] = grid.get("params", [])
    values: list[list[float]] = grid.get("values", [])
    outputs: dict[str, Any] = grid.get("outputs", {})
    sh = _Sheet(book, SWEEP, [28] + [18] * max(5, 1 + len(values[-1]) if values else 5))
    row = sh.title(
        f"Sweep of {' and '.join(params)}",
        "Every other input at its base value (gpucalc sweep).",
    )
    if len(params) == 1:
        sh.header(row, [params[0], *outputs])
        for i, v in enumerate(values[0]):
            row += 1
            sh.number(row, 0, v, number_format(params[0], abs(v)))
            for j, (key, out) in enumerate(outputs.items()):
                sh.number(row, 1 + j, out[i], number_format(key, 1e6))
        return
    if len(params) != 2:  # more axes: the JSON has them; a sheet shows one or two
        sh.text(row, 0, "Sweeps of more than two parameters are in the JSON output.")
        return
    for key, out in outputs.items():
        sh.text(row, 0, key, bold=True)
        row += 1
        sh.header(row, [f"{params[0]} \\ {params[1]}"] + [f"{v:g}" for v in values[1]])
        for i, v in enumerate(values[0]):
            row += 1
            sh.number(row, 0, v, number_format(params[0], abs(v)))
            for j in range(len(values[1])):
                sh.number(row, 1 + j, out[i][j], number_format(key, 1e6))
        row += 2


# --------------------------------------------------------------------------- the workbook


def render_workbook(data: WorkbookData) -> bytes:
    """The workbook's bytes (an .xlsx file)."""
    book = _Book()
    _summary(book, data)  # also writes Per year, which the summary's formulas read
    _silicon(book, data)
    _inputs(book, data)
    if data.simulation is not None or any(row.uncertain for row in data.inputs):
        _uncertainty(book, data)
    if data.sweep is not None:
        _sweep(book, data)
    return book.close()


def render(
    loaded: LoadedScenario,
    comparison: Comparison | None = None,
    *,
    simulation: dict[str, Any] | None = None,
    sweep: dict[str, Any] | None = None,
) -> bytes:
    """The workbook of a scenario (and of a simulation's or a sweep's JSON, if given)."""
    return render_workbook(data_of(loaded, comparison, simulation, sweep))
