"""gpu_calc.uncertainty.quantiles gives np.percentile's numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpu_calc.uncertainty.quantiles import percentiles

POINTS = [(5.0, 50.0, 95.0), (0.0, 100.0), (10.0, 90.0), (1.0, 2.5, 97.5, 99.0), (50.0,), (33.3,)]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20, 101, 1000, 65537, 200_003])
@pytest.mark.parametrize("q", POINTS)
def test_equals_numpy_percentile(n, q):
    rng = np.random.default_rng(n)
    for x in (rng.normal(1e9, 3e8, n), rng.integers(0, 5, n).astype(float), np.full(n, 2.5)):
        before = x.copy()
        assert percentiles(x, q) == [float(v) for v in np.percentile(x, q)]
        assert np.array_equal(x, before), "the sample is not reordered"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=60),
    st.lists(st.floats(0, 100), min_size=1, max_size=5),
)
def test_equals_numpy_percentile_on_any_sample(values, q):
    x = np.array(values)
    assert percentiles(x, q) == [float(v) for v in np.percentile(x, q)]


def test_empty_sample_is_refused():
    with pytest.raises(ValueError, match="empty"):
        percentiles(np.array([]), [50.0])


def test_a_reused_scratch_buffer_gives_the_same_numbers():
    rng = np.random.default_rng(3)
    xs = [rng.lognormal(20, 1, 50_001) for _ in range(3)]
    scratch = np.empty(50_001)
    for x in xs:
        before = x.copy()
        assert percentiles(x, (5, 50, 95), scratch) == [
            float(v) for v in np.percentile(x, (5, 50, 95))
        ]
        assert np.array_equal(x, before)
