"""The fixed structure of a scenario that the engine's arrays cannot carry.

How many generations each side has and where their inputs are, the installed entries, the
workloads and which of them the chip serves, and each chip generation's choices (yield model,
NRE timing). Numbers never live here: they are in the flat mapping of input arrays that
:func:`gpu_calc.engine.evaluate` takes, so that Monte Carlo, sweeps and sensitivity can
replace any of them. MODEL.md section 11.
"""

from __future__ import annotations

from dataclasses import dataclass

#: When a chip generation pays its NRE: ``upfront`` (MODEL.md) or ``spread`` (a refinement).
NRE_TIMINGS = ("upfront", "spread")


@dataclass(frozen=True)
class BoughtGen:
    """A bought generation: where its accelerator's inputs are and its start year key."""

    prefix: str  # "buy" or "buy.generations[i]"
    label: str
    start_key: str | None = None  # None: on sale from year 0


@dataclass(frozen=True)
class ChipGen:
    """A chip generation: where its chip and NRE inputs are, and its fixed choices."""

    chip: str  # "build.chip" or "build.generations[i].chip"
    nre: str  # "build.nre" or "build.generations[i].nre"
    start_key: str  # "build.available_year" or "build.generations[i].from_year"
    label: str
    yield_model: str = "murphy"
    nre_timing: str = "upfront"
    #: extension: workloads the chip side also serves from this generation's start
    #: (None: ``build.serves``); the chip side serves the union over started generations
    serves: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.nre_timing not in NRE_TIMINGS:
            raise ValueError(
                f"unknown NRE timing {self.nre_timing!r} (known: {', '.join(NRE_TIMINGS)})"
            )


@dataclass(frozen=True)
class InstalledEntry:
    """An entry of the installed base (``installed[i]``)."""

    prefix: str
    label: str


@dataclass(frozen=True)
class Layout:
    """Generations per side, installed entries and workloads of one scenario.

    :meth:`single` is the layout of a file without section 11: one accelerator bought, one
    chip, no installed base, demand as ``demand.units``.
    """

    horizon_years: int
    bought: tuple[BoughtGen, ...] = (BoughtGen("buy", "bought 0"),)
    chips: tuple[ChipGen, ...] = (
        ChipGen("build.chip", "build.nre", "build.available_year", "chip 0"),
    )
    installed: tuple[InstalledEntry, ...] = ()
    #: workload names (``demand.workloads``), or None when demand is ``demand.units``
    workloads: tuple[str, ...] | None = None
    #: the workloads the chip serves (None: all of them)
    serves: tuple[str, ...] | None = None

    @classmethod
    def single(
        cls, horizon_years: int, yield_model: str = "murphy", nre_timing: str = "upfront"
    ) -> Layout:
        chip = ChipGen(
            "build.chip", "build.nre", "build.available_year", "chip 0", yield_model, nre_timing
        )
        return cls(horizon_years, chips=(chip,))

    def workload_key(self, name: str) -> str:
        return f"demand.workloads.{name}"
