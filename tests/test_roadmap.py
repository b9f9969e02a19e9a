"""MODEL.md section 11 (roadmaps) against numbers worked out by hand.

Each test builds a small scenario with round numbers, every field inline, and checks the
engine's JSON against the working written in its docstring or comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from gpu_calc.errors import InputErrors
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import compare
from gpu_calc.scenario import load_file, load_text
from gpu_calc.uncertainty.params import unused_facts

ROOT = Path(__file__).resolve().parent.parent
HOURS = 8760.0


def scenario(**over: object) -> dict:
    """A small scenario: no discounting, load factor 1, 100 W accelerators at $10, a chip
    that takes no share; every section 11 test changes what it checks."""
    base: dict = {
        "version": 1,
        "name": "roadmap",
        "horizon_years": 4,
        "discount_rate": 0,
        "demand": {"units": 100, "load_factor": 1},
        "site": {"electricity_usd_per_kwh": 0.1},
        "buy": {"unit_price_usd": 10, "power_w": 100, "lifetime_years": 4},
        "build": {
            "share": 0,
            "available_year": 0,
            "chip": {
                "die_area_mm2": 100,
                "node": "n5",
                "power_w": 50,
                "perf_vs_reference": 0.5,
                "wafer_usd": 10000,
                "defect_density_per_cm2": 0,
                "mask_set_usd": 1000,
                "lifetime_years": 4,
            },
            "nre": {"design_usd": 10000},
        },
    }
    for key, value in over.items():
        node = base
        parts = key.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return base


#: A later chip generation from year 2 (perf 1, 50 W; NRE 5,000 + 1,000 of masks).
LATER_CHIP = {
    "from_year": 2,
    "chip": {
        "die_area_mm2": 100,
        "node": "n5",
        "power_w": 50,
        "wafer_usd": 10000,
        "defect_density_per_cm2": 0,
        "mask_set_usd": 1000,
    },
    "nre": {"design_usd": 5000},
}


def run(data: dict) -> dict:
    return compare(load_text(yaml.safe_dump(data, sort_keys=False), "roadmap.yaml")).to_dict()


def fleet(out: dict, plan: str, side: str, generation: int) -> dict:
    return next(
        f
        for f in out["plans"][plan]["fleets"]
        if f["side"] == side and f["generation"] == generation
    )


def test_capacity_recurrence_across_generations_newest_first():
    """Demand [100, 100, 200, 100]; H100-like gen 0 (perf 1, 100 W, $10) from year 0, a
    newer gen 1 (perf 2, 150 W, $30) from year 2, both with a 4-year life.

    t0: nothing owned, gen 0 on sale: buy 100.   t1: 100 owned cover 100: buy 0.
    t2: gen 1 on sale; capacity 100 x 1 = 100 of 200: buy (200 - 100) / 2 = 50 of gen 1.
        Newest first: gen 1 serves min(50, 200/2) = 50 (100 ref-eq.), gen 0 the other 100.
    t3: capacity 100 + 50 x 2 = 200 >= 100: buy 0; gen 1 serves 50 (all 100), gen 0 idle.
    Energy (load 1): 100 x 100 W x 8.76 = 87,600 kWh; t2 adds 50 x 150 x 8.76 = 65,700;
    t3 is gen 1 alone: 65,700. Capex 100 x 10 + 50 x 30 = 2,500.
    """
    out = run(
        scenario(
            demand__units=[100, 100, 200, 100],
            buy__generations=[
                {
                    "from_year": 2,
                    "unit_price_usd": 30,
                    "power_w": 150,
                    "perf_vs_reference": 2,
                    "lifetime_years": 4,
                }
            ],
        )
    )
    g0, g1 = fleet(out, "buy", "bought", 0), fleet(out, "buy", "bought", 1)
    assert g0["units_bought_per_year"] == [100, 0, 0, 0]
    assert g1["units_bought_per_year"] == [0, 0, 50, 0]
    assert g0["active_units_per_year"] == [100, 100, 100, 0]  # idle in t3
    assert g1["active_units_per_year"] == [0, 0, 50, 50]
    assert (g0["label"], g1["label"], g1["from_year"]) == ("bought 0", "bought 1", 2)
    buy = out["plans"]["buy"]
    assert_allclose(buy["energy_it_kwh_per_year"], [87600, 87600, 153300, 65700])
    assert buy["capex_usd"] == 2500
    assert buy["bought_units"] == 150


def test_installed_base_retires_and_its_building_stands():
    """50 installed units (perf 1, 200 W, life 3, age 1) serve years 0..1; demand 100 over 3
    years; bought units 100 W, $10, life 5; buildings $1M per MW.

    t0: installed capacity 50: buy 50; newest first the 50 bought serve, then 50 installed.
    t1: 50 + 50 cover 100.  t2: installed retired (3 - 1 = 2): buy 50 more.
    IT MW: t0, t1: 50 x 100 + 50 x 200 = 15 kW; t2: 100 x 100 = 10 kW.
    built[-1] = 50 x 200 W = 10 kW, so year 0 builds 5 kW: $5,000; nothing after.
    Installed units cost no capex and count in no bought_units.
    """
    out = run(
        scenario(
            horizon_years=3,
            buy__lifetime_years=5,
            site__facility_capex_usd_per_mw=1_000_000,
            installed=[{"units": 50, "power_w": 200, "lifetime_years": 3, "age_years": 1}],
        )
    )
    for plan in ("buy", "build"):
        p = out["plans"][plan]
        assert fleet(out, plan, "bought", 0)["units_bought_per_year"] == [50, 0, 50]
        inst = fleet(out, plan, "installed", 0)
        assert inst["active_units_per_year"] == [50, 50, 0]
        assert inst["units_bought_per_year"] == [0, 0, 0] and inst["units_bought"] == 0
        assert (inst["label"], inst["from_year"]) == ("installed 0", 0)
        assert_allclose(p["per_year"]["need_it_mw"], [0.015, 0.015, 0.010])
        assert_allclose(p["per_year"]["built_it_mw"], [0.015, 0.015, 0.015])
        assert_allclose(p["per_year"]["facility_capex_usd"], [5000, 0, 0])
        assert p["capex_usd"] == pytest.approx(100 * 10 + 5000)
        assert p["bought_units"] == 100
        # energy: t0, t1 15 kW x 8,760 h = 131,400 kWh; t2 10 kW: 87,600
        assert_allclose(p["energy_it_kwh_per_year"], [131400, 131400, 87600])


def test_nre_upfront_and_spread_with_design_years_and_a_respin_past_the_horizon():
    """Chip written for year 2 with 1 design year and one respin, respin delay 3 years:
    first silicon 2 + 1 x 3 = 5 >= H = 4, so it never serves (the GPUs bridge everything).
    NRE = 10,000 design + 1,000 x (1 + 1) masks = 12,000; the design starts 2 - 1 = 1.
    Upfront: all 12,000 at the start of year 1. Spread: years 1..4 in quarters of 3,000;
    year 4 is past the horizon, so its part is paid in year 3: [0, 3000, 3000, 6000].
    """
    base = {
        "build__share": 1,
        "build__available_year": 2,
        "build__respin_delay_years": 3,
        "build__nre": {"design_usd": 10000, "respins": 1, "design_years": 1},
    }
    upfront = run(scenario(**base))
    assert upfront["nre_timeline"][0]["nre_usd_per_year"] == [0, 12000, 0, 0]
    assert upfront["nre_timeline"][0]["first_silicon_year"] == 5
    build, buy = upfront["plans"]["build"], upfront["plans"]["buy"]
    assert build["chip_units"] == 0
    assert build["bought_units"] == buy["bought_units"] == 100
    assert build["npv_usd"] == pytest.approx(buy["npv_usd"] + 12000)  # no discounting
    spread = run(scenario(**{**base, "build__nre": {**base["build__nre"], "timing": "spread"}}))
    assert spread["nre_timeline"][0]["nre_usd_per_year"] == [0, 3000, 3000, 6000]
    assert spread["plans"]["build"]["per_year"]["nre_usd"] == [0, 3000, 3000, 6000]


def test_spread_nre_of_a_chip_written_for_the_last_year_plus_one_is_paid_in_the_last_year():
    """H = 4, chip written for year 4 (= H) with no design years: the design starts in year
    4 and first silicon is year 4, so spread pays year 4 alone (11.3: "year s alone when
    y <= s"), and a payment in a year >= H is paid at the start of year H - 1 = 3.
    NRE = 10,000 design + 1,000 masks = 11,000, all in year 3, in the NPV as upfront is.
    """
    nre = {"design_usd": 10000, "design_years": 0, "timing": "spread"}
    spread = run(scenario(build__share=1, build__available_year=4, build__nre=nre))
    upfront = run(
        scenario(build__share=1, build__available_year=4, build__nre={**nre, "timing": "upfront"})
    )
    for out in (spread, upfront):
        assert out["nre_timeline"][0]["nre_usd_per_year"] == [0, 0, 0, 11000]
        assert out["plans"]["build"]["per_year"]["nre_usd"] == [0, 0, 0, 11000]
        build, buy = out["plans"]["build"], out["plans"]["buy"]
        assert build["npv_usd"] == pytest.approx(buy["npv_usd"] + 11000)  # no discounting
        assert out["comparison"]["savings_npv_usd"] == pytest.approx(-11000)


def test_respin_delay_makes_the_gpus_bridge_the_gap():
    """Share 1 from year 1, one respin and a 1-year delay: the chip (perf 0.5) starts in 2.
    Years 0-1 the bought side serves all 100: 100 bought in year 0 (life 4). From year 2
    the chip serves 100 / 0.5 = 200 units, and the 100 GPUs stand idle."""
    out = run(
        scenario(
            build__share=1,
            build__available_year=1,
            build__respin_delay_years=1,
            build__nre={"design_usd": 10000, "respins": 1},
        )
    )
    chip = fleet(out, "build", "chip", 0)
    assert chip["from_year"] == 2
    assert chip["units_bought_per_year"] == [0, 0, 200, 0]
    assert fleet(out, "build", "bought", 0)["active_units_per_year"] == [100, 100, 0, 0]


def test_generations_that_cross_after_a_delay():
    """Chip gen 0 written for year 1 with a respin and a 2-year delay starts in 3; gen 1
    (perf 1, no respin) starts in 2. c(t) is the highest-numbered started generation: gen 1
    buys in year 2 (100 of share 1), and gen 0 never buys (in year 3 gen 1's units cover)."""
    out = run(
        scenario(
            build__share=1,
            build__available_year=1,
            build__respin_delay_years=2,
            build__nre={"design_usd": 10000, "respins": 1},
            build__generations=[LATER_CHIP],
        )
    )
    assert fleet(out, "build", "chip", 0)["from_year"] == 3
    assert fleet(out, "build", "chip", 1)["from_year"] == 2
    assert fleet(out, "build", "chip", 0)["units_bought_per_year"] == [0, 0, 0, 0]
    assert fleet(out, "build", "chip", 1)["units_bought_per_year"] == [0, 0, 100, 0]
    # NRE per plan sums the generations: 10,000 + 2 x 1,000 and 5,000 + 1,000
    assert out["plans"]["build"]["nre_usd"] == 18000
    assert [s["nre_usd"] for s in out["silicon_generations"]] == [12000, 6000]
    assert out["silicon"] == out["silicon_generations"][0]


def test_share_ramp_workloads_serves_and_tokens():
    """Workloads a (100 a year, 10 tokens/s) and b (50 a year, no tokens), H = 2; the chip
    (perf 0.5, from year 0) serves a only, with share [0.5, 1].
    Chip need: 50 then 100 -> 100 units, then 200 (100 more). Bought need: 150 - 50 = 100,
    then 150 - 100 = 50: 100 bought in year 0 (life 4), 50 idle in year 1.
    Tokens: (100 + 100) x 10 x 3,600 x 8,760 = 6.3072e10 in both plans (b gives none);
    the cost per million tokens is each plan's whole TCO over them."""
    data = scenario(
        horizon_years=2,
        build__share=[0.5, 1],
        build__serves=["a"],
    )
    data["demand"] = {
        "load_factor": 1,
        "workloads": {"a": {"units": 100, "reference_tokens_per_s": 10}, "b": {"units": [50, 50]}},
    }
    out = run(data)
    assert fleet(out, "build", "chip", 0)["units_bought_per_year"] == [100, 100]
    bought = fleet(out, "build", "bought", 0)
    assert bought["units_bought_per_year"] == [100, 0]
    assert bought["active_units_per_year"] == [100, 50]
    assert out["demand_units_per_year"] == [150, 150]
    for plan in ("buy", "build"):
        p = out["plans"][plan]
        assert p["tokens"] == pytest.approx(6.3072e10)
        assert p["usd_per_million_tokens"] == pytest.approx(p["tco_usd"] / 6.3072e10 * 1e6)
        # usd_per_reference_hour counts every workload: 300 reference-years
        assert p["usd_per_reference_hour"] == pytest.approx(p["tco_usd"] / (300 * HOURS))


def test_no_tokens_gives_null():
    out = run(scenario())
    for plan in ("buy", "build"):
        assert out["plans"][plan]["tokens"] is None
        assert out["plans"][plan]["usd_per_million_tokens"] is None
    assert out["start_year"] is None


def test_price_per_year_applies_to_that_years_purchases():
    """Price [10, 20], demand [100, 200], life 4, H = 2: bought [100, 100], capex 1,000 +
    2,000; residual 1,000 x 2/4 + 2,000 x 3/4 = 2,000 (each purchase keeps its own cost).
    Electricity per year [0.1, 0.2]: 100 W x 8.76 = 876 kWh a unit: 87,600 x 0.1 and
    175,200 x 0.2 = 8,760 + 35,040."""
    out = run(
        scenario(
            horizon_years=2,
            demand__units=[100, 200],
            buy__unit_price_usd=[10, 20],
            site__electricity_usd_per_kwh=[0.1, 0.2],
        )
    )
    buy = out["plans"]["buy"]
    assert buy["capex_usd"] == 3000
    assert buy["residual_usd"] == 2000
    assert_allclose(buy["per_year"]["electricity_usd"], [8760, 35040])


def test_start_year_changes_no_number():
    plain = run(scenario())
    dated = run(scenario(start_year=2026))
    assert dated["start_year"] == 2026
    dated["start_year"] = None
    assert dated == plain


#: The site presets' off-site water before issue 15 corrected it (0.5 L/kWh, unsourced;
#: now Li et al.'s 3.142): the saved v1 outputs were computed with it.
BEFORE_ISSUE_15 = ["site.water_source_l_per_kwh=0.5"]

#: Per scenario, the site preset values the saved outputs were computed with and issue 15's
#: carbon review changed since: Italy's grid carbon was lowcarbonpower.org's life-cycle 0.34
#: (now the EEA's generation-only 0.248).
BEFORE_BY_SCENARIO = {"italy-leonardo-scale.yaml": ["site.grid_kg_co2e_per_kwh=0.34"]}


def _keeps(old: object, new: object, where: str, rel: float | None = None) -> None:
    """``new`` has every value ``old`` has (keys added since are not compared): floats to
    ``rel`` relative when given, else exactly; the verdict's prose (reworded by issue 12)
    is not compared."""
    if where.endswith(".comparison.verdict"):
        return
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        for key, value in old.items():
            _keeps(value, new[key], f"{where}.{key}", rel)
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _keeps(a, b, f"{where}[{i}]", rel)
    elif rel is not None and isinstance(old, float) and isinstance(new, float):
        # a swing is the difference of two savings of billions: its last digits are theirs,
        # so a thousandth of a dollar absolute
        absolute = 1e-3 if where.endswith("swing_usd") else 0
        assert new == pytest.approx(old, rel=rel, abs=absolute), where
    else:
        assert new == old, where


def test_v1_outputs_unchanged():
    """Every scenario and variant saved before section 11 gives the same value for every key
    it had (tests/assets/v1/compare.json, written by the engine before it learned roadmaps);
    MODEL.md section 11 allows 1e-12 relative for a changed order of operations."""
    saved = json.loads((ROOT / "tests/assets/v1/compare.json").read_text())

    assert len(saved) >= 25
    for name, case in saved.items():
        scenario = str(ROOT / "scenarios" / case["scenario"])
        before = BEFORE_ISSUE_15 + BEFORE_BY_SCENARIO.get(case["scenario"], [])
        out = compare(load_file(scenario, before + case["sets"]))
        _keeps(case["compare"], out.to_dict(), name, rel=1e-12)


def test_v1_uncertainty_outputs_unchanged(runner):
    """simulate, sensitivity, sweep and breakeven of v1 scenarios give every value they gave
    before section 11 (tests/assets/v1/uncertainty.json; keys added since are not compared),
    to 1e-12 relative as MODEL.md section 11 allows: NumPy releases move the last digit of
    ``exp`` and ``**`` (2.4 against the release the file was saved with), counts exactly."""
    from gpu_calc.cli import app

    saved = json.loads((ROOT / "tests/assets/v1/uncertainty.json").read_text())

    for name, case in saved.items():
        args = [ROOT / a if a.startswith("scenarios/") else a for a in case["args"]]
        sets = [x for s in BEFORE_ISSUE_15 for x in ("--set", s)]
        result = runner.invoke(app, [str(a) for a in args] + sets + ["--format", "json"])
        assert result.exit_code == 0, result.output
        _keeps(case["out"], json.loads(result.stdout), name, rel=1e-12)


def test_roadmap_scenario_by_hand():
    """scenarios/meta-roadmap.yaml, its first years checked by hand.

    2024: 600,000 H100-eq. demand; 791,000 A100 x 0.3155 = 249,560.5 installed, so
    350,439.5 H100 are bought. MTIA v2 is written for 2025 with one respin and a one-year
    delay: first silicon 2026 (t = 2), where it takes 0.3 x 500,000 inference =
    150,000 H100-eq. = 150,000 / 0.179 = 837,989 chips. Its NRE (436M + 2.64M + 2 x 18.1M
    masks = 474.84M) is spread over the design years 2024-2025 (design_years 2 from 2025
    puts the start before 2024: paid from 2024), halves of 237.42M."""
    out = compare(load_file(str(ROOT / "scenarios/meta-roadmap.yaml"))).to_dict()
    assert out["start_year"] == 2024
    h100 = fleet(out, "buy", "bought", 0)
    assert h100["units_bought_per_year"][0] == pytest.approx(600000 - 791000 * 0.3155)
    mtia = fleet(out, "build", "chip", 0)
    assert mtia["from_year"] == 2
    assert mtia["units_bought_per_year"][2] == pytest.approx(150000 / 0.179)
    assert out["nre_timeline"][0]["nre_usd_per_year"][:3] == pytest.approx([237.42e6, 237.42e6, 0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"buy__generations": [{"from_year": 0, "unit_price_usd": 1, "power_w": 1}]},
            "roadmap.yaml:{line}:{col}: buy.generations[0].from_year: must be >= 1 (year 0 is "
            "buy's own), got 0",
        ),
    ],
)
def test_bad_start_year_message(change: dict, message: str):
    text = yaml.safe_dump(scenario(**change), sort_keys=False)
    with pytest.raises(InputErrors) as err:
        load_text(text, "roadmap.yaml")
    (line,) = [str(e) for e in err.value.errors]
    assert line.split(": ", 1)[1] == message.split(": ", 1)[1]


