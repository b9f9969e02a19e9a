"""One engine: the totals Monte Carlo computes are the full engine's, bit for bit.

``evaluate_totals`` (what ``simulate`` runs) and ``evaluate`` (what ``compare``, ``sweep``
and the rest run) share every line of the model; these tests hold them to the same numbers,
and ``simulate`` with no uncertain field to ``compare``'s.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpu_calc.engine import evaluate, evaluate_totals
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import compare
from gpu_calc.scenario import load_file
from gpu_calc.uncertainty.montecarlo import PLAN_METRICS, _Streams, simulate
from gpu_calc.uncertainty.params import clip_values, fit_dependent
from tests.conftest import ROOT, SCENARIOS

VALID = sorted((ROOT / "tests" / "assets" / "valid").glob("*.yaml"))
ALL = sorted(SCENARIOS.glob("*.yaml")) + VALID
CERTAIN = [p for p in ALL if not ModelInputs.from_scenario(load_file(str(p))).uncertain()]
UNCERTAIN = [p for p in ALL if p not in CERTAIN]


def test_the_corpus_has_both_kinds():
    assert len(CERTAIN) >= 4 and len(UNCERTAIN) >= 2


@pytest.mark.parametrize("path", CERTAIN, ids=lambda p: p.name)
def test_simulate_without_uncertain_fields_equals_compare(path):
    """Every sample of a scenario with nothing uncertain is compare's figure, exactly."""
    loaded = load_file(str(path))
    plans = compare(loaded).to_dict()["plans"]
    want = compare(loaded).to_dict()["comparison"]["savings_npv_usd"]
    sim = simulate(loaded, 1_000, seed=5)
    assert np.all(sim.metric("savings_npv_usd") == want)
    for plan in ("buy", "build"):
        for metric in PLAN_METRICS:
            assert np.all(sim.metric(f"{plan}.{metric}") == plans[plan][metric]), (plan, metric)
    summary = sim.to_dict()["comparison"]["savings_npv_usd"]
    assert summary["p5"] == summary["p50"] == summary["p95"] == want


def _draws(path, n: int) -> tuple[ModelInputs, dict[str, np.ndarray]]:
    """``n`` draws of every uncertain field, made valid as ``simulate`` makes them."""
    inputs = ModelInputs.from_scenario(load_file(str(path)))
    streams = _Streams(3)
    params: dict[str, np.ndarray] = dict(inputs.base())
    drawn = set()
    for key in inputs.uncertain():
        field = inputs.fields[key]
        params[key] = clip_values(inputs, field, streams.draw(key, field.value, 0, n))[0]
        drawn.add(key)
    fit_dependent(inputs, params, drawn)
    return inputs, params


@pytest.mark.parametrize("path", UNCERTAIN, ids=lambda p: p.name)
def test_totals_are_the_full_engines_bit_for_bit(path):
    inputs, params = _draws(path, 2_000)
    full = evaluate(params, inputs.structure)
    totals = evaluate_totals(params, inputs.structure)
    assert np.array_equal(totals.savings_npv_usd, full.savings_npv_usd)
    for plan in ("buy", "build"):
        for metric in PLAN_METRICS:
            got = getattr(totals.plans[plan], metric)
            assert np.array_equal(got, getattr(full.plans[plan], metric)), (plan, metric)


@pytest.mark.parametrize("path", UNCERTAIN[:1], ids=lambda p: p.name)
def test_a_sample_alone_is_the_same_as_in_a_block(path):
    """Each sample is computed on its own: block boundaries and neighbours change nothing."""
    inputs, params = _draws(path, 64)
    block = evaluate_totals(params, inputs.structure).savings_npv_usd
    for i in (0, 17, 63):
        alone = {k: v[i] if np.ndim(v) == 1 else v for k, v in params.items()}
        assert evaluate(alone, inputs.structure).savings_npv_usd == block[i]
