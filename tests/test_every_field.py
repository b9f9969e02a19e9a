"""Every numeric field, alone, through every analysis (issue 11: valid scenarios compute).

A scenario with exactly one uncertain field crashed ``simulate``, ``sensitivity``, ``report``
and ``plot`` when that field moved only some outputs (``site.facility_lifetime_years`` moves
only residual values, ``build.chip.wafer_usd`` only the die cost): the engine took the shape
of its outputs from a subset of its inputs. Here each field of
``tests/assets/valid/every_field.yaml`` (which gives every numeric field of the model) is, on
its own, uncertain, swept and broken even, and the results are checked against ``compare``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.distributions import Bounds
from gpu_calc.errors import InputError
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import compare
from gpu_calc.scenario import Scenario, _unwrap_model, load_file
from gpu_calc.scenario.model import _bounds_in
from gpu_calc.uncertainty.breakeven import breakeven
from gpu_calc.uncertainty.montecarlo import _ROWS, Simulation, simulate
from gpu_calc.uncertainty.sensitivity import tornado
from gpu_calc.uncertainty.sweep import sweep
from tests.conftest import SEED

EVERY = Path(__file__).resolve().parent / "assets" / "valid" / "every_field.yaml"
#: the chip's bill of materials as parts, where every_field.yaml gives lump sums (issue 15)
EVERY_BOM = EVERY.with_name("every_field_bom.yaml")
LOADED = load_file(str(EVERY))
INPUTS = ModelInputs.from_scenario(LOADED)
BOM_LOADED = load_file(str(EVERY_BOM))
BOM_INPUTS = ModelInputs.from_scenario(BOM_LOADED)
#: the fields only the bill-of-materials asset gives are tested on it
BOM_KEYS = sorted(set(BOM_INPUTS.fields) - set(INPUTS.fields))
KEYS = sorted(INPUTS.fields) + BOM_KEYS
BASE_SAVINGS = compare(LOADED).to_dict()["comparison"]["savings_npv_usd"]
BOM_SAVINGS = compare(BOM_LOADED).to_dict()["comparison"]["savings_npv_usd"]


def _asset(key: str) -> tuple[Path, Any, ModelInputs, float]:
    """The asset that gives ``key``: its path, loaded scenario, inputs and savings."""
    if key in BOM_KEYS:
        return EVERY_BOM, BOM_LOADED, BOM_INPUTS, BOM_SAVINGS
    return EVERY, LOADED, INPUTS, BASE_SAVINGS


def _bounds(info: Any) -> Bounds | None:
    for meta in info.metadata:
        if isinstance(meta, Bounds):
            return meta
    return _bounds_in(info.annotation)


def _model_numeric_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted keys of every numeric field the model declares (lists of models excluded, and
    demand.workloads, which replaces demand.units: tests/test_roadmap.py covers those)."""
    out = set()
    for name, info in model.model_fields.items():
        if prefix == "" and name in ("perspective", "expect"):
            continue
        if prefix == "demand." and name == "workloads":
            continue
        inner = _unwrap_model(info.annotation)
        if _bounds(info) is not None:
            out.add(prefix + name)
        elif inner is not None and "list" not in str(info.annotation):
            out |= _model_numeric_keys(inner, f"{prefix}{name}.")
    return out


def _spread(key: str) -> tuple[float, float]:
    """Two valid values around the field's base that differ (whole numbers when it takes them)."""
    field = _asset(key)[2].fields[key]
    base, b = field.base, field.bounds
    if b.integer:
        lo, hi = max(base - 1, b.lo or 0.0), base + 1
        if key == "build.available_year":
            hi = min(hi, INPUTS.horizon_years)
        return lo, hi
    lo, hi = base * 0.9, base * 1.1
    if b.hi is not None:
        hi = min(hi, b.hi)
    return lo, hi


def test_the_asset_gives_every_numeric_field() -> None:
    assert set(KEYS) == _model_numeric_keys(Scenario)
    assert "build.chip.memory_usd_per_gb" in BOM_KEYS


