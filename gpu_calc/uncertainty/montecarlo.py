"""Monte Carlo: draw every uncertain field, run the engine in chunks, summarise.

Draws are reproducible and do not depend on the chunk size: samples are grouped in fixed
draw blocks of :data:`DRAW_BLOCK`, and each uncertain field has one random stream per block,
``np.random.default_rng(np.random.SeedSequence([seed, crc32(key), block]))``; chunks read
consecutive pieces of those streams (NumPy's generators give the same numbers drawn at
once or in pieces). A field's draws also stay the same when another field gains or loses a
distribution, and any block can be drawn on its own (for parallel runs).

Percentiles are ``np.percentile``'s with its default ``linear`` method over all samples
(computed faster, to the same bits, by :mod:`gpu_calc.uncertainty.quantiles`); the
samples of the reported metrics are kept (8 bytes each), the engine's work is done chunk
by chunk, so memory grows by 56 bytes a sample plus one chunk's working set.

>>> from gpu_calc.scenario import load_text
>>> text = '''
... horizon_years: 1
... demand: {units: 100}
... site: {electricity_usd_per_kwh: {dist: uniform, low: 0.05, high: 0.15}}
... buy: {unit_price_usd: 1000, power_w: 500}
... build:
...   share: 0
...   chip: {die_area_mm2: 100, node: n5, power_w: 100}
...   nre: {design_usd: 0}
... '''
>>> sim = simulate(load_text(text), samples=1000, seed=1)
>>> out = sim.to_dict()
>>> out["comparison"]["probability_build_cheaper"], sorted(out["clipped"])
(0.0, ['site.electricity_usd_per_kwh'])
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gpu_calc import limits
from gpu_calc.errors import InputError
from gpu_calc.heap import keep_freed_memory
from gpu_calc.inputs import ModelInputs
from gpu_calc.scenario import LoadedScenario
from gpu_calc.uncertainty import DEFAULT_CHUNK_SIZE
from gpu_calc.uncertainty.params import (
    chip_prefixes,
    clip_values,
    fit_dependent,
    fit_die_area,
    run_totals,
    samples_overflow,
)
from gpu_calc.uncertainty.quantiles import percentiles

if TYPE_CHECKING:
    from gpu_calc.frames import SimulationFrames

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1

Array = NDArray[np.float64]

#: Percentiles reported for every metric (``np.percentile``, linear interpolation).
PERCENTILES = (5.0, 50.0, 95.0)
#: Samples per engine call: small enough for the CPU caches (the engine makes many
#: temporaries of ``BLOCK_SIZE x H`` floats), large enough to amortise Python's overhead.
BLOCK_SIZE = 16384
#: Samples per draw block: sample ``i`` of a field comes from the stream of block
#: ``i // DRAW_BLOCK`` (part of the reproducibility contract: changing it changes the draws).
DRAW_BLOCK = 65536
assert DEFAULT_CHUNK_SIZE % DRAW_BLOCK == 0, "chunks are whole draw blocks"
#: Bins of the savings histogram.
HISTOGRAM_BINS = 40
#: Per-plan metrics summarised, in output order.
PLAN_METRICS = ("npv_usd", "energy_it_kwh", "co2e_kg")
#: Rows of the kept samples: savings first, then each plan's metrics.
_ROWS = ("savings_npv_usd",) + tuple(
    f"{plan}.{m}" for plan in ("buy", "build") for m in PLAN_METRICS
)


def block_rng(seed: int, key: str, block: int) -> np.random.Generator:
    """The random stream of one field in one draw block: a function of the seed, the
    field's key and the block's index only."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(key.encode()), block]))


