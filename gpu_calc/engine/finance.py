"""Money over time: discount factors, residual value, NPV and payback. MODEL.md section 6.

Capex and NRE are paid at the start of a year, opex at its end, residual value is recovered
at the end of the horizon.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine.years import sum_years

Array = NDArray[np.float64]


def discount_factors(rate: ArrayLike, horizon_years: int) -> tuple[Array, Array, Array]:
    """Factors at the start of each year, at its end, and at the end of the horizon.

    >>> start, end, last = discount_factors(0.1, 2)
    >>> start.round(4).tolist(), end.round(4).tolist(), round(float(last), 4)
    ([1.0, 0.9091], [0.9091, 0.8264], 0.8264)
    """
    r = np.asarray(rate, dtype=float)[..., None]
    t = np.arange(horizon_years, dtype=float)
    start = (1.0 + r) ** -t
    end = start / (1.0 + r)
    return start, end, end[..., -1]


def residual_usd(cost_per_year: ArrayLike, lifetime_years: ArrayLike) -> Array:
    """Straight-line value left at the end of the horizon of purchases made each year.

    A purchase of cost ``c`` in year tau with life ``L`` keeps ``c * max(0, tau+L-H) / L``.

    >>> float(residual_usd([100.0, 0.0, 60.0], 4))   # 100*1/4 + 60*3/4
    70.0
    """
    cost = np.asarray(cost_per_year, dtype=float)
    horizon = cost.shape[-1]
    life = np.asarray(lifetime_years, dtype=float)[..., None]
    tau = np.arange(horizon, dtype=float)
    kept = np.maximum(0.0, tau + life - horizon) / life
    return sum_years(cost * kept)


def payback_year(yearly_savings: ArrayLike) -> Array:
    """First year whose cumulative discounted savings are >= 0; NaN when none.

    >>> float(payback_year([-5.0, 2.0, 4.0]))
    2.0
    >>> bool(np.isnan(payback_year([-5.0, 2.0, 1.0])))
    True
    """
    cumulative = np.cumsum(np.asarray(yearly_savings, dtype=float), axis=-1)
    reached = cumulative >= 0.0
    first = np.argmax(reached, axis=-1).astype(float)
    return np.where(reached.any(axis=-1), first, np.nan)
