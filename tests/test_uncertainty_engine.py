"""The engine's reductions over the years (its first axis) are NumPy's sums of the same
values laid out years last, bit for bit; dies that fit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gpu_calc.engine.silicon import dies_per_wafer
from gpu_calc.engine.years import max_years, running_max_years, sum_years
from gpu_calc.uncertainty.params import max_die_area_mm2

finite = st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12).flatmap(lambda h: arrays(np.float64, (5, h), elements=finite)))
def test_sum_years_is_numpy_sum_bit_for_bit(x):
    # x is laid out years last (samples, years); the engine's arrays are its transpose
    assert np.array_equal(sum_years(x.T), x.sum(axis=-1))
    assert np.array_equal(sum_years(x[0]), x[0].sum())
    assert np.array_equal(max_years(x.T), x.max(axis=-1))
    assert np.array_equal(running_max_years(x.T), np.maximum.accumulate(x, axis=-1).T)


@pytest.mark.parametrize("horizon", [*range(1, 40), 50, 127, 128, 129, 200, 300])
def test_sum_years_rounding_order_matches_numpy(horizon):
    # values whose sum depends on the order of addition (magnitudes 1e-8 to 1e16): the
    # left-to-right sum below 8 years, NumPy's pairwise sum from 8 years (and its split
    # of blocks longer than 128), on 2-D and on 1-D arrays
    rng = np.random.default_rng(horizon)
    x = rng.standard_normal((2_000, horizon)) * 10.0 ** rng.integers(-8, 16, (2_000, horizon))
    assert np.array_equal(sum_years(np.ascontiguousarray(x.T)), x.sum(axis=-1))
    assert np.array_equal(sum_years(x[7]), x[7].sum())


@settings(max_examples=60, deadline=None)
@given(st.floats(50, 450))
def test_max_die_area_is_the_largest_that_fits(diameter_mm):
    area = max_die_area_mm2(diameter_mm)
    assert dies_per_wafer(area, diameter_mm) == 1
    assert dies_per_wafer(area * 1.0001, diameter_mm) == 0