@pytest.mark.parametrize("key", KEYS)
def test_one_uncertain_field(key: str) -> None:
    lo, hi = _spread(key)
    path = _asset(key)[0]
    loaded = load_file(str(path), [f"{key}={{dist: uniform, low: {lo!r}, high: {hi!r}}}"])
    sim = simulate(loaded, 300, seed=3).to_dict()
    assert sim["uncertain"] == [key]
    assert sum(sim["histogram"]["counts"]) == 300
    stats = sim["comparison"]["savings_npv_usd"]
    assert all(math.isfinite(v) for v in stats.values())
    assert stats["p5"] <= stats["p50"] <= stats["p95"]
    bars = tornado(loaded).to_dict()["bars"]
    assert [bar["param"] for bar in bars] == [key]
    assert bars[0]["low_value"] <= bars[0]["high_value"]


@pytest.mark.parametrize("key", KEYS)
def test_one_swept_field(key: str) -> None:
    _, loaded, inputs, base_savings = _asset(key)
    base = inputs.fields[key].base
    lo, hi = _spread(key)
    out = sweep(loaded, [(key, [lo, base, hi])]).to_dict()
    savings = out["outputs"]["savings_npv_usd"]
    assert len(savings) == 3
    # the middle point is the scenario itself
    assert savings[1] == pytest.approx(base_savings, rel=1e-9)


@pytest.mark.parametrize("key", KEYS)
def test_one_field_broken_even(key: str) -> None:
    _, loaded, inputs, base_savings = _asset(key)
    try:
        found = breakeven(loaded, key)
    except InputError as exc:  # no sign change in the range: said in words
        assert "savings" in exc.message or "break" in exc.message, exc
        return
    assert found.lo <= found.value <= found.hi
    if not inputs.fields[key].bounds.integer:
        at = sweep(loaded, [(key, [found.value])]).to_dict()["outputs"]["savings_npv_usd"][0]
        assert abs(at) <= 1e-6 * abs(base_savings) + 1.0


@pytest.mark.parametrize("base", [0.0, 1.0, 1e10, -3e15, 1e300])
def test_histogram_of_savings_equal_to_the_last_digit(base: float) -> None:
    values = np.full((len(_ROWS), 10), base)
    values[0, ::2] = np.nextafter(base, np.inf)
    edges, counts = Simulation(10, 0, values, {}, []).histogram()
    assert counts.sum() == 10
    assert np.all(np.diff(edges) > 0)
    assert edges[0] <= base <= edges[-1]


ONE_UNCERTAIN = [
    ("site.facility_lifetime_years", "{dist: uniform, low: 10, high: 20}"),
    ("build.chip.wafer_usd", "{dist: normal, mean: 17000, sd: 1000}"),
]


@pytest.mark.parametrize(("key", "dist"), ONE_UNCERTAIN)
@pytest.mark.parametrize("command", ["simulate", "sensitivity"])
def test_one_uncertain_field_through_the_cli(
    key: str, dist: str, command: str, runner: CliRunner
) -> None:
    extra = ["--samples", "500"] if command == "simulate" else []
    args = [command, str(SEED), "--set", f"{key}={dist}", "-f", "json", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("key", "dist"), ONE_UNCERTAIN)
def test_one_uncertain_field_in_a_report_and_a_histogram(
    key: str, dist: str, runner: CliRunner, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    sets = ["--set", f"{key}={dist}"]
    result = runner.invoke(
        app, ["report", str(SEED), *sets, "--samples", "500", "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output
    assert "Histogram of savings" in (tmp_path / "r.html").read_text()
    svg = tmp_path / "h.svg"
    result = runner.invoke(
        app, ["plot", str(SEED), *sets, "--kind", "histogram", "--samples", "500", "-o", str(svg)]
    )
    assert result.exit_code == 0, result.output
    assert svg.read_text().startswith("<?xml")


def test_sweep_of_the_wafer_price_of_the_seed(runner: CliRunner) -> None:
    args = ["sweep", str(SEED), "-p", "build.chip.wafer_usd", "-v", "10000,20000", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    import json

    savings = json.loads(result.stdout)["outputs"]["savings_npv_usd"]
    assert savings[0] > savings[1]  # dearer wafers, smaller savings
