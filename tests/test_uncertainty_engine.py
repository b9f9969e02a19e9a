"""The engine's fast reductions over years are NumPy's own, bit for bit; dies that fit."""

from __future__ import annotations

import numpy as np
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
    assert np.array_equal(sum_years(x), x.sum(axis=-1))
    assert np.array_equal(sum_years(x[0]), x[0].sum())
    assert np.array_equal(max_years(x), x.max(axis=-1))
    assert np.array_equal(running_max_years(x), np.maximum.accumulate(x, axis=-1))


def test_sum_years_rounding_order_matches_numpy():
    # values whose sum depends on the order of addition: 1e16 + 1 + 1 + ... (7 years)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10_000, 7)) * 10.0 ** rng.integers(-8, 16, (10_000, 7))
    assert np.array_equal(sum_years(x), x.sum(axis=-1))


@settings(max_examples=60, deadline=None)
@given(st.floats(50, 450))
def test_max_die_area_is_the_largest_that_fits(diameter_mm):
    area = max_die_area_mm2(diameter_mm)
    assert dies_per_wafer(area, diameter_mm) == 1
    assert dies_per_wafer(area * 1.0001, diameter_mm) == 0
