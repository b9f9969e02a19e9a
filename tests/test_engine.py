"""The engine against numbers worked out by hand (MODEL.md sections 3-6).

The SMALL scenario of conftest.py, worked through once here; every figure below comes from
this working, not from running the code.

Buy accelerator: unit capex = 10,000 + 8,000/8 + 500 = 11,500 USD; peak 1,000 + 800/8 =
1,100 W; average 0.5 x 1,100 = 550 W; life 2 years.
Chip silicon (100 mm2, 300 mm wafer, D0 0.1):
  dies = floor(pi 150^2/100 - pi 300/sqrt(200)) = floor(706.858 - 66.643) = 640
  yield = ((1 - e^-0.1)/0.1)^2 = 0.951626^2 = 0.905592
  die = 10,000 / (640 x 0.905592) = 17.2539 USD
  unit = ((17.2539 + 100 + 50)/0.9 + 40) x 1.1 = 248.4215 USD
  NRE = 2,000,000 + 500,000 + 1,000,000 x (1 + 1) = 4,500,000 USD
Buy plan (demand 100 a year, 3 years, life 2):
  bought [100, 0, 100]; hw capex [1.15M, 0, 1.15M]; need 0.11 MW -> facility [110k, 0, 0]
  IT energy 100 x 550 x 8.76 = 481,800 kWh/yr; facility x1.5 = 722,700; electricity 72,270
  opex 72,270 + 100 x 100 = 82,270 a year; water 481,800 x 1 + 722,700 x 2 = 1,927,200 L/yr
  CO2e 722,700 x 0.4 = 289,080 + embodied [100k, 0, 100k]
  residual: hw 1.15M x 1/2 (bought in year 2) + facility 110k x 7/10 = 575,000 + 77,000
  capex 2.41M; TCO 2.41M + 246,810 - 652,000 = 2,004,810
  NPV: 1.26M + 1.15M/1.21 + 82,270 x (1/1.1 + 1/1.21 + 1/1.331) - 652,000/1.331
     = 1,260,000 + 950,413.22 + 204,593.31 - 489,857.25 = 1,925,149.28
Build plan (share 0.5 from year 1, chip perf 0.5, chip life 4):
  bought need [100, 50, 50] -> bought [100, 0, 50]; chips active [0, 100, 100] -> [0, 100, 0]
  hw capex [1.15M, 24,842.15, 575,000]; need MW [0.11, 0.075, 0.075] -> facility [110k, 0, 0]
  IT energy [481,800, 240,900 + 87,600, same] = [481,800, 328,500, 328,500]
  electricity [72,270, 49,275, 49,275]; opex adds units x 100 and software 100,000:
  [182,270, 154,275, 154,275]
  residual: 575,000/2 + 24,842.15 x 2/4 + 77,000 = 376,921.07
  capex 1,859,842.15; TCO 1,859,842.15 + 4.5M + 490,820 - 376,921.07 = 6,473,741.08
  NPV: 5.76M + 24,842.15/1.1 + 575,000/1.21 + 182,270/1.1 + 154,275/1.21 + 154,275/1.331
       - 376,921.07/1.331 = 6,383,713.09
Savings = 1,925,149.28 - 6,383,713.09 = -4,458,563.81 (-231.59 %); never pays back.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gpu_calc.engine import evaluate, fleet, silicon
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from tests.conftest import SMALL

REL = 1e-6


@pytest.fixture(scope="module")
def small():
    return compare(load_text(SMALL, "small.yaml")).to_dict()


def test_silicon_by_hand(small):
    s = small["silicon"]
    assert s["dies_per_wafer"] == 640
    assert_allclose(s["die_yield"], 0.905592, rtol=1e-6)
    assert_allclose(s["die_usd"], 17.2539, rtol=1e-5)
    assert_allclose(s["unit_price_usd"], 248.4215, rtol=1e-6)
    assert s["nre_usd"] == 4_500_000


def test_buy_plan_by_hand(small):
    buy = small["plans"]["buy"]
    assert buy["per_year"]["bought_units"] == [100, 0, 100]
    assert buy["per_year"]["hw_capex_usd"] == [1_150_000, 0, 1_150_000]
    assert_allclose(buy["per_year"]["facility_capex_usd"], [110_000, 0, 0])
    assert_allclose(buy["energy_it_kwh_per_year"], [481_800] * 3)
    assert_allclose(buy["energy_facility_kwh"], 3 * 722_700)
    assert_allclose(buy["electricity_usd"], 3 * 72_270)
    assert_allclose(buy["opex_usd"], 3 * 82_270)
    assert_allclose(buy["water_l"], 3 * 1_927_200)
    assert_allclose(buy["co2e_kg"], 3 * 289_080 + 200_000)
    assert_allclose(buy["residual_usd"], 652_000)
    assert_allclose(buy["capex_usd"], 2_410_000)
    assert_allclose(buy["facility_capex_usd"], 110_000)
    assert buy["nre_usd"] == 0
    assert_allclose(buy["tco_usd"], 2_004_810)
    assert_allclose(buy["npv_usd"], 1_925_149.28, rtol=REL)
    assert buy["bought_units"] == 200
    assert buy["chip_units"] == 0
    assert_allclose(buy["peak_it_mw"], 0.11)
    assert_allclose(buy["fleet_length_km"], 200 * 250 / 1e6)
    # 2,004,810 USD over 3 x 100 reference-years of 8,760 hours
    assert_allclose(buy["usd_per_reference_hour"], 2_004_810 / 2_628_000)


def test_build_plan_by_hand(small):
    build = small["plans"]["build"]
    assert build["per_year"]["bought_units"] == [100, 0, 50]
    assert build["per_year"]["chip_units"] == [0, 100, 0]
    assert_allclose(build["per_year"]["hw_capex_usd"], [1_150_000, 24_842.15, 575_000], rtol=REL)
    assert_allclose(build["energy_it_kwh_per_year"], [481_800, 328_500, 328_500])
    assert_allclose(build["per_year"]["electricity_usd"], [72_270, 49_275, 49_275])
    assert_allclose(build["per_year"]["opex_usd"], [182_270, 154_275, 154_275])
    assert_allclose(build["per_year"]["co2e_kg"], [389_080, 197_100, 247_100])
    assert_allclose(build["per_year"]["water_l"], [1_927_200, 1_314_000, 1_314_000])
    assert_allclose(build["residual_usd"], 376_921.07, rtol=REL)
    assert_allclose(build["capex_usd"], 1_859_842.15, rtol=REL)
    assert build["nre_usd"] == 4_500_000
    assert_allclose(build["tco_usd"], 6_473_741.08, rtol=REL)
    assert_allclose(build["npv_usd"], 6_383_713.09, rtol=REL)
    assert build["bought_units"] == 150
    assert build["chip_units"] == 100
    assert_allclose(build["peak_it_mw"], 0.11)


def test_comparison_by_hand(small):
    comp = small["comparison"]
    assert_allclose(comp["savings_npv_usd"], -4_458_563.81, rtol=REL)
    assert_allclose(comp["savings_pct"], -231.59, rtol=1e-4)
    assert comp["payback_year"] is None
    assert comp["cheaper"] == "buy"
    # the yearly discounted savings add up to the NPV savings
    assert_allclose(sum(comp["savings_npv_usd_per_year"]), comp["savings_npv_usd"])


PAYBACK = """\
horizon_years: 3
discount_rate: 0
demand: {units: 100, load_factor: 1}
site: {electricity_usd_per_kwh: 1.0}
buy: {unit_price_usd: 1000, power_w: 1000, lifetime_years: 10}
build:
  share: 1
  available_year: 0
  chip: {power_w: 0, lifetime_years: 10, die_area_mm2: 100, node: n5, wafer_usd: 0,
         defect_density_per_cm2: 0, mask_set_usd: 0, memory_usd: 1000}
  nre: {design_usd: 2000000}
