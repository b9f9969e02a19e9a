"""Percentiles of large samples, bit for bit what ``np.percentile(x, q)`` (``linear``) gives.

``np.percentile`` partitions the whole array once at every index it needs (two per point,
plus the ends); with several points NumPy falls back from one quickselect to introselect on
the whole array, about 14 ms a metric at a million samples. Here each needed index is
selected on what is left to the right of the previous one: one partition of the whole
array for the first index, smaller ones after it, and a minimum for a neighbour, about a
tenth of the time. The interpolation between the two neighbours is NumPy's own formula
(``numpy.lib._function_base_impl._lerp``), so the numbers are identical, which
``tests/test_quantiles.py`` checks against ``np.percentile`` on many arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _select(work: Array, wanted: list[int]) -> dict[int, float]:
    """The values at sorted positions ``wanted`` (ascending, distinct) of ``work``, which is
    reordered in place."""
    found: dict[int, float] = {}
    start = 0
    for k in wanted:
        rest = work[start:]
        if k == start:
            # the smallest of what is left: swap it to the front, no partition needed
            i = int(np.argmin(rest))
            rest[0], rest[i] = rest[i], rest[0]
        else:
            rest.partition(k - start)
        found[k] = float(work[k])
        start = k + 1
    return found


def percentiles(x: Array, q: Sequence[float], scratch: Array | None = None) -> list[float]:
    """``np.percentile(x, q)`` for a 1-D array of finite floats, as a list.

    ``x`` is left as it is: the selection reorders a copy, made in ``scratch`` when it is
    given (a float array of ``x``'s size, reused across calls so that its memory is not
    faulted in again for every metric).

    >>> percentiles(np.array([4.0, 1.0, 3.0, 2.0]), [0, 50, 90])
    [1.0, 2.5, 3.7]
    """
    n = int(x.size)
    if n == 0:
        raise ValueError("percentiles of an empty sample")
    # NumPy's virtual index for 'linear': (n - 1) * q / 100, its floor and next neighbour
    virtual = (n - 1) * np.true_divide(np.asarray(q, dtype=float), 100)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = n - 1
    following[above] = n - 1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    gamma = virtual - previous
    wanted = sorted({int(i) for i in previous} | {int(i) for i in following})
    if scratch is None:
        work = np.array(x, dtype=float, copy=True).ravel()
    else:
        work = scratch.reshape(-1)[:n]
        np.copyto(work, x.reshape(-1))
    found = _select(work, wanted)
    a = np.array([found[int(i)] for i in previous])
    b = np.array([found[int(i)] for i in following])
    # numpy's _lerp: a + (b - a) * t, or b - (b - a) * (1 - t) where t >= 0.5
    diff = b - a
    out = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return [float(v) for v in out]
