"""Break-even against a bisection worked by hand, and its errors."""

from __future__ import annotations

import json
import re

import pytest
from numpy.testing import assert_allclose

from gpu_calc.cli import app
from gpu_calc.errors import InputError
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from gpu_calc.uncertainty.breakeven import breakeven, default_range
from tests.test_uncertainty_montecarlo import LINEAR

# LINEAR: savings(x) = 876,000 x - 1,000,000 in the electricity price x (worked in
# tests/test_uncertainty_montecarlo.py). Bisection by hand on [0, 2]:
#   mid 1      -> -124,000  (< 0: the root is above)  -> [1, 2]
#   mid 1.5    -> +314,000  (> 0)                     -> [1, 1.5]
#   mid 1.25   ->  +95,000                            -> [1, 1.25]
#   mid 1.125  ->  -14,500                            -> [1.125, 1.25]
#   mid 1.1875 ->  +40,250                            -> [1.125, 1.1875]
#   ... converging on 1,000,000 / 876,000 = 1.141552511415525
ROOT = 1_000_000 / 876_000


def test_linear_case_against_hand_bisection():
    loaded = load_text(LINEAR)
    result = breakeven(loaded, "site.electricity_usd_per_kwh", 0.0, 2.0)
    assert 1.125 < result.value < 1.1875  # the hand bracket after five steps
    assert_allclose(result.value, ROOT, rtol=1e-10)
    assert result.to_dict() == {
        "schema_version": 1,
        "param": "site.electricity_usd_per_kwh",
        "value": result.value,
        "range": [0.0, 2.0],
        "savings_usd": result.savings_usd,
        "before": None,
    }
    assert abs(result.savings_usd) < 1e-3
    # and savings are zero there (to the bisection's tolerance)
    at_root = compare(load_text(LINEAR, sets=[f"site.electricity_usd_per_kwh={result.value}"]))
    assert abs(at_root.to_dict()["comparison"]["savings_npv_usd"]) < 1e-3


def test_design_cost_break_even_is_savings_plus_design():
    # At x = 0.1 savings are 87,600 - design (NRE at the start of year 0, factor 1): zero at
    # design = 87,600.
    result = breakeven(load_text(LINEAR), "build.nre.design_usd", None, None)
    assert result.lo == 0.0 and result.hi == 10_000_000.0  # default: [0, 10 x base]
    assert_allclose(result.value, 87_600, rtol=1e-9)


def test_no_root_names_the_range_and_both_ends(runner, tmp_path):
    path = tmp_path / "linear.yaml"
    path.write_text(LINEAR)
    result = runner.invoke(app, ["breakeven", str(path), "--param", "site.electricity_usd_per_kwh"])
    # default range [0, 10 x 0.1] = [0, 1]: savings -1e6 at 0 and -124,000 at 1
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:3:8: site.electricity_usd_per_kwh: savings_npv_usd does not reach "
        "zero for site.electricity_usd_per_kwh from $0/kWh to $1/kWh: -$1.00M at $0/kWh and "
        "-$124k at $1/kWh; try another --range\n"
    )


def test_cli_json_and_range(runner, tmp_path):
    path = tmp_path / "linear.yaml"
    path.write_text(LINEAR)
    args = ["breakeven", str(path), "-p", "site.electricity_usd_per_kwh", "-r", "0:2"]
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["param"] == "site.electricity_usd_per_kwh" and out["range"] == [0.0, 2.0]
    assert_allclose(out["value"], ROOT, rtol=1e-10)
    # CSV keeps the exact number; people read it in its unit, to four figures
    shown = {fmt: runner.invoke(app, [*args, "-f", fmt]) for fmt in ("table", "csv", "markdown")}
    assert all(r.exit_code == 0 for r in shown.values())
    assert "1.14155" in shown["csv"].stdout
    for fmt in ("table", "markdown"):
        assert "site.electricity_usd_per_kwh = $1.142/kWh" in shown[fmt].stdout
        assert "(searched $0/kWh to $2/kWh)" in shown[fmt].stdout


