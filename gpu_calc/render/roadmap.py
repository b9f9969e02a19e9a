"""The roadmap views of a comparison (MODEL.md section 11): the fleet by generation, the NRE
timeline, tokens, and calendar years. Every view (table, Markdown, CSV, report) takes its
rows from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gpu_calc.render import human


def year_label(result: dict[str, Any], t: int) -> str:
    """Year ``t`` as people read it (:func:`gpu_calc.render.human.year`): the calendar year
    when ``start_year`` is known, else counted from 1.

    >>> year_label({"start_year": 2024}, 2), year_label({"start_year": None}, 2)
    ('2026', '3')
    """
    return human.year(t, result.get("start_year"))


def is_roadmap(result: dict[str, Any]) -> bool:
    """True when the scenario uses generations or an installed base (more fleets than one
    bought accelerator and one chip), so the fleet by generation is worth a table."""
    fleets = result["plans"]["build"].get("fleets", [])
    return any(f["side"] == "installed" or f["generation"] > 0 for f in fleets)


def has_nre_timeline(result: dict[str, Any]) -> bool:
    """True when some NRE is paid after year 0 or there is more than one chip generation."""
    timeline = result.get("nre_timeline", [])
    return len(timeline) > 1 or any(any(v for v in g["nre_usd_per_year"][1:]) for g in timeline)


def tokens(x: float | None) -> str:
    """A count of tokens in words, in every view (table, Markdown, report): ``199
    quadrillion``, ``3.2 billion``; past the quintillions, a power of ten.

    >>> tokens(1.986768e17), tokens(3.2e9), tokens(None)
    ('199 quadrillion', '3.2 billion', 'n/a')
    >>> tokens(4.5e18), tokens(2e21), tokens(12345.0), tokens(999.7e15)
    ('4.5 quintillion', '2.00 × 10^21', '12,345', '1 quintillion')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    x = float(f"{x:.3g}") if abs(x) >= 1e6 else x  # 999.7 million is 1 billion
    for scale, word in (
        (1e18, "quintillion"),
        (1e15, "quadrillion"),
        (1e12, "trillion"),
        (1e9, "billion"),
        (1e6, "million"),
    ):
        if abs(x) >= scale and abs(x) < scale * 1000:
            return f"{x / scale:.3g} {word}"
    return human.number(x)


#: (plan key, label, formatter) of the token rows, shown when the scenario gives tokens.
TOKEN_ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("tokens", "Tokens served", tokens),
    ("usd_per_million_tokens", "Cost per million tokens", human.usd),
]


def token_rows(result: dict[str, Any]) -> list[tuple[str, str, Callable[[Any], str]]]:
    """The token rows when some workload gives tokens, else none."""
    return TOKEN_ROWS if result["plans"]["buy"].get("tokens") is not None else []


def fleet_name(fleet: dict[str, Any]) -> str:
    """``h100-sxm (bought 0)``, ``mtia-v2 (chip 1)``, ``a100 (installed)``."""
    where = (
        "installed" if fleet["side"] == "installed" else f"{fleet['side']} {fleet['generation']}"
    )
    return fleet["label"] if fleet["label"] == where else f"{fleet['label']} ({where})"


def _compact(x: float | None) -> str:
    """Units in a narrow cell: ``838k``, ``1.25M``, ``950``.

    >>> _compact(837989.0), _compact(1250000.0), _compact(950.0), _compact(0.0)
    ('838k', '1.25M', '950', '0')
    >>> _compact(999_700.0), _compact(999.7), _compact(-999_999_999.0), _compact(2.5e12)
    ('1M', '1k', '-1B', '2.50 × 10^12')
    """
    if x is None:
        return "n/a"
    x = float(f"{x:.3g}")  # rounded first: 999,700 is 1M, not 1e+03k
    a = abs(x)
    if a >= 1e12:
        return human.power_of_ten(x, 3)
    if a >= 1e9:
        return f"{x / 1e9:.3g}B"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}" if a else "0"


def fleet_header(result: dict[str, Any], plan: str) -> list[str]:
    """Columns of the fleet table of one plan: the year, then one per fleet."""
    return ["Year"] + [fleet_name(f) for f in result["plans"][plan]["fleets"]]


def fleet_cells(result: dict[str, Any], plan: str, stack: bool = False) -> list[list[str]]:
    """Units in service each year per fleet of one plan, with the units bought that year:
    ``838k (+838k)``, or ``838k`` over ``+838k`` with ``stack`` (narrow terminal tables); a
    fleet not yet on sale shows ``-``."""
    fleets = result["plans"][plan]["fleets"]
    rows = []
    for t in range(result["horizon_years"]):
        cells = [year_label(result, t)]
        for f in fleets:
            active, bought = f["active_units_per_year"][t], f["units_bought_per_year"][t]
            if not active and not bought and (f["from_year"] is None or t < f["from_year"]):
                cells.append("-")
                continue
            added = (
                (f"\n+{_compact(bought)}" if stack else f" (+{_compact(bought)})") if bought else ""
            )
            cells.append(_compact(active) + added)
        rows.append(cells)
    return rows


def fleet_title(plan: str) -> str:
    return f"{plan.capitalize()} plan: units in service by generation (+ bought that year)"


def nre_header(result: dict[str, Any]) -> list[str]:
    """Columns of the NRE timeline: the year, then one per chip generation."""
    return ["Year"] + [
        f"{g['label']} (chip {g['generation']})" for g in result.get("nre_timeline", [])
    ]


def nre_cells(result: dict[str, Any]) -> list[list[str]]:
    """NRE paid each year per chip generation; the year of first silicon is marked ``*``
    (past the horizon: said in the last row)."""
    timeline = result.get("nre_timeline", [])
    rows = []
    for t in range(result["horizon_years"]):
        cells = [year_label(result, t)]
        for g in timeline:
            paid = g["nre_usd_per_year"][t]
            text = human.usd(paid) if paid else "-"
            if g["first_silicon_year"] == t:
                text += " *"
            cells.append(text)
        rows.append(cells)
    # past the horizon; None: past any year (a respin delay that overflows)
    late = [
        g
        for g in timeline
        if g["first_silicon_year"] is None or g["first_silicon_year"] >= result["horizon_years"]
    ]
    if late:
        rows.append(
            ["later"]
            + [
                ""
                if g not in late
                else "* never"
                if g["first_silicon_year"] is None
                else f"* {year_label(result, g['first_silicon_year'])}"
                for g in timeline
            ]
        )
    return rows


NRE_TITLE = "Chip NRE paid by year (* first silicon)"


def silicon_header(result: dict[str, Any]) -> list[str]:
    """Columns of the silicon table: the figure, then one per chip generation."""
    timeline = result.get("nre_timeline", [])
    if len(result.get("silicon_generations", [])) <= 1:
        return ["Figure", "Value"]
    return ["Figure"] + [f"{g['label']} (chip {g['generation']})" for g in timeline]


def silicon_cells(result: dict[str, Any]) -> list[list[str]]:
    """Each silicon figure of every chip generation."""
    from gpu_calc.render.rows import silicon_rows

    blocks = result.get("silicon_generations") or [result["silicon"]]
    return [[label] + [fmt(b[key]) for b in blocks] for key, label, fmt in silicon_rows(blocks)]
