"""The two plans, buy and build, from a flat mapping of input arrays. MODEL.md sections 3-6
and 11.

:func:`evaluate` is the one engine for every shape of input. Its parameters are keyed by the
scenario's dotted key paths (``"site.pue"``, ``"build.chip.die_area_mm2"``,
``"demand.units"`` or ``"demand.units[2]"``, ``"buy.generations[0].from_year"``) and hold
arrays that broadcast together to a *sample shape* ``S``: ``()`` for a single run, ``(n,)``
for Monte Carlo, ``(n1, n2)`` for a grid. Results per year have shape ``S + (H,)``, totals
shape ``S``. The structure that arrays cannot carry (generations per side, installed entries,
workloads) is a :class:`~gpu_calc.engine.layout.Layout`.

Inside, every per-year array has the years first, ``(H,) + S``: a year is then one
contiguous row of samples, which is what makes a Monte Carlo block fast; inputs that do not
vary stay 0-d and broadcast. :func:`evaluate` hands the per-year results back years last (as
views); :func:`evaluate_totals` computes only the totals that ``simulate`` reports, through
the same code.

Each plan has sides: the bought accelerators (both plans, with the installed base) and the
in-house chips (build plan only). A side is a short list of generations; the capacity
recurrence of :func:`gpu_calc.engine.fleet.serve` runs over the years, vectorised over the
samples, and everything after it sums over the generations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine import energy, finance, fleet, silicon
from gpu_calc.engine.layout import NRE_TIMINGS, ChipGen, Layout
from gpu_calc.engine.years import max_years, sum_years, years_column

Array = NDArray[np.float64]

__all__ = [
    "NRE_TIMINGS",
    "YEARLY",
    "FleetOutcome",
    "Outcome",
    "PlanOutcome",
    "PlanTotals",
    "Totals",
    "evaluate",
    "evaluate_totals",
]

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
    "active_installed_units",
)


@dataclass
class FleetOutcome:
    """One generation of one side (or one installed entry) in one plan."""

    side: str  # "bought", "chip" or "installed"
    generation: int  # index in its side
    label: str
    from_year: Array  # effective start, 0-based, shape S
    bought: Array  # units bought each year, S + (H,)
    active: Array  # units in service each year, S + (H,)
    units_bought: Array  # over the horizon, S
    perf: Array  # throughput of one unit in reference-equivalents, S


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
    #: tokens served over the horizon (NaN: no workload gives tokens), MODEL.md 11.6
    tokens: Array
    usd_per_million_tokens: Array
    fleets: list[FleetOutcome]


@dataclass
class Outcome:
    """Both plans, the silicon figures and the comparison."""

    horizon_years: int
    buy: PlanOutcome
    build: PlanOutcome
    silicon: dict[str, Array]  # chip generation 0's silicon
    savings_npv_usd: Array
    savings_pct: Array  # NaN where npv_usd(buy) <= 0
    payback_year: Array  # NaN where the build plan never pays back
    #: the first year from which building stays ahead to the end; NaN where it ends behind
    lasting_payback_year: Array
    yearly_savings_usd: Array  # discounted, per year; sums to savings_npv_usd
    demand_units: Array
    #: one silicon block per chip generation (the first is ``silicon``)
    silicon_generations: list[dict[str, Array]] = field(default_factory=list)
    #: NRE paid each year, per chip generation, S + (H,)
    nre_per_generation: list[Array] = field(default_factory=list)

    @property
    def plans(self) -> dict[str, PlanOutcome]:
        return {"buy": self.buy, "build": self.build}


@dataclass
class PlanTotals:
    """The totals of one plan that a Monte Carlo run reports, shape ``S``."""

    npv_usd: Array
    energy_it_kwh: Array
    co2e_kg: Array


@dataclass
class Totals:
    """What :func:`evaluate_totals` computes: the savings and each plan's totals."""

    savings_npv_usd: Array
    buy: PlanTotals
    build: PlanTotals

    @property
    def plans(self) -> dict[str, PlanTotals]:
        return {"buy": self.buy, "build": self.build}


@dataclass
class _Fleet:
    """Per-unit figures of one accelerator: a generation of a side, or an installed entry."""

    side: str  # "bought", "chip" or "installed"
    generation: int
    label: str
    perf: Array
    unit_capex_usd: Array  # S, or (H,) + S with a price per year
    it_peak_w: Array
    it_avg_w: Array
    lifetime_years: Array
    opex_usd_per_unit_year: Array
    length_mm: Array
    embodied_kg_co2e: Array
    start_year: Array  # effective first year on sale (0-based)


