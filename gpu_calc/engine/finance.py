"""Money over time: discount factors, residual value, NPV and payback. MODEL.md section 6.

Capex and NRE are paid at the start of a year, opex at its end, residual value is recovered
at the end of the horizon. Per-year arrays have the years first, ``(H,) + S``
(:mod:`gpu_calc.engine.years`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine.years import sum_years, years_column

Array = NDArray[np.float64]


def discount_factors(
    rate: ArrayLike, horizon_years: int, ndim: int | None = None
) -> tuple[Array, Array, Array]:
    """Factors at the start of each year, at its end (``(H,) + S``), and at the end of the
    horizon (``S``), for a discount rate that broadcasts to ``S`` (``ndim`` axes, default
    the rate's own).

    >>> start, end, last = discount_factors(0.1, 2)
    >>> start.round(4).tolist(), end.round(4).tolist(), round(float(last), 4)
    ([1.0, 0.9091], [0.9091, 0.8264], 0.8264)
    """
    r = np.asarray(rate, dtype=float)
    t = years_column(np.arange(horizon_years, dtype=float), r.ndim if ndim is None else ndim)
    start = (1.0 + r) ** -t
    end = start / (1.0 + r)
    return start, end, end[-1]


def residual_usd(
    cost_per_year: ArrayLike, lifetime_years: ArrayLike, scratch: Array | None = None
) -> Array:
    """Straight-line value left at the end of the horizon of purchases made each year.

    A purchase of cost ``c`` in year tau with life ``L`` keeps ``c * max(0, tau+L-H) / L``.
    ``cost_per_year`` is ``(H,) + S``, ``lifetime_years`` broadcasts to ``S``. ``scratch``,
    when given, is working memory the caller no longer needs (``cost_per_year`` itself
    allowed): the values kept each year go there when it can hold them.

    >>> float(residual_usd([100.0, 0.0, 60.0], 4))   # 100*1/4 + 60*3/4
    70.0
    """
    cost = np.asarray(cost_per_year, dtype=float)
    horizon = cost.shape[0]
    life = np.asarray(lifetime_years, dtype=float)
    tau = years_column(np.arange(horizon, dtype=float), max(cost.ndim - 1, life.ndim))
    kept = np.maximum(0.0, tau + life - horizon) / life
    if (
        scratch is not None
        and scratch.flags.writeable
        and scratch.shape == np.broadcast_shapes(cost.shape, kept.shape)
    ):
        return sum_years(np.multiply(cost, kept, out=scratch))
    return sum_years(cost * kept)


def payback_year(yearly_savings: ArrayLike) -> Array:
    """First year whose cumulative discounted savings are >= 0; NaN when none. The years
    are the first axis.

    >>> float(payback_year([-5.0, 2.0, 4.0]))
    2.0
    >>> bool(np.isnan(payback_year([-5.0, 2.0, 1.0])))
    True
    """
    cumulative = np.cumsum(np.asarray(yearly_savings, dtype=float), axis=0)
    reached = cumulative >= 0.0
    first = np.argmax(reached, axis=0).astype(float)
    return np.where(reached.any(axis=0), first, np.nan)


def lasting_payback_year(yearly_savings: ArrayLike) -> Array:
    """First year from which the cumulative discounted savings stay >= 0 to the end of the
    horizon; NaN when they end below 0. The years are the first axis.

    MODEL.md's :func:`payback_year` is the first year they reach 0, even when they fall
    behind again later; this is the year the words "pays back for good" name.

    >>> float(lasting_payback_year([5.0, -10.0, 20.0])), float(payback_year([5.0, -10.0, 20.0]))
    (2.0, 0.0)
    >>> bool(np.isnan(lasting_payback_year([5.0, -10.0]))), float(lasting_payback_year([-1.0, 3.0]))
    (True, 1.0)
    """
    cumulative = np.cumsum(np.asarray(yearly_savings, dtype=float), axis=0)
    years = cumulative.shape[0]
    behind = cumulative < 0.0
    # the last year behind, counted from the end (argmax of the reversed years); -1 when none
    last_behind = np.where(
        behind.any(axis=0), years - 1 - np.argmax(behind[::-1], axis=0), -1
    ).astype(float)
    return np.where(cumulative[-1] < 0.0, np.nan, last_behind + 1.0)


def nre_shares(
    design_start: ArrayLike,
    first_silicon: ArrayLike,
    horizon_years: int,
    timing: str,
    ndim: int | None = None,
) -> Array:
    """Share of a chip generation's NRE paid at the start of each year, ``(H,) + S``.
    MODEL.md 11.3.

    ``upfront`` pays it all in the design's start year ``s``; ``spread`` pays equal parts in
    the years ``s ... y-1`` before first silicon ``y`` (year ``s`` alone when ``y <= s``).
    A payment falling in a year ``>= H`` is paid at the start of year ``H - 1``. The years
    come first, then ``ndim`` sample axes (default: those of the inputs).

    >>> nre_shares(0, 2, 4, "spread").tolist(), nre_shares(0, 0, 3, "spread").tolist()
    ([0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0])
    >>> nre_shares(1, 5, 3, "spread").tolist()   # years 1..4 -> 1/4 in year 1, 3/4 folded
    [0.0, 0.25, 0.75]
    >>> nre_shares(4, 6, 3, "upfront").tolist()
    [0.0, 0.0, 1.0]
    >>> nre_shares(3, 3, 3, "spread").tolist()   # design and silicon in year H: folded too
    [0.0, 0.0, 1.0]
    >>> never = nre_shares(0, float("inf"), 3, "spread")   # all paid, in the last year
    >>> [round(x, 9) for x in never.tolist()], float(never.sum())
    ([0.0, 0.0, 1.0], 1.0)
    """
    first = np.asarray(design_start, dtype=float)
    # a first silicon past any number (respins x a delay that overflows) pays as the largest
    # finite one does, all in the last year: the limit, not inf / inf, which would lose it
    silicon = np.minimum(np.asarray(first_silicon, dtype=float), np.finfo(float).max)
    t = years_column(
        np.arange(horizon_years, dtype=float),
        max(first.ndim, silicon.ndim) if ndim is None else ndim,
    )
    if timing == "upfront":
        return np.where(t == np.minimum(first, horizon_years - 1), 1.0, 0.0)
    last = np.maximum(first, silicon - 1.0)
    years = last - first + 1.0
    paid = (t >= first) & (t <= last)
    shares = np.where(paid, 1.0 / years, 0.0)
    # the payments of years >= H, all at the start of the last year
    late = np.maximum(0.0, last - np.maximum(first, horizon_years - 1.0) + 1.0)
    shares[-1] = np.where(late > 0.0, late / years, shares[-1])
    return shares
