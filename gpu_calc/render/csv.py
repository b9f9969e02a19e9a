"""CSV for spreadsheets: one row per metric, a column per plan and the difference."""

from __future__ import annotations

import csv
import io
from typing import Any

from gpu_calc.render.roadmap import is_roadmap, token_rows
from gpu_calc.render.rows import PLAN_ROWS, SILICON_ROWS, difference


def render(result: dict[str, Any]) -> str:
    """``metric,buy,build,build_minus_buy`` rows with exact numbers, then silicon and
    comparison rows (their value in the ``build`` column)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "buy", "build", "build_minus_buy"])
    buy, build = result["plans"]["buy"], result["plans"]["build"]

    def cell(x: Any) -> str:
        return "" if x is None else repr(x) if isinstance(x, float) else str(x)

    for key, _label, _fmt in PLAN_ROWS + token_rows(result):
        writer.writerow(
            [key, cell(buy[key]), cell(build[key]), cell(difference(buy[key], build[key]))]
        )
    for t, (a, b) in enumerate(
        zip(buy["energy_it_kwh_per_year"], build["energy_it_kwh_per_year"], strict=True)
    ):
        writer.writerow([f"energy_it_kwh_year_{t}", cell(a), cell(b), cell(difference(a, b))])
    for key, _label, _fmt in SILICON_ROWS:
        writer.writerow([f"silicon.{key}", "", cell(result["silicon"][key]), ""])
    for name, plan in (("buy", buy), ("build", build)):
        column = [cell(None), cell(None)]
        for f in plan.get("fleets", []) if is_roadmap(result) else []:
            where = f"fleet.{f['side']}_{f['generation']}"
            for t, (bought, active) in enumerate(
                zip(f["units_bought_per_year"], f["active_units_per_year"], strict=True)
            ):
                for what, value in (("units_bought", bought), ("active_units", active)):
                    row = [f"{where}.{what}_year_{t}", *column, ""]
                    row[1 if name == "buy" else 2] = cell(value)
                    writer.writerow(row)
    for key in ("savings_npv_usd", "savings_pct", "payback_year", "cheaper"):
        writer.writerow([f"comparison.{key}", "", cell(result["comparison"][key]), ""])
    return buffer.getvalue()
