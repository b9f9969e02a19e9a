"""The rows every human or spreadsheet view of a comparison shows, in one place."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gpu_calc.render import human

#: (plan key, label, human formatter) for the side-by-side view of the two plans.
PLAN_ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("npv_usd", "NPV of cost", human.usd),
    ("tco_usd", "Total cost of ownership", human.usd),
    ("capex_usd", "Capex (hardware + facility)", human.usd),
    ("facility_capex_usd", "  of which facility", human.usd),
    ("nre_usd", "Chip NRE", human.usd),
    ("opex_usd", "Opex", human.usd),
    ("electricity_usd", "  of which electricity", human.usd),
    ("residual_usd", "Residual value at end", human.usd),
    ("energy_it_kwh", "IT energy", human.energy_kwh),
    ("energy_facility_kwh", "Facility energy", human.energy_kwh),
    ("water_l", "Water", human.water_l),
    ("co2e_kg", "Emissions", human.co2e_kg),
    ("bought_units", "Accelerators bought", human.units),
    ("chip_units", "In-house chips built", human.units),
    ("peak_it_mw", "Peak IT capacity (MW)", human.number),
    ("usd_per_reference_hour", "Cost per reference-hour", human.usd),
    ("fleet_length_km", "Fleet laid end to end (km)", human.number),
]

#: (silicon key, label, formatter).
SILICON_ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("dies_per_wafer", "Dies per wafer", lambda x: human.units(x)),
    ("die_yield", "Die yield", lambda x: "n/a" if x is None else f"{x * 100:.1f}%"),
    ("die_usd", "Cost of a good die", human.usd),
    ("dies_per_package", "Dies per package", lambda x: human.units(x)),
    ("dies_usd", "Cost of the package's dies", human.usd),
    ("memory_usd", "Memory", human.usd),
    ("packaging_usd", "Packaging", human.usd),
    ("test_assembly_usd", "Test and assembly", human.usd),
    ("unit_price_usd", "Unit price of the chip", human.usd),
    ("embodied_kg_co2e", "Manufacturing emissions per chip", human.co2e_kg),
    ("nre_usd", "NRE (design + IP + masks)", human.usd),
]

#: Silicon rows shown only when some chip generation has a figure other than its default
#: (a chip without a bill of materials or several dies keeps MODEL.md section 4's table).
SILICON_OPTIONAL = {
    "test_assembly_usd": 0,
    "embodied_kg_co2e": 0,
    "dies_per_package": 1,
}
#: Rows shown together with another optional row (the dies' cost with their number).
_SHOWN_WITH = {"dies_usd": "dies_per_package"}


def silicon_rows(
    blocks: list[dict[str, Any]],
) -> list[tuple[str, str, Callable[[Any], str]]]:
    """The rows of :data:`SILICON_ROWS` that ``blocks`` (silicon blocks) have to show."""

    def shown(key: str) -> bool:
        key = _SHOWN_WITH.get(key, key)
        if key not in SILICON_OPTIONAL:
            return True
        return any(b.get(key, SILICON_OPTIONAL[key]) != SILICON_OPTIONAL[key] for b in blocks)

    return [row for row in SILICON_ROWS if row[0] in blocks[0] and shown(row[0])]


def difference(buy: float | None, build: float | None) -> float | None:
    """Build minus buy, or None when either is missing."""
    if buy is None or build is None:
        return None
    return build - buy


def signed(formatter: Callable[[Any], str], x: float | None) -> str:
    """A difference with an explicit sign: ``+$1.2B``, ``-340 GWh``. No difference, or one
    that rounds to nothing in the row's unit, is written as the plans' columns write zero
    (``$0``), with no sign: never ``-0``.

    >>> usd = lambda x: f"${x:.0f}"
    >>> signed(usd, 1.5), signed(usd, -0.0), signed(usd, -1e-12), signed(str, None)
    ('+$2', '$0', '$0', 'n/a')
    """
    if x is None:
        return "n/a"
    if not math.isfinite(x):  # an overflowing figure: the formatter says n/a, with no sign
        return formatter(x)
    zero = formatter(0.0)
    text = formatter(abs(x))
    if x == 0 or text == zero:
        return zero
    return ("+" if x > 0 else "-") + text


def plan_rows(result: dict[str, Any]) -> list[tuple[str, str, Callable[[Any], str]]]:
    """The rows of the side-by-side view: :data:`PLAN_ROWS`, then any other figure both plans
    carry as one number (a key added later shows up with its name, in the unit its name
    says)."""
    from gpu_calc.render.roadmap import TOKEN_ROWS, token_rows

    buy, build = result["plans"]["buy"], result["plans"]["build"]
    rows = [row for row in PLAN_ROWS + token_rows(result) if row[0] in buy and row[0] in build]
    known = {key for key, _label, _fmt in PLAN_ROWS + TOKEN_ROWS}
    for key, value in buy.items():
        if key in known or key not in build:
            continue
        if value is None or isinstance(value, int | float) and not isinstance(value, bool):
            rows.append((key, key.replace("_", " "), human.formatter(key)))
    return rows


def for_people(result: dict[str, Any]) -> dict[str, Any]:
    """The comparison as the human views show it: a figure whose inputs were not all given
    (``plans.<plan>.missing_inputs``, e.g. a fleet length with no ``length_mm``) is n/a,
    where the JSON keeps MODEL.md's number (a missing length counts 0)."""
    plans = {}
    for name, plan in result["plans"].items():
        missing = plan.get("missing_inputs") or {}
        plans[name] = {**plan, **dict.fromkeys(missing)} if missing else plan
    out = {**result, "plans": plans}
    out["perspective"] = [
        {**p, "metric_value": None, "ratio": None}
        if p["metric"] in (result["plans"][p["plan"]].get("missing_inputs") or {})
        else p
        for p in result.get("perspective", [])
    ]
    return out


