"""CSV for spreadsheets: tidy long form, one number a row: ``plan,metric,year,value``.

``plan`` is ``buy``, ``build``, ``comparison`` or ``scenario``; ``metric`` a JSON key of that
part (``silicon.<key>`` for the in-house chip, on the ``build`` plan); ``year`` the 0-based
year index of the JSON, blank for a total over the horizon; ``value`` an exact number, blank
where the JSON has ``null``. Only numbers sit in ``year`` and ``value``, so a pivot table
or ``pandas.read_csv`` reads them as numbers. The rows iterate the JSON: a key added to a
plan or to its ``per_year`` series appears without a change here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

HEADER = ("plan", "metric", "year", "value")
PLANS = ("buy", "build")


def _cell(x: Any) -> str:
    return "" if x is None else repr(float(x)) if isinstance(x, float) else str(x)


def _is_number(x: Any) -> bool:
    return x is None or isinstance(x, int | float) and not isinstance(x, bool)


def tidy_rows(result: dict[str, Any]) -> Iterator[tuple[str, str, int | None, Any]]:
    """``(plan, metric, year, value)`` for every number of a comparison's JSON.

    Totals of each plan (year ``None``), then each per-year series year by year; the
    chip's silicon on the build plan; the comparison's savings (its total, then the
    discounted savings of each year) and payback; the scenario's horizon, discount rate and
    demand per year. Text (the verdict, ``cheaper``: savings > 0) and the perspective block
    stay in the JSON.
    """
    for name in PLANS:
        plan = result["plans"][name]
        for key, value in plan.items():
            if _is_number(value):
                yield name, key, None, value
        for key, series in plan.get("per_year", {}).items():
            for t, value in enumerate(series):
                yield name, key, t, value
        for f in plan.get("fleets", []):  # MODEL.md 11.7: per generation and installed entry
            where = f"fleet.{f['side']}_{f['generation']}"
            yield name, f"{where}.units_bought", None, f["units_bought"]
            for key in ("units_bought_per_year", "active_units_per_year"):
                for t, value in enumerate(f[key]):
                    yield name, f"{where}.{key.removesuffix('_per_year')}", t, value
    for key, value in result["silicon"].items():
        yield "build", f"silicon.{key}", None, value
    for i, g in enumerate(result.get("silicon_generations", [])):
        if i == 0:  # the same as silicon
            continue
        for key, value in g.items():
            yield "build", f"silicon_generations[{i}].{key}", None, value
    for g in result.get("nre_timeline", []):
        for t, value in enumerate(g["nre_usd_per_year"]):
            yield "build", f"nre_timeline[{g['generation']}].nre_usd", t, value
    comp = result["comparison"]
    for key, value in comp.items():
        if key != "cheaper" and _is_number(value):  # cheaper is text (or null: no verdict)
            yield "comparison", key, None, value
    for t, value in enumerate(comp.get("savings_npv_usd_per_year", [])):
        yield "comparison", "savings_npv_usd", t, value
    for key in ("horizon_years", "discount_rate", "start_year"):
        if result.get(key) is not None and _is_number(result[key]):
            yield "scenario", key, None, result[key]
    for t, value in enumerate(result.get("demand_units_per_year", [])):
        yield "scenario", "demand_units", t, value


def render(result: dict[str, Any]) -> str:
    """The comparison as tidy CSV (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for plan, metric, year, value in tidy_rows(result):
        writer.writerow([plan, metric, "" if year is None else year, _cell(value)])
    return buffer.getvalue()