"""


def test_payback_and_residual_by_hand():
    """Each GPU burns 1 kW x 8,760 h x 1 USD = 8,760 USD a year; 100 of them 876,000 USD.

    The chip costs the same 1,000 USD (wafer free, memory 1,000) and draws nothing, so the
    build plan saves 876,000 a year against 2,000,000 of NRE at r = 0:
    cumulative -1,124,000, -248,000, +628,000 -> pays back in year 2. Both fleets keep
    7/10 of 100,000 USD at the end, so residuals cancel. NPV(buy) = 100,000 + 2,628,000 -
    70,000 = 2,658,000; savings 628,000 = 23.627 %.
    """
    out = compare(load_text(PAYBACK)).to_dict()
    comp = out["comparison"]
    assert comp["payback_year"] == 2
    assert_allclose(comp["savings_npv_usd"], 628_000)
    assert_allclose(out["plans"]["buy"]["npv_usd"], 2_658_000)
    assert_allclose(out["plans"]["buy"]["residual_usd"], 70_000)
    assert_allclose(comp["savings_pct"], 628_000 / 2_658_000 * 100)
    assert comp["cheaper"] == "build"
    assert_allclose(np.cumsum(comp["savings_npv_usd_per_year"]), [-1_124_000, -248_000, 628_000])
    assert comp["payback_year"] == 2  # the third and last year: "year 3 of 3" for people
    assert comp["verdict"].endswith("; pays back in year 3 of 3")


def test_discounting_of_residual_by_hand():
    """One year, r = 10 %: capex 1,000 now, opex 8,760 x 0.1 = 876 at year end, a 4-year
    life keeps 3/4 of 1,000 = 750 at 1/1.1: NPV = 1,000 + 876/1.1 - 750/1.1 = 1,114.545."""
    text = (
        PAYBACK.replace("horizon_years: 3", "horizon_years: 1")
        .replace("discount_rate: 0", "discount_rate: 0.1")
        .replace("electricity_usd_per_kwh: 1.0", "electricity_usd_per_kwh: 0.1")
        .replace("lifetime_years: 10}", "lifetime_years: 4}", 1)
    )
    out = compare(load_text(text)).to_dict()
    buy = out["plans"]["buy"]
    assert_allclose(buy["npv_usd"] / 100, 1_000 + 876 / 1.1 - 750 / 1.1)


def test_replacement_inside_horizon():
    """Life 3, 7 years of 10 units: bought in years 0, 3 and 6."""
    assert fleet.units_bought([10.0] * 7, 3).tolist() == [10, 0, 0, 10, 0, 0, 10]


def test_units_bought_with_lifetime_per_sample_matches_scalar():
    active = np.array([[5.0, 8.0, 8.0, 3.0, 9.0, 9.0]]).T  # years first, one sample
    for life in (1, 2, 3, 4):
        per_sample = fleet.units_bought(active, np.array([life]))
        assert_allclose(per_sample, fleet.units_bought(active, life))


def test_yield_models_by_hand():
    # 2 cm2 at D0 0.2: x = 0.4
    x = 0.4
    assert_allclose(silicon.die_yield(200, 0.2, "murphy"), ((1 - np.exp(-x)) / x) ** 2)
    assert_allclose(silicon.die_yield(200, 0.2, "poisson"), np.exp(-x))
    assert_allclose(silicon.die_yield(200, 0.2, "negative_binomial", 2.0), (1 + x / 2) ** -2)
    for model in ("murphy", "poisson", "negative_binomial"):
        assert silicon.die_yield(500, 0.0, model) == 1.0


def test_dies_per_wafer_known_value():
    """A 421 mm2 die (MTIA v2) on 300 mm: 70,685.8/421 - 942.48/29.017 = 167.90 - 32.48."""
    assert silicon.dies_per_wafer(421) == 135
    assert silicon.dies_per_wafer(70_000) <= 0  # too large: no die fits


def test_one_engine_for_every_shape():
    """A vector of shares gives, element by element, the single runs."""
    inputs = ModelInputs.from_scenario(load_text(SMALL))
    shares = np.array([0.0, 0.25, 0.5, 1.0])
    params = inputs.base() | {"build.share": shares}
    vector = evaluate(params, inputs.horizon_years)
    for i, share in enumerate(shares):
        single = evaluate(inputs.base() | {"build.share": np.asarray(share)}, 3)
        assert_allclose(vector.savings_npv_usd[i], single.savings_npv_usd)
        assert_allclose(
            vector.build.yearly["energy_it_kwh"][i], single.build.yearly["energy_it_kwh"]
        )
    grid = evaluate(params | {"site.pue": np.array([[1.0], [2.0]])}, 3)
    assert grid.savings_npv_usd.shape == (2, 4)
    assert grid.build.yearly["opex_usd"].shape == (2, 4, 3)


def test_demand_list_per_year():
    """Demand [100, 200, 100], life 4: buy 100 then 100 more; the dip strands nothing new."""
    text = SMALL.replace("  units: 100\n", "  units: [100, 200, 100]\n").replace(
        "  lifetime_years: 2\n", "  lifetime_years: 4\n"
    )
    out = compare(load_text(text)).to_dict()
    assert out["plans"]["buy"]["per_year"]["bought_units"] == [100, 100, 0]
    # facility sized at the peak, 200 x 1,100 W = 0.22 MW, and never shrinks
    assert_allclose(out["plans"]["buy"]["per_year"]["built_it_mw"], [0.11, 0.22, 0.22])
    assert_allclose(
        out["plans"]["buy"]["usd_per_reference_hour"], out["plans"]["buy"]["tco_usd"] / (400 * 8760)
    )


def test_nre_spread_before_availability_by_hand():
    """Refinement: NRE of 2,000,000 spread over the 2 years before the chip arrives (year 2)
    is paid 1,000,000 at the start of years 0 and 1: at 10 % its present value is
    1,000,000 + 1,000,000/1.1 = 1,909,090.91 instead of 2,000,000, so the build plan's NPV
    falls by 90,909.09; undiscounted totals do not move."""
    text = PAYBACK.replace("discount_rate: 0\n", "discount_rate: 0.1\n").replace(
        "available_year: 0", "available_year: 2"
    )
    upfront = compare(load_text(text)).to_dict()
    spread = compare(
        load_text(
            text.replace("nre: {design_usd: 2000000}", "nre: {design_usd: 2000000, timing: spread}")
        )
    ).to_dict()
    assert spread["plans"]["build"]["per_year"]["nre_usd"] == [1_000_000, 1_000_000, 0]
    assert upfront["plans"]["build"]["per_year"]["nre_usd"] == [2_000_000, 0, 0]
    assert_allclose(
        upfront["plans"]["build"]["npv_usd"] - spread["plans"]["build"]["npv_usd"],
        2_000_000 - 1_909_090.909091,
        rtol=1e-9,
    )
    assert spread["plans"]["build"]["tco_usd"] == upfront["plans"]["build"]["tco_usd"]
    assert spread["plans"]["buy"] == upfront["plans"]["buy"]


def test_colocation_rent_by_hand():
    """Refinement: 100 GPUs of 1,000 W need 100 kW; at 100 USD per kW-month the buy plan
    pays 100 x 100 x 12 = 120,000 a year of rent. The build plan's chips draw nothing, so
    need no capacity and pay none: at r = 0 savings grow from 628,000 to 628,000 + 3 x
    120,000 = 988,000."""
    text = PAYBACK.replace(
        "site: {electricity_usd_per_kwh: 1.0}",
        "site: {electricity_usd_per_kwh: 1.0, colocation_usd_per_kw_month: 100}",
    )
    out = compare(load_text(text)).to_dict()
    assert_allclose(out["plans"]["buy"]["per_year"]["colocation_usd"], [120_000] * 3)
    assert out["plans"]["build"]["per_year"]["colocation_usd"] == [0, 0, 0]
    assert_allclose(out["comparison"]["savings_npv_usd"], 988_000)
