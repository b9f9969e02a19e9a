"""Properties of the engine that hold for every well-behaved input (MODEL.md sections 3-6).

Each test draws inputs from the shared strategies (tests/strategies.py) and calls
:func:`gpu_calc.engine.evaluate` directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from gpu_calc.engine import Outcome, evaluate
from gpu_calc.engine.model import PlanOutcome
from tests.strategies import HORIZONS, engine_params

SETTINGS = settings(max_examples=100, deadline=None)
RTOL = 1e-9

#: Per-plan totals that are costs (money out) or quantities that grow with the fleet.
COSTS = ("capex_usd", "facility_capex_usd", "opex_usd", "electricity_usd", "tco_usd", "npv_usd")
QUANTITIES = ("energy_it_kwh", "energy_facility_kwh", "water_l", "co2e_kg", "peak_it_mw")
SCALING = COSTS + QUANTITIES + ("residual_usd", "bought_units", "chip_units", "fleet_length_km")


def run(p: dict[str, Any], horizon: int) -> Outcome:
    return evaluate(p, horizon)


def total(plan: PlanOutcome, key: str) -> float:
    return float(getattr(plan, key))


def assert_not_less(after: float, before: float, what: str) -> None:
    tol = RTOL * max(abs(after), abs(before), 1.0)
    assert after >= before - tol, f"{what}: {after!r} < {before!r}"


@SETTINGS
@given(p=engine_params(), horizon=HORIZONS, factor=st.floats(1.0, 10.0))
def test_costs_rise_with_demand(p: dict[str, float], horizon: int, factor: float) -> None:
    before = run(p, horizon)
    after = run({**p, "demand.units": p["demand.units"] * factor}, horizon)
    for name in ("buy", "build"):
        for key in COSTS + QUANTITIES:
            assert_not_less(
                total(after.plans[name], key), total(before.plans[name], key), f"{name}.{key}"
            )


PRICES = (
    "buy.unit_price_usd",
    "buy.host_usd_per_server",
    "buy.network_usd_per_unit",
    "buy.opex_usd_per_unit_year",
    "site.electricity_usd_per_kwh",
    "site.facility_capex_usd_per_mw",
    "build.chip.wafer_usd",
    "build.chip.memory_usd",
    "build.chip.board_usd",
    "build.nre.design_usd",
    "build.nre.software_usd_per_year",
)


@SETTINGS
@given(
    p=engine_params(),
    horizon=HORIZONS,
    price=st.sampled_from(PRICES),
    extra=st.floats(1.0, 1e5),
)
def test_costs_rise_with_prices(
    p: dict[str, float], horizon: int, price: str, extra: float
) -> None:
    before = run(p, horizon)
    after = run({**p, price: p[price] + extra}, horizon)
    for name in ("buy", "build"):
        for key in ("capex_usd", "opex_usd", "npv_usd"):
            assert_not_less(
                total(after.plans[name], key),
                total(before.plans[name], key),
                f"{name}.{key} after {price} +{extra}",
            )


NO_FIXED_COSTS = {
    "site.facility_capex_usd_per_mw": 0.0,
    "build.nre.design_usd": 0.0,
    "build.nre.ip_usd": 0.0,
    "build.chip.mask_set_usd": 0.0,
    "build.nre.software_usd_per_year": 0.0,
}


@SETTINGS
@given(p=engine_params(NO_FIXED_COSTS), horizon=HORIZONS)
def test_doubling_demand_doubles_every_cost(p: dict[str, float], horizon: int) -> None:
    """With no facility and no NRE the model is linear in demand (fleets are continuous)."""
    once = run(p, horizon)
    twice = run({**p, "demand.units": 2 * p["demand.units"]}, horizon)
    for name in ("buy", "build"):
        for key in SCALING:
            assert_allclose(
                total(twice.plans[name], key),
                2 * total(once.plans[name], key),
                rtol=RTOL,
                atol=1e-6,
                err_msg=f"{name}.{key}",
            )
        assert_allclose(
            twice.plans[name].yearly["energy_it_kwh"],
            2 * once.plans[name].yearly["energy_it_kwh"],
            rtol=RTOL,
        )
    assert_allclose(float(twice.savings_npv_usd), 2 * float(once.savings_npv_usd), atol=1e-3)


@SETTINGS
@given(p=engine_params({"build.share": 0.0}), horizon=HORIZONS)
def test_share_zero_builds_nothing_but_pays_nre_and_software(
    p: dict[str, float], horizon: int
) -> None:
    """Share 0: the build plan is the buy plan plus NRE (year 0) and software (each year)."""
    out = run(p, horizon)
    buy, build = out.buy, out.build
    r = p["discount_rate"]
    software = p["build.nre.software_usd_per_year"]
    nre = p["build.nre.design_usd"] + p["build.nre.ip_usd"]
    nre += p["build.chip.mask_set_usd"] * (1 + p["build.nre.respins"])
    discounted_software = sum(software * (1 + r) ** -(t + 1) for t in range(horizon))
    scale = max(abs(float(buy.npv_usd)), nre + software * horizon, 1.0)
    assert_allclose(
        float(build.npv_usd) - float(buy.npv_usd), nre + discounted_software, atol=1e-9 * scale
    )
    assert_allclose(float(out.savings_npv_usd), -(nre + discounted_software), atol=1e-9 * scale)
    for key in ("capex_usd", "facility_capex_usd", "electricity_usd", "energy_it_kwh", "co2e_kg"):
        assert_allclose(total(build, key), total(buy, key), rtol=RTOL, err_msg=key)
    assert float(build.chip_units) == 0.0
    assert_allclose(total(build, "opex_usd"), total(buy, "opex_usd") + software * horizon)


@SETTINGS
@given(p=engine_params(), horizon=HORIZONS)
def test_energy_is_units_times_power_times_load_times_hours(
    p: dict[str, float], horizon: int
) -> None:
    """Buy plan: energy_it_kwh[t] = active units x IT peak power x load x 8760 / 1000."""
    out = run(p, horizon)
    units = p["demand.units"] / p["buy.perf_vs_reference"]
    it_peak_w = p["buy.power_w"] + p["buy.host_power_w_per_server"] / p["buy.chips_per_server"]
    per_year = units * it_peak_w * p["demand.load_factor"] * 8760 / 1000
    assert_allclose(out.buy.yearly["energy_it_kwh"], np.full(horizon, per_year), rtol=RTOL)
    for plan in out.plans.values():
        assert_allclose(
            plan.yearly["energy_facility_kwh"],
            plan.yearly["energy_it_kwh"] * p["site.pue"],
            rtol=RTOL,
        )
        assert_allclose(
            float(plan.electricity_usd),
            float(plan.energy_facility_kwh) * p["site.electricity_usd_per_kwh"],
            rtol=RTOL,
            atol=1e-9,
        )


def _savings(p: dict[str, float], horizon: int, key: str, value: float) -> float:
    return float(run({**p, key: value}, horizon).savings_npv_usd)


def _break_even(p: dict[str, float], horizon: int, key: str, lo: float, hi: float) -> float:
    """Bisection on ``key`` between a value where building loses and one where it wins."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _savings(p, horizon, key, mid) > 0:
            hi = mid
        else:
            lo = mid
    return hi


