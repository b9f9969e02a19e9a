"""Break-even: the value of one parameter at which savings_npv_usd is zero.

A vectorised scan of :data:`SCAN_POINTS` values over the range (one engine call), then
bisection between the first two neighbours whose savings change sign, until the bracket is
within ``1e-12`` of the range's width. When several values give zero savings, the lowest is
reported. Integer fields (lifetimes, ``available_year``, ``respins``) scan whole numbers
and report the first whole value at which the sign has changed; unless that value gives
exactly zero, ``before`` holds the whole value just below it and its savings, since no
whole value is then a break-even (the sign changes between the two).

Default range: the field's valid range intersected with ``[0, 10 x base]`` (``[0, 1]`` for
shares; ``[lo, hi]`` of the field when its base is 0 and it is bounded above, else
``[0, 1]``); an open lower end (``> 0``) starts just above it (:data:`OPEN_FLOOR_SHARE` of
the way to the base), an open upper end (``< 1``) stops at the largest float below it. A
die area stops at the largest die that fits on the wafer, a wafer diameter starts at the
smallest wafer the die fits on.

>>> from gpu_calc.scenario import load_text
>>> text = '''
... horizon_years: 1
... demand: {units: 100, load_factor: 1}
... site: {electricity_usd_per_kwh: 0.1}
... buy: {unit_price_usd: 1000, power_w: 1000, lifetime_years: 1}
... build:
...   share: 1
...   chip: {die_area_mm2: 100, node: n5, power_w: 0, wafer_usd: 0, mask_set_usd: 0,
...          memory_usd: 1000, lifetime_years: 1}
...   nre: {design_usd: 1000000}
... '''
>>> round(breakeven(load_text(text), "site.electricity_usd_per_kwh", 0, 2).value, 9)
1.141552511
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_calc.errors import InputError
from gpu_calc.inputs import InputField, ModelInputs
from gpu_calc.render.human import quantity, usd
from gpu_calc.scenario import LoadedScenario, parse_key_path
from gpu_calc.uncertainty.params import (
    AREA_KEY,
    CLI,
    DIAMETER_KEY,
    OPEN_FLOOR_SHARE,
    Wording,
    bound_reason,
    bounds_of,
    max_die_area_mm2,
    min_wafer_diameter_mm,
    point_problem,
    resolve,
    run_totals,
)

if TYPE_CHECKING:
    import pandas as pd

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1

#: Values in the first, vectorised scan of the range.
SCAN_POINTS = 257
#: Bisection stops when the bracket is this share of the range's width.
TOLERANCE = 1e-12
#: Default upper end: this many times the base value.
DEFAULT_SPAN = 10.0


@dataclass
class Breakeven:
    """The value of ``param`` at which savings_npv_usd is zero, within ``[lo, hi]``."""

    param: str
    value: float
    lo: float
    hi: float
    #: savings at ``value`` (zero, or within the bisection's tolerance of it, except for an
    #: integer field whose sign changes between two whole values) [USD]
    savings_usd: float | None = None
    #: integer fields whose savings change sign between two whole values: the value below
    #: ``value`` and its savings [USD]
    before: tuple[float, float] | None = None

    def to_pandas(self) -> pd.DataFrame:
        """One row: the parameter, its value and the range (needs ``gpucalc[pandas]``)."""
        from gpu_calc.frames import breakeven_frame

        return breakeven_frame(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gpucalc breakeven --format json``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "param": self.param,
            "value": self.value,
            "range": [self.lo, self.hi],
            "savings_usd": self.savings_usd,
            "before": None
            if self.before is None
            else {"value": self.before[0], "savings_usd": self.before[1]},
        }


def _valid_range(inputs: ModelInputs, field: InputField) -> tuple[float, float]:
    """The field's valid range; for die area and wafer diameter, where one die fits."""
    lo_b, hi_b = bounds_of(inputs, field)
    fields = inputs.fields
    if field.key == AREA_KEY:
        hi_b = min(hi_b, float(max_die_area_mm2(fields[DIAMETER_KEY].base)))
    elif field.key == DIAMETER_KEY:
        lo_b = max(lo_b, float(min_wafer_diameter_mm(fields[AREA_KEY].base)))
    return lo_b, hi_b


def default_range(inputs: ModelInputs, field: InputField) -> tuple[float, float]:
    """The field's valid range intersected with ``[0, 10 x base]`` (see the module doc)."""
    lo_b, hi_b = _valid_range(inputs, field)
    base = field.base
    lo = max(lo_b, 0.0)
    if base > 0:
        # 10 x a base near the largest float overflows: the range stops at that float
        return lo, min(hi_b, DEFAULT_SPAN * base, sys.float_info.max)
    return lo, hi_b if math.isfinite(hi_b) else 1.0


def _evaluate(inputs: ModelInputs, field: InputField, values: np.ndarray) -> np.ndarray:
    params: dict[str, Any] = dict(inputs.base())
    params[field.key] = values
    savings = np.broadcast_to(run_totals(inputs, params).savings_npv_usd, values.shape)
    return np.asarray(savings, dtype=float)