def test_silicon_generation_nre_arrays_are_whole():
    out = compare(load_file(str(ROOT / "scenarios/meta-roadmap.yaml")))
    for paid in out.outcome.nre_per_generation:
        assert np.all(np.isfinite(paid))


def test_init_roadmap_starts_a_roadmap(runner, tmp_path):
    from gpu_calc.cli import app

    path = tmp_path / "roadmap.yaml"
    assert runner.invoke(app, ["init", "--roadmap", "-o", str(path)]).exit_code == 0
    result = runner.invoke(app, ["compare", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    sides = [(f["side"], f["generation"]) for f in out["plans"]["build"]["fleets"]]
    assert sides == [("bought", 0), ("bought", 1), ("chip", 0), ("chip", 1), ("installed", 0)]
    assert out["start_year"] == 2026 and out["plans"]["buy"]["tokens"] > 0


def test_sweep_a_bought_generations_start():
    """from_year = H means never bought: the B200 of meta-roadmap then buys nothing."""
    from gpu_calc.uncertainty.sweep import sweep

    loaded = load_file(str(ROOT / "scenarios/meta-roadmap.yaml"))
    out = sweep(loaded, [("buy.generations[0].from_year", [1.0, 6.0])]).to_dict()
    base = compare(loaded).to_dict()
    never = compare(
        load_file(str(ROOT / "scenarios/meta-roadmap.yaml"), ["buy.generations[0].from_year=6"])
    ).to_dict()
    assert fleet(never, "buy", "bought", 1)["units_bought"] == 0
    # the sweep computes through the same engine as compare, point by point
    assert out["outputs"]["npv_usd_buy"] == pytest.approx(
        [base["plans"]["buy"]["npv_usd"], never["plans"]["buy"]["npv_usd"]], rel=1e-12
    )


def test_respins_as_a_distribution_give_a_distribution_of_savings():
    """Each respin costs a mask set and a year: with 0-3 respins drawn, some samples get the
    chip a year or more late, so savings spread out; with the respin count fixed they do not."""
    from gpu_calc.uncertainty.montecarlo import simulate

    sets = ["build.nre.respins={dist: triangular, low: 0, mode: 1, high: 3}"]
    loaded = load_file(str(ROOT / "scenarios/meta-roadmap.yaml"), sets)
    sim = simulate(loaded, samples=4000, seed=3).to_dict()
    s = sim["comparison"]["savings_npv_usd"]
    assert s["p5"] < s["p50"] <= s["p95"]
    assert sim["uncertain"] == ["build.nre.respins"]
    # P50 is one respin, the written plan
    fixed = compare(load_file(str(ROOT / "scenarios/meta-roadmap.yaml"))).to_dict()
    assert s["p50"] == pytest.approx(fixed["comparison"]["savings_npv_usd"])


def test_dependent_start_years_are_clipped_and_counted():
    """A chip generation written for year 2 while available_year is drawn in [0, 2] (base 1):
    samples whose available_year rounds to 2 move the generation to year 3."""
    from gpu_calc.uncertainty.montecarlo import simulate

    data = scenario(
        build__share=0.5,
        build__available_year={"dist": "uniform", "low": 0, "high": 2},
        build__generations=[LATER_CHIP],
    )
    loaded = load_text(yaml.safe_dump(data, sort_keys=False), "roadmap.yaml")
    sim = simulate(loaded, samples=2000, seed=1).to_dict()
    moved = sim["clipped"]["build.generations[0].from_year"]
    # rounded uniform(0, 2) draws of 2 (from 1.5 on): a quarter of the samples
    assert 400 < moved < 600


def test_breakeven_on_the_respin_delay():
    """One respin; the chip serves all demand from year 1 of 6. Each year of delay keeps the
    GPUs a year longer; savings fall as the delay grows and cross zero inside [0, 5]."""
    from gpu_calc.uncertainty.breakeven import breakeven

    data = scenario(
        horizon_years=6,
        build__share=1,
        build__available_year=1,
        build__chip={**scenario()["build"]["chip"], "power_w": 10, "perf_vs_reference": 1},
        build__nre={"design_usd": 3000, "respins": 1},
        buy__lifetime_years=1,
    )
    loaded = load_text(yaml.safe_dump(data, sort_keys=False), "roadmap.yaml")
    out = breakeven(loaded, "build.respin_delay_years", 0, 5).to_dict()
    assert 0 < out["value"] <= 5


def test_views_show_the_roadmap(runner):
    """Table, Markdown and CSV show the fleet by generation, the NRE timeline, tokens and
    calendar years of meta-roadmap.yaml (2024 + t)."""
    from gpu_calc.cli import app

    path = str(ROOT / "scenarios/meta-roadmap.yaml")
    table = runner.invoke(app, ["compare", path, "--no-color"]).stdout
    assert "Build plan: units in service by generation" in table
    assert "(chip 1)" in table and "(installed)" in table  # headings on two lines
    assert "Chip NRE paid by year" in table and "$237M" in table  # 474.84M / 2 a year
    assert "Cost per million tokens" in table
    assert "\n  2029 " in table and "\n  2024 " in table
    # MTIA v2 written for 2025, one respin of a year: first silicon and payback in calendar years
    assert "pays back in 2027" in table
    markdown = runner.invoke(app, ["compare", path, "-f", "markdown"]).stdout
    assert "### Build plan: units in service by generation" in markdown
    # MTIA v2 in 2026: 150,000 / 0.179 = 837,989 bought and in service
    assert "| 2026 | 350k | 132k (+44k) | 838k (+838k) | - | 791k |" in markdown
    csv_text = runner.invoke(app, ["compare", path, "-f", "csv"]).stdout
    assert "\nbuild,usd_per_million_tokens,," in csv_text
    prefix = "build,fleet.chip_0.units_bought,2,"
    row = next(r for r in csv_text.splitlines() if r.startswith(prefix))
    assert float(row.split(",")[3]) == pytest.approx(150000 / 0.179)


def test_v1_views_have_no_roadmap_sections(runner):
    from gpu_calc.cli import app

    table = runner.invoke(app, ["compare", str(ROOT / "scenarios/meta-2024.yaml")]).stdout
    assert "by generation" not in table and "NRE paid by year" not in table
    assert "tokens" not in table


def test_report_and_plot_show_the_fleet(runner, tmp_path):
    pytest.importorskip("matplotlib")
    from gpu_calc.cli import app

    path = str(ROOT / "scenarios/meta-roadmap.yaml")
    report = tmp_path / "r.html"
    result = runner.invoke(app, ["report", path, "-o", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text()
    assert 'id="fleet"' in html and "The fleet by generation" in html
    assert "<td>2027</td>" in html
    chart = tmp_path / "fleet.svg"
    result = runner.invoke(app, ["plot", path, "--kind", "fleet", "-o", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.read_text().startswith("<?xml")


def test_fleet_capacity_by_hand():
    """The chart's capacity is units in service times perf: the installed A100s give
    791,000 x 0.3155 = 249,560.5 reference-equivalents in 2024-2026, then none."""
    from gpu_calc.charts import fleet_capacity

    capacity = fleet_capacity(compare(load_file(str(ROOT / "scenarios/meta-roadmap.yaml"))))
    a100 = next(v for side, _, v in capacity["build"] if side == "installed")
    assert a100 == pytest.approx([249560.5] * 3 + [0.0] * 3)


# Every numeric field a roadmap adds (generations, installed entries, workloads, values per
# year): alone as uncertain and alone swept, every result finite, through the one engine.
_ROADMAP = load_file(str(ROOT / "scenarios/meta-roadmap.yaml"))
_V1_KEYS = set(ModelInputs.from_scenario(load_file(str(ROOT / "scenarios/meta-2024.yaml"))).fields)
_INPUTS = ModelInputs.from_scenario(_ROADMAP)
_ROADMAP_SAVINGS = compare(_ROADMAP).to_dict()["comparison"]["savings_npv_usd"]
ROADMAP_KEYS = sorted(k for k in _INPUTS.fields if k not in _V1_KEYS)


def _roadmap_spread(key: str) -> tuple[float, float]:
    from gpu_calc.uncertainty.params import bounds_of

    field = _INPUTS.fields[key]
    lo_b, hi_b = bounds_of(_INPUTS, field)
    if field.bounds.integer:
        return max(field.base - 1, lo_b), min(field.base + 1, hi_b)
    return max(field.base * 0.9, lo_b), min(field.base * 1.1, hi_b)


def test_roadmap_keys_cover_the_new_sections():
    assert len(ROADMAP_KEYS) > 40
    for part in ("buy.generations[0].", "build.generations[0].", "installed[0].", "workloads."):
        assert any(part in k for k in ROADMAP_KEYS), part


#: A chip's memory_gb filled in from its accelerator preset beside a memory_usd lump sum:
#: written (a --set) it is a part of the memory line, and a lump with its parts is an input
#: error (docs/model.md, bill of materials), so it is not varied alone here; nor are inputs
#: no figure uses (an installed price, a later chip's software budget), which sweep refuses
#: (tests/test_uncertainty_sweep.py).
_LUMP_PRICED_PARTS = [
    k for k in ROADMAP_KEYS if k.endswith("chip.memory_gb") or k in unused_facts(_INPUTS)
]


@pytest.mark.parametrize("key", [k for k in ROADMAP_KEYS if k not in _LUMP_PRICED_PARTS])
def test_each_roadmap_field_alone_uncertain_and_swept(key: str):
    from gpu_calc.uncertainty.montecarlo import simulate
    from gpu_calc.uncertainty.sweep import sweep

    lo, hi = _roadmap_spread(key)
    path = str(ROOT / "scenarios/meta-roadmap.yaml")
    loaded = load_file(path, [f"{key}={{dist: uniform, low: {lo!r}, high: {hi!r}}}"])
    sim = simulate(loaded, 200, seed=5).to_dict()
    assert sim["uncertain"] == [key]
    stats = sim["comparison"]["savings_npv_usd"]
    assert all(np.isfinite(v) for v in stats.values())
    assert stats["p5"] <= stats["p50"] <= stats["p95"]
    base = _INPUTS.fields[key].base
    out = sweep(_ROADMAP, [(key, [lo, base, hi])]).to_dict()["outputs"]["savings_npv_usd"]
    assert out[1] == pytest.approx(_ROADMAP_SAVINGS, rel=1e-9)


@pytest.mark.parametrize(
    ("sets", "warning"),
    [
        # meta-roadmap: chip 0 written for year 1 with one respin; chip 1 from year 3 with
        # none. A 4-year respin delay puts chip 0's first silicon at 1 + 1 x 4 = 5 > 3:
        # c(t) picks chip 1 from year 3 on, so chip 0 is never bought (MODEL.md 11.2)
        (
            ["build.respin_delay_years=4"],
            "chip generation 0 is never on sale: its first silicon, year 5 (after respins, "
            "from year 1 as written), is not before chip generation 1's (year 3)",
        ),
        # a 6-year delay: 1 + 6 = 7 >= H = 6, it never serves at all
        (
            ["build.respin_delay_years=6"],
            "chip generation 0 never serves: its first silicon, year 7 (after respins, from "
            "year 1 as written), is not before horizon_years (6)",
        ),
    ],
)
def test_a_chip_generation_whose_nre_buys_nothing_is_warned(sets, warning):
    loaded = load_file(str(ROOT / "scenarios" / "meta-roadmap.yaml"), sets=sets)
    messages = [w.message for w in loaded.warnings]
    assert any(m.startswith(warning) and m.endswith("its NRE is still paid") for m in messages)
    out = compare(loaded).to_dict()
    chip0 = next(f for f in out["plans"]["build"]["fleets"] if f["side"] == "chip")
    assert chip0["generation"] == 0 and chip0["units_bought"] == 0  # what the warning says
    assert out["nre_timeline"][0]["nre_usd"] > 0
    # the scenario as written warns of nothing of the kind
    plain = load_file(str(ROOT / "scenarios" / "meta-roadmap.yaml"))
    assert not any("chip generation" in w.message for w in plain.warnings)


def test_the_idle_chip_warning_says_when_it_is_the_base_values_case():
    sets = ["build.respin_delay_years={dist: uniform, low: 3, high: 5}"]  # base 4, as above
    loaded = load_file(str(ROOT / "scenarios" / "meta-roadmap.yaml"), sets=sets)
    [warning] = [w.message for w in loaded.warnings if "chip generation" in w.message]
    assert warning.endswith("its NRE is still paid (at the base values)")


def test_a_perspective_on_tokens():
    """meta-roadmap's buy plan serves 1.986768e17 tokens (its JSON): against 1e17, 1.986768;
    the seed gives no tokens, so the figure and the ratio are null."""
    sets = ["perspective=[{label: t, metric: tokens, value: 1e17}]"]
    out = compare(load_file(str(ROOT / "scenarios/meta-roadmap.yaml"), sets=sets)).to_dict()
    [p] = out["perspective"]
    assert p["metric_value"] == out["plans"]["buy"]["tokens"]
    assert p["ratio"] == pytest.approx(out["plans"]["buy"]["tokens"] / 1e17, rel=1e-12)
    seed = compare(load_file(str(ROOT / "scenarios/meta-2024.yaml"), sets=sets)).to_dict()
    assert seed["perspective"][0]["metric_value"] is None
    assert seed["perspective"][0]["ratio"] is None


def test_a_first_silicon_past_any_number_still_pays_its_nre(runner):
    """Two respins of 1e308 years each: y_0 = 1 + 2e308 overflows to inf (MODEL.md 11.3).
    The generation never serves and its NRE is still paid: with timing spread, the parts of
    years >= H fold into year H - 1, so in the limit all of it is paid there, as at a delay of
    1e300 (the same NPV). The warning, the JSON (first silicon null) and the table (`* never`)
    say so; before, the warning's year formatting exited 70 and the NRE came out 0."""
    from gpu_calc.cli import app

    path = str(ROOT / "scenarios/meta-roadmap.yaml")
    sets = ["--set", "build.nre.respins=2"]
    huge = [*sets, "--set", "build.respin_delay_years=1e308"]
    checked = runner.invoke(app, ["validate", path, *huge])
    assert checked.exit_code == 0, checked.output
    assert "its first silicon, a year past any horizon" in checked.stderr
    inf = json.loads(runner.invoke(app, ["compare", path, *huge, "-f", "json"]).stdout)
    far = runner.invoke(app, ["compare", path, *sets, "--set", "build.respin_delay_years=1e300"])
    far_out = json.loads(
        runner.invoke(
            app, ["compare", path, *sets, "--set", "build.respin_delay_years=1e300", "-f", "json"]
        ).stdout
    )
    assert far.exit_code == 0
    first = inf["nre_timeline"][0]
    assert first["first_silicon_year"] is None
    # generation 0's NRE, all of it, in the last year (years 0..5; design from year 0)
    assert_allclose(first["nre_usd_per_year"][-1], inf["silicon_generations"][0]["nre_usd"])
    assert_allclose(inf["plans"]["build"]["npv_usd"], far_out["plans"]["build"]["npv_usd"])
    table = runner.invoke(app, ["compare", path, *huge]).stdout
    assert "* never" in table


def test_a_workload_served_twice_is_counted_once(runner, tmp_path):
    """MODEL.md 11.5: the chip side serves share[t] x the sum over the workloads in serves, a
    set. The independent oracle's case: workloads a = 100 and b = 50, share 1, serves [a, a],
    1 year, no discounting, perf 1 on both sides. The chip serves 100, the GPUs 50 (before:
    200 and -50). Dies per wafer floor(pi 150^2 / 100 - pi 300 / sqrt(200)) = floor(706.86 -
    66.64) = 640, D0 0: a chip costs 10,000 / 640 = 15.625. Build capex 50 x 1,000 + 100 x
    15.625 = 51,562.5; IT energy (50 x 500 W + 100 x 100 W) x 8,760 h = 306,600 kWh, at
    $0.1 = 30,660; residual 3/4 of the capex (lifetimes 4) = 38,671.875; TCO 43,550.625."""
    from gpu_calc.cli import app

    path = tmp_path / "twice.yaml"
    path.write_text(
        "version: 1\nname: twice\nhorizon_years: 1\ndiscount_rate: 0\n"
        "demand:\n  reference: ref\n  load_factor: 1\n"
        "  workloads:\n    a: {units: 100}\n    b: {units: 50}\n"
        "site: {electricity_usd_per_kwh: 0.1, pue: 1}\n"
        "buy: {unit_price_usd: 1000, power_w: 500}\n"
        "build:\n  share: 1\n  available_year: 0\n  serves: [a, a]\n"
        "  chip: {node: n5, die_area_mm2: 100, wafer_usd: 10000, defect_density_per_cm2: 0, "
        "mask_set_usd: 0, power_w: 100}\n  nre: {design_usd: 0}\n"
    )
    result = runner.invoke(app, ["compare", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    build = json.loads(result.stdout)["plans"]["build"]
    assert_allclose(build["tco_usd"], 43_550.625, rtol=1e-12)
    assert_allclose(build["energy_it_kwh"], 306_600.0, rtol=1e-12)
    assert_allclose(build["peak_it_mw"], 0.035, rtol=1e-12)
    assert "twice.yaml:16:15: build.serves[1]: workload 'a' is listed again" in result.stderr


def test_a_workload_twice_in_a_generation_serves_is_counted_once(runner):
    """A later generation's own serves (the extension) is a set too: the same JSON as with
    each name once, and a warning at the repeat."""
    from gpu_calc.cli import app

    path = str(ROOT / "scenarios/meta-roadmap.yaml")
    once = ["--set", "build.generations[0].serves=[inference, training]"]
    twice = ["--set", "build.generations[0].serves=[inference, training, training]"]
    a = runner.invoke(app, ["compare", path, *once, "-f", "json"])
    b = runner.invoke(app, ["compare", path, *twice, "-f", "json"])
    assert json.loads(a.stdout)["plans"] == json.loads(b.stdout)["plans"]
    assert "build.generations[0].serves[2]: workload 'training' is listed again" in b.stderr