# A chip that uses far less power than the GPU it replaces, from year 0, with NRE: building
# loses when electricity is free and wins when it is dear.
EFFICIENT_CHIP = {
    "build.share": st.floats(0.2, 1.0),
    "build.available_year": 0.0,
    "buy.power_w": st.floats(500, 1500),
    "build.chip.power_w": st.floats(1, 100),
    "build.chip.perf_vs_reference": st.floats(0.5, 2),
    "build.nre.design_usd": st.floats(1e7, 1e9),
    "site.electricity_usd_per_kwh": 0.0,
}


@settings(max_examples=30, deadline=None)
@given(p=engine_params(EFFICIENT_CHIP), horizon=HORIZONS)
def test_savings_change_sign_at_the_break_even_electricity_price(
    p: dict[str, float], horizon: int
) -> None:
    key = "site.electricity_usd_per_kwh"
    dear = 1e6
    assume(_savings(p, horizon, key, 0.0) < 0 < _savings(p, horizon, key, dear))
    price = _break_even(p, horizon, key, 0.0, dear)
    below, above = np.nextafter(price, 0.0), price
    assert _savings(p, horizon, key, below) <= 0 < _savings(p, horizon, key, above)
    # savings are affine in the electricity price: the sign holds on each side
    for k in (0.25, 0.5, 0.9):
        assert _savings(p, horizon, key, price * k) <= 0
        assert _savings(p, horizon, key, price + (dear - price) * k) > 0
    assert run({**p, key: above}, horizon).savings_npv_usd > 0


@SETTINGS
@given(p=engine_params(), horizon=HORIZONS)
def test_no_nan_or_infinity_for_valid_input(p: dict[str, float], horizon: int) -> None:
    out = run(p, horizon)
    for name, plan in out.plans.items():
        for key, value in vars(plan).items():
            if key in ("tokens", "usd_per_million_tokens"):  # no tokens given: null (11.6)
                assert np.isnan(value), f"{name}.{key}: {value}"
                continue
            if key == "fleets":
                arrays = [a for f in value for a in (f.bought, f.active, f.from_year)]
            else:
                arrays = value.values() if isinstance(value, dict) else [value]
            for array in arrays:
                assert np.all(np.isfinite(array)), f"{name}.{key}: {array}"
    for key, value in out.silicon.items():
        assert np.all(np.isfinite(value)), f"silicon.{key}: {value}"
    assert np.isfinite(out.savings_npv_usd)
    assert np.all(np.isfinite(out.yearly_savings_usd))
    # defined as null in some cases (MODEL.md section 6), never infinite
    assert not np.isinf(out.savings_pct)
    assert np.isnan(out.payback_year) or 0 <= out.payback_year < horizon


@settings(max_examples=20, deadline=None)
@given(p=engine_params(), horizon=HORIZONS, n=st.integers(1, 5))
def test_one_engine_for_every_shape(p: dict[str, float], horizon: int, n: int) -> None:
    """A vector of n identical samples gives n copies of the single run."""
    single = run(p, horizon)
    vector = run({k: np.full(n, v) for k, v in p.items()}, horizon)
    for name in ("buy", "build"):
        for key in SCALING:
            assert_allclose(
                getattr(vector.plans[name], key), np.full(n, total(single.plans[name], key))
            )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([-3.0, -1.0, 0.0, 1.0, 2.0, 5.0]), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    )
)
def test_lasting_payback_is_the_first_year_from_which_savings_stay_ahead(
    yearly: list[list[float]],
) -> None:
    """finance.lasting_payback_year over 3 samples at once against a plain loop per sample:
    the cumulative savings never below 0 from that year on; NaN when the last is below 0."""
    from gpu_calc.engine.finance import lasting_payback_year, payback_year

    got = lasting_payback_year(np.asarray(yearly))
    first = payback_year(np.asarray(yearly))
    for s in range(3):
        cumulative, total = [], 0.0
        for row in yearly:
            total += row[s]
            cumulative.append(total)
        if cumulative[-1] < 0:
            assert np.isnan(got[s])
            continue
        wanted = next(t for t in range(len(cumulative)) if min(cumulative[t:]) >= 0)
        assert got[s] == wanted and got[s] >= first[s]
