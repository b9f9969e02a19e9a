"""Hypothesis strategies shared by the property and fuzz tests.

``engine_params()`` draws well-behaved engine inputs (the flat mapping
:func:`gpu_calc.engine.evaluate` takes): every number finite, inside its field's valid range
and of a plausible size, so that the model's properties hold to floating-point precision.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def money(lo: float = 0.0, hi: float = 1e5) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def share(lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def whole(lo: int, hi: int) -> st.SearchStrategy[float]:
    return st.integers(lo, hi).map(float)


HORIZONS = st.integers(1, 8)


def accelerator(prefix: str, *, bought: bool) -> dict[str, st.SearchStrategy[float]]:
    fields = {
        f"{prefix}.perf_vs_reference": money(0.1, 4.0),
        f"{prefix}.power_w": money(1.0, 2000.0),
        f"{prefix}.chips_per_server": whole(1, 16),
        f"{prefix}.host_usd_per_server": money(0, 1e5),
        f"{prefix}.host_power_w_per_server": money(0, 5000),
        f"{prefix}.network_usd_per_unit": money(0, 5000),
        f"{prefix}.opex_usd_per_unit_year": money(0, 5000),
        f"{prefix}.lifetime_years": whole(1, 8),
        f"{prefix}.length_mm": money(0, 500),
        f"{prefix}.embodied_kg_co2e": money(0, 5000),
    }
    if bought:
        fields[f"{prefix}.unit_price_usd"] = money(100, 1e5)
    return fields


def engine_params(fixed: dict[str, Any] | None = None) -> st.SearchStrategy[dict[str, float]]:
    """Well-behaved engine inputs; ``fixed`` pins some of them (values or strategies)."""
    fields: dict[str, st.SearchStrategy[float]] = {
        "discount_rate": share(0, 0.3),
        "demand.units": money(1, 1e6),
        "demand.load_factor": share(0.05, 1),
        "site.electricity_usd_per_kwh": money(0, 1),
        "site.pue": money(1, 3),
        "site.wue_l_per_kwh": money(0, 5),
        "site.water_source_l_per_kwh": money(0, 5),
        "site.grid_kg_co2e_per_kwh": money(0, 1),
        "site.facility_capex_usd_per_mw": money(0, 2e7),
        "site.facility_lifetime_years": whole(1, 30),
        **accelerator("buy", bought=True),
        "build.share": share(),
        "build.available_year": whole(0, 3),
        **accelerator("build.chip", bought=False),
        "build.chip.die_area_mm2": money(10, 800),
        "build.chip.memory_usd": money(0, 2000),
        "build.chip.packaging_usd": money(0, 1000),
        "build.chip.package_yield": share(0.5, 1),
        "build.chip.board_usd": money(0, 1000),
        "build.chip.partner_markup": share(0, 1),
        "build.chip.wafer_usd": money(1000, 30000),
        "build.chip.defect_density_per_cm2": share(0, 0.5),
        "build.chip.mask_set_usd": money(0, 3e7),
        "build.chip.wafer_diameter_mm": st.sampled_from([200.0, 300.0]),
        "build.chip.yield_alpha": money(0.5, 10),
        "build.nre.design_usd": money(0, 1e9),
        "build.nre.ip_usd": money(0, 1e8),
        "build.nre.respins": whole(0, 3),
        "build.nre.software_usd_per_year": money(0, 1e8),
    }
    for key, value in (fixed or {}).items():
        fields[key] = value if isinstance(value, st.SearchStrategy) else st.just(value)
    return st.fixed_dictionaries(fields)
