"""Absurd but valid values (issue 11): every view shows n/a, nothing crashes or warns.

A price of 1e308 or ``respins: 1.7e308`` is inside its field's range. The JSON says null
where a figure overflows; the table, Markdown, CSV and the HTML report say n/a; and no
library warning (NumPy's overflow, matplotlib's layout) reaches stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.render.rows import total
from tests.conftest import ROOT, SEED

ABSURD = {
    "everything": [
        "demand.units=1e308",
        "buy.unit_price_usd=1e308",
        "build.nre.respins=1.7e308",
    ],
    "price": ["buy.unit_price_usd=1e308"],
    "respins": ["build.nre.respins=1.7e308"],
    "demand": ["demand.units=1e308"],
    "energy": ["buy.power_w=1e308", "site.electricity_usd_per_kwh=1e308"],
    "wafer": ["build.chip.wafer_usd=1e308"],
}


def _sets(case: str) -> list[str]:
    return [arg for item in ABSURD[case] for arg in ("--set", item)]


@pytest.mark.parametrize("case", sorted(ABSURD))
@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_compare_shows_na(case: str, fmt: str, runner: CliRunner) -> None:
    result = runner.invoke(app, ["compare", str(SEED), *_sets(case), "-f", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["plans"]["buy"]["capex_usd"] is None or case in ("respins", "wafer")
    elif fmt in ("table", "markdown"):
        assert "n/a" in result.stdout
    assert "nan" not in result.stdout.lower().replace("financ", "")
    assert "inf" not in result.stdout.lower().replace("infra", "").replace("inference", "")


@pytest.mark.parametrize("case", ["everything", "respins"])
def test_report_shows_na(case: str, runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(SEED), *_sets(case), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "n/a" in out.read_text()


def test_cash_flow_sums_that_overflow_are_missing() -> None:
    assert total(1e308, 1e308) is None
    assert total(1.0, None) is None
    assert total(0.1, 0.2, 0.3) == 0.6


def test_a_simulation_near_the_largest_float_is_quiet() -> None:
    """Savings near 1e305: the mean is taken without overflow, and nothing is warned."""
    dist = "buy.unit_price_usd={dist: uniform, low: 1e301, high: 2e302}"
    proc = subprocess.run(
        [sys.executable, "-m", "gpu_calc", "simulate", str(SEED), "--set", dist, "-n", "2000"]
        + ["-f", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    stats = json.loads(proc.stdout)["comparison"]["savings_npv_usd"]
    assert stats["p5"] < stats["mean"] < stats["p95"]


def test_a_chart_of_absurd_values_is_quiet(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    proc = subprocess.run(
        [sys.executable, "-m", "gpu_calc", "plot", str(SEED), "--set", "buy.unit_price_usd=1e300"]
        + ["--kind", "cumulative", "-o", str(tmp_path / "c.svg")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize("case", sorted(ABSURD))
def test_cheaper_agrees_with_the_verdict(case: str, runner: CliRunner) -> None:
    """No verdict, no cheaper plan: comparison.cheaper is null with savings_npv_usd (it said
    "buy" beside "No verdict: ... too large to compute")."""
    result = runner.invoke(app, ["compare", str(SEED), *_sets(case), "-f", "json"])
    comp = json.loads(result.stdout)["comparison"]
    if comp["savings_npv_usd"] is None:
        assert comp["cheaper"] is None
        assert comp["verdict"].startswith("No verdict")
    else:
        assert comp["cheaper"] == ("build" if comp["savings_npv_usd"] > 0 else "buy")
    csv_rows = runner.invoke(app, ["compare", str(SEED), *_sets(case), "-f", "csv"]).stdout
    assert "comparison,cheaper" not in csv_rows  # text stays in the JSON


UNCERTAIN = ROOT / "scenarios" / "meta-2025-uncertain.yaml"


def test_simulate_says_a_fixed_value_is_too_large(runner: CliRunner) -> None:
    """Not "narrow the distributions": demand.units is a fixed value here."""
    args = ["simulate", str(UNCERTAIN), "--set", "demand.units=1e308", "-n", "100"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"{UNCERTAIN}: 100 of 100 samples gave no finite savings_npv_usd, buy.npv_usd, "
        "buy.energy_it_kwh, buy.co2e_kg, build.npv_usd, build.energy_it_kwh, build.co2e_kg: "
        "the scenario's inputs are too large to compute with, whatever the draws (the largest "
        "number is about 1.8e308; 'gpucalc compare' shows which figures as n/a)\n"
    )


def test_simulate_says_draws_are_too_large(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(
        "horizon_years: 2\n"
        "demand: {units: 100}\n"
        "site: {electricity_usd_per_kwh: 0.1}\n"
        "buy: {unit_price_usd: {dist: uniform, low: 1000, high: 1e308}, power_w: 500}\n"
        "build:\n"
        "  share: 0.5\n"
        "  chip: {die_area_mm2: 100, node: n5, power_w: 100}\n"
        "  nre: {design_usd: 0}\n"
    )
    result = runner.invoke(app, ["simulate", str(path), "-n", "100"])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "of 100 samples gave no finite savings_npv_usd, buy.npv_usd, build.npv_usd" in line
    assert line.endswith(
        "some draws are too large to compute with (the largest number is "
        "about 1.8e308); narrow the distributions"
    )
