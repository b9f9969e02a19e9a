"""The two plans, buy and build, from a flat mapping of input arrays. MODEL.md sections 3-6.

:func:`evaluate` is the one engine for every shape of input. Its parameters are keyed by the
scenario's dotted key paths (``"site.pue"``, ``"build.chip.die_area_mm2"``,
``"demand.units"`` or ``"demand.units[2]"``) and hold arrays that broadcast together to a
*sample shape* ``S``: ``()`` for a single run, ``(n,)`` for Monte Carlo, ``(n1, n2)`` for a
grid. Results per year have shape ``S + (H,)``, totals shape ``S``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine import energy, finance, fleet, silicon
from gpu_calc.engine.years import max_years, sum_years

Array = NDArray[np.float64]

#: When the build plan pays its NRE: ``upfront`` (MODEL.md) or ``spread`` (a refinement).
NRE_TIMINGS = ("upfront", "spread")

#: Per-year series of a plan, in the JSON output's ``per_year`` block.
YEARLY = (
    "hw_capex_usd",
    "facility_capex_usd",
    "nre_usd",
    "opex_usd",
    "electricity_usd",
    "colocation_usd",
    "energy_it_kwh",
    "energy_facility_kwh",
    "water_l",
    "co2e_kg",
    "need_it_mw",
    "built_it_mw",
    "bought_units",
    "chip_units",
    "active_bought_units",
    "active_chip_units",
)


@dataclass
class PlanOutcome:
    """One plan's per-year series (shape ``S + (H,)``) and totals (shape ``S``)."""

    yearly: dict[str, Array]
    capex_usd: Array
    facility_capex_usd: Array
    nre_usd: Array
    opex_usd: Array
    electricity_usd: Array
    residual_usd: Array
    tco_usd: Array
    npv_usd: Array
    energy_it_kwh: Array
    energy_facility_kwh: Array
    water_l: Array
    co2e_kg: Array
    peak_it_mw: Array
    bought_units: Array
    chip_units: Array
    usd_per_reference_hour: Array
    fleet_length_km: Array
    #: discounted cash out per year (capex and NRE at the start, opex at the end)
    discounted_usd: Array
    discounted_residual_usd: Array


@dataclass
class Outcome:
    """Both plans, the silicon figures and the comparison."""

    horizon_years: int
    buy: PlanOutcome
    build: PlanOutcome
    silicon: dict[str, Array]
    savings_npv_usd: Array
    savings_pct: Array  # NaN where npv_usd(buy) <= 0
    payback_year: Array  # NaN where the build plan never pays back
    yearly_savings_usd: Array  # discounted, per year; sums to savings_npv_usd
    demand_units: Array
    extras: dict[str, Array] = field(default_factory=dict)

    @property
    def plans(self) -> dict[str, PlanOutcome]:
        return {"buy": self.buy, "build": self.build}


@dataclass
class _Fleet:
    """Per-unit figures of one accelerator and the throughput it must serve each year."""

    need: Array  # reference-equivalents to serve, S + (H,)
    perf: Array
    unit_capex_usd: Array
    it_peak_w: Array
    it_avg_w: Array
    lifetime_years: Array
    opex_usd_per_unit_year: Array
    length_mm: Array
    embodied_kg_co2e: Array


def _get(p: Mapping[str, ArrayLike], key: str, default: float | None = None) -> Array:
    if key in p:
        return np.asarray(p[key], dtype=float)
    if default is None:
        raise KeyError(f"engine input {key!r} is missing")
    return np.asarray(default, dtype=float)


def sample_shape(p: Mapping[str, ArrayLike]) -> tuple[int, ...]:
    """The shape ``S`` every input broadcasts to: every output has it, whichever input varies.

    >>> sample_shape({"a": 1.0, "b": np.zeros((3, 1)), "c": np.zeros(2)})
    (3, 2)
    """
    return np.broadcast_shapes(*(np.shape(v) for v in p.values()))


def demand_units(p: Mapping[str, ArrayLike], horizon_years: int) -> Array:
    """Demand per year, shape ``S + (H,)``, from ``demand.units`` or ``demand.units[t]``."""
    if "demand.units" in p:
        return _get(p, "demand.units")[..., None] * np.ones(horizon_years)
    years = [_get(p, f"demand.units[{t}]") for t in range(horizon_years)]
    shape = np.broadcast_shapes(*(y.shape for y in years))
    return np.stack([np.broadcast_to(y, shape) for y in years], axis=-1)


