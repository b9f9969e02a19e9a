"""Monte Carlo: samplers' moments, seeds, chunks, clipping, and the whole pipeline on a case
worked by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gpu_calc.cli import app
from gpu_calc.distributions import LogNormal, Normal, Pert, Triangular, Uniform
from gpu_calc.scenario import load_text
from gpu_calc.uncertainty.montecarlo import DRAW_BLOCK, block_rng, simulate
from tests.conftest import SMALL

N = 400_000  # draws per moment test: a standard error of sd / 632


def _draws(dist, n: int = N) -> np.ndarray:
    return dist.sample(block_rng(7, "test.field", 0), n)


# --------------------------------------------------------------------------- samplers
# Tolerances are 5 standard errors of the estimate (sd / sqrt(N)), so a correct sampler
# fails about once in 3.5 million runs; the seed is fixed, so the test is deterministic.


def test_normal_mean_and_sd():
    x = _draws(Normal(dist="normal", mean=10.0, sd=2.0))
    assert abs(x.mean() - 10.0) < 5 * 2.0 / math.sqrt(N)
    # the sd of a sample sd is about sd / sqrt(2N)
    assert abs(x.std() - 2.0) < 5 * 2.0 / math.sqrt(2 * N)


def test_lognormal_median_and_mean():
    # median*exp(sigma Z): median = 100; mean = 100 exp(0.5^2 / 2) = 113.3148
    x = _draws(LogNormal(dist="lognormal", median=100.0, sigma=0.5))
    assert_allclose(np.median(x), 100.0, rtol=0.005)
    sd = 100 * math.sqrt((math.exp(0.25) - 1) * math.exp(0.25))  # 60.40
    assert abs(x.mean() - 100 * math.exp(0.125)) < 5 * sd / math.sqrt(N)


def test_uniform_mean_and_variance():
    # U(2, 6): mean 4, variance (6-2)^2 / 12 = 1.3333
    x = _draws(Uniform(dist="uniform", low=2.0, high=6.0))
    assert x.min() >= 2.0 and x.max() <= 6.0
    assert abs(x.mean() - 4.0) < 5 * math.sqrt(4 / 3) / math.sqrt(N)
    assert_allclose(x.var(), 4 / 3, rtol=0.01)


def test_triangular_mean():
    # (a + b + c) / 3 = (1 + 2 + 6) / 3 = 3; variance (a²+b²+c²-ab-ac-bc)/18 = 21/18
    x = _draws(Triangular(dist="triangular", low=1.0, mode=2.0, high=6.0))
    assert abs(x.mean() - 3.0) < 5 * math.sqrt(21 / 18) / math.sqrt(N)
    assert_allclose(x.var(), 21 / 18, rtol=0.01)


def test_pert_mean():
    # (a + 4m + b) / 6 = (0 + 4 + 5) / 6 = 1.5; alpha = 1 + 4*1/5 = 1.8, beta = 1 + 4*4/5 = 4.2,
    # beta variance ab/((a+b)^2 (a+b+1)) = 7.56/(36*7) = 0.03, times 5^2 = 0.75
    x = _draws(Pert(dist="pert", low=0.0, mode=1.0, high=5.0))
    assert abs(x.mean() - 1.5) < 5 * math.sqrt(0.75) / math.sqrt(N)
    assert_allclose(x.var(), 0.75, rtol=0.01)


# --------------------------------------------------------------------------- the pipeline

#: Savings are linear in the electricity price x: buy pays 100 GPUs (100,000) and 876,000 kWh
#: a year (100 x 1000 W x 8760 h); build pays 100 chips at 1,000 (die 0 + memory 1,000), no
#: energy (0 W) and 1,000,000 of design: savings(x) = 876,000 x - 1,000,000 (no discounting).
LINEAR = """\
horizon_years: 1
demand: {units: 100, load_factor: 1}
site: {electricity_usd_per_kwh: 0.1}
buy: {unit_price_usd: 1000, power_w: 1000, lifetime_years: 1}
build:
  share: 1
  chip: {die_area_mm2: 100, node: n5, power_w: 0, wafer_usd: 0, mask_set_usd: 0,
         memory_usd: 1000, lifetime_years: 1}
  nre: {design_usd: 1000000}