def _get(p: Mapping[str, ArrayLike], key: str, default: float | None = None) -> Array:
    if key in p:
        return np.asarray(p[key], dtype=float)
    if default is None:
        raise KeyError(f"engine input {key!r} is missing")
    return np.asarray(default, dtype=float)


class _Inputs(dict[str, ArrayLike]):
    """The engine's inputs with their sample shape worked out once (it is asked often)."""

    def __init__(self, p: Mapping[str, ArrayLike]) -> None:
        super().__init__(p)
        self.shape: tuple[int, ...] = np.broadcast_shapes(*{np.shape(v) for v in p.values()})


def sample_shape(p: Mapping[str, ArrayLike]) -> tuple[int, ...]:
    """The shape ``S`` every input broadcasts to: every output has it, whichever input varies.

    >>> sample_shape({"a": 1.0, "b": np.zeros((3, 1)), "c": np.zeros(2)})
    (3, 2)
    """
    if isinstance(p, _Inputs):
        return p.shape
    return np.broadcast_shapes(*(np.shape(v) for v in p.values()))


def _years_first(x: Array, ndim: int) -> Array:
    """A per-year array ``(H,) + S'`` with ``len(S') <= ndim`` as ``(H, 1, ..., 1) + S'``,
    ``ndim + 1`` axes, so that it broadcasts against the samples ``S`` (``len(S) == ndim``)."""
    missing = ndim - (x.ndim - 1)
    return x.reshape(x.shape[:1] + (1,) * missing + x.shape[1:]) if missing > 0 else x


def _stack_years(p: Mapping[str, ArrayLike], key: str, horizon_years: int) -> Array:
    years = [_get(p, f"{key}[{t}]") for t in range(horizon_years)]
    shape = np.broadcast_shapes(*(y.shape for y in years))
    stacked = np.stack([np.broadcast_to(y, shape) for y in years], axis=0)
    return _years_first(stacked, len(sample_shape(p)))


def yearly_values(
    p: Mapping[str, ArrayLike], key: str, horizon_years: int, default: float | None = None
) -> Array:
    """A field that takes a number or one per year (MODEL.md 11.1): ``(H,) + S`` from
    ``key[t]``, or ``S`` when one number (or distribution) applies every year (it broadcasts
    against the years)."""
    if key not in p and f"{key}[0]" in p:
        return _stack_years(p, key, horizon_years)
    return _get(p, key, default)


def demand_units(
    p: Mapping[str, ArrayLike], horizon_years: int, key: str = "demand.units"
) -> Array:
    """Demand per year, shape ``(H,) + S``, from ``demand.units`` or ``demand.units[t]``
    (or a workload's ``units``)."""
    if key in p:
        units = _get(p, key)
        return _years_first(
            np.broadcast_to(units, (horizon_years,) + units.shape), len(sample_shape(p))
        )
    return _stack_years(p, key, horizon_years)


def _fleet(
    p: Mapping[str, ArrayLike],
    prefix: str,
    unit_price_usd: Array,
    side: str,
    generation: int,
    label: str,
    start_year: Array,
) -> _Fleet:
    """Per-unit figures of the accelerator whose inputs are under ``prefix`` (section 3)."""
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
        side=side,
        generation=generation,
        label=label,
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
        start_year=start_year,
    )


def _total(items: list[Array], empty: Array) -> Array:
    """Items added left to right (the first one as it is), or ``empty`` when none."""
    if not items:
        return empty
    out = items[0]
    for x in items[1:]:
        out = out + x
    return out


def _zero(x: Array | None) -> bool:
    """True for a fixed (0-d) zero: a term the plan can leave out, as adding it or
    multiplying by it would change nothing in a finite, non-negative sum."""
    return x is None or (x.ndim == 0 and float(x) == 0.0)


def _fits(into: Array, a: Array, b: Array) -> bool:
    """True when ``into`` can take an element-wise result of ``a`` and ``b`` in place: a
    writable array of their broadcast shape."""
    if type(into) is not np.ndarray or not into.flags.writeable:
        return False
    shape, sa, sb = into.shape, np.shape(a), np.shape(b)
    if (sa == shape and (sb == shape or sb == ())) or (sb == shape and sa == ()):
        return True
    return shape == np.broadcast_shapes(sa, sb)