def _fleet(p: Mapping[str, ArrayLike], prefix: str, unit_price_usd: Array, need: Array) -> _Fleet:
    chips = _get(p, f"{prefix}.chips_per_server", 8.0)
    load = (
        _get(p, f"{prefix}.load_factor")
        if f"{prefix}.load_factor" in p
        else _get(p, "demand.load_factor", 1.0)
    )
    peak = energy.it_peak_w(
        _get(p, f"{prefix}.power_w"), _get(p, f"{prefix}.host_power_w_per_server", 0.0), chips
    )
    return _Fleet(
        need=need,
        perf=_get(p, f"{prefix}.perf_vs_reference", 1.0),
        unit_capex_usd=unit_price_usd
        + _get(p, f"{prefix}.host_usd_per_server", 0.0) / chips
        + _get(p, f"{prefix}.network_usd_per_unit", 0.0),
        it_peak_w=peak,
        it_avg_w=load * peak,
        lifetime_years=_get(p, f"{prefix}.lifetime_years", 4.0),
        opex_usd_per_unit_year=_get(p, f"{prefix}.opex_usd_per_unit_year", 0.0),
        length_mm=_get(p, f"{prefix}.length_mm", 0.0),
        embodied_kg_co2e=_get(p, f"{prefix}.embodied_kg_co2e", 0.0),
    )


