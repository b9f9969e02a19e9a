"""The Python API (gpu_calc.api, re-exported by ``import gpu_calc``): scenario forms, sets,
errors with the CLI's lines, results equal to the CLI's JSON, and DataFrames."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

import gpu_calc
from gpu_calc.cli import app
from gpu_calc.errors import InputErrors
from tests.conftest import ROOT, SEED, SMALL

UNCERTAIN = ROOT / "scenarios" / "meta-2025-uncertain.yaml"


def _cli_json(runner, args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _roundtrip(data: dict) -> dict:
    """What the CLI prints, read back: JSON turns tuples into lists and keeps no NaN."""
    return json.loads(json.dumps(data, allow_nan=False))


# ----------------------------------------------------------------------------- to_dict


def test_compare_to_dict_is_the_cli_json(runner):
    assert _roundtrip(gpu_calc.compare(str(SEED)).to_dict()) == _cli_json(
        runner, ["compare", str(SEED)]
    )


def test_simulate_to_dict_is_the_cli_json(runner):
    api = gpu_calc.simulate(UNCERTAIN, samples=500, seed=3).to_dict()
    cli = _cli_json(runner, ["simulate", str(UNCERTAIN), "-n", "500", "--seed", "3"])
    assert _roundtrip(api) == cli


def test_sweep_to_dict_is_the_cli_json(runner):
    api = gpu_calc.sweep(SEED, {"build.share": "0:1:5", "site.pue": [1.1, 1.3]}).to_dict()
    cli = _cli_json(
        runner,
        ["sweep", str(SEED), "-p", "build.share", "-v", "0:1:5", "-p", "site.pue", "-v", "1.1,1.3"],
    )
    assert _roundtrip(api) == cli


def test_sensitivity_and_breakeven_to_dict_are_the_cli_json(runner):
    assert _roundtrip(gpu_calc.sensitivity(SEED).to_dict()) == _cli_json(
        runner, ["sensitivity", str(SEED)]
    )
    api = gpu_calc.breakeven(SEED, "build.share", lo=0.0, hi=0.5).to_dict()
    cli = _cli_json(runner, ["breakeven", str(SEED), "-p", "build.share", "-r", "0:0.5"])
    assert _roundtrip(api) == cli


# ----------------------------------------------------------------------------- scenario forms


def _without_source(out: dict) -> dict:
    return {k: v for k, v in out.items() if k != "source"}


def test_path_text_bytes_mapping_and_loaded_agree(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    mapping = yaml.safe_load(SMALL)
    forms = [
        str(path),
        path,
        SMALL,
        SMALL.encode(),
        mapping,
        gpu_calc.load(path),
    ]
    outs = [gpu_calc.compare(form).to_dict() for form in forms]
    assert [o["source"] for o in outs] == [str(path)] * 2 + ["<string>"] * 2 + [
        "<dict>",
        str(path),
    ]
    first = _without_source(outs[0])
    for out in outs[1:]:
        assert _without_source(out) == first
    # hand-worked in tests/test_engine.py
    assert_allclose(first["plans"]["buy"]["npv_usd"], 1_925_149.28, rtol=1e-6)


def test_one_line_flow_mapping_is_text_not_a_path():
    text = json.dumps(yaml.safe_load(SMALL))  # JSON is one line of YAML flow syntax
    assert gpu_calc.load(text).source == "<string>"


def test_a_mapping_is_not_changed_and_numpy_values_are_welcome():
    mapping = yaml.safe_load(SMALL)
    mapping["demand"]["units"] = np.array([100.0, 200.0, 300.0])
    mapping["buy"]["unit_price_usd"] = np.float64(10_000)
    before = copy.deepcopy(mapping)
    out = gpu_calc.compare(mapping, sets={"build.share": 0.25}).to_dict()
    assert out["demand_units_per_year"] == [100.0, 200.0, 300.0]
    assert mapping.keys() == before.keys()
    assert mapping["build"]["share"] == 0.5  # the override did not write into the caller's dict
    np.testing.assert_array_equal(mapping["demand"]["units"], before["demand"]["units"])


def test_sets_as_list_or_mapping_agree_and_reapply_to_a_loaded_scenario():
    as_list = gpu_calc.compare(SEED, sets=["site.pue=1.3", "build.share=0.5"]).to_dict()
    as_map = gpu_calc.compare(SEED, sets={"site.pue": 1.3, "build.share": 0.5}).to_dict()
    assert as_list == as_map
    loaded = gpu_calc.load(SEED)
    again = gpu_calc.compare(loaded, sets={"site.pue": 1.3, "build.share": 0.5}).to_dict()
    assert again == as_list
    # the loaded scenario itself is unchanged
    assert gpu_calc.compare(loaded).to_dict() == gpu_calc.compare(SEED).to_dict()
    # energy scales with the PUE: facility energy = IT energy x 1.3
    plan = as_list["plans"]["buy"]
    assert_allclose(plan["energy_facility_kwh"], plan["energy_it_kwh"] * 1.3, rtol=1e-12)


def test_a_distribution_can_be_set_from_a_mapping():
    dist = {"dist": "uniform", "low": 0.05, "high": 0.15}
    sim = gpu_calc.simulate(SEED, samples=200, seed=1, sets={"site.electricity_usd_per_kwh": dist})
    assert sim.to_dict()["uncertain"] == ["site.electricity_usd_per_kwh"]


def test_not_a_scenario_is_a_type_error():
    with pytest.raises(TypeError, match="a scenario is a path, YAML text, a mapping"):
        gpu_calc.load(42)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "name", ["duplicate_key.yaml", "missing_section.yaml", "load_factor_zero.yaml", "empty.yaml"]
)
def test_input_errors_carry_the_cli_lines(runner, name):
    path = ROOT / "tests" / "assets" / "invalid" / name
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2, result.output
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.compare(str(path))
    assert info.value.lines == result.stderr.splitlines()
    assert str(info.value) == result.stderr.rstrip("\n")
    assert isinstance(info.value, ValueError)


def test_a_bad_set_and_a_bad_param_carry_the_cli_lines(runner):
    result = runner.invoke(app, ["compare", str(SEED), "--set", "site.pue=0.5"])
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.compare(SEED, sets=["site.pue=0.5"])
    assert info.value.lines == result.stderr.splitlines()
    assert info.value.lines == ["error: --set site.pue=0.5: site.pue: must be >= 1, got 0.5"]

    # a bad parameter: the command line names its option, the API the Python argument
    result = runner.invoke(app, ["sweep", str(SEED), "-p", "build.shar", "-v", "0:1:3"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --param build.shar: unknown numeric parameter")
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.sweep(SEED, {"build.shar": "0:1:3"})
    cli_message = result.stderr.split(": ", 2)[2].rstrip("\n")
    assert info.value.lines == [f"param 'build.shar': {cli_message}"]
    assert "did you mean build.share" in info.value.lines[0]


def test_errors_in_a_mapping_name_the_key_path():
    mapping = yaml.safe_load(SMALL)
    mapping["site"]["pue"] = 0.5
    mapping["demand"]["units"] = -1
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.load(mapping)
    assert info.value.lines == [
        "<dict>: demand.units: must be >= 0, got -1",
        "<dict>: site.pue: must be >= 1, got 0.5",
    ]
    assert [e.path for e in info.value.errors] == [("demand", "units"), ("site", "pue")]

    mapping = yaml.safe_load(SMALL)
    mapping["site"]["pue"] = object()
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.load(mapping)
    assert info.value.lines == [
        "<dict>: site.pue: object is not a scenario value (use numbers, text, lists and dicts)"
    ]
    with pytest.raises(gpu_calc.InputErrors, match=r"<dict>: build: keys must be text, got int"):
        gpu_calc.load({**yaml.safe_load(SMALL), "build": {1: 2}})


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(gpu_calc.InputErrors) as info:
        gpu_calc.load(tmp_path / "nope.yaml")
    assert info.value.lines[0].startswith(f"{tmp_path / 'nope.yaml'}: ")


def _api_error(call) -> list[str]:
    with pytest.raises(gpu_calc.InputErrors) as info:
        call()
    assert len(info.value.errors) == 1
    return info.value.lines


@pytest.mark.parametrize(
    ("params", "line"),
    [
        (
            {"build.share": "0:1:x"},
            "values for 'build.share': 0:1:x: expected START:STOP:COUNT (e.g. 0:1:21) or a "
            "comma list (e.g. 0.1,0.2,0.5)",
        ),
        (
            {"build.share": [0.1, "x"]},
            "values for 'build.share': values must be numbers, or a START:STOP:COUNT text",
        ),
        (
            {"build.share": True},  # a single number is a one-point axis; a bool is not one
            "values for 'build.share': values must be numbers, or a START:STOP:COUNT text",
        ),
        ({"build.share": [0, 2]}, "values for 'build.share': must be <= 1, got 2"),
        ({"build.share": []}, "values for 'build.share': no values given"),
        ({}, "params: give at least one parameter with its values"),
        (
            "build.share",
            "params: expected a mapping of key paths to values, or (key, values) pairs",
        ),
        (
            [("build.share", [0, 1]), ("build.share", [0.5])],
            "param 'build.share': the same parameter is swept twice",
        ),
        (
            {"build.shar": [0, 1]},
            "param 'build.shar': unknown numeric parameter 'build.shar' (did you mean "
            "build.share, build.chip.wafer_usd, build.chip.board_usd?)",
        ),
    ],
)
def test_sweep_errors_name_the_python_arguments(params, line):
    assert _api_error(lambda: gpu_calc.sweep(SEED, params)) == [line]


@pytest.mark.parametrize(
    ("param", "bounds", "line"),
    [
        ("build.share", {"lo": 0.5, "hi": 0.1}, "lo=0.5, hi=0.1: lo must be below hi"),
        ("build.share", {"lo": 1, "hi": 1}, "lo=1, hi=1: lo must be below hi"),
        ("build.share", {"lo": "a"}, "lo: must be a number, got str 'a'"),
        ("build.share", {"hi": [1]}, "hi: must be a number, got list [1]"),
        ("build.share", {"lo": True}, "lo: must be a number, got bool True"),
        ("build.share", {"lo": float("nan"), "hi": 1}, "lo: must be a finite number, got nan"),
        (
            "build.share",
            {"lo": 0, "hi": 5},
            "lo=0, hi=5: build.share: the range must lie within >= 0 and <= 1",
        ),
        (
            "build.shar",
            {},
            "param 'build.shar': unknown numeric parameter 'build.shar' (did you mean "
            "build.share, build.chip.wafer_usd, build.chip.board_usd?)",
        ),
        (3, {}, "param: a parameter is a key path text, got int 3"),
    ],
)
def test_breakeven_errors_name_the_python_arguments(param, bounds, line):
    assert _api_error(lambda: gpu_calc.breakeven(SEED, param, **bounds)) == [line]


def test_breakeven_without_a_root_says_to_try_other_bounds(runner):
    lines = _api_error(lambda: gpu_calc.breakeven(SEED, "site.pue", lo=1, hi=1.01))
    assert lines[0].endswith("; try other lo and hi"), lines
    # the command line's message is unchanged
    result = runner.invoke(app, ["breakeven", str(SEED), "-p", "site.pue", "-r", "1:1.01"])
    assert result.exit_code == 2
    assert result.stderr.rstrip("\n").endswith("; try another --range")
    assert result.stderr.split("; try")[0] == lines[0].split("; try")[0]


def test_api_errors_never_name_command_line_options():
    calls = [
        lambda: gpu_calc.sweep(SEED, {"build.share": "0:1:x"}),
        lambda: gpu_calc.sweep(SEED, {"build.share": [0, 2]}),
        lambda: gpu_calc.sweep(SEED, {}),
        lambda: gpu_calc.breakeven(SEED, "build.share", lo=1, hi=0),
        lambda: gpu_calc.breakeven(SEED, "build.shar"),
        lambda: gpu_calc.breakeven(SEED, "site.pue", lo=1, hi=1.01),
    ]
    for call in calls:
        for line in _api_error(call):
            assert "--" not in line and not line.startswith("error:"), line


# ----------------------------------------------------------------------------- DataFrames


def test_comparison_frames_hold_the_json_numbers():
    result = gpu_calc.compare(SEED)
    out = result.to_dict()
    metrics, per_year = result.to_pandas()
    by_metric = metrics.set_index("metric")
    for key in ("npv_usd", "tco_usd", "capex_usd", "energy_it_kwh", "co2e_kg", "bought_units"):
        buy, build = out["plans"]["buy"][key], out["plans"]["build"][key]
        assert by_metric.loc[key, "buy"] == buy
        assert by_metric.loc[key, "build"] == build
        assert by_metric.loc[key, "build_minus_buy"] == build - buy
    assert "energy_it_kwh_per_year" not in by_metric.index  # a list: it is in per_year
    h = out["horizon_years"]
    assert len(per_year) == 2 * h
    assert list(per_year.columns[:2]) == ["plan", "year"]
    for plan in ("buy", "build"):
        rows = per_year[per_year["plan"] == plan].sort_values("year")
        assert rows["year"].tolist() == list(range(h))
        for key, series in out["plans"][plan]["per_year"].items():
            assert rows[key].tolist() == series
        # totals of the JSON are sums of the per-year series
        assert_allclose(rows["opex_usd"].sum(), out["plans"][plan]["opex_usd"], rtol=1e-12)


def test_simulation_frames_are_the_samples_and_their_percentiles():
    sim = gpu_calc.simulate(UNCERTAIN, samples=999, seed=7)
    out = sim.to_dict()
    samples, summary = sim.to_pandas()
    assert samples.shape == (999, 8)
    assert samples["sample"].tolist() == list(range(999))
    savings = samples["savings_npv_usd"].to_numpy()
    assert float(np.percentile(savings, 50)) == out["comparison"]["savings_npv_usd"]["p50"]
    assert float(np.mean(savings > 0)) == out["comparison"]["probability_build_cheaper"]
    assert_allclose(
        samples["buy.npv_usd"] - samples["build.npv_usd"], samples["savings_npv_usd"], rtol=1e-9
    )
    table = summary.set_index("metric")
    assert table.loc["build.co2e_kg", "p95"] == out["plans"]["build"]["co2e_kg"]["p95"]
    assert table.loc["buy.npv_usd", "mean"] == out["plans"]["buy"]["npv_usd"]["mean"]


def test_sweep_frame_has_one_row_per_grid_point():
    grid = gpu_calc.sweep(SEED, {"build.share": [0.0, 0.5, 1.0], "site.pue": np.array([1.1, 1.4])})
    out = grid.to_dict()
    frame = grid.to_pandas()
    assert list(frame.columns) == ["build.share", "site.pue", *out["outputs"]]
    assert len(frame) == 6
    for i, share in enumerate(out["values"][0]):
        for j, pue in enumerate(out["values"][1]):
            row = frame[(frame["build.share"] == share) & (frame["site.pue"] == pue)]
            assert len(row) == 1
            assert row["savings_npv_usd"].item() == out["outputs"]["savings_npv_usd"][i][j]
    # building nothing: savings are minus the chip's NRE and software, whatever the PUE
    zero = frame[frame["build.share"] == 0.0]
    assert_allclose(zero["npv_usd_buy"], zero["npv_usd_build"] + zero["savings_npv_usd"])


def test_tornado_and_breakeven_frames():
    tornado = gpu_calc.sensitivity(SEED)
    bars = tornado.to_pandas()
    assert bars.to_dict("records") == tornado.to_dict()["bars"]
    be = gpu_calc.breakeven(SEED, "build.share")
    assert be.to_pandas().to_dict("records") == [
        {"param": "build.share", "value": be.value, "lo": be.lo, "hi": be.hi}
    ]
    # at the break-even share the savings are zero (within the bisection's tolerance)
    at = gpu_calc.compare(SEED, sets={"build.share": be.value}).to_dict()
    npv = at["plans"]["buy"]["npv_usd"]
    assert abs(at["comparison"]["savings_npv_usd"]) < 1e-6 * npv


def test_to_pandas_without_pandas_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    result = gpu_calc.compare(SEED)
    with pytest.raises(ImportError, match=r"pip install 'gpucalc\[pandas\]'"):
        result.to_pandas()
    assert result.to_dict()["scenario"]  # to_dict needs nothing more


# ----------------------------------------------------------------------------- the package


def test_import_gpu_calc_is_light_and_lists_the_api():
    code = (
        "import sys, gpu_calc\n"
        "heavy = sorted(m for m in ('numpy', 'pydantic', 'gpu_calc.api') if m in sys.modules)\n"
        "print(heavy)\n"
        "print(callable(gpu_calc.compare), 'gpu_calc.api' in sys.modules)\n"
        "print([n for n in ('load', 'compare', 'simulate', 'sweep', 'sensitivity',"
        " 'breakeven', 'InputErrors') if n not in dir(gpu_calc)])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "True True", "[]"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gpu_calc.nope  # noqa: B018


def test_the_api_functions_are_the_api_module_s():
    from gpu_calc import api, errors

    assert gpu_calc.compare is api.compare
    assert gpu_calc.InputErrors is errors.InputErrors
    assert set(api.__all__) <= set(gpu_calc.__all__)


def test_path_objects_relative_to_the_working_directory(monkeypatch):
    monkeypatch.chdir(ROOT)
    out = gpu_calc.compare(Path("scenarios/meta-2024.yaml")).to_dict()
    assert out["source"] == "scenarios/meta-2024.yaml"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": "1000"}, "samples: must be a whole number, got str '1000'"),
        ({"samples": None}, "samples: must be a whole number, got NoneType None"),
        ({"samples": 0}, "samples: must be >= 1, got 0"),
        ({"samples": 10.5}, "samples: must be a whole number, got 10.5"),
        ({"seed": 1.5}, "seed: must be a whole number, got 1.5"),
        ({"seed": True}, "seed: must be a whole number, got bool True"),
        ({"seed": -1}, "seed: must be >= 0, got -1"),
        ({"chunk_size": 0}, "chunk_size: must be >= 1, got 0"),
        ({"jobs": -1}, "jobs: must be >= 0, got -1"),
        # the memory guard names the argument, not the command line's option
        ({"samples": 10**12}, "samples=1000000000000: 1,000,000,000,000 samples would take"),
    ],
)
def test_simulate_arguments_are_checked_and_named(kwargs, message):
    with pytest.raises(InputErrors) as caught:
        gpu_calc.simulate(SMALL, **kwargs)
    assert message in str(caught.value)
    assert "--samples" not in str(caught.value)


def test_simulate_takes_whole_floats_and_numpy_integers_as_json_ints():
    import numpy as np

    uncertain = {"site.pue": {"dist": "uniform", "low": 1.1, "high": 1.6}}
    a = gpu_calc.simulate(SMALL, samples=1e3, seed=np.int64(3), sets=uncertain).to_dict()
    b = gpu_calc.simulate(SMALL, samples=1000, seed=3, sets=uncertain).to_dict()
    assert a == b and type(a["samples"]) is int and type(a["seed"]) is int
    assert json.loads(json.dumps(a)) == a


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (5, 'sets: expected a list of "key.path=value" texts or a mapping'),
        (b"site.pue=1.3", "got bytes"),
        ([1], 'sets: each override is a "key.path=value" text, got int 1'),
        # a key the file does not have, made by the override: the override is named
        (["typo.x=1"], "error: --set typo.x=1: typo: unknown key 'typo'"),
        ({"buy.typo.x": 1}, "error: --set buy.typo.x=1: buy.typo: unknown key 'typo'"),
    ],
)
def test_bad_sets_are_named(sets, message):
    with pytest.raises(InputErrors) as caught:
        gpu_calc.compare("scenarios/meta-2024.yaml", sets=sets)
    assert message in "\n".join(caught.value.lines)


def test_an_empty_path_and_a_one_number_axis():
    with pytest.raises(InputErrors, match="an empty path"):
        gpu_calc.compare("")
    import numpy as np

    one = gpu_calc.sweep(SMALL, {"build.share": np.float64(0.5)}).to_dict()
    assert one["values"] == [[0.5]]
