"""The seed scenario reproduces the seed articles' figures (MODEL.md section 9).

Figures from shared/seeds/ (Feb 2024): 350,000 H100s for about 10 billion USD, 700 W and
3,740 kWh a year each (so about 1,300 GWh a year), about 100 km laid end to end; Lombardy
used 63.1 TWh in 2023 (Terna), Leonardo has 13,824 GPUs (CINECA), Milan-Turin is 125 km.
"""

from __future__ import annotations

import json

from numpy.testing import assert_allclose

from gpu_calc.cli import app
from tests.conftest import SEED


def seed_json(runner):
    result = runner.invoke(app, ["compare", str(SEED), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_seed_articles_figures(runner):
    out = seed_json(runner)
    buy = out["plans"]["buy"]
    assert buy["bought_units"] == 350_000
    # 350,000 x 28,571.43 = 10,000,000,500 USD: "about 10 billion"
    assert_allclose(buy["capex_usd"], 10e9, rtol=1e-6)
    assert buy["facility_capex_usd"] == 0  # GPU only, as the articles count
    # 350,000 x 700 W x 0.61 x 8,760 h = 1,309,182,000 kWh: "about 1,300 GWh"
    assert_allclose(buy["energy_it_kwh_per_year"][0], 1_309_182_000)
    # one card: 700 x 0.61 x 8.76 = 3,740.5 kWh a year ("3,740 kWh")
    assert_allclose(buy["energy_it_kwh_per_year"][0] / 350_000, 3_740, rtol=1e-3)
    # 350,000 x 285.7 mm = 99.995 km: "about 100 km"
    assert_allclose(buy["fleet_length_km"], 100, rtol=1e-3)


def test_seed_perspective(runner):
    out = seed_json(runner)
    ratios = {p["label"].split(",")[0].split(" ")[0]: p for p in out["perspective"]}
    # 1.309 TWh / 63.1 TWh = 2.07 %: not "more than Lombardy"
    assert_allclose(ratios["Lombardy"]["ratio"], 1_309_182_000 / 63.1e9)
    assert ratios["Lombardy"]["value"] == 63.1e9
    # 350,000 / 13,824 = 25.3 Leonardos
    assert_allclose(ratios["Leonardo"]["ratio"], 350_000 / 13_824)
    # 99.995 km / 125 km
    assert_allclose(ratios["Milan-Turin"]["ratio"], 99.995 / 125)
    assert {p["plan"] for p in out["perspective"]} == {"buy"}


def test_seed_keeps_core_keys(runner):
    out = seed_json(runner)
    assert out["schema_version"] == 1
    for plan in ("buy", "build"):
        for key in (
            "capex_usd",
            "facility_capex_usd",
            "nre_usd",
            "opex_usd",
            "electricity_usd",
            "residual_usd",
            "tco_usd",
            "npv_usd",
            "energy_it_kwh",
            "energy_facility_kwh",
            "energy_it_kwh_per_year",
            "water_l",
            "co2e_kg",
            "peak_it_mw",
            "bought_units",
            "chip_units",
            "usd_per_reference_hour",
            "fleet_length_km",
        ):
            assert key in out["plans"][plan], key
    # MODEL.md section 8's five keys, then the bill of materials' additions and the
    # multi-die package's (docs/model.md)
    assert set(out["silicon"]) == {
        "dies_per_wafer",
        "die_yield",
        "die_usd",
        "unit_price_usd",
        "nre_usd",
        "memory_usd",
        "packaging_usd",
        "test_assembly_usd",
        "embodied_kg_co2e",
        "dies_per_package",
        "dies_usd",
    }
    assert {"savings_npv_usd", "savings_pct", "payback_year", "cheaper"} <= set(out["comparison"])


def test_shipped_scenarios_pass_their_expectations(runner):
    """`gpucalc batch scenarios/` is what a team's CI runs: every file valid, every
    expectation (the seed's figures among them) held."""
    from tests.conftest import SCENARIOS

    result = runner.invoke(app, ["batch", str(SCENARIOS), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["invalid"] == 0 and summary["failed"] == 0
    assert summary["expectations_checked"] >= 4