"""


def test_linear_case_worked_by_hand():
    loaded = load_text(
        LINEAR, sets=["site.electricity_usd_per_kwh={dist: uniform, low: 0, high: 2}"]
    )
    out = simulate(loaded, samples=200_000, seed=3).to_dict()
    s = out["comparison"]["savings_npv_usd"]
    # x ~ U(0, 2): savings ~ U(-1e6, 752,000); P5 = -1e6 + 0.05 x 1,752,000 = -912,400;
    # P50 = -124,000; P95 = 664,400; mean -124,000. The sd of a percentile of U is about
    # sqrt(q(1-q)/N) x width: 0.0011 x 1.752e6 = 1,900 at the median; 5 x that as tolerance.
    assert abs(s["p5"] + 912_400) < 5_000
    assert abs(s["p50"] + 124_000) < 10_000
    assert abs(s["p95"] - 664_400) < 5_000
    assert abs(s["mean"] + 124_000) < 5 * 505_759 / math.sqrt(200_000)  # sd = 1.752e6/sqrt(12)
    # build is cheaper when x > 1e6/876,000 = 1.141553: P = (2 - 1.141553)/2 = 0.429224
    assert abs(out["comparison"]["probability_build_cheaper"] - 0.429224) < 5 * 0.495 / 447
    # buy energy is fixed: 876,000 kWh in every sample
    assert out["plans"]["buy"]["energy_it_kwh"] == {
        "p5": 876_000.0,
        "p50": 876_000.0,
        "p95": 876_000.0,
        "mean": 876_000.0,
    }
    hist = out["histogram"]
    assert hist["metric"] == "savings_npv_usd"
    assert len(hist["edges_usd"]) == 41 and len(hist["counts"]) == 40
    assert sum(hist["counts"]) == 200_000
    assert out["clipped"] == {"site.electricity_usd_per_kwh": 0}


def test_demand_distribution_draws_once_for_every_year():
    # 3 years, one demand draw per sample: buy energy = units x 3 x 550 W x 8.76 (SMALL's
    # buy: 1000 W + 800/8 host, at load 0.5 = 550 W), with the draws of the stream itself.
    loaded = load_text(SMALL, sets=["demand.units={dist: uniform, low: 50, high: 150}"])
    sim = simulate(loaded, samples=1000, seed=11)
    units = Uniform(dist="uniform", low=50, high=150).sample(block_rng(11, "demand.units", 0), 1000)
    assert_allclose(sim.metric("buy.energy_it_kwh"), units * 3 * 550 * 8.76, rtol=1e-12)


def test_same_seed_same_bytes_other_seed_other_bytes(runner, small_file):
    path = small_file.parent / "u.yaml"
    path.write_text(
        SMALL.replace("  pue: 1.5", "  pue: {dist: uniform, low: 1.1, high: 1.6}").replace(
            "  share: 0.5", "  share: {dist: pert, low: 0.2, mode: 0.5, high: 0.9}"
        )
    )
    args = ["simulate", str(path), "--samples", "3000", "--format", "json"]
    first = runner.invoke(app, [*args, "--seed", "5"])
    second = runner.invoke(app, [*args, "--seed", "5"])
    other = runner.invoke(app, [*args, "--seed", "6"])
    assert first.exit_code == 0, first.output
    assert first.stdout_bytes == second.stdout_bytes
    assert first.stdout_bytes != other.stdout_bytes
    out = json.loads(first.stdout)
    assert out["samples"] == 3000 and out["seed"] == 5


@pytest.mark.parametrize("chunk", [1, 999, DRAW_BLOCK, 10**6])
def test_chunk_size_never_changes_the_result(chunk):
    # 70,000 samples span two draw blocks of 65,536
    loaded = load_text(
        SMALL,
        sets=[
            "site.electricity_usd_per_kwh={dist: lognormal, median: 0.1, sigma: 0.5}",
            "build.nre.respins={dist: triangular, low: 0, mode: 1, high: 3}",
        ],
    )
    n = 70_000 if chunk != 1 else 300
    ref = simulate(loaded, samples=n, seed=1, chunk_size=n)
    got = simulate(loaded, samples=n, seed=1, chunk_size=chunk)
    assert np.array_equal(ref.values, got.values)
    assert ref.to_dict() == got.to_dict()


def test_worker_threads_never_change_the_result():
    # two full draw blocks and a bit: the parallel path splits at block boundaries
    loaded = load_text(SMALL, sets=["site.pue={dist: uniform, low: 1.1, high: 1.6}"])
    n = 2 * DRAW_BLOCK + 10
    one = simulate(loaded, samples=n, seed=8, chunk_size=50_000, workers=1)
    two = simulate(loaded, samples=n, seed=8, workers=2)
    assert np.array_equal(one.values, two.values)
    assert one.to_dict() == two.to_dict()


def test_half_the_draws_of_a_standard_normal_are_clipped_at_zero():
    # wue >= 0 with N(0, 1): P(draw < 0) = 0.5; count ~ Binomial(20000, 0.5), sd 70.7
    loaded = load_text(SMALL, sets=["site.wue_l_per_kwh={dist: normal, mean: 0, sd: 1}"])
    out = simulate(loaded, samples=20_000, seed=2).to_dict()
    assert abs(out["clipped"]["site.wue_l_per_kwh"] - 10_000) < 5 * 70.7


def test_integer_draws_round_half_up_and_clip():
    # respins ~ U(-1.5, 1.5), rounded halves up: draws below -0.5 round to -1 and are
    # clipped to 0, draws in [-0.5, 0.5) round to 0 (in range as drawn: not counted), the rest
    # to 1; NRE = 2.5M + 1M x (1 + respins) is then 3.5M or 4.5M, nothing else.
    loaded = load_text(SMALL, sets=["build.nre.respins={dist: uniform, low: -1.5, high: 1.5}"])
    sim = simulate(loaded, samples=4000, seed=4)
    # P(draw < -0.5) = 1/3: 1,333 of 4,000, sd sqrt(4000 x 1/3 x 2/3) = 29.8
    assert abs(sim.clipped["build.nre.respins"] - 4000 / 3) < 5 * 29.8
    buy_minus_savings = sim.metric("buy.npv_usd") - sim.metric("savings_npv_usd")
    nre = buy_minus_savings - buy_minus_savings.min()
    assert set(np.unique(np.round(nre))) <= {0.0, 1_000_000.0}


def test_dies_too_large_and_performance_at_zero_stay_finite():
    # N(100, 20000) mm2: about half the draws exceed the 8,662 mm2 that fit on 300 mm
    # (max_die_area_mm2); N(0.5, 1) performance: 31% of draws <= 0, clipped to just above.
    loaded = load_text(
        SMALL,
        sets=[
            "build.chip.die_area_mm2={dist: normal, mean: 100, sd: 20000}",
            "build.chip.perf_vs_reference={dist: normal, mean: 0.5, sd: 1}",
        ],
    )
    sim = simulate(loaded, samples=5000, seed=9)
    assert np.isfinite(sim.values).all()
    # below 0 (P = 0.4980) or above 8,662 (P = 0.3334): 0.8314 of 5000 = 4157, sd 26.5
    assert abs(sim.clipped["build.chip.die_area_mm2"] - 4157) < 5 * 26.5 + 10
    # P(Z < -0.5) = 0.3085: 1543 of 5000, sd 32.7
    assert abs(sim.clipped["build.chip.perf_vs_reference"] - 1543) < 5 * 32.7
    json.dumps(sim.to_dict(), allow_nan=False)


def test_nothing_uncertain_gives_the_base_run():
    from gpu_calc.results import compare

    loaded = load_text(SMALL)
    out = simulate(loaded, samples=10, seed=0).to_dict()
    base = compare(loaded).to_dict()["comparison"]["savings_npv_usd"]
    assert out["comparison"]["savings_npv_usd"]["p50"] == base
    assert out["clipped"] == {}
    assert sum(out["histogram"]["counts"]) == 10


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format(runner, small_file, fmt):
    pue = ["--set", "site.pue={dist: uniform, low: 1.1, high: 1.6}"]  # a spread to draw
    args = ["simulate", str(small_file), *pue, "-n", "200", "--seed", "1", "-f", fmt]
    result = runner.invoke(app, [*args, "--no-color"])
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    if fmt == "table":
        assert "Savings NPV (buy - build), histogram" in result.stdout
        assert "#" in result.stdout
    if fmt == "csv":
        assert result.stdout.startswith("metric,statistic,value\n")


def test_output_file_and_bad_options(runner, small_file, tmp_path):
    target = tmp_path / "out.json"
    result = runner.invoke(
        app, ["simulate", str(small_file), "-n", "50", "-f", "json", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["samples"] == 50
    bad = runner.invoke(app, ["simulate", str(small_file), "--samples", "0"])
    assert bad.exit_code == 2
    assert "--samples" in bad.stderr


#: A chip generation whose start is uncertain, and an installed entry whose age is: chip
#: starts are valid in [available_year + 1, H] = [3, 5]; ages in [0, lifetime - 1] = [0, 3].
DEPENDENT = """\
version: 1
horizon_years: 5
discount_rate: 0.05
demand: {reference: h100-sxm, units: 100000, load_factor: 0.6}
site: {electricity_usd_per_kwh: 0.08}
buy: {accelerator: h100-sxm, unit_price_usd: 28000}
build:
  share: 0.3
  available_year: 2
  chip: {accelerator: mtia-v2}
  nre: {design_usd: 400000000}
  generations:
    - from_year: {dist: uniform, low: 1, high: 6}
      chip: {accelerator: mtia-v2, perf_vs_reference: 0.5}
      nre: {design_usd: 600000000}
