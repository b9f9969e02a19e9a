"""Valid inputs at the edge of what floats hold, and outputs that would lose a file: each
computes or is refused with one line, never a traceback or a lost file (found by an
adversarial run of the CLI)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from gpu_calc.cli import app
from gpu_calc.distributions import LogNormal, Pert, Triangular, Uniform
from tests.conftest import ROOT, SEED

BASE = """\
horizon_years: 3
demand: {units: 1000}
site: {electricity_usd_per_kwh: 0.08%s}
buy: {accelerator: h100-sxm, unit_price_usd: 28000}
build: {share: 0.5, chip: {accelerator: mtia-v2}, nre: {design_usd: 4.0e+8}}
"""

# --------------------------------------------------------------------------- distributions


def test_a_uniform_wider_than_the_largest_float_draws_finite_values():
    """high - low = 3.4e308 overflows: drawn as 2 x uniform(low/2, high/2)."""
    d = Uniform(dist="uniform", low=-1.7e308, high=1.7e308)
    x = d.sample(np.random.default_rng(0), 10_000)
    assert np.isfinite(x).all() and x.min() < -1e308 and x.max() > 1e308
    # P10 = -1.7e308 x 0.9 + 1.7e308 x 0.1 = -1.36e308
    assert d.ppf(0.1) == pytest.approx(-1.36e308)


def test_a_triangular_whose_range_squared_overflows_is_scaled():
    """(2e300)^2 overflows; scaled by 2e300 it is triangular(0, 0.5, 1): P10 = sqrt(0.1 x 1 x
    0.5) = 0.2236068, so 4.472136e299; P90 = 1 - sqrt(0.1 x 0.5) = 0.7763932, 1.5527864e300."""
    d = Triangular(dist="triangular", low=0, mode=1e300, high=2e300)
    assert d.ppf(0.1) == pytest.approx(4.472136e299, rel=1e-6)
    assert d.ppf(0.9) == pytest.approx(1.5527864e300, rel=1e-6)
    x = d.sample(np.random.default_rng(0), 100_000)
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 2e300
    # mean (0 + 1e300 + 2e300) / 3 = 1e300, within sampling error
    assert np.mean(x / 1e300) == pytest.approx(1.0, rel=0.01)
    # an ordinary range keeps NumPy's sampler, bit for bit
    small = Triangular(dist="triangular", low=1, mode=2, high=4)
    same = np.random.default_rng(5).triangular(1, 2, 4, 1000)
    assert np.array_equal(small.sample(np.random.default_rng(5), 1000), same)


def test_a_pert_across_the_whole_float_range_keeps_its_shape():
    """low -1.7e308, mode 0, high 1.7e308: the mode is halfway, so alpha = beta = 1 + 4 x
    0.5 = 3 (4 x (mode - low) alone overflows)."""
    d = Pert(dist="pert", low=-1.7e308, mode=0, high=1.7e308)
    assert d._shape() == (3.0, 3.0)
    x = d.sample(np.random.default_rng(0), 10_000)
    assert np.isfinite(x).all()
    assert d.ppf(0.5) == pytest.approx(0.0, abs=1e300)  # symmetric: the median is the mode


def test_a_lognormal_quantile_beyond_the_largest_float_is_infinite():
    d = LogNormal(dist="lognormal", median=28000, sigma=1000)
    assert d.ppf(0.9) == math.inf and d.ppf(0.1) == 0.0


# --------------------------------------------------------------------------- commands


def test_sensitivity_json_writes_an_overflowing_bar_as_null(runner, tmp_path):
    """wue 1.6e308 x 1.2 overflows at +20%: that value is null, never `inf` (which is no
    JSON), and the run exits 0."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE % ", wue_l_per_kwh: 1.6e+308")
    result = runner.invoke(app, ["sensitivity", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    bars = {b["param"]: b for b in json.loads(result.stdout)["bars"]}
    assert bars["site.wue_l_per_kwh"]["high_value"] is None
    assert bars["site.wue_l_per_kwh"]["low_value"] == pytest.approx(1.28e308)


@pytest.mark.parametrize(
    "dist",
    [
        "{dist: uniform, low: -1.7e+308, high: 1.7e+308}",
        "{dist: triangular, low: 0, mode: 1.0e+300, high: 2.0e+300}",
    ],
)
def test_simulate_draws_ranges_near_the_largest_float(runner, tmp_path, dist):
    """Water is in no NPV: the savings stay finite and the run computes (the uniform's
    negative draws are clipped to 0, its lower bound)."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE % f", wue_l_per_kwh: {dist}")
    result = runner.invoke(app, ["simulate", str(path), "-n", "1000", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["samples"] == 1000


# --------------------------------------------------------------------------- never lost


def _gpucalc(*args: str, stdin=None, **popen: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gpu_calc", *args],
        stdin=stdin,
        **popen,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_output_onto_the_file_standard_input_reads_is_refused(tmp_path):
    """`gpucalc compare - -o my.yaml < my.yaml` would replace the scenario with its result."""
    path = tmp_path / "my.yaml"
    path.write_text(SEED.read_text())
    with path.open() as stdin:
        proc = _gpucalc("compare", "-", "-f", "json", "-o", str(path), stdin=stdin)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: -o {path}: refusing to overwrite an input (standard input); choose another file\n"
    )
    assert path.read_text() == SEED.read_text()


def test_closed_standard_input_is_an_input_error():
    proc = _gpucalc("compare", "-", stdin=subprocess.DEVNULL)
    assert proc.returncode == 2  # empty input: an error of the file, not a crash
    closed = _gpucalc("compare", "-", preexec_fn=lambda: os.close(0))  # as `<&-` does
    assert closed.returncode == 2
    assert closed.stderr == "<stdin>: standard input is closed; give a file name\n"


def test_no_output_replaces_a_yaml_file(runner, tmp_path):
    """A workbook, a report or JSON written over `other.yaml` would destroy a scenario."""
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\n")
    for args in (
        ["compare", str(SEED), "-f", "xlsx"],
        ["report", str(SEED)],
        ["compare", str(SEED)],
    ):
        result = runner.invoke(app, [*args, "-o", str(other)])
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"error: -o {other}: is a YAML file, a scenario perhaps: gpucalc never writes "
            "over one; choose another name\n"
        )
    assert other.read_text() == "version: 1\n"
    fresh = tmp_path / "new.yaml"  # a name that does not exist yet is written
    assert runner.invoke(app, ["compare", str(SEED), "-f", "json", "-o", str(fresh)]).exit_code == 0


def test_batch_outputs_stay_out_of_the_report_folder(runner, tmp_path):
    """`--junit out/index.html --report-dir out` would have the index replace the JUnit."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    out.mkdir()
    junit = out / "index.html"
    result = runner.invoke(
        app,
        ["batch", str(SEED), "--junit", str(junit), "--report-dir", str(out), "--replace-reports"],
    )
    assert result.exit_code == 2
    assert f"--junit {junit}: is inside --report-dir {out}, whose files the reports" in (
        result.stderr
    )
    assert list(out.iterdir()) == []  # refused before any work


def test_batch_says_it_does_not_read_standard_input(runner):
    result = runner.invoke(app, ["batch", "-", "-f", "json"])
    assert result.exit_code == 2
    (entry,) = json.loads(result.stdout)["results"]
    assert entry["errors"][0]["message"] == (
        "batch reads files and folders, not standard input; give a path"
    )


def test_plot_writes_svg_to_a_device(runner):
    pytest.importorskip("matplotlib")
    result = runner.invoke(app, ["plot", str(SEED), "-k", "cumulative", "-o", "/dev/null"])
    assert result.exit_code == 0, result.output


def test_breakeven_range_stops_at_the_largest_float(runner, tmp_path):
    """10 x 1.6e308 overflows: the default range ends at 1.797e308, said as a number."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE % ", wue_l_per_kwh: 1.6e+308")
    result = runner.invoke(app, ["breakeven", str(path), "-p", "site.wue_l_per_kwh"])
    assert result.exit_code == 2  # water is in no NPV: savings never reach zero
    assert "from 0 L/kWh to 1.80 × 10^308 L/kWh" in result.stderr
    assert "n/a" not in result.stderr
