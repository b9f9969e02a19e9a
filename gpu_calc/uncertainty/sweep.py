"""Sweeps: the key outputs over a grid of one or more parameters, in one engine call.

Parameter ``i`` of ``k`` becomes an array of shape ``(1, ..., n_i, ..., 1)`` (its values on
axis ``i``), every other field stays at its base value, and the engine broadcasts them to
the grid ``(n_1, ..., n_k)``. Values are not clipped: a value outside the field's range is
an input error.

>>> from gpu_calc.scenario import load_text
>>> text = '''
... horizon_years: 1
... demand: {units: 100}
... site: {electricity_usd_per_kwh: 0.1}
... buy: {unit_price_usd: 1000, power_w: 500}
... build:
...   share: 0
...   chip: {die_area_mm2: 100, node: n5, power_w: 100}
...   nre: {design_usd: 0}
... '''
>>> out = sweep(load_text(text), [("build.share", [0.0, 1.0])]).to_dict()
>>> out["params"], len(out["outputs"]["savings_npv_usd"])
(['build.share'], 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gpu_calc import limits
from gpu_calc.errors import InputError
from gpu_calc.inputs import ModelInputs
from gpu_calc.scenario import LoadedScenario
from gpu_calc.uncertainty.params import (
    CLI,
    Wording,
    check_value,
    chip_prefixes,
    fit_die_area,
    point_problem,
    resolve,
    run,
)

if TYPE_CHECKING:
    import pandas as pd

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1

Array = NDArray[np.float64]

#: Outputs over the grid, in output order. ``payback_year`` is MODEL.md's (the first year the
#: cumulative savings reach 0); ``lasting_payback_year`` the first year from which they stay
#: >= 0 to the end (the year compare's words, batch and the report give).
OUTPUTS = (
    "savings_npv_usd",
    "npv_usd_buy",
    "npv_usd_build",
    "payback_year",
    "lasting_payback_year",
)
#: Most grid points (1,000 values on each of two axes); they are computed a slice at a time.
MAX_POINTS = 1_000_000


def _nested(a: Array) -> Any:
    """Nested lists of floats, None where not finite (NaN, or a figure that overflows)."""
    if a.ndim == 0:
        x = float(a)
        return x if math.isfinite(x) else None
    return [_nested(row) for row in a]


@dataclass
class Sweep:
    """The grid and the outputs at every point (arrays with one axis per parameter)."""

    params: list[str]
    values: list[list[float]]
    outputs: dict[str, Array]
    #: the calendar year of t = 0 when the scenario gives one (paybacks read as years)
    start_year: int | None = None

    def to_pandas(self) -> pd.DataFrame:
        """One row per grid point (needs ``gpucalc[pandas]``)."""
        from gpu_calc.frames import sweep_frame

        return sweep_frame(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gpucalc sweep --format json``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "params": list(self.params),
            "values": [list(v) for v in self.values],
            "outputs": {key: _nested(self.outputs[key]) for key in OUTPUTS},
            "start_year": self.start_year,
        }


def sweep(
    loaded: LoadedScenario, params: list[tuple[str, list[float]]], wording: Wording = CLI
) -> Sweep:
    """Evaluate the scenario at every point of the grid of ``params``.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario; fields not swept are at their base values.
    params : list of (key, values)
        One entry per grid axis: a numeric field's key path and its values.
    wording : Wording
        How errors name the parameters and values: the command line's options (default) or
        the Python API's arguments.

    Raises
    ------
    InputError
        An unknown or repeated key, or a value out of range. A grid point whose figures
        overflow (absurd but valid values) is computed like any other: its outputs are NaN
        (``null`` in the JSON, ``n/a`` for people), as ``compare`` shows them.
    """
    if not params:
        raise InputError(wording.give_params, wording.params)
    inputs = ModelInputs.from_scenario(loaded)
    p: dict[str, Any] = dict(inputs.base())
    keys: list[str] = []
    grid: list[list[float]] = []
    k = len(params)
    points = 1
    # the swept keys, resolved first: a limit one puts on another is checked point by point
    fields = [resolve(inputs, key, wording) for key, _ in params]
    swept = [f.key for f in fields]
    for axis, (field, (_, values)) in enumerate(zip(fields, params, strict=True)):
        if field.key in keys:
            raise InputError("the same parameter is swept twice", wording.param(field.key))
        if not values:
            raise InputError("no values given", wording.values(field.key))
        where = wording.values(field.key)
        free = [k for k in swept if k != field.key]
        checked = [check_value(inputs, field, float(v), where, free) for v in values]
        shape = [1] * k
        shape[axis] = len(checked)
        p[field.key] = np.asarray(checked).reshape(shape)
        keys.append(field.key)
        grid.append(checked)
        points *= len(checked)
    if points > MAX_POINTS:
        raise InputError(f"{points:,} grid points; at most {MAX_POINTS:,}", wording.grid)
    problem = point_problem(inputs, p, keys)
    if problem:
        raise InputError(problem, wording.grid if k > 1 else wording.values(keys[0]))
    for chip in chip_prefixes(inputs):
        area = f"{chip}.die_area_mm2"
        if area in keys or f"{chip}.wafer_diameter_mm" in keys:
            before = p.get(area)
            if fit_die_area(p, chip):
                p[area] = before
                raise InputError(
                    "a die of that area does not fit on the wafer at some grid point", wording.grid
                )
    grid_shape = tuple(len(v) for v in grid)
    outputs = {key: np.empty(grid_shape) for key in OUTPUTS}
    # The engine holds dozens of arrays of points x years: the grid is computed a slice of
    # its first axis at a time, so a 1,000 x 1,000 grid over 100 years needs tens of
    # megabytes, not tens of gigabytes (and gives the same numbers).
    rows = limits.points_per_call(
        points // grid_shape[0], inputs.horizon_years, inputs.fleet_arrays()
    )
    for lo in range(0, grid_shape[0], rows):
        hi = min(lo + rows, grid_shape[0])
        part = {
            key: v[lo:hi] if np.ndim(v) == k and np.shape(v)[0] == grid_shape[0] else v
            for key, v in p.items()
        }
        out = run(inputs, part)
        part_shape = (hi - lo, *grid_shape[1:])
        got = {
            "savings_npv_usd": out.savings_npv_usd,
            "npv_usd_buy": out.buy.npv_usd,
            "npv_usd_build": out.build.npv_usd,
            "payback_year": out.payback_year,
            "lasting_payback_year": out.lasting_payback_year,
        }
        for key, a in got.items():
            outputs[key][lo:hi] = np.broadcast_to(a, part_shape)
    # where the savings overflow, no payback can be told either (compare says null too)
    for key in ("payback_year", "lasting_payback_year"):
        outputs[key][~np.isfinite(outputs["savings_npv_usd"])] = np.nan
    return Sweep(keys, grid, outputs, inputs.start_year)
