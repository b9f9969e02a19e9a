"""The tornado on cases worked by hand."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

from gpu_calc.cli import app
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from gpu_calc.uncertainty.sensitivity import tornado
from tests.conftest import SMALL

# SMALL (tests/conftest.py), worked by hand. Discount factors at r = 0.1: end of year 0, 1, 2
# = 1/1.1, 1/1.21, 1/1.331 = 0.909091, 0.826446, 0.751315.
END = [1 / 1.1, 1 / 1.21, 1 / 1.331]
# Electricity: the buy plan draws 100 GPUs x 550 W (1000 + 800/8 host, load 0.5) = 481,800 kWh
# IT a year. The build plan from year 1: 50 GPUs (240,900 kWh) + 50/0.5 = 100 chips x 100 W
# (87,600 kWh) = 328,500 kWh. Facility energy saved in years 1 and 2: 153,300 x PUE 1.5 =
# 229,950 kWh a year, so savings grow by 229,950 x (0.826446 + 0.751315) = 362,806 USD per
# USD/kWh.
PER_USD_PER_KWH = 229_950 * (END[1] + END[2])
THREE = [
    "site.electricity_usd_per_kwh={dist: uniform, low: 0, high: 0.5}",  # P10 0.05, P90 0.45
    "build.nre.design_usd={dist: uniform, low: 1900000, high: 2100000}",  # 1.92M, 2.08M
    "build.nre.software_usd_per_year={dist: uniform, low: 0, high: 200000}",  # 20k, 180k
]


def test_order_and_swings_worked_by_hand():
    t = tornado(load_text(SMALL, sets=THREE)).to_dict()
    assert t["method"] == "p10_p90" and t["metric"] == "savings_npv_usd"
    bars = {b["param"]: b for b in t["bars"]}
    # software: paid at the end of every year: 160,000 x (0.909091+0.826446+0.751315) = 397,896
    # design: paid at the start of year 0: 2.08M - 1.92M = 160,000
    # electricity: 0.4 USD/kWh x 362,806 = 145,122
    assert [b["param"] for b in t["bars"]] == [
        "build.nre.software_usd_per_year",
        "build.nre.design_usd",
        "site.electricity_usd_per_kwh",
    ]
    assert_allclose(bars["build.nre.software_usd_per_year"]["swing_usd"], 160_000 * sum(END))
    assert_allclose(bars["build.nre.design_usd"]["swing_usd"], 160_000)
    assert_allclose(bars["site.electricity_usd_per_kwh"]["swing_usd"], 0.4 * PER_USD_PER_KWH)
    # the values and the direction: more design cost, less savings; dearer power, more
    e = bars["site.electricity_usd_per_kwh"]
    assert_allclose([e["low_value"], e["high_value"]], [0.05, 0.45])
    assert_allclose(e["low_usd"] - t["base_usd"], (0.05 - 0.25) * PER_USD_PER_KWH)
    d = bars["build.nre.design_usd"]
    assert_allclose(d["low_usd"] - t["base_usd"], 80_000)
    assert_allclose(d["high_usd"] - t["base_usd"], -80_000)


def test_plus_minus_20pct_when_nothing_is_uncertain():
    t = tornado(load_text(SMALL)).to_dict()
    assert t["method"] == "plus_minus_20pct"
    bars = {b["param"]: b for b in t["bars"]}
    # design 2M -> 1.6M and 2.4M: savings +400k and -400k, a swing of 800k
    assert_allclose(bars["build.nre.design_usd"]["swing_usd"], 800_000)
    # electricity 0.1 -> 0.08, 0.12: 0.04 x 362,806
    assert_allclose(bars["site.electricity_usd_per_kwh"]["swing_usd"], 0.04 * PER_USD_PER_KWH)
    # pue 1.5 -> 1.2 and 1.8, both inside its range (>= 1)
    assert_allclose([bars["site.pue"]["low_value"], bars["site.pue"]["high_value"]], [1.2, 1.8])
    # integers round half up: lifetime 2 -> 1.6, 2.4 -> 2, 2, and respins 1 -> 1, 1: they
    # do not move, so they get no bar ("1 -> 1" says nothing)
    assert "buy.lifetime_years" not in bars and "build.nre.respins" not in bars
    # a lifetime of 10 moves: 8 and 12
    assert (
        bars["site.facility_lifetime_years"]["low_value"],
        bars["site.facility_lifetime_years"]["high_value"],
    ) == (8.0, 12.0)
    swings = [b["swing_usd"] for b in t["bars"]]
    assert swings == sorted(swings, reverse=True)


def test_fields_at_zero_are_skipped_and_values_clipped():
    loaded = load_text(SMALL, sets=["build.share=1", "build.nre.ip_usd=0"])
    bars = {b["param"]: b for b in tornado(loaded).to_dict()["bars"]}
    assert "build.nre.ip_usd" not in bars
    # share 1 -> 0.8 and 1.2, clipped to 1
    assert bars["build.share"]["high_value"] == 1.0


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format(runner, small_file, fmt):
    result = runner.invoke(app, ["sensitivity", str(small_file), "-f", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["method"] == "plus_minus_20pct"
    if fmt == "csv":
        assert result.stdout.startswith("param,low_value,high_value,low_usd,high_usd,swing_usd\n")
    assert "build.nre.design_usd" in result.stdout


def test_a_dependent_field_reports_the_value_it_was_computed_at():
    """P10/P90 of from_year ~ U(1, 6) are 1.5 and 5.5, rounded 2 and 6: clipped to the chip
    generation's range [3, 5]; of age ~ U(0, 5), 0.5 and 4.5, rounded 1 and 5, the high one
    clipped to 3 (lifetime 4). Each bar's savings equal compare at its reported values."""
    from tests.test_uncertainty_montecarlo import DEPENDENT

    bars = {b.param: b for b in tornado(load_text(DEPENDENT)).bars}
    start, age = bars["build.generations[0].from_year"], bars["installed[0].age_years"]
    assert (start.low_value, start.high_value) == (3.0, 5.0)
    assert (age.low_value, age.high_value) == (1.0, 3.0)
    for bar in (start, age):
        for value, usd in ((bar.low_value, bar.low_usd), (bar.high_value, bar.high_usd)):
            # the other field at its base: from_year U(1, 6) -> 3.5 -> 4; age 2.5 -> 3
            one = compare(load_text(DEPENDENT, sets=[f"{bar.param}={value:g}"]))
            assert usd == pytest.approx(one.to_dict()["comparison"]["savings_npv_usd"], rel=1e-12)


