"""Fleets over the years: units in service, units bought, facility capacity.

MODEL.md section 5. Per-year arrays have the years on the last axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine.years import running_max_years, sum_years

Array = NDArray[np.float64]


def units_bought(active_units: ArrayLike, lifetime_years: ArrayLike) -> Array:
    """Units bought at the start of each year so that ``active_units`` are in service.

    ``p[t] = max(0, active[t] - sum p[tau] for max(0, t-L+1) <= tau <= t-1)``: units bought
    earlier and still in life count; units no longer needed stay owned.

    Parameters
    ----------
    active_units : array_like, shape (..., H)
        Units needed in service each year.
    lifetime_years : array_like
        Service life ``L`` of a unit (whole years, >= 1); a unit bought in year tau serves
        tau ... tau+L-1.

    Examples
    --------
    100 units a year, a 2-year life: bought in years 0, 2 and 4.

    >>> units_bought([100.0] * 5, 2).tolist()
    [100.0, 0.0, 100.0, 0.0, 100.0]

    Growth is bought as it comes; a dip leaves units idle, not sold:

    >>> units_bought([100.0, 150.0, 120.0, 150.0], 4).tolist()
    [100.0, 50.0, 0.0, 0.0]
    """
    active = np.asarray(active_units, dtype=float)
    life = np.asarray(lifetime_years, dtype=float)
    horizon = active.shape[-1]
    shape = np.broadcast_shapes(active.shape, life.shape + (1,))
    active = np.broadcast_to(active, shape)
    bought = np.zeros(shape)
    if life.ndim == 0:
        span = int(life)
        for t in range(horizon):
            start = max(0, t - span + 1)
            surviving = sum_years(bought[..., start:t]) if t > start else 0.0
            bought[..., t] = np.maximum(0.0, active[..., t] - surviving)
        return bought
    first_in_life = life[..., None]  # a unit bought at tau is in life at t if tau >= t-L+1
    for t in range(horizon):
        if t == 0:
            surviving = 0.0
        else:
            in_life = np.arange(t) >= (t - first_in_life + 1)
            surviving = sum_years(bought[..., :t] * in_life)
        bought[..., t] = np.maximum(0.0, active[..., t] - surviving)
    return bought


def facility_built_mw(need_mw: ArrayLike) -> Array:
    """IT capacity built by each year: it only grows. ``built[t] = max(built[t-1], need[t])``.

    >>> facility_built_mw([2.0, 1.0, 3.0]).tolist()
    [2.0, 2.0, 3.0]
    """
    need = np.maximum(np.asarray(need_mw, dtype=float), 0.0)
    return running_max_years(need)


def facility_capex_usd(built_mw: ArrayLike, usd_per_mw: ArrayLike) -> Array:
    """Facility spend each year: new capacity times its cost. [USD]

    >>> facility_capex_usd([2.0, 2.0, 3.0], 10.0).tolist()
    [20.0, 0.0, 10.0]
    """
    built = np.asarray(built_mw, dtype=float)
    added = built - 0.0  # year 0 adds all it built (as np.diff with prepend=0.0)
    added[..., 1:] -= built[..., :-1]
    return added * np.asarray(usd_per_mw, dtype=float)[..., None]