class _Streams:
    """Each field's draws, sample ``i`` from block ``i // DRAW_BLOCK``'s stream, read forward."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.current: dict[str, tuple[int, np.random.Generator]] = {}

    def draw(self, key: str, dist: Any, start: int, n: int) -> Array:
        parts = []
        pos, stop = start, start + n
        while pos < stop:
            block = pos // DRAW_BLOCK
            take = min(stop, (block + 1) * DRAW_BLOCK) - pos
            state = self.current.get(key)
            if state is None or state[0] != block:
                assert pos == block * DRAW_BLOCK, "draws are read forward, block by block"
                state = (block, block_rng(self.seed, key, block))
                self.current[key] = state
            parts.append(np.asarray(dist.sample(state[1], take), dtype=float))
            pos += take
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def stats(x: Array, scratch: Array | None = None) -> dict[str, float]:
    """P5, P50, P95 (``np.percentile``'s numbers, linear, by
    :func:`~gpu_calc.uncertainty.quantiles.percentiles`) and the mean of ``x``.

    The mean of values near the largest float is taken of the values scaled down, so that
    their sum cannot overflow. ``scratch`` is working memory of ``x``'s size (see
    :func:`~gpu_calc.uncertainty.quantiles.percentiles`).

    >>> stats(np.arange(101.0))
    {'p5': 5.0, 'p50': 50.0, 'p95': 95.0, 'mean': 50.0}
    >>> stats(np.array([1.5e308, 1.7e308]))["mean"]
    1.6e+308
    """
    p5, p50, p95 = percentiles(x, PERCENTILES, scratch)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(np.mean(x))
    if not np.isfinite(mean) and np.isfinite(x).all():
        scale = float(np.max(np.abs(x)))
        mean = float(np.mean(x / scale)) * scale
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "mean": mean}


@dataclass
class Simulation:
    """The outcome of a Monte Carlo run: the kept samples and how many draws were clipped."""

    samples: int
    seed: int
    #: one row per entry of ``_ROWS``, one column per sample
    values: Array
    #: field key -> number of draws clipped into its valid range (uncertain fields only)
    clipped: dict[str, int]
    uncertain: list[str]
    #: threads that summarise the metrics (the run's ``workers``)
    workers: int = 1

    def metric(self, name: str) -> Array:
        """The samples of ``savings_npv_usd`` or ``buy.npv_usd``, ``build.co2e_kg``, ..."""
        return self.values[_ROWS.index(name)]

    def histogram(self) -> tuple[Array, NDArray[np.int64]]:
        """Edges (41) and counts (40) of savings over its range (``np.histogram``).

        Savings that differ only in their last digits (an input that moves nothing but
        rounding, e.g. a facility lifetime with no facility) span too narrow a range for 40
        bins of distinct floats: the bins are then centred on them, each a few units in the
        last place wide (NumPy's own rule for equal values, +-0.5, where that is wider).
        """
        x = self.metric("savings_npv_usd")
        lo, hi = float(np.min(x)), float(np.max(x))
        if not np.all(np.diff(np.linspace(lo, hi, HISTOGRAM_BINS + 1)) > 0):
            mid = lo / 2 + hi / 2
            half = max(0.5, 4 * HISTOGRAM_BINS * float(np.spacing(abs(mid))))
            lo, hi = mid - half, mid + half
        counts, edges = np.histogram(x, bins=HISTOGRAM_BINS, range=(lo, hi))
        return edges, counts

    def to_pandas(self) -> SimulationFrames:
        """``(samples, summary)`` DataFrames: every sample and the percentiles (needs
        ``gpucalc[pandas]``)."""
        from gpu_calc.frames import simulation_frames

        return simulation_frames(self)

    def summaries(self) -> dict[str, dict[str, float]]:
        """:func:`stats` of every kept metric, by name; ``workers`` threads share them, each
        with one scratch buffer reused from metric to metric."""
        local = threading.local()

        def summary(name: str) -> dict[str, float]:
            if getattr(local, "scratch", None) is None:
                local.scratch = np.empty(self.samples)
            return stats(self.metric(name), local.scratch)

        if self.workers <= 1:
            return {name: summary(name) for name in _ROWS}
        with ThreadPoolExecutor(max_workers=min(self.workers, len(_ROWS))) as pool:
            return dict(zip(_ROWS, pool.map(summary, _ROWS), strict=True))

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gpucalc simulate --format json``."""
        savings = self.metric("savings_npv_usd")
        summary = self.summaries()
        edges, counts = self.histogram()
        return {
            "schema_version": SCHEMA_VERSION,
            "samples": self.samples,
            "seed": self.seed,
            "comparison": {
                "savings_npv_usd": summary["savings_npv_usd"],
                "probability_build_cheaper": float(np.count_nonzero(savings > 0)) / self.samples,
            },
            "plans": {
                plan: {m: summary[f"{plan}.{m}"] for m in PLAN_METRICS} for plan in ("buy", "build")
            },
            "clipped": dict(self.clipped),
            "histogram": {
                "metric": "savings_npv_usd",
                "edges_usd": [float(e) for e in edges],
                "counts": [int(c) for c in counts],
            },
            "uncertain": list(self.uncertain),
            "percentile_method": "linear",
        }


@dataclass
class _Job:
    """What every unit of work needs: the inputs, their base values, the fields to draw."""

    inputs: ModelInputs
    base: dict[str, Any]
    uncertain: list[str]
    seed: int
    #: samples per engine call (:func:`gpu_calc.limits.engine_block`: fewer than
    #: BLOCK_SIZE when the scenario has many fleets); changes memory, never a number
    block_size: int = BLOCK_SIZE

    @property
    def areas(self) -> list[str]:
        """Chips (``build.chip``, later generations) whose die area or wafer is drawn."""
        return [
            chip
            for chip in chip_prefixes(self.inputs)
            if f"{chip}.die_area_mm2" in self.uncertain
            or f"{chip}.wafer_diameter_mm" in self.uncertain
        ]

    @property
    def check_area(self) -> bool:
        return bool(self.areas)

    def evaluate(
        self,
        start: int,
        stop: int,
        draw: Callable[[str, Any, int, int], Array],
        out: Array | None = None,
    ) -> tuple[Array, dict[str, int]]:
        """Rows of ``_ROWS`` for samples ``start`` to ``stop`` and the draws clipped; the
        rows are written into ``out`` (shape ``(len(_ROWS), stop - start)``) when given."""
        n = stop - start
        clipped = dict.fromkeys(self.uncertain, 0)
        drawn: dict[str, Array] = {}
        for key in self.uncertain:
            field = self.inputs.fields[key]
            raw = draw(key, field.value, start, n)
            drawn[key], clipped[key] = clip_values(self.inputs, field, raw)
        if self.check_area:
            area: dict[str, Any] = {**self.base, **drawn}
            for chip in self.areas:
                key = f"{chip}.die_area_mm2"
                clipped[key] = clipped.get(key, 0) + fit_die_area(area, chip)
                drawn[key] = np.broadcast_to(area[key], (n,))
        if drawn:
            both: dict[str, Any] = {**self.base, **drawn}
            for key, count in fit_dependent(self.inputs, both, set(drawn)).items():
                clipped[key] = clipped.get(key, 0) + count
                drawn[key] = np.broadcast_to(both[key], (n,))
        values = np.empty((len(_ROWS), n)) if out is None else out
        # The engine on blocks small enough for the CPU caches: it makes many temporaries
        # of BLOCK_SIZE x H floats (and holds a few per fleet: fewer samples with many).
        for lo in range(0, n, self.block_size):
            hi = min(lo + self.block_size, n)
            params: dict[str, Any] = dict(self.base)
            params.update({key: v[lo:hi] for key, v in drawn.items()})
            totals = run_totals(self.inputs, params)
            rows = (totals.savings_npv_usd,) + tuple(
                getattr(plan, m) for plan in (totals.buy, totals.build) for m in PLAN_METRICS
            )
            for i, row in enumerate(rows):
                values[i, lo:hi] = row
        return values, clipped

    def evaluate_block(
        self, start: int, stop: int, out: Array | None = None
    ) -> tuple[Array, dict[str, int]]:
        """Samples ``start`` to ``stop`` of one draw block, drawn from the block's streams
        (rows written into ``out`` when given)."""
        block = start // DRAW_BLOCK
        assert start == block * DRAW_BLOCK and stop <= (block + 1) * DRAW_BLOCK

        def draw(key: str, dist: Any, first: int, n: int) -> Array:
            return np.asarray(dist.sample(block_rng(self.seed, key, block), n), dtype=float)

        return self.evaluate(start, stop, draw, out)


def simulate(
    loaded: LoadedScenario,
    samples: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    options: Mapping[str, str] = limits.CLI_OPTIONS,
) -> Simulation:
    """Draw ``samples`` scenarios from the distributions of ``loaded`` and evaluate them.

    Parameters
    ----------
    loaded : LoadedScenario
        A validated scenario; its distributions are drawn, every other field is at its base.
    samples : int
        Number of draws ``N`` (>= 1).
    seed : int
        Seed of every field's stream (>= 0); the same seed gives the same numbers.
    chunk_size : int
        Samples drawn at a time in one thread (default: one draw block); bounds memory,
        never changes the result. Worker threads draw one block of :data:`DRAW_BLOCK`
        samples at a time.
    workers : int
        Threads, each drawing and evaluating one draw block at a time (NumPy releases the
        GIL in that work). Runs of one block stay in one thread. Never changes the result;
        2 helps on an idle 2-core machine, not on a busy one.
    progress : callable, optional
        Called as ``progress(done, samples)`` before the first draw and after each chunk or
        block evaluated (a command line draws its progress bar with it).
    options : mapping
        How a refusal of the memory guard names the sizes: the command line's options
        (:data:`gpu_calc.limits.CLI_OPTIONS`, the default) or the Python API's arguments.

    Raises
    ------
    ValueError
        When ``samples``, ``seed``, ``chunk_size`` or ``workers`` is out of range.
    InputError
        When the run would need more memory than :func:`gpu_calc.limits.memory_limit`
        (before any work), or when some draw gives a non-finite result (inputs so large
        that a figure overflows).
    """
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    keep_freed_memory()  # the blocks' arrays are reused, not re-faulted (gpu_calc.heap)
    inputs = ModelInputs.from_scenario(loaded)
    uncertain = inputs.uncertain()
    parallel = workers > 1 and bool(uncertain) and samples > DRAW_BLOCK
    asked, workers = workers, min(workers, -(-samples // DRAW_BLOCK)) if parallel else 1
    arrays = inputs.fleet_arrays()
    limits.check_simulation(
        samples, inputs.horizon_years, len(uncertain), chunk_size, workers, asked, arrays, options
    )
    block_size = limits.engine_block(inputs.horizon_years, arrays)
    job = _Job(inputs, dict(inputs.base()), uncertain, seed, block_size)
    clipped = dict.fromkeys(uncertain, 0)
    for chip in job.areas:
        clipped.setdefault(f"{chip}.die_area_mm2", 0)
    values = np.empty((len(_ROWS), samples))

    done = bad = 0

    def collect(rows: Array, moved: dict[str, int]) -> None:
        """Count what a chunk gave; its rows are already in ``values`` (written in place)."""
        nonlocal done, bad
        # samples with a non-finite metric, counted while the block is in the caches
        bad += int(np.count_nonzero(~np.isfinite(rows).all(axis=0)))
        for key, count in moved.items():
            clipped[key] = clipped.get(key, 0) + count
        done += rows.shape[1]
        if progress:
            progress(done, samples)

    if progress:
        progress(0, samples)

    if not parallel:
        streams = _Streams(seed)
        for start in range(0, samples, chunk_size):
            stop = min(start + chunk_size, samples)
            collect(*job.evaluate(start, stop, streams.draw, values[:, start:stop]))
    else:
        blocks = [
            (start, min(start + DRAW_BLOCK, samples)) for start in range(0, samples, DRAW_BLOCK)
        ]
        # Threads, not processes: NumPy releases the GIL in its array work and in drawing,
        # and threads share the inputs and hand back their rows without copies.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # each thread writes its own columns of the kept samples
            work = pool.map(
                lambda b: job.evaluate_block(b[0], b[1], values[:, b[0] : b[1]]), blocks
            )
            for rows, moved in work:
                collect(rows, moved)
    if bad:
        names = [
            name for name, row in zip(_ROWS, values, strict=True) if not np.isfinite(row).all()
        ]
        raise InputError(samples_overflow(inputs, bad, samples, names), loaded.source)
    return Simulation(samples, seed, values, clipped, uncertain, workers)