def breakeven(
    loaded: LoadedScenario,
    param: str,
    lo: float | None = None,
    hi: float | None = None,
    wording: Wording = CLI,
) -> Breakeven:
    """Find where savings_npv_usd crosses zero as ``param`` goes from ``lo`` to ``hi``.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario; every other field is at its base value.
    param : str
        A numeric field's key path, e.g. ``build.share`` or ``site.electricity_usd_per_kwh``.
    lo, hi : float, optional
        The range searched (default: see the module docstring). It must lie inside the
        field's valid range.
    wording : Wording
        How errors name the parameter and the range: the command line's options (default)
        or the Python API's arguments.

    Raises
    ------
    InputError
        An unknown parameter (with close matches), a range outside the field's valid
        range, or no change of sign in the range (the message gives the savings at both
        ends).
    """
    inputs = ModelInputs.from_scenario(loaded)
    field = resolve(inputs, param, wording)
    key = field.key
    d_lo, d_hi = default_range(inputs, field)
    lo = d_lo if lo is None else float(lo)
    hi = d_hi if hi is None else float(hi)
    lo_b, hi_b = _valid_range(inputs, field)
    where = wording.range(lo, hi)
    if not lo < hi:
        raise InputError(f"{key}: the range is empty; {wording.give_range}", where)
    if lo < lo_b or hi > hi_b:
        why = bound_reason(inputs, field)
        if key in (AREA_KEY, DIAMETER_KEY):
            within = f"[{lo_b:g}, {hi_b:g}] (where one die fits on the wafer)"
        elif why:
            span = (
                f">= {lo_b:g}"
                if math.isinf(hi_b)
                else f"<= {hi_b:g}"
                if math.isinf(lo_b)
                else f"[{lo_b:g}, {hi_b:g}]"
            )
            within = f"{span}{why}"
        else:
            within = field.bounds.describe()
        raise InputError(f"{key}: the range must lie within {within}", where)
    b = field.bounds
    start, stop = lo, hi
    if b.lo_open and b.lo is not None and lo <= b.lo:
        start = b.lo + OPEN_FLOOR_SHARE * (field.base - b.lo)
    if b.hi_open and b.hi is not None and hi >= b.hi:  # the largest value below the end
        stop = float(np.nextafter(b.hi, -math.inf))
    if point_problem(inputs, {**inputs.base(), key: start}, [key]) and field.base > start:
        # demand at 0 in every year, which compare refuses: the range is open at its start,
        # as for a field that must be > 0
        start += OPEN_FLOOR_SHARE * (field.base - start)
    if b.integer:
        grid = np.arange(math.ceil(start), math.floor(stop) + 1, dtype=float)
    else:
        grid = np.linspace(start, stop, SCAN_POINTS)
    savings = _evaluate(inputs, field, grid)
    if not np.isfinite(savings).all():
        raise InputError(f"{key}: some values in the range give no finite result", where)
    if len(grid) == 0 or not _crosses(savings):
        ends = (
            f"{usd(float(savings[0]))} at {quantity(key, float(grid[0]))} and "
            f"{usd(float(savings[-1]))} at {quantity(key, float(grid[-1]))}"
            if len(grid)
            else "no whole value inside"
        )
        raise _no_root(loaded, key, lo, hi, ends, wording)
    zero = np.flatnonzero(savings == 0)
    change = np.flatnonzero(np.sign(savings[:-1]) * np.sign(savings[1:]) < 0)
    first_zero = int(zero[0]) if zero.size else len(grid)
    first_change = int(change[0]) if change.size else len(grid)
    if first_zero <= first_change:
        return Breakeven(key, float(grid[first_zero]), lo, hi, 0.0)
    a, c = float(grid[first_change]), float(grid[first_change + 1])
    s_a = float(savings[first_change])
    if b.integer:
        before = (a, s_a)
        return Breakeven(key, c, lo, hi, float(savings[first_change + 1]), before)
    width = TOLERANCE * (hi - lo)
    while c - a > width:
        mid = 0.5 * (a + c)
        if mid <= a or mid >= c:
            break
        s_mid = float(_evaluate(inputs, field, np.array([mid]))[0])
        if s_mid == 0:
            return Breakeven(key, mid, lo, hi, 0.0)
        if (s_mid > 0) == (s_a > 0):
            a, s_a = mid, s_mid
        else:
            c = mid
    value = 0.5 * (a + c)
    return Breakeven(key, value, lo, hi, float(_evaluate(inputs, field, np.array([value]))[0]))


def _crosses(savings: np.ndarray) -> bool:
    return bool((savings == 0).any() or (np.sign(savings[:-1]) * np.sign(savings[1:]) < 0).any())


def _no_root(
    loaded: LoadedScenario, key: str, lo: float, hi: float, ends: str, wording: Wording
) -> InputError:
    message = (
        f"savings_npv_usd does not reach zero for {key} from {quantity(key, lo)} to "
        f"{quantity(key, hi)}: {ends}; {wording.other_range}"
    )
    try:
        path = parse_key_path(key)
    except ValueError:  # pragma: no cover - keys come from the scenario
        path = ()
    if key in ("demand.units",):
        path = ("demand", "units")
    return loaded.doc.error(path, message)
