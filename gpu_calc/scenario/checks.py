"""Rules that tie several fields of a scenario together (a model alone cannot say where)."""

from __future__ import annotations

import math

import numpy as np

from gpu_calc.distributions import base_value
from gpu_calc.errors import InputError
from gpu_calc.scenario.model import Scenario
from gpu_calc.yamlio import YamlDocument


def _largest_die_mm2(wafer_diameter_mm: float) -> float:
    """The largest die area with at least one die per wafer (MODEL.md section 4), by bisection.

    >>> round(_largest_die_mm2(300.0))
    8662
    """
    from gpu_calc.engine.silicon import dies_per_wafer

    lo, hi = 0.0, math.pi * (wafer_diameter_mm / 2) * (wafer_diameter_mm / 2)
    if not math.isfinite(hi):
        return math.nan
    for _ in range(100):
        mid = (lo + hi) / 2
        with np.errstate(all="ignore"):
            fits = mid > 0 and dies_per_wafer(mid, wafer_diameter_mm) > 0
        lo, hi = (mid, hi) if fits else (lo, mid)
    return lo


def _cross_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Rules that tie several fields together (the model alone cannot say where)."""
    from gpu_calc.engine.silicon import dies_per_wafer

    errors = []
    h = s.horizon_years
    units = s.demand.units
    if isinstance(units, list) and len(units) != h:
        errors.append(
            doc.error(
                ("demand", "units"),
                f"has {len(units)} values but horizon_years is {h} (give one number per "
                "year, or a single number for every year)",
            )
        )
    elif not any(base_value(u) > 0 for u in (units if isinstance(units, list) else [units])):
        errors.append(
            doc.error(
                ("demand", "units"),
                "must be above 0 in at least one year (demand is what both plans serve)",
            )
        )
    year = base_value(s.build.available_year)
    if math.floor(year + 0.5) > h:
        errors.append(
            doc.error(
                ("build", "available_year"),
                f"must be <= horizon_years ({h}), got {year:g} (years are 0-based)",
            )
        )
    chip = s.build.chip
    area = base_value(chip.die_area_mm2)
    diameter = base_value(chip.wafer_diameter_mm)
    with np.errstate(all="ignore"):
        fits = dies_per_wafer(area, diameter) > 0
    if not fits:
        largest = _largest_die_mm2(diameter)
        hint = (
            f"the largest that fits is about {largest:,.0f} mm2"
            if largest >= 1
            else "check die_area_mm2 and wafer_diameter_mm"
        )
        errors.append(
            doc.error(
                ("build", "chip", "die_area_mm2"),
                f"a {area:g} mm2 die does not fit on a {diameter:g} mm wafer ({hint})",
            )
        )
    for i, p in enumerate(s.perspective):
        if p.metric in ("chip_units",) and p.plan == "buy":
            errors.append(
                doc.error(
                    ("perspective", i, "metric"), "the buy plan has no chip units; set plan: build"
                )
            )
    return errors