def total(*values: float | None) -> float | None:
    """The sum, or None when a value is missing (null in JSON: it overflowed) or the sum
    overflows: a figure too large to compute is shown as n/a, never as a wrong number.

    >>> total(1.0, 2.0), total(1.0, None), total(1e308, 1e308)
    (3.0, None, None)
    """
    if any(v is None for v in values):
        return None
    try:
        out = math.fsum(values)  # type: ignore[arg-type]
    except OverflowError:
        return None
    return out if math.isfinite(out) else None
    return out


def _yearly(plan: dict[str, Any], key: str, t: int) -> float | None:
    """A per-year value; a series the plan lacks is 0, a value that overflowed (null) None."""
    series = plan["per_year"].get(key)
    if series is None:
        return 0.0
    value = series[t]
    return None if value is None else float(value)


def yearly_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Cash flows of each year: spending as paid (undiscounted), savings discounted.

    ``*_capex_usd`` is hardware plus facility (as ``capex_usd``), ``*_nre_usd`` the chip's
    NRE paid that year, ``*_opex_usd`` the opex; ``savings_pv_usd`` is the year's discounted
    savings (``comparison.savings_npv_usd_per_year``, the last year with the residual values)
    and ``cumulative_savings_pv_usd`` their running sum, which ends at ``savings_npv_usd``.
    ``year`` is the 0-based index of the JSON.
    """
    out = []
    cumulative: float | None = 0.0
    plans = result["plans"]
    savings = result["comparison"]["savings_npv_usd_per_year"]
    for t in range(result["horizon_years"]):
        cumulative = total(cumulative, savings[t])  # n/a from an overflow on
        row: dict[str, Any] = {"year": t}
        for name in ("buy", "build"):
            plan = plans[name]
            row[f"{name}_capex_usd"] = total(
                _yearly(plan, "hw_capex_usd", t), _yearly(plan, "facility_capex_usd", t)
            )
            row[f"{name}_nre_usd"] = _yearly(plan, "nre_usd", t)
            row[f"{name}_opex_usd"] = _yearly(plan, "opex_usd", t)
        row["savings_pv_usd"] = savings[t]
        row["cumulative_savings_pv_usd"] = cumulative
        out.append(row)
    return out


#: Column headings of the cash-flow table: one basis per column, said in the heading
#: (capex is hardware + facility, as in the plans table; the NRE has its own column).
YEARLY_HEADER = (
    "Year",
    "Buy capex",
    "Buy opex",
    "Build capex",
    "Build NRE",
    "Build opex",
    "Savings (PV)",
    "Cumulative savings (PV)",
)
#: The cash-flow table's title: the basis of its columns.
YEARLY_TITLE = "Cash flows by year: spending as paid, savings at present value (PV)"


def yearly_cells(result: dict[str, Any]) -> list[list[str]]:
    """The cash-flow table for people: one row of human numbers per year."""
    start_year = result.get("start_year")
    return [
        [
            human.year(r["year"], start_year),
            human.usd(r["buy_capex_usd"]),
            human.usd(r["buy_opex_usd"]),
            human.usd(r["build_capex_usd"]),
            human.usd(r["build_nre_usd"]),
            human.usd(r["build_opex_usd"]),
            signed(human.usd, r["savings_pv_usd"]),
            signed(human.usd, r["cumulative_savings_pv_usd"]),
        ]
        for r in yearly_rows(result)
    ]


def yearly_note(result: dict[str, Any]) -> str:
    """What the table leaves out: the residual values the last year's savings include."""
    buy = result["plans"]["buy"].get("residual_usd") or 0.0
    build = result["plans"]["build"].get("residual_usd") or 0.0
    if not buy and not build:
        return ""
    return (
        f"The last year's savings include the residual value at the end (buy "
        f"{human.usd(buy)}, build {human.usd(build)}), discounted."
    )


def metric_formatter(metric: str) -> Callable[[Any], str]:
    """The human formatter of a per-plan metric, by the unit its name carries.

    >>> metric_formatter("energy_it_kwh_per_year")(1.309e9), metric_formatter("bought_units")(3.5e5)
    ('1.31 TWh', '350,000')
    >>> metric_formatter("tokens")(1.986768e17)
    '199 quadrillion'
    """
    if metric == "tokens":  # in words, as the plans' table says them
        from gpu_calc.render.roadmap import tokens

        return tokens
    return human.formatter(metric)


#: Column headings of the perspective table.
PERSPECTIVE_HEADER = ("Reference", "Metric (plan)", "Ours", "Reference value", "Ours / reference")


def perspective_cells(result: dict[str, Any]) -> list[list[str]]:
    """One row per perspective entry, numbers in the unit of its metric."""
    rows = []
    for p in result["perspective"]:
        fmt = metric_formatter(p["metric"])
        rows.append(
            [
                p["label"],
                f"{p['metric']} ({p['plan']})",
                fmt(p["metric_value"]),
                fmt(p["value"]),
                human.ratio(p["ratio"]),
            ]
        )
    return rows