def _plan(
    fleets: list[_Fleet],
    p: Mapping[str, ArrayLike],
    demand: Array,
    nre_usd: Array,
    software_usd_per_year: Array,
    nre_share_per_year: Array | None,
    factors: tuple[Array, Array, Array],
) -> PlanOutcome:
    start, end, last = factors
    horizon = demand.shape[-1]
    pue = _get(p, "site.pue", 1.0)[..., None]
    price_kwh = _get(p, "site.electricity_usd_per_kwh")[..., None]
    site_l = _get(p, "site.wue_l_per_kwh", 0.0)[..., None]
    source_l = _get(p, "site.water_source_l_per_kwh", 0.0)[..., None]
    grid = _get(p, "site.grid_kg_co2e_per_kwh", 0.0)[..., None]
    usd_per_mw = _get(p, "site.facility_capex_usd_per_mw", 0.0)
    facility_life = _get(p, "site.facility_lifetime_years", 15.0)

    none: Array = np.zeros(())
    hw_capex = energy_it = need_mw = unit_opex = embodied = residual_hw = length_km = none
    bought_by_fleet: list[Array] = []
    active_by_fleet: list[Array] = []
    for f in fleets:
        active = f.need / f.perf[..., None]
        bought = fleet.units_bought(active, f.lifetime_years)
        spend = bought * f.unit_capex_usd[..., None]
        hw_capex = hw_capex + spend
        energy_it = energy_it + energy.energy_kwh_per_year(active, f.it_avg_w[..., None])
        need_mw = need_mw + active * f.it_peak_w[..., None] / 1e6
        unit_opex = unit_opex + active * f.opex_usd_per_unit_year[..., None]
        embodied = embodied + bought * f.embodied_kg_co2e[..., None]
        residual_hw = residual_hw + finance.residual_usd(spend, f.lifetime_years)
        length_km = length_km + sum_years(bought) * f.length_mm / 1e6
        bought_by_fleet.append(bought)
        active_by_fleet.append(active)

    shape = np.broadcast_shapes(
        np.shape(hw_capex),
        np.shape(energy_it),
        start.shape,
        pue.shape,
        price_kwh.shape,
        np.shape(nre_usd) + (1,),  # NRE alone may vary (a sweep of design_usd)
        sample_shape(p) + (1,),  # so may any input (a facility lifetime moves only residuals)
    )

    def full(x: Array) -> Array:
        """``x`` at the plan's full shape, as a read-only view (no copy)."""
        return np.broadcast_to(x, shape)

    hw_capex = full(hw_capex)
    need_mw = full(need_mw)
    built = fleet.facility_built_mw(need_mw)
    facility_capex = fleet.facility_capex_usd(built, usd_per_mw)
    energy_it = full(energy_it)
    energy_fac = energy_it * pue
    electricity = energy_fac * price_kwh
    # Refinement: colocation rent of the IT capacity built, per kW and month (default 0).
    colocation = (
        built * (1000.0 * 12.0) * _get(p, "site.colocation_usd_per_kw_month", 0.0)[..., None]
    )
    opex = electricity + unit_opex + software_usd_per_year[..., None] + colocation
    water = energy.water_l(energy_it, energy_fac, site_l, source_l)
    co2e = energy_fac * grid + embodied
    if nre_share_per_year is None:  # all at the start of year 0 (MODEL.md section 4)
        nre_yearly = np.zeros(shape)
        nre_yearly[..., 0] = nre_usd
    else:
        nre_yearly = np.asarray(nre_usd)[..., None] * nre_share_per_year + np.zeros(shape)
    residual = residual_hw + finance.residual_usd(facility_capex, facility_life)

    capex = sum_years(hw_capex) + sum_years(facility_capex)
    tco = capex + nre_usd + sum_years(opex) - residual
    discounted = (hw_capex + facility_capex + nre_yearly) * start + opex * end
    disc_residual = residual * last
    npv = sum_years(discounted) - disc_residual
    total_demand = sum_years(demand) * energy.HOURS_PER_YEAR
    per_hour = np.divide(
        tco, total_demand, out=np.full(np.shape(tco), np.nan), where=total_demand > 0
    )
    bought_units = full(bought_by_fleet[0])
    chip_units = full(bought_by_fleet[1] if len(fleets) > 1 else none)
    yearly: dict[str, Array] = {
        "hw_capex_usd": hw_capex,
        "facility_capex_usd": facility_capex,
        "nre_usd": nre_yearly,
        "opex_usd": opex,
        "electricity_usd": electricity,
        "colocation_usd": colocation,
        "energy_it_kwh": energy_it,
        "energy_facility_kwh": energy_fac,
        "water_l": water,
        "co2e_kg": co2e,
        "need_it_mw": need_mw,
        "built_it_mw": built,
        "bought_units": bought_units,
        "chip_units": chip_units,
        "active_bought_units": full(active_by_fleet[0]),
        "active_chip_units": full(active_by_fleet[1] if len(fleets) > 1 else none),
    }
    assert horizon == shape[-1]
    return PlanOutcome(
        yearly=yearly,
        capex_usd=capex,
        facility_capex_usd=sum_years(facility_capex),
        nre_usd=np.broadcast_to(nre_usd, capex.shape).astype(float),
        opex_usd=sum_years(opex),
        electricity_usd=sum_years(electricity),
        residual_usd=residual + np.zeros(capex.shape),
        tco_usd=tco,
        npv_usd=npv,
        energy_it_kwh=sum_years(energy_it),
        energy_facility_kwh=sum_years(energy_fac),
        water_l=sum_years(water),
        co2e_kg=sum_years(co2e),
        peak_it_mw=max_years(need_mw),
        bought_units=sum_years(bought_units),
        chip_units=sum_years(chip_units),
        usd_per_reference_hour=per_hour,
        fleet_length_km=length_km + np.zeros(capex.shape),
        discounted_usd=discounted,
        discounted_residual_usd=disc_residual + np.zeros(capex.shape),
    )


def silicon_figures(p: Mapping[str, ArrayLike], yield_model: str = "murphy") -> dict[str, Array]:
    """The in-house chip's silicon: dies per wafer, yield, die cost, unit price and NRE."""
    c = "build.chip"
    area = _get(p, f"{c}.die_area_mm2")
    dies = silicon.dies_per_wafer(area, _get(p, f"{c}.wafer_diameter_mm", 300.0))
    good = silicon.die_yield(
        area, _get(p, f"{c}.defect_density_per_cm2"), yield_model, _get(p, f"{c}.yield_alpha", 3.0)
    )
    # A die too large to fit is an input error for base values; a Monte Carlo draw can still
    # land there, so its cost is infinite rather than a division error.
    fits = dies > 0
    wafer_usd = _get(p, f"{c}.wafer_usd")
    die_usd = np.divide(
        wafer_usd,
        np.where(fits, dies, 1.0) * good,
        out=np.full(np.broadcast_shapes(dies.shape, good.shape, wafer_usd.shape), np.inf),
        where=fits & (good > 0),
    )
    price = silicon.chip_unit_price_usd(
        die_usd,
        _get(p, f"{c}.memory_usd", 0.0),
        _get(p, f"{c}.packaging_usd", 0.0),
        _get(p, f"{c}.package_yield", 1.0),
        _get(p, f"{c}.board_usd", 0.0),
        _get(p, f"{c}.partner_markup", 0.0),
    )
    n = "build.nre"
    nre = silicon.nre_usd(
        _get(p, f"{n}.design_usd"),
        _get(p, f"{n}.ip_usd", 0.0),
        _get(p, f"{c}.mask_set_usd"),
        _get(p, f"{n}.respins", 0.0),
    )
    return {
        "dies_per_wafer": dies,
        "die_yield": good,
        "die_usd": die_usd,
        "unit_price_usd": price,
        "nre_usd": nre,
    }


