"""From a validated scenario to the engine's flat mapping of input arrays.

Every numeric field of the scenario becomes one entry keyed by its dotted key path, with
its value (a number or a distribution) and its valid range. :meth:`ModelInputs.base` gives
the deterministic arrays; Monte Carlo, sweeps and sensitivity replace some entries with
arrays of other shapes and call the same engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_calc.distributions import Bounds, base_value, is_uncertain, round_half_up
from gpu_calc.errors import format_path
from gpu_calc.scenario import LoadedScenario, Scenario, numeric_fields

if TYPE_CHECKING:
    from gpu_calc.engine import Outcome
    from gpu_calc.engine.layout import Layout

#: Numeric inputs the model reads for no figure: an installed entry's price (sunk, MODEL.md
#: 11.4) and a later chip generation's software budget (the build plan pays
#: ``build.nre.software_usd_per_year`` once, 11.2). The report marks them "not used"; sweeps
#: and the tornado do not offer them.
INSTALLED_PRICE = re.compile(r"^installed\[\d+\]\.unit_price_usd$")
LATER_SOFTWARE = re.compile(r"^build\.generations\[\d+\]\.nre\.software_usd_per_year$")


@dataclass(frozen=True)
class InputField:
    """One numeric input: its key path, value (number or distribution) and range."""

    key: str
    path: tuple[str | int, ...]
    value: Any
    bounds: Bounds

    @property
    def uncertain(self) -> bool:
        return is_uncertain(self.value)

    @property
    def base(self) -> float:
        """Base value, rounded (halves up) for integer fields."""
        value = base_value(self.value)
        return float(round_half_up(value)) if self.bounds.integer else value


def _once(serves: list[str] | None) -> tuple[str, ...] | None:
    """A ``serves`` list with each workload once, in the order written: MODEL.md 11.5 sums
    over the workloads in it, a set (a name written twice is warned about, not counted twice).

    >>> _once(["a", "b", "a"]), _once(None)
    (('a', 'b'), None)
    """
    return None if serves is None else tuple(dict.fromkeys(serves))


def layout_of(s: Scenario) -> Layout:
    """The engine's :class:`~gpu_calc.engine.layout.Layout` of a scenario: its generations
    per side, installed entries and workloads, with the labels the outputs show (the preset
    name, or ``<side> <generation>`` without one; MODEL.md 11.7)."""
    from gpu_calc.engine.layout import BoughtGen, ChipGen, InstalledEntry, Layout

    def label(preset: str | None, side: str, index: int) -> str:
        return preset if preset else f"{side} {index}"

    bought = [BoughtGen("buy", label(s.buy.accelerator, "bought", 0))]
    for i, g in enumerate(s.buy.generations):
        prefix = f"buy.generations[{i}]"
        bought.append(
            BoughtGen(prefix, label(g.accelerator, "bought", i + 1), f"{prefix}.from_year")
        )
    b = s.build
    chips = [
        ChipGen(
            "build.chip",
            "build.nre",
            "build.available_year",
            label(b.chip.accelerator, "chip", 0),
            b.chip.yield_model,
            b.nre.timing,
        )
    ]
    for i, later in enumerate(b.generations):
        prefix = f"build.generations[{i}]"
        chips.append(
            ChipGen(
                f"{prefix}.chip",
                f"{prefix}.nre",
                f"{prefix}.from_year",
                label(later.chip.accelerator, "chip", i + 1),
                later.chip.yield_model,
                later.nre.timing,
                _once(later.serves),
            )
        )
    installed = [
        InstalledEntry(f"installed[{i}]", label(e.accelerator, "installed", i))
        for i, e in enumerate(s.installed)
    ]
    workloads = tuple(s.demand.workloads) if s.demand.workloads is not None else None
    serves = _once(b.serves) if workloads is not None else None
    return Layout(s.horizon_years, tuple(bought), tuple(chips), tuple(installed), workloads, serves)


@dataclass
class ModelInputs:
    """The engine's inputs for one scenario."""

    horizon_years: int
    yield_model: str
    fields: dict[str, InputField]
    #: when the NRE is paid: ``upfront`` or ``spread`` (see engine.layout.NRE_TIMINGS)
    nre_timing: str = "upfront"
    #: generations, installed entries and workloads (default: one chip, as section 2)
    layout: Layout | None = None
    #: calendar year of t = 0 (MODEL.md 11.1), or None
    start_year: int | None = None

    @classmethod
    def from_scenario(cls, scenario: Scenario | LoadedScenario) -> ModelInputs:
        s = scenario.scenario if isinstance(scenario, LoadedScenario) else scenario
        fields = {}
        for path, value, bounds in numeric_fields(s):
            if path and path[0] in ("perspective", "expect"):
                continue
            key = format_path(path)
            fields[key] = InputField(key, path, value, bounds)
        return cls(
            s.horizon_years,
            s.build.chip.yield_model,
            fields,
            s.build.nre.timing,
            layout_of(s),
            s.start_year,
        )

    @property
    def structure(self) -> Layout:
        """The layout the engine runs on."""
        from gpu_calc.engine.layout import Layout

        if self.layout is not None:
            return self.layout
        return Layout.single(self.horizon_years, self.yield_model, self.nre_timing)

    def fleet_arrays(self) -> int:
        """Per-year arrays the engine holds for this scenario's fleets, which its memory
        grows with (:func:`gpu_calc.limits.fleet_arrays`)."""
        from gpu_calc.limits import fleet_arrays

        layout = self.structure
        workloads = len(layout.workloads) if layout.workloads is not None else 0
        return fleet_arrays(len(layout.bought), len(layout.chips), len(layout.installed), workloads)

    def base(self) -> dict[str, np.ndarray]:
        """Deterministic inputs: every field at its base value, as 0-d arrays."""
        return {key: np.asarray(f.base) for key, f in self.fields.items()}

    def evaluate(self, params: Mapping[str, Any] | None = None) -> Outcome:
        """The engine on ``params`` (default: the base values) with this scenario's fixed
        structure (horizon, generations, workloads, yield models, NRE timings)."""
        from gpu_calc.engine import evaluate

        values = self.base() if params is None else params
        return evaluate(values, self.structure)

    def uncertain(self) -> list[str]:
        """Keys of the fields that hold a distribution."""
        return [key for key, f in self.fields.items() if f.uncertain]

    def coerce(self, key: str, values: np.ndarray) -> tuple[np.ndarray, int]:
        """Values for ``key`` clipped into its range (integers rounded), and how many were
        outside."""
        return self.fields[key].bounds.clip(np.asarray(values, dtype=float))
