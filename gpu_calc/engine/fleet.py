"""Fleets over the years: units in service, units bought, facility capacity.

MODEL.md section 5. Per-year arrays have the years first, ``(H,) + S``
(:mod:`gpu_calc.engine.years`): each year is one contiguous row of samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.engine.years import running_max_years, sum_years, years_column

Array = NDArray[np.float64]


def units_bought(active_units: ArrayLike, lifetime_years: ArrayLike) -> Array:
    """Units bought at the start of each year so that ``active_units`` are in service.

    ``p[t] = max(0, active[t] - sum p[tau] for max(0, t-L+1) <= tau <= t-1)``: units bought
    earlier and still in life count; units no longer needed stay owned.

    Parameters
    ----------
    active_units : array_like, shape (H, ...)
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
    shape = np.broadcast_shapes(active.shape, (1,) + life.shape)
    active = np.broadcast_to(active, shape)
    bought = np.zeros(shape)
    for t in range(shape[0]):
        bought[t] = np.maximum(0.0, active[t] - in_life(bought, life, t))
    return bought


def in_life(bought: Array, lifetime_years: Array, t: int) -> Array | float:
    """Units bought before year ``t`` and still in life in it: ``sum of bought[tau]`` for
    ``max(0, t-L+1) <= tau <= t-1``, summed left to right.

    >>> float(in_life(np.array([5.0, 7.0, 0.0]), np.asarray(2.0), 2))
    7.0
    """
    if t == 0:
        return 0.0
    if lifetime_years.ndim == 0:
        start = max(0, t - int(lifetime_years) + 1)
        if t - start == 1:
            return bought[start]  # read only: no copy
        return sum_years(bought[start:t]) if t > start else 0.0
    # a unit bought at tau is in life at t if tau >= t-L+1
    alive = years_column(np.arange(t, dtype=float), bought.ndim - 1) >= (t - lifetime_years + 1)
    return sum_years(bought[:t] * alive)


@dataclass
class Generation:
    """One generation of a side, as the capacity recurrence needs it."""

    perf: Array  # throughput of one unit, in reference-equivalents
    lifetime_years: Array
    start_year: Array  # effective first year on sale (0-based; >= H: never)


@dataclass
class Installed:
    """An entry of the installed base: units owned at year 0 until they retire."""

    units: Array
    perf: Array
    retire_year: Array  # first year it no longer serves: L - age


@dataclass
class Served:
    """What a side bought and ran: per generation and per installed entry, ``(H,) + S``."""

    bought: list[Array]
    active: list[Array]
    installed_active: list[Array]


def serve(
    need: Array, generations: list[Generation], installed: list[Installed], reuse: bool = False
) -> Served:
    """Units bought and in service on one side of a plan (MODEL.md 11.2 and 11.4).

    Each year the generation on sale, ``c(t) = max{g : y_g <= t}``, buys what the side's
    capacity (units still in life times their perf, plus the installed base) lacks; then
    units serve newest first (generations from the last, then the installed entries in
    order), and what is left over stays idle. With one generation and no installed base this
    is :func:`units_bought` with every needed unit active.

    Parameters
    ----------
    need : ndarray, shape (H,) + S
        Reference-equivalents the side serves each year.
    generations : list of Generation
        In order; generation 0 first.
    installed : list of Installed
        The installed base (bought side only).
    reuse : bool
        The caller no longer needs ``need``'s array: its units in service may go there.

    Examples
    --------
    One generation of perf 2, life 2, from year 0; then a newer one of perf 4 from year 1:
    year 0 buys 100/2 = 50; year 1 has 50 x 2 = 100 and needs 200, so it buys 100/4 = 25 of
    the new one; in year 2 the first 50 retire and 25 x 4 = 100 of 300 is there: 50 more.

    >>> g0 = Generation(np.asarray(2.0), np.asarray(2.0), np.asarray(0.0))
    >>> g1 = Generation(np.asarray(4.0), np.asarray(4.0), np.asarray(1.0))
    >>> out = serve(np.array([100.0, 200.0, 300.0]), [g0, g1], [])
    >>> [b.tolist() for b in out.bought], [a.tolist() for a in out.active]
    ([[50.0, 0.0, 0.0], [0.0, 25.0, 50.0]], [[50.0, 50.0, 0.0], [0.0, 25.0, 75.0]])
    """
    horizon = need.shape[0]
    shapes = [need.shape]
    for g in generations:
        shapes += [(1,) + g.perf.shape, (1,) + g.lifetime_years.shape, (1,) + g.start_year.shape]
    for e in installed:
        shapes += [(1,) + e.units.shape, (1,) + e.perf.shape, (1,) + e.retire_year.shape]
    shape = np.broadcast_shapes(*shapes)
    free = need if reuse and need.flags.writeable and need.shape == shape else None
    need = np.broadcast_to(need, shape)
    if len(generations) == 1 and not installed:
        # section 5: every unit needed serves (owned units cover it)
        g = generations[0]
        serving = np.divide(need, g.perf, out=free)  # of the full shape, as need is
        units = np.empty(shape)  # every year is written below, from the earlier ones
        for t in range(horizon):
            owned = in_life(units, g.lifetime_years, t)
            lacking = np.subtract(serving[t], owned, out=units[t, ...])
            np.maximum(0.0, lacking, out=lacking)
        return Served([units], [serving], [])
    bought = [np.zeros(shape) for _ in generations]
    active = [np.zeros(shape) for _ in generations]
    installed_active = [np.zeros(shape) for _ in installed]
    for t in range(horizon):
        own = [in_life(b, g.lifetime_years, t) for b, g in zip(bought, generations, strict=True)]
        base = [np.where(t < e.retire_year, e.units, 0.0) for e in installed]
        on_sale: Array | float = -1.0  # c(t): the highest-numbered generation started
        for i, g in enumerate(generations):
            on_sale = np.where(g.start_year <= t, float(i), on_sale)
        need_t = need[t]
        for i, g in enumerate(generations):
            buying = on_sale == i
            if not np.any(buying):
                continue  # not on sale in any sample: it buys nothing (bought[i] is zeros)
            # capacity of everything but generation i, then what i must add to it
            others: Array | float = 0.0
            for k, h in enumerate(generations):
                if k != i:
                    others = others + own[k] * h.perf
            for units, e in zip(base, installed, strict=True):
                others = others + units * e.perf
            lacking = np.maximum(0.0, (need_t - others) / g.perf - own[i])
            bought[i][t] = np.where(buying, lacking, 0.0)
        rest = need_t
        for i in reversed(range(len(generations))):
            g = generations[i]
            units = own[i] + bought[i][t]
            active[i][t] = np.maximum(0.0, np.minimum(units, rest / g.perf))
            rest = rest - active[i][t] * g.perf
        for j, e in enumerate(installed):
            installed_active[j][t] = np.maximum(0.0, np.minimum(base[j], rest / e.perf))
            rest = rest - installed_active[j][t] * e.perf
    return Served(bought, active, installed_active)