installed:
  - accelerator: a100
    units: 50000
    lifetime_years: 4
    age_years: {dist: uniform, low: 0, high: 5}
"""


def test_dependent_fields_count_draws_moved_at_either_end():
    """from_year ~ U(1, 6) rounds to 1 or 2 (below 3) for draws under 2.5, P = 1.5/5 = 0.3,
    and to 6 (above H = 5) for draws from 5.5, P = 0.5/5 = 0.1: 40% moved, 4,000 of 10,000
    (sd sqrt(10,000 x 0.4 x 0.6) = 49). age ~ U(0, 5) rounds to 4 or 5 (above 3) from 3.5:
    P = 0.3, 3,000 (sd 46)."""
    sim = simulate(load_text(DEPENDENT), samples=10_000, seed=7)
    assert abs(sim.clipped["build.generations[0].from_year"] - 4000) < 5 * 49
    assert abs(sim.clipped["installed[0].age_years"] - 3000) < 5 * 46


def test_a_scenario_without_a_distribution_says_so_instead_of_a_histogram(runner):
    """Every sample of the seed (no distribution) is the same: 40 bins of "$1.47B .. $1.47B"
    say nothing; the views say why there is no spread."""
    from gpu_calc.cli import app

    for fmt in ("table", "markdown"):
        out = runner.invoke(app, ["simulate", "scenarios/meta-2024.yaml", "-n", "50", "-f", fmt])
        assert out.exit_code == 0, out.output
        text = " ".join(out.stdout.split())
        assert "No field has a distribution: every sample gives the same figures" in text
        assert "histogram" not in text
    uncertain = runner.invoke(app, ["simulate", "scenarios/meta-2025-uncertain.yaml", "-n", "50"])
    assert "histogram" in uncertain.stdout and "No field has a distribution" not in uncertain.stdout