def test_integer_field_reports_the_first_whole_value():
    # respins: each costs a mask set, so savings only fall: no change of sign.
    loaded = load_text(LINEAR, sets=["build.chip.mask_set_usd=300000"])
    # savings = -1e6 + 87,600 - 300,000 (1 + respins) < 0 for every respins >= 0
    with pytest.raises(InputError, match="does not reach zero"):
        breakeven(loaded, "build.nre.respins", 0, 5)
    # available year a (H = 1) at x = 2: a = 0 gives 876,000 x 2 - 1e6 = +752,000; a = 1
    # means no chip, both plans buy the same GPUs, and the NRE alone: -1,000,000. The sign
    # changes at the first whole value, 1.
    loaded = load_text(LINEAR, sets=["site.electricity_usd_per_kwh=2"])
    result = breakeven(loaded, "build.available_year", 0, 1)
    assert result.value == 1.0
    # no whole value gives zero: the sign changes between 0 and 1, and the result says both
    assert result.before == (0.0, pytest.approx(752_000))
    assert result.savings_usd == pytest.approx(-1_000_000)


def test_integer_field_says_between_which_values_the_sign_changes(runner):
    """Not "Savings NPV is zero at build.available_year = 1": savings are +$1.47B at 0 and
    -$933M at 1. The JSON's value keeps its meaning (the first whole value past the change)."""
    from tests.conftest import SEED

    args = ["breakeven", str(SEED), "-p", "build.available_year"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert table.stdout == (
        "Savings NPV changes sign between build.available_year = 0 (+$1.47B) and 1 (-$933M) "
        "(searched 0 to 4)\n"
    )
    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    assert "changes sign between build.available_year = 0 (+$1.47B) and 1 (-$933M)" in markdown
    out = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert out["value"] == 1.0
    assert out["before"]["value"] == 0.0
    assert out["before"]["savings_usd"] == pytest.approx(1.466e9, rel=1e-3)
    assert out["savings_usd"] == pytest.approx(-9.33e8, rel=1e-3)
    # a continuous field: zero savings at the value, no "before"
    share = json.loads(
        runner.invoke(app, ["breakeven", str(SEED), "-p", "build.share", "-f", "json"]).stdout
    )
    assert share["before"] is None and abs(share["savings_usd"]) < 1e3


def test_no_root_message_says_values_in_their_unit(runner):
    from tests.conftest import SEED

    result = runner.invoke(app, ["breakeven", str(SEED), "-p", "demand.load_factor"])
    assert result.exit_code == 2
    assert (
        "demand.load_factor: savings_npv_usd does not reach zero for demand.load_factor from "
        "0.0% to 100.0%: $1.44B at 0.000061% and $1.48B at 100.0%; try another --range"
    ) in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("param", "range_", "wanted"),
    [
        ("site.electricity", None, "unknown numeric parameter 'site.electricity' (did you mean"),
        ("build.share", "0:2", "build.share: the range must lie within >= 0 and <= 1"),
        ("build.share", "1:0", "--range 1:0: LO must be below HI"),
        # the field allows >= 0; the scenario's cross-check caps a start year at the horizon
        (
            "build.available_year",
            "0:5",
            "build.available_year: the range must lie within [0, 1] (horizon_years is 1)",
        ),
        ("build.share", "x", "--range x: expected LO:HI"),
        # one 8,661.79 mm2 die fills a 300 mm wafer (gpu_calc.uncertainty.params doctest)
        (
            "build.chip.die_area_mm2",
            "1:9000",
            "the range must lie within [0, 8661.79] (where one die fits on the wafer)",
        ),
    ],
)
def test_bad_param_or_range(runner, tmp_path, param, range_, wanted):
    path = tmp_path / "linear.yaml"
    path.write_text(LINEAR)
    args = ["breakeven", str(path), "-p", param] + (["-r", range_] if range_ else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert wanted in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_installed_lifetime_range_starts_above_its_age():
    """a100s 2 years old (tests.test_uncertainty_sweep.INSTALLED): compare refuses a
    lifetime of 2 or less, so neither an explicit range nor the default one reaches it."""
    from tests.test_uncertainty_sweep import INSTALLED

    loaded = load_text(INSTALLED)
    with pytest.raises(
        InputError,
        match=re.escape("the range must lie within >= 3 (above installed[0].age_years, 2)"),
    ):
        breakeven(loaded, "installed[0].lifetime_years", lo=1, hi=10)
    inputs = ModelInputs.from_scenario(loaded)
    field = inputs.fields["installed[0].lifetime_years"]
    assert default_range(inputs, field) == (3.0, 40.0)  # [age + 1, 10 x the base 4]