def evaluate(
    p: Mapping[str, ArrayLike],
    horizon_years: int,
    yield_model: str = "murphy",
    nre_timing: str = "upfront",
) -> Outcome:
    """Compute both plans and their comparison.

    Parameters
    ----------
    p : mapping of str to array_like
        Inputs keyed by scenario key path; see the module docstring. Integer fields
        (lifetimes, ``build.available_year``, ``build.nre.respins``) must already be whole.
    horizon_years : int
        ``H``, the number of years compared.
    yield_model : str
        ``murphy`` (default), ``poisson`` or ``negative_binomial``.
    nre_timing : str
        ``upfront`` (default): the NRE is paid at the start of year 0; ``spread``: in equal
        parts at the start of each year before ``build.available_year`` (year 0 alone when
        the chip is available from year 0).

    Inputs so extreme that a figure overflows (a price of 1e308) give infinities or NaN in
    that figure, not floating-point warnings; renderers show them as null.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _evaluate(p, horizon_years, yield_model, nre_timing)


def nre_schedule(available_year: ArrayLike, horizon_years: int) -> Array:
    """Share of the NRE paid at the start of each year when it is spread over the years
    before the chip is available (year 0 alone when it is available from year 0).

    >>> nre_schedule(2, 4).tolist(), nre_schedule(0, 3).tolist()
    ([0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0])
    """
    years = np.maximum(np.asarray(available_year, dtype=float), 1.0)[..., None]
    before = np.arange(horizon_years) < years
    return np.where(before, 1.0 / years, 0.0)


def _evaluate(
    p: Mapping[str, ArrayLike], horizon_years: int, yield_model: str, nre_timing: str
) -> Outcome:
    demand = demand_units(p, horizon_years)
    factors = finance.discount_factors(_get(p, "discount_rate", 0.0), horizon_years)
    sil = silicon_figures(p, yield_model)

    share = _get(p, "build.share")[..., None]
    available = _get(p, "build.available_year", 0.0)[..., None]
    serving = np.arange(horizon_years) >= available  # S + (H,)
    chip_need = np.where(serving, share * demand, 0.0)
    bought_need = demand - chip_need

    buy_price = _get(p, "buy.unit_price_usd")
    buy = _plan(
        [_fleet(p, "buy", buy_price, demand)],
        p,
        demand,
        np.asarray(0.0),
        np.asarray(0.0),
        None,
        factors,
    )
    if nre_timing not in NRE_TIMINGS:
        raise ValueError(f"unknown NRE timing {nre_timing!r} (known: {', '.join(NRE_TIMINGS)})")
    spread = nre_schedule(available[..., 0], horizon_years) if nre_timing == "spread" else None
    build = _plan(
        [
            _fleet(p, "buy", buy_price, bought_need),
            _fleet(p, "build.chip", sil["unit_price_usd"], chip_need),
        ],
        p,
        demand,
        sil["nre_usd"],
        _get(p, "build.nre.software_usd_per_year", 0.0),
        spread,
        factors,
    )

    savings = buy.npv_usd - build.npv_usd
    pct = np.divide(
        savings * 100.0, buy.npv_usd, out=np.full(np.shape(savings), np.nan), where=buy.npv_usd > 0
    )
    yearly = buy.discounted_usd - build.discounted_usd
    yearly[..., -1] += build.discounted_residual_usd - buy.discounted_residual_usd
    return Outcome(
        horizon_years=horizon_years,
        buy=buy,
        build=build,
        silicon=sil,
        savings_npv_usd=savings,
        savings_pct=pct,
        payback_year=finance.payback_year(yearly),
        yearly_savings_usd=yearly,
        demand_units=demand,
    )
