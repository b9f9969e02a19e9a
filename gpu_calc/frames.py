"""Results as pandas DataFrames, for notebooks: ``result.to_pandas()``.

Every frame is tidy (one row per observation, one column per variable, a plain
``RangeIndex``) and built from the same numbers as ``to_dict()``, so a frame and the JSON
never disagree. pandas is an optional extra (``pip install 'gpucalc[pandas]'``); it is
imported only when a frame is asked for, and its absence is an :class:`ImportError` that
names the extra.

- a comparison gives :class:`ComparisonFrames`: ``metrics`` (one row per metric: ``buy``,
  ``build``, ``build_minus_buy``) and ``per_year`` (one row per plan and year, one column per
  per-year series of the JSON);
- a simulation gives :class:`SimulationFrames`: ``samples`` (one row per Monte Carlo sample)
  and ``summary`` (one row per metric: ``p5``, ``p50``, ``p95``, ``mean``);
- a sweep gives one row per grid point (a column per swept parameter, then the outputs);
- a tornado gives one row per bar, a break-even one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from gpu_calc.results import Comparison
    from gpu_calc.uncertainty.breakeven import Breakeven
    from gpu_calc.uncertainty.montecarlo import Simulation
    from gpu_calc.uncertainty.sensitivity import Tornado
    from gpu_calc.uncertainty.sweep import Sweep

#: What to install when pandas is missing.
PANDAS_EXTRA = "gpucalc[pandas]"


def require_pandas() -> Any:
    """The pandas module, or an :class:`ImportError` saying how to install it."""
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"to_pandas() needs pandas, an optional extra of gpucalc: "
            f"pip install '{PANDAS_EXTRA}' (or pip install pandas)"
        ) from exc
    return pandas


class ComparisonFrames(NamedTuple):
    """A comparison as two frames: totals per metric, and series per plan and year."""

    #: one row per metric of both plans: ``metric``, ``buy``, ``build``, ``build_minus_buy``
    metrics: pd.DataFrame
    #: one row per plan and year: ``plan``, ``year``, then every per-year series
    per_year: pd.DataFrame


class SimulationFrames(NamedTuple):
    """A Monte Carlo run as two frames: every sample, and the percentiles."""

    #: one row per sample: ``sample``, ``savings_npv_usd``, ``buy.npv_usd``, ...
    samples: pd.DataFrame
    #: one row per metric: ``metric``, ``p5``, ``p50``, ``p95``, ``mean``
    summary: pd.DataFrame


def _scalar(x: Any) -> bool:
    return x is None or isinstance(x, int | float) and not isinstance(x, bool)


def comparison_frames(result: Comparison) -> ComparisonFrames:
    """The frames of a comparison, from its ``to_dict()``."""
    pd = require_pandas()
    data = result.to_dict()
    plans = data["plans"]
    names = list(plans)
    rows = []
    for key, first in plans[names[0]].items():
        if not _scalar(first):
            continue
        values = {name: plans[name].get(key) for name in names}
        row: dict[str, Any] = {"metric": key, **values}
        if {"buy", "build"} <= set(values):
            buy, build = values["buy"], values["build"]
            row["build_minus_buy"] = None if buy is None or build is None else build - buy
        rows.append(row)
    metrics = pd.DataFrame(rows)
    yearly = []
    for name in names:
        series = plans[name]["per_year"]
        for t in range(data["horizon_years"]):
            yearly.append({"plan": name, "year": t, **{k: v[t] for k, v in series.items()}})
    per_year = pd.DataFrame(yearly)
    return ComparisonFrames(metrics.astype({n: float for n in names}), per_year)


def simulation_frames(result: Simulation) -> SimulationFrames:
    """Every sample of the simulation's metrics, and their percentiles."""
    pd = require_pandas()
    from gpu_calc.uncertainty.montecarlo import _ROWS, stats

    columns: dict[str, Any] = {"sample": np.arange(result.samples)}
    columns.update({name: result.metric(name) for name in _ROWS})
    samples = pd.DataFrame(columns)
    summary = pd.DataFrame([{"metric": name, **stats(result.metric(name))} for name in _ROWS])
    return SimulationFrames(samples, summary)


def sweep_frame(result: Sweep) -> pd.DataFrame:
    """One row per grid point: the swept parameters, then the outputs."""
    pd = require_pandas()
    from gpu_calc.uncertainty.sweep import OUTPUTS

    grids = np.meshgrid(*[np.asarray(v, dtype=float) for v in result.values], indexing="ij")
    columns: dict[str, Any] = {p: g.ravel() for p, g in zip(result.params, grids, strict=True)}
    columns.update({key: np.asarray(result.outputs[key]).ravel() for key in OUTPUTS})
    return pd.DataFrame(columns)


def tornado_frame(result: Tornado) -> pd.DataFrame:
    """One row per bar, largest swing first."""
    pd = require_pandas()
    columns = ["param", "low_value", "high_value", "low_usd", "high_usd", "swing_usd"]
    return pd.DataFrame(result.to_dict()["bars"], columns=columns)


def breakeven_frame(result: Breakeven) -> pd.DataFrame:
    """One row: the parameter, its break-even value and the range searched."""
    pd = require_pandas()
    return pd.DataFrame(
        [{"param": result.param, "value": result.value, "lo": result.lo, "hi": result.hi}]
    )