OVERFLOW = """\
version: 1
name: s
horizon_years: 1
discount_rate: 0
demand: {reference: h100-sxm, units: 1}
site: {electricity_usd_per_kwh: 0.1}
buy: {accelerator: h100-sxm}
build:
  share: 1
  available_year: 0
  chip: {accelerator: mtia-v2, yield_model: poisson, defect_density_per_cm2: 100, die_area_mm2: 700}
  nre: {design_usd: 1}
"""


def test_a_bar_that_overflows_is_n_a_not_a_refusal(runner, tmp_path):
    """A valid scenario (compare computes it) whose +20% die area overflows: Poisson yield
    exp(-A x D0) is exp(-7 x 100) = 1e-304 at base, exp(-8.4 x 100) = exp(-840), below the
    smallest float, at 840 mm2, so a good die costs infinitely much there; at 560 mm2,
    exp(-560) ~ 5e-244 is finite. The bar is kept, its high side null, its swing null, and
    sorted first (larger than any number). sensitivity used to exit 2 on it."""
    path = tmp_path / "overflow.yaml"
    path.write_text(OVERFLOW)
    result = runner.invoke(app, ["sensitivity", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    first = out["bars"][0]
    area = next(b for b in out["bars"] if b["param"] == "build.chip.die_area_mm2")
    assert area["high_value"] == 840.0 and area["high_usd"] is None
    assert area["low_usd"] is not None and area["swing_usd"] is None
    assert first["swing_usd"] is None
    finite = [b["swing_usd"] for b in out["bars"] if b["swing_usd"] is not None]
    assert finite == sorted(finite, reverse=True)
    table = runner.invoke(app, ["sensitivity", str(path)]).stdout
    words = " ".join(table.split())  # the heading wraps at the terminal's width
    assert "n/a: a figure too large to compute" in words and " n/a " in words
    # at 800 mm2 the base itself overflows (exp(-800) < the smallest float): the note says so
    path.write_text(OVERFLOW.replace("die_area_mm2: 700", "die_area_mm2: 800"))
    base = runner.invoke(app, ["sensitivity", str(path)])
    assert base.exit_code == 0
    assert "n/a: the scenario's own values give figures too large" in " ".join(base.stdout.split())