def _op(ufunc: np.ufunc, a: Array, b: Array, into: Array | None) -> Array:
    """``ufunc(a, b)``, written into ``into`` (one of the plan's own temporaries, which no
    caller holds and nothing reads again) when it fits: the same numbers, one array less."""
    if into is not None and _fits(into, a, b):
        return ufunc(a, b, out=into)  # type: ignore[no-any-return]
    return ufunc(a, b)  # type: ignore[no-any-return]


def _plus(total: Array | None, x: Array) -> Array:
    """``total + x``, or ``x`` when there is no total yet. A total is always an array the
    plan made itself (its first ``x`` is a fresh result), so the sum goes into it."""
    return x if total is None else _op(np.add, total, x, total)


def _years_last(x: Array) -> Array:
    """A per-year array ``(H,) + S`` as the results give it, ``S + (H,)`` (a view)."""
    return np.moveaxis(x, 0, -1)


def _plan(
    fleets: list[tuple[_Fleet, Array, Array]],
    p: Mapping[str, ArrayLike],
    demand: Array,
    nre_yearly: Array,
    nre_usd: Array,
    software_usd_per_year: Array,
    factors: tuple[Array, Array, Array],
    initial_it_mw: Array,
    tokens: Array,
    full: bool = True,
) -> PlanOutcome | PlanTotals:
    """One plan from its fleets, each with the units it bought and ran each year (all
    ``(H,) + S``); with ``full`` false only its :class:`PlanTotals`.

    With ``full`` false the fleets' arrays are the plan's to overwrite (its caller's
    temporaries, which nothing reads after it; ``demand`` is only asked its shape), and so
    are the per-year series a full run would hand back: each result goes into an array that
    is not read again (:func:`_op`), which gives the same numbers with fewer arrays."""
    start, end, last = factors
    horizon = demand.shape[0]
    pue = _get(p, "site.pue", 1.0)
    price_kwh = yearly_values(p, "site.electricity_usd_per_kwh", horizon)
    grid = yearly_values(p, "site.grid_kg_co2e_per_kwh", horizon, 0.0)
    usd_per_mw = _get(p, "site.facility_capex_usd_per_mw", 0.0)
    facility_life = _get(p, "site.facility_lifetime_years", 15.0)

    coloc_usd_per_kw_month = _get(p, "site.colocation_usd_per_kw_month", 0.0)
    # A Monte Carlo run skips the facility when nothing costs for it (no capex, no rent)
    facility = full or not (_zero(usd_per_mw) and _zero(coloc_usd_per_kw_month))

    none: Array = np.zeros(())
    length_km = none
    hw_capex: Array | None = None
    energy_it: Array | None = None
    need_mw: Array | None = None
    unit_opex: Array | None = None
    embodied: Array | None = None
    residual_hw: Array | None = None
    # with full false, a fleet's active units become its MW and its bought units its spend
    for f, bought, active in fleets:
        energy_it = _plus(energy_it, energy.energy_kwh_per_year(active, f.it_avg_w))
        if not _zero(f.opex_usd_per_unit_year):
            unit_opex = _plus(unit_opex, active * f.opex_usd_per_unit_year)
        if facility:
            mw = _op(np.multiply, active, f.it_peak_w, None if full else active)
            mw /= 1e6
            need_mw = _plus(need_mw, mw)
        if f.side == "installed":  # sunk: no capex, residual value or embodied carbon
            continue
        if not _zero(f.embodied_kg_co2e):
            embodied = _plus(embodied, bought * f.embodied_kg_co2e)
        if full:
            length_km = length_km + sum_years(bought) * f.length_mm / 1e6
        spend = _op(np.multiply, bought, f.unit_capex_usd, None if full else bought)
        first = hw_capex is None
        hw_capex = _plus(hw_capex, spend)
        # a later fleet's spend is added to hw_capex: its array is then free
        residual_hw = _plus(
            residual_hw, finance.residual_usd(spend, f.lifetime_years, None if first else spend)
        )
    assert energy_it is not None and hw_capex is not None and residual_hw is not None

    shape = (horizon,) + sample_shape(p)

    def full_shape(x: Array) -> Array:
        """``x`` at the plan's full shape, as a read-only view (no copy)."""
        return np.broadcast_to(x, shape)

    built: Array | None = None
    facility_capex: Array | None = None
    colocation: Array | None = None
    if facility:
        assert need_mw is not None
        # with full false, need_mw's array becomes the capacity built, then its capex
        reuse = not full and need_mw.shape == shape
        built = fleet.facility_built_mw(
            need_mw if reuse else full_shape(need_mw),
            initial_it_mw,
            out=need_mw if reuse else None,
        )
        # with full false and no rent, built's array is free once the capex is known
        rent = not _zero(coloc_usd_per_kw_month)
        facility_capex = fleet.facility_capex_usd(
            built, usd_per_mw, initial_it_mw, reuse=reuse and not rent
        )
        if rent:
            # Refinement: colocation rent of the IT capacity built, per kW and month.
            colocation = built * (1000.0 * 12.0) * coloc_usd_per_kw_month
    # with full false, energy_it's array is free once summed
    it_kwh = None if full else sum_years(energy_it)
    energy_fac = _op(np.multiply, energy_it, pue, None if full else energy_it)
    electricity = energy_fac * price_kwh
    opex = electricity if unit_opex is None else _op(np.add, electricity, unit_opex, unit_opex)
    # opex is the plan's own array unless it is electricity's (a series of a full run)
    own_opex = not full or unit_opex is not None
    if not _zero(software_usd_per_year):
        opex = _op(np.add, opex, software_usd_per_year, opex if own_opex else None)
        own_opex = True
    if colocation is not None:
        opex = _op(np.add, opex, colocation, opex if own_opex else None)
        own_opex = True
    co2e = _op(np.multiply, energy_fac, grid, None if full else energy_fac)
    if embodied is not None:
        co2e = _op(np.add, co2e, embodied, co2e)
    capex_paid, residual = hw_capex, residual_hw
    if facility_capex is not None:
        capex_paid = _op(np.add, capex_paid, facility_capex, None if full else hw_capex)
        facility_residual = finance.residual_usd(
            facility_capex, facility_life, None if full else facility_capex
        )
        residual = _op(np.add, residual, facility_residual, residual)
    # capex_paid is the plan's own array unless it is hw_capex's (a series of a full run)
    own_paid = not full or capex_paid is not hw_capex
    if not _zero(nre_yearly):
        capex_paid = _op(np.add, capex_paid, nre_yearly, capex_paid if own_paid else None)
        own_paid = True
    paid = _op(np.multiply, capex_paid, start, capex_paid if own_paid else None)
    discounted = _op(np.add, paid, _op(np.multiply, opex, end, None if full else opex), paid)
    disc_residual = residual * last
    npv = sum_years(discounted) - disc_residual
    if not full:
        assert it_kwh is not None
        return PlanTotals(npv, it_kwh, sum_years(co2e))

    assert built is not None and facility_capex is not None and need_mw is not None
    need_mw = full_shape(need_mw)
    hw_capex = full_shape(hw_capex)
    energy_it = full_shape(energy_it)
    water = energy.water_l(
        energy_it,
        energy_fac,
        _get(p, "site.wue_l_per_kwh", 0.0),
        _get(p, "site.water_source_l_per_kwh", 0.0),
    )
    capex = sum_years(hw_capex) + sum_years(facility_capex)
    tco = capex + nre_usd + sum_years(opex) - residual
    total_demand = sum_years(demand) * energy.HOURS_PER_YEAR
    per_hour = np.divide(
        tco, total_demand, out=np.full(np.shape(tco), np.nan), where=total_demand > 0
    )
    tco_shape = np.broadcast_shapes(np.shape(tco), np.shape(tokens))
    per_million = np.divide(
        np.broadcast_to(tco, tco_shape) * 1e6,
        np.broadcast_to(tokens, tco_shape),
        out=np.full(tco_shape, np.nan),
        where=np.broadcast_to(tokens, tco_shape) > 0,
    )

    def side_total(side: str, active: bool) -> Array:
        return full_shape(
            _total([a if active else b for f, b, a in fleets if f.side == side], none)
        )

    yearly: dict[str, Array] = {
        "hw_capex_usd": hw_capex,
        "facility_capex_usd": facility_capex,
        "nre_usd": full_shape(nre_yearly),
        "opex_usd": full_shape(opex),
        "electricity_usd": full_shape(electricity),
        "colocation_usd": full_shape(none if colocation is None else colocation),
        "energy_it_kwh": energy_it,
        "energy_facility_kwh": full_shape(energy_fac),
        "water_l": full_shape(water),
        "co2e_kg": full_shape(co2e),
        "need_it_mw": need_mw,
        "built_it_mw": built,
        "bought_units": side_total("bought", False),
        "chip_units": side_total("chip", False),
        "active_bought_units": side_total("bought", True),
        "active_chip_units": side_total("chip", True),
        "active_installed_units": side_total("installed", True),
    }
    zeros = np.zeros(capex.shape)
    return PlanOutcome(
        yearly={k: _years_last(v) for k, v in yearly.items()},
        capex_usd=capex,
        facility_capex_usd=sum_years(facility_capex),
        nre_usd=np.broadcast_to(nre_usd, capex.shape).astype(float),
        opex_usd=sum_years(full_shape(opex)),
        electricity_usd=sum_years(full_shape(electricity)),
        residual_usd=residual + zeros,
        tco_usd=tco,
        npv_usd=npv + zeros,
        energy_it_kwh=sum_years(energy_it),
        energy_facility_kwh=sum_years(full_shape(energy_fac)),
        water_l=sum_years(full_shape(water)),
        co2e_kg=sum_years(full_shape(co2e)),
        peak_it_mw=max_years(need_mw),
        bought_units=sum_years(yearly["bought_units"]),
        chip_units=sum_years(yearly["chip_units"]),
        usd_per_reference_hour=per_hour,
        fleet_length_km=length_km + zeros,
        discounted_usd=_years_last(full_shape(discounted)),
        discounted_residual_usd=disc_residual + zeros,
        tokens=tokens + zeros,
        usd_per_million_tokens=per_million,
        fleets=[
            FleetOutcome(
                f.side,
                f.generation,
                f.label,
                f.start_year,
                _years_last(full_shape(b)),
                _years_last(full_shape(a)),
                sum_years(b),
                f.perf,
            )
            for f, b, a in fleets
        ],
    )