def facility_built_mw(
    need_mw: ArrayLike, initial_mw: ArrayLike = 0.0, out: Array | None = None
) -> Array:
    """IT capacity built by each year: it only grows from what stands at the start
    (``built[-1]``, the installed base's building, MODEL.md 11.4):
    ``built[t] = max(built[t-1], need[t])``. Written into ``out`` when given (the
    caller's own array of ``need_mw``'s shape, ``need_mw`` itself allowed).

    >>> facility_built_mw([2.0, 1.0, 3.0]).tolist()
    [2.0, 2.0, 3.0]
    >>> facility_built_mw([2.0, 1.0, 3.0], 2.5).tolist()
    [2.5, 2.5, 3.0]
    """
    need = np.asarray(need_mw, dtype=float)
    initial = np.asarray(initial_mw, dtype=float)
    if out is not None and (out.shape != need.shape or not out.flags.writeable):
        out = None  # it cannot hold the result
    if initial.ndim > 0 or initial != 0.0:  # needs are >= 0: a starting 0 MW changes nothing
        if out is not None and np.broadcast_shapes(need.shape, initial.shape) != out.shape:
            out = None
        need = np.maximum(need, initial, out=out)
    return running_max_years(need, out)


def facility_capex_usd(
    built_mw: ArrayLike,
    usd_per_mw: ArrayLike,
    initial_mw: ArrayLike = 0.0,
    reuse: bool = False,
) -> Array:
    """Facility spend each year: new capacity times its cost. [USD] With ``reuse``, the
    caller's ``built_mw`` array, which it no longer needs, holds the result when it can.

    >>> facility_capex_usd([2.0, 2.0, 3.0], 10.0).tolist()
    [20.0, 0.0, 10.0]
    >>> facility_capex_usd([2.5, 2.5, 3.0], 10.0, 2.5).tolist()
    [0.0, 0.0, 5.0]
    """
    built = np.asarray(built_mw, dtype=float)
    usd = np.asarray(usd_per_mw, dtype=float)
    initial = np.asarray(initial_mw, dtype=float)
    if reuse and built is built_mw and built.flags.writeable:
        added = built
        # the years from the last, each before the year it follows is overwritten
        for t in range(built.shape[0] - 1, 0, -1):
            np.subtract(built[t], built[t - 1], out=added[t, ...])
    else:
        added = np.empty(built.shape)
        np.subtract(built[1:], built[:-1], out=added[1:])
    # year 0 adds what it built beyond the starting capacity
    np.subtract(built[0], initial, out=added[0, ...])
    if np.broadcast_shapes(added.shape, usd.shape) == added.shape:
        return np.multiply(added, usd, out=added)
    return added * usd
