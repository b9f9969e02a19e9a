"""Reductions over the years axis, the first one: arrays are shaped ``(H,) + S``.

The engine keeps the years first so that each year is one contiguous row of samples: a
per-year operation on a Monte Carlo block then costs a third of a strided column's. The
sums here reproduce, bit for bit, what ``x.sum(axis=-1)`` gives on the same values laid out
years last (the order the engine used before, and still the order of a single run): for
fewer than :data:`SEQUENTIAL_BELOW` years a left-to-right sum, from there on NumPy's own
pairwise summation (eight running partial sums, blocks of 128 split in halves).
``tests/test_uncertainty_engine.py`` checks the identity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Below this many years the rows are added one by one (NumPy's pairwise unroll).
SEQUENTIAL_BELOW = 8
#: NumPy's pairwise block: longer runs are split in two halves (a multiple of 8).
_PAIRWISE_BLOCK = 128


def _pairwise(a: Array) -> Array:
    """NumPy's ``pairwise_sum`` over the first axis, row by row (``a`` has >= 1 row)."""
    n = a.shape[0]
    if n < SEQUENTIAL_BELOW:
        total = a[0] + 0.0  # NumPy starts from 0.0: -0.0 sums to 0.0
        for t in range(1, n):
            total += a[t]
        return total
    if n <= _PAIRWISE_BLOCK:
        r = [a[j].copy() for j in range(8)]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(i, n):
            total += a[k]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(a[:half]) + _pairwise(a[half:])


def sum_years(x: ArrayLike) -> Array:
    """The sum over the years (axis 0), bit for bit ``x.T.sum(axis=-1)`` for 2-D ``x``.

    >>> sum_years([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]).tolist()
    [6.0, 15.0]
    """
    a = np.asarray(x, dtype=float)
    h = a.shape[0]
    if h == 0:
        return np.zeros(a.shape[1:])
    if h >= SEQUENTIAL_BELOW:
        return _pairwise(a)
    if h == 1:
        return a[0].copy()
    total = a[0] + a[1]
    for t in range(2, h):
        total += a[t]
    return total


def max_years(x: ArrayLike) -> Array:
    """The largest value over the years (axis 0); NaN propagates.

    >>> max_years([[1.0], [5.0], [3.0]]).tolist()
    [5.0]
    """
    a = np.asarray(x, dtype=float)
    top = a[0, ...].copy()
    for t in range(1, a.shape[0]):
        np.maximum(top, a[t], out=top)
    return top


def running_max_years(x: ArrayLike, out: Array | None = None) -> Array:
    """``np.maximum.accumulate(x, axis=0)``, row by row; into ``out`` when given (an array
    of ``x``'s shape, ``x`` itself allowed).

    >>> running_max_years([2.0, 1.0, 3.0]).tolist()
    [2.0, 2.0, 3.0]
    """
    a = np.asarray(x, dtype=float)
    if out is None:
        out = a.copy()
    elif out is not a:
        np.copyto(out, a)
    for t in range(1, a.shape[0]):
        np.maximum(out[t - 1], a[t], out=out[t, ...])
    return out


def years_column(values: ArrayLike, ndim: int) -> Array:
    """A per-year vector ``(H,)`` shaped ``(H, 1, ..., 1)`` to broadcast against ``(H,) + S``
    with ``len(S) == ndim``.

    >>> years_column([0.0, 1.0], 2).shape
    (2, 1, 1)
    """
    a = np.asarray(values, dtype=float)
    return a.reshape(a.shape + (1,) * ndim)