def silicon_figures(
    p: Mapping[str, ArrayLike],
    yield_model: str = "murphy",
    chip: str = "build.chip",
    nre: str = "build.nre",
) -> dict[str, Array]:
    """A chip generation's silicon: dies per wafer, yield, die cost, unit price and NRE.

    ``die_area_mm2`` is the area of one die. Refinements (docs/model.md), each absent unless
    given: ``harvest_area_fraction`` takes the harvestable share of the die out of the area
    the yield model sees; ``dies_per_package`` puts that many dies in one package (its
    price and carbon count each of them; ``die_usd`` stays one die's cost).
    """
    c = chip
    area = _get(p, f"{c}.die_area_mm2")
    dies = silicon.dies_per_wafer(area, _get(p, f"{c}.wafer_diameter_mm", 300.0))
    # die harvesting: only the critical area kills a die (absent: the whole die, as §4)
    killing = (
        silicon.critical_area_mm2(area, _get(p, f"{c}.harvest_area_fraction"))
        if f"{c}.harvest_area_fraction" in p
        else area
    )
    good = silicon.die_yield(
        killing,
        _get(p, f"{c}.defect_density_per_cm2"),
        yield_model,
        _get(p, f"{c}.yield_alpha", 3.0),
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
    # bill of materials (docs/model.md): parts replace a lump sum only when given
    memory = (
        silicon.memory_usd(_get(p, f"{c}.memory_gb", 0.0), _get(p, f"{c}.memory_usd_per_gb"))
        if f"{c}.memory_usd_per_gb" in p
        else _get(p, f"{c}.memory_usd", 0.0)
    )
    by_parts = f"{c}.packaging_base_usd" in p or f"{c}.packaging_usd_per_mm2" in p
    packaging = (
        silicon.packaging_usd(
            _get(p, f"{c}.packaging_base_usd", 0.0),
            _get(p, f"{c}.packaging_usd_per_mm2", 0.0),
            _get(p, f"{c}.interposer_area_mm2", 0.0),
        )
        if by_parts
        else _get(p, f"{c}.packaging_usd", 0.0)
    )
    test = _get(p, f"{c}.test_assembly_usd") if f"{c}.test_assembly_usd" in p else None
    # a multi-die package: the price and the carbon count each of its dies
    per_package = _get(p, f"{c}.dies_per_package") if f"{c}.dies_per_package" in p else None
    dies_usd = die_usd if per_package is None else die_usd * per_package
    price = silicon.chip_unit_price_usd(
        dies_usd,
        memory,
        packaging,
        _get(p, f"{c}.package_yield", 1.0),
        _get(p, f"{c}.board_usd", 0.0),
        _get(p, f"{c}.partner_markup", 0.0),
        test,
    )
    total = silicon.nre_usd(
        _get(p, f"{nre}.design_usd"),
        _get(p, f"{nre}.ip_usd", 0.0),
        _get(p, f"{c}.mask_set_usd"),
        _get(p, f"{nre}.respins", 0.0),
    )
    out = {
        "dies_per_wafer": dies,
        "die_yield": good,
        "die_usd": die_usd,
        "unit_price_usd": price,
        "nre_usd": total,
        "dies_per_package": np.ones(()) if per_package is None else per_package,
        "dies_usd": dies_usd,
        "memory_usd": memory,
        "packaging_usd": packaging,
        "test_assembly_usd": np.zeros(()) if test is None else test,
        # the lump sum; replaced below when the carbon comes from parts
        "embodied_kg_co2e": _get(p, f"{c}.embodied_kg_co2e", 0.0),
    }
    if any(f"{c}.{k}" in p for k in CARBON_PARTS):
        # embodied carbon from the chip's parts, which replace the lump sum (docs/model.md)
        out["embodied_kg_co2e"] = silicon.embodied_kg_co2e(
            area,
            _get(p, f"{c}.wafer_kg_co2e_per_cm2", 0.0),
            good,
            _get(p, f"{c}.memory_gb", 0.0),
            _get(p, f"{c}.memory_kg_co2e_per_gb", 0.0),
            _get(p, f"{c}.package_kg_co2e", 0.0),
            per_package,
        )
    return out


#: Inputs of a chip's embodied carbon from its parts (docs/model.md, bill of materials).
CARBON_PARTS = ("wafer_kg_co2e_per_cm2", "memory_kg_co2e_per_gb", "package_kg_co2e")


def evaluate(
    p: Mapping[str, ArrayLike],
    layout: Layout | int,
    yield_model: str = "murphy",
    nre_timing: str = "upfront",
) -> Outcome:
    """Compute both plans and their comparison.

    Parameters
    ----------
    p : mapping of str to array_like
        Inputs keyed by scenario key path; see the module docstring. Integer fields
        (lifetimes, start years, ages, ``respins``) must already be whole.
    layout : Layout or int
        The scenario's generations, installed entries and workloads; an int ``H`` is the
        layout of a file without section 11 over ``H`` years, with ``yield_model`` and
        ``nre_timing`` for its one chip.
    yield_model : str
        With an int ``layout``: ``murphy`` (default), ``poisson`` or ``negative_binomial``.
    nre_timing : str
        With an int ``layout``: ``upfront`` (default) or ``spread`` (MODEL.md 11.3).

    Inputs so extreme that a figure overflows (a price of 1e308) give infinities or NaN in
    that figure, not floating-point warnings; renderers show them as null.
    """
    if not isinstance(layout, Layout):
        layout = Layout.single(int(layout), yield_model, nre_timing)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = _evaluate(p, layout, full=True)
    assert isinstance(out, Outcome)
    return out


def evaluate_totals(p: Mapping[str, ArrayLike], layout: Layout) -> Totals:
    """What :func:`evaluate` gives for ``savings_npv_usd`` and each plan's ``npv_usd``,
    ``energy_it_kwh`` and ``co2e_kg``, bit for bit, and nothing else: the totals a Monte
    Carlo run reports, computed through the same code without the per-year results, the
    other totals or the payback year."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = _evaluate(p, layout, full=False)
    assert isinstance(out, Totals)
    return out


def _demand(
    p: Mapping[str, ArrayLike], layout: Layout
) -> tuple[Array, dict[str, Array], list[tuple[Array, Array]]]:
    """Demand per year, per workload (empty without workloads), and (demand, tokens a
    second) pairs of the work that gives tokens. MODEL.md 11.5 and 11.6."""
    h = layout.horizon_years
    if layout.workloads is None:
        demand = demand_units(p, h)
        key = "demand.reference_tokens_per_s"
        return demand, {}, [(demand, _get(p, key))] if key in p else []
    per = {w: demand_units(p, h, f"{layout.workload_key(w)}.units") for w in layout.workloads}
    demand = _total(list(per.values()), np.zeros(h))
    rates = [
        (per[w], _get(p, f"{layout.workload_key(w)}.reference_tokens_per_s"))
        for w in layout.workloads
        if f"{layout.workload_key(w)}.reference_tokens_per_s" in p
    ]
    return demand, per, rates


def _chip_need(
    layout: Layout, demand: Array, per: dict[str, Array], share: Array, effective: list[Array]
) -> Array:
    """Reference-equivalents the chip side serves each year, ``(H,) + S`` (MODEL.md 11.5):
    from its start, ``share[t]`` of the workloads it serves (all of them without workloads)."""
    h = layout.horizon_years
    chip_start = effective[0]
    for y in effective[1:]:
        chip_start = np.minimum(chip_start, y)
    years = years_column(np.arange(h, dtype=float), demand.ndim - 1)

    def from_start(need: Array) -> Array:
        """``need`` in the years the chip side serves, 0 before (``(H,) + S``)."""
        shape = np.broadcast_shapes(years.shape, np.shape(chip_start), need.shape)
        if need.shape == shape and bool(np.all(chip_start <= 0.0)):
            return need  # it serves from year 0 in every sample: every value stays
        return np.where(years >= chip_start, need, 0.0)

    if not per:
        return from_start(share * demand)
    serves = layout.serves if layout.serves is not None else tuple(per)
    if all(g.serves is None for g in layout.chips[1:]):
        served = demand if serves == tuple(per) else _total([per[w] for w in serves], demand)
        return from_start(share * served)
    # extension: a later generation may add workloads from its own start on
    parts = []
    for w, units in per.items():
        starts = [
            y
            for g, y in zip(layout.chips, effective, strict=True)
            if w in (serves if g.serves is None else g.serves)
        ]
        if starts:
            first = starts[0]
            for y in starts[1:]:
                first = np.minimum(first, y)
            parts.append(np.where(years >= first, units, 0.0))
    return share * _total(parts, np.zeros(demand.shape))


def _chip_starts(p: Mapping[str, ArrayLike], layout: Layout) -> tuple[list[Array], list[Array]]:
    """Each chip generation's start as written (``w_g``, clipped into its range) and its
    effective start ``y_g = w_g + respins_g * respin_delay_years``. MODEL.md 11.3."""
    h = float(layout.horizon_years)
    available = np.minimum(_get(p, "build.available_year", 0.0), h)
    delay = _get(p, "build.respin_delay_years", 0.0)
    written, effective = [], []
    for i, g in enumerate(layout.chips):
        w = available if i == 0 else np.minimum(np.maximum(_get(p, g.start_key), available + 1), h)
        written.append(w)
        effective.append(w + _get(p, f"{g.nre}.respins", 0.0) * delay)
    return written, effective


def _nre(
    p: Mapping[str, ArrayLike],
    layout: Layout,
    chip: ChipGen,
    nre_usd: Array,
    written: Array,
    effective: Array,
) -> Array:
    """A chip generation's NRE paid each year, ``(H,) + S``. MODEL.md 11.3."""
    design_years = (
        _get(p, f"{chip.nre}.design_years") if f"{chip.nre}.design_years" in p else written
    )
    design_start = np.maximum(0.0, written - design_years)
    shares = finance.nre_shares(
        design_start, effective, layout.horizon_years, chip.nre_timing, len(sample_shape(p))
    )
    return np.where(shares > 0, np.asarray(nre_usd) * shares, 0.0)


def _evaluate(p: Mapping[str, ArrayLike], layout: Layout, full: bool) -> Outcome | Totals:
    p = _Inputs(p)
    h = layout.horizon_years
    demand, per_workload, rates = _demand(p, layout)
    tokens = (
        _total([sum_years(d) * r * 3600.0 * energy.HOURS_PER_YEAR for d, r in rates], np.zeros(()))
        if rates
        else np.asarray(np.nan)
    )
    factors = finance.discount_factors(_get(p, "discount_rate", 0.0), h, len(sample_shape(p)))
    sil = [silicon_figures(p, g.yield_model, g.chip, g.nre) for g in layout.chips]

    written, effective = _chip_starts(p, layout)
    share = yearly_values(p, "build.share", h)
    chip_need = _chip_need(layout, demand, per_workload, share, effective)
    bought_need = demand - chip_need

    bought = []
    for i, g in enumerate(layout.bought):
        price = yearly_values(p, f"{g.prefix}.unit_price_usd", h)
        start = (
            np.asarray(0.0)
            if g.start_key is None
            else np.minimum(np.maximum(_get(p, g.start_key), 1.0), float(h))
        )
        bought.append(_fleet(p, g.prefix, price, "bought", i, g.label, start))
    chips = [
        _fleet(p, g.chip, s["unit_price_usd"], "chip", i, g.label, effective[i])
        for i, (g, s) in enumerate(zip(layout.chips, sil, strict=True))
    ]
    chips = [
        replace(f, embodied_kg_co2e=s["embodied_kg_co2e"]) for f, s in zip(chips, sil, strict=True)
    ]
    installed, base, initial_mw = [], [], np.zeros(())
    for i, e in enumerate(layout.installed):
        f = _fleet(p, e.prefix, np.zeros(()), "installed", i, e.label, np.asarray(0.0))
        units = _get(p, f"{e.prefix}.units")
        age = np.minimum(
            np.maximum(_get(p, f"{e.prefix}.age_years", 0.0), 0.0), f.lifetime_years - 1
        )
        installed.append(f)
        base.append(fleet.Installed(units, f.perf, f.lifetime_years - age))
        initial_mw = initial_mw + units * f.it_peak_w / 1e6

    def generations(side: list[_Fleet]) -> list[fleet.Generation]:
        return [fleet.Generation(f.perf, f.lifetime_years, f.start_year) for f in side]

    def ran(side: list[_Fleet], served: fleet.Served) -> list[tuple[_Fleet, Array, Array]]:
        return list(zip(side, served.bought, served.active, strict=True))

    def installed_ran(served: fleet.Served) -> list[tuple[_Fleet, Array, Array]]:
        zero = np.zeros((h,) + (1,) * len(sample_shape(p)))
        return [(f, zero, a) for f, a in zip(installed, served.installed_active, strict=True)]

    # with full false, demand, bought_need and chip_need are read by their serve only
    buy_side = fleet.serve(demand, generations(bought), base, reuse=not full)
    buy = _plan(
        ran(bought, buy_side) + installed_ran(buy_side),
        p,
        demand,
        np.zeros(()),
        np.asarray(0.0),
        np.asarray(0.0),
        factors,
        initial_mw,
        tokens,
        full,
    )
    nre_per_generation = [
        _nre(p, layout, g, s["nre_usd"], w, y)
        for g, s, w, y in zip(layout.chips, sil, written, effective, strict=True)
    ]
    bought_side = fleet.serve(bought_need, generations(bought), base, reuse=not full)
    chip_side = fleet.serve(chip_need, generations(chips), [], reuse=not full)
    build = _plan(
        ran(bought, bought_side) + ran(chips, chip_side) + installed_ran(bought_side),
        p,
        demand,
        _total(nre_per_generation, np.zeros(())),
        _total([s["nre_usd"] for s in sil], np.zeros(())),
        _get(p, "build.nre.software_usd_per_year", 0.0),
        factors,
        initial_mw,
        tokens,
        full,
    )

    savings = buy.npv_usd - build.npv_usd
    if isinstance(buy, PlanTotals) and isinstance(build, PlanTotals):
        return Totals(savings, buy, build)
    assert isinstance(buy, PlanOutcome) and isinstance(build, PlanOutcome)
    pct = np.divide(
        savings * 100.0, buy.npv_usd, out=np.full(np.shape(savings), np.nan), where=buy.npv_usd > 0
    )
    yearly = buy.discounted_usd - build.discounted_usd
    yearly[..., -1] += build.discounted_residual_usd - buy.discounted_residual_usd
    return Outcome(
        horizon_years=h,
        buy=buy,
        build=build,
        silicon=sil[0],
        savings_npv_usd=savings,
        savings_pct=pct,
        payback_year=finance.payback_year(np.moveaxis(yearly, -1, 0)),
        lasting_payback_year=finance.lasting_payback_year(np.moveaxis(yearly, -1, 0)),
        yearly_savings_usd=yearly,
        demand_units=_years_last(demand),
        silicon_generations=sil,
        nre_per_generation=[_years_last(x) for x in nre_per_generation],
    )
