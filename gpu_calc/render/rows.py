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
    ("unit_price_usd", "Unit price of the chip", human.usd),
    ("nre_usd", "NRE (design + IP + masks)", human.usd),
]


def difference(buy: float | None, build: float | None) -> float | None:
    """Build minus buy, or None when either is missing."""
    if buy is None or build is None:
        return None
    return build - buy


def signed(formatter: Callable[[Any], str], x: float | None) -> str:
    """A difference with an explicit sign: ``+$1.2B``, ``-340 GWh``."""
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    text = formatter(abs(x))
    return ("+" if x > 0 else "-") + text


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


def yearly_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Cash flows per year of both plans and the discounted savings (cumulative too)."""
    out = []
    cumulative: float | None = 0.0
    buy = result["plans"]["buy"]["per_year"]
    build = result["plans"]["build"]["per_year"]
    savings = result["comparison"]["savings_npv_usd_per_year"]
    for t in range(result["horizon_years"]):
        cumulative = total(cumulative, savings[t])
        out.append(
            {
                "year": t,
                "buy_capex_usd": total(
                    buy["hw_capex_usd"][t], buy["facility_capex_usd"][t], buy["nre_usd"][t]
                ),
                "buy_opex_usd": buy["opex_usd"][t],
                "build_capex_usd": total(
                    build["hw_capex_usd"][t], build["facility_capex_usd"][t], build["nre_usd"][t]
                ),
                "build_opex_usd": build["opex_usd"][t],
                "savings_discounted_usd": savings[t],
                "cumulative_savings_usd": cumulative,
            }
        )
    return out


#: Column headings of the cash-flow table (capex includes NRE; savings are discounted).
YEARLY_HEADER = (
    "Year",
    "Buy capex",
    "Buy opex",
    "Build capex",
    "Build opex",
    "Savings (disc.)",
    "Cumulative",
)


def yearly_cells(result: dict[str, Any]) -> list[list[str]]:
    """The cash-flow table for people: one row of human numbers per year."""
    return [
        [
            str(r["year"]),
            human.usd(r["buy_capex_usd"]),
            human.usd(r["buy_opex_usd"]),
            human.usd(r["build_capex_usd"]),
            human.usd(r["build_opex_usd"]),
            signed(human.usd, r["savings_discounted_usd"]),
            signed(human.usd, r["cumulative_savings_usd"]),
        ]
        for r in yearly_rows(result)
    ]


def metric_formatter(metric: str) -> Callable[[Any], str]:
    """The human formatter of a per-plan metric, by the unit its name carries.

    >>> metric_formatter("energy_it_kwh_per_year")(1.309e9), metric_formatter("bought_units")(3.5e5)
    ('1.31 TWh', '350,000')
    """
    if metric.endswith("_usd") or "_usd_" in metric:
        return human.usd
    if "_kwh" in metric:
        return human.energy_kwh
    if metric.endswith("_l"):
        return human.water_l
    if metric.endswith("_kg"):
        return human.co2e_kg
    if metric.endswith("_units"):
        return human.units
    return human.number


#: Column headings of the perspective table.
PERSPECTIVE_HEADER = ("Reference", "Metric (plan)", "Ours", "Reference value", "Ratio")


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
                human.number(p["ratio"]) + "x",
            ]
        )
    return rows
