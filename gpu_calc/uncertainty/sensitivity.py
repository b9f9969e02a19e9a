"""The tornado: how far savings move when one input moves, the others at base.

With uncertain fields, each goes to its P10 and P90 (``dist.ppf``) in turn; with none, every
numeric field goes to -20% and +20% of its base value (fields whose base is 0 are skipped).
Values are clipped into the field's range (integers rounded halves up, dies kept on the
wafer). The 2k runs are arrays of shape ``(2k,)``, computed by the engine a slice at a
time (:func:`gpu_calc.limits.points_per_call`; one call for most scenarios): run ``2j`` is
bar ``j``'s low value, run ``2j+1`` its high value, every other field at base. Bars are
sorted by swing ``|savings(high) - savings(low)|``, largest first (ties keep the scenario's order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_calc import limits
from gpu_calc.inputs import ModelInputs
from gpu_calc.results import json_number
from gpu_calc.scenario import LoadedScenario
from gpu_calc.uncertainty.params import (
    chip_prefixes,
    clip_values,
    fit_dependent,
    fit_die_area,
    run,
    unused_facts,
)

if TYPE_CHECKING:
    import pandas as pd

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1

#: Quantiles of the uncertain fields' low and high values.
LOW_Q, HIGH_Q = 0.1, 0.9
#: Relative step of every field when nothing is uncertain.
STEP = 0.2


@dataclass
class Bar:
    """One input's bar: its low and high values and the savings at each. [USD]"""

    param: str
    low_value: float
    high_value: float
    low_usd: float
    high_usd: float

    @property
    def swing_usd(self) -> float:
        return abs(self.high_usd - self.low_usd)


@dataclass
class Tornado:
    """The bars, largest swing first, and savings with every field at base."""

    base_usd: float
    method: str
    bars: list[Bar]
    metric: str = "savings_npv_usd"

    def to_pandas(self) -> pd.DataFrame:
        """One row per bar, largest swing first (needs ``gpucalc[pandas]``)."""
        from gpu_calc.frames import tornado_frame

        return tornado_frame(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gpucalc sensitivity --format json``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "metric": self.metric,
            "base_usd": json_number(self.base_usd),
            "method": self.method,
            "bars": [
                {
                    "param": b.param,
                    # a value beyond the largest float (a P90 that overflows) is null
                    "low_value": json_number(b.low_value),
                    "high_value": json_number(b.high_value),
                    "low_usd": json_number(b.low_usd),
                    "high_usd": json_number(b.high_usd),
                    "swing_usd": json_number(b.swing_usd),
                }
                for b in self.bars
            ],
        }


def tornado(loaded: LoadedScenario) -> Tornado:
    """The tornado of savings_npv_usd for a scenario (see the module docstring).

    >>> from gpu_calc.scenario import load_text
    >>> text = '''
    ... horizon_years: 1
    ... demand: {units: 100}
    ... site: {electricity_usd_per_kwh: {dist: uniform, low: 0.0, high: 1.0}}
    ... buy: {unit_price_usd: 1000, power_w: 500}
    ... build:
    ...   share: 0
    ...   chip: {die_area_mm2: 100, node: n5, power_w: 100}
    ...   nre: {design_usd: {dist: uniform, low: 0, high: 10}}
    ... '''
    >>> [(b.param, b.low_value, b.high_value) for b in tornado(load_text(text)).bars]
    [('build.nre.design_usd', 1.0, 9.0), ('site.electricity_usd_per_kwh', 0.1, 0.9)]
    """
    inputs = ModelInputs.from_scenario(loaded)
    base = inputs.base()
    uncertain = inputs.uncertain()
    pairs: list[tuple[str, float, float]] = []
    if uncertain:
        method = "p10_p90"
        for key in uncertain:
            field = inputs.fields[key]
            pairs.append((key, field.value.ppf(LOW_Q), field.value.ppf(HIGH_Q)))
    else:
        method = "plus_minus_20pct"
        unused = unused_facts(inputs)  # a preset's memory_gb beside a lump memory_usd
        for key, field in inputs.fields.items():
            if field.base != 0 and key not in unused:
                pairs.append((key, field.base * (1 - STEP), field.base * (1 + STEP)))
    if not pairs:
        return Tornado(float(run(inputs, base).savings_npv_usd), method, [])
    n = 2 * len(pairs)
    params: dict[str, Any] = dict(base)
    values: list[tuple[float, float]] = []
    for j, (key, low, high) in enumerate(pairs):
        field = inputs.fields[key]
        (low_c, high_c), _ = clip_values(inputs, field, np.array([low, high]))
        column = np.broadcast_to(np.asarray(params[key], dtype=float), (n,)).copy()
        column[2 * j], column[2 * j + 1] = low_c, high_c
        params[key] = column
        values.append((float(low_c), float(high_c)))
    for chip in chip_prefixes(inputs):
        key_area = f"{chip}.die_area_mm2"
        if key_area not in params:
            continue
        fit_die_area(params, chip)
        area = np.broadcast_to(np.asarray(params[key_area], dtype=float), (n,))
        values = [
            (float(area[2 * j]), float(area[2 * j + 1])) if key == key_area else v
            for j, ((key, _, _), v) in enumerate(zip(pairs, values, strict=True))
        ]
    # an installed entry's age below its lifetime, a later chip after available_year: clipped
    # as simulate clips them (MODEL.md 11), and the bar says the value it was computed at
    moved = fit_dependent(inputs, params, {key for key, _, _ in pairs})
    for j, (key, _, _) in enumerate(pairs):
        if key in moved:
            column = np.broadcast_to(np.asarray(params[key], dtype=float), (n,))
            values[j] = (float(column[2 * j]), float(column[2 * j + 1]))
    # The runs a slice at a time (the engine holds a few arrays of runs x years per fleet):
    # a scenario with many fleets and fields needs megabytes, not gigabytes, for the same
    # numbers.
    savings = np.empty(n)
    step = limits.points_per_call(1, inputs.horizon_years, inputs.fleet_arrays())
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        part = {key: v[lo:hi] if np.ndim(v) == 1 else v for key, v in params.items()}
        out = run(inputs, part)
        # a bar whose savings overflow (absurd but valid values) is kept, its figures NaN:
        # null in the JSON and n/a for people, as a sweep point or compare shows them
        savings[lo:hi] = np.broadcast_to(out.savings_npv_usd, (hi - lo,))
    bars = [
        Bar(key, low, high, float(savings[2 * j]), float(savings[2 * j + 1]))
        for j, ((key, _, _), (low, high)) in enumerate(zip(pairs, values, strict=True))
        # +-20% of a small whole number can round back to it (1 respin stays 1): no bar
        if uncertain or (low, high) != (inputs.fields[key].base,) * 2
    ]
    # largest swing first; one too large to compute (NaN or inf) is larger than any
    bars.sort(key=lambda b: -b.swing_usd if math.isfinite(b.swing_usd) else -math.inf)
    base_usd = float(run(inputs, base).savings_npv_usd)
    return Tornado(base_usd, method, bars)
