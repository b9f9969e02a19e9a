"""Reductions over the years axis (the last one), fast for short horizons.

NumPy reduces a short last axis slowly (a loop per row); adding the years' columns one
after another is several times faster for a Monte Carlo chunk. For fewer than 8 years NumPy's
own sum is that same left-to-right sum (its pairwise summation only splits blocks of 8 or
more), so the results are bit-for-bit those of ``x.sum(axis=-1)``; from 8 years on, NumPy's
sum is used. ``tests/test_uncertainty_engine.py`` checks the identity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Below this many years the columns are added one by one (NumPy's pairwise block size).
SEQUENTIAL_BELOW = 8


def sum_years(x: ArrayLike) -> Array:
    """``x.sum(axis=-1)``, bit for bit, faster on short last axes.

    >>> sum_years([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).tolist()
    [6.0, 15.0]
    """
    a = np.asarray(x, dtype=float)
    h = a.shape[-1]
    if h == 0 or h >= SEQUENTIAL_BELOW:
        return np.asarray(a.sum(axis=-1))
    if h == 1:
        return a[..., 0].copy()
    total = a[..., 0] + a[..., 1]
    for t in range(2, h):
        total += a[..., t]
    return total


def max_years(x: ArrayLike) -> Array:
    """``x.max(axis=-1)`` (NaN propagates), faster on short last axes.

    >>> max_years([[1.0, 5.0, 3.0]]).tolist()
    [5.0]
    """
    a = np.asarray(x, dtype=float)
    h = a.shape[-1]
    if h == 0 or h >= SEQUENTIAL_BELOW:
        return np.asarray(a.max(axis=-1))
    top = a[..., 0].copy()
    for t in range(1, h):
        np.maximum(top, a[..., t], out=top)
    return top


def running_max_years(x: ArrayLike) -> Array:
    """``np.maximum.accumulate(x, axis=-1)``, column by column.

    >>> running_max_years([2.0, 1.0, 3.0]).tolist()
    [2.0, 2.0, 3.0]
    """
    a = np.asarray(x, dtype=float)
    out = a.copy()
    for t in range(1, a.shape[-1]):
        np.maximum(out[..., t - 1], a[..., t], out=out[..., t])
    return out
