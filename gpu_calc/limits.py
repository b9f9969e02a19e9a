"""Resource limits: what a run may ask of the machine, estimated before it starts.

A mistyped option must not take the machine down: ``--samples 1e12`` would need terabytes,
``--jobs 100000`` would fork a hundred thousand processes. Every command that can grow
(``simulate``, ``report``, ``plot``, ``batch --jobs``, ``sweep``) estimates the memory it
needs with the functions below and refuses, before any work, when the estimate is above
:func:`memory_limit`: by default 4 GiB (or half of the machine's memory, if less), raised or
lowered with the environment variable ``GPUCALC_MEMORY_LIMIT`` (``16G``, ``500M``, bytes).

The estimates are measured figures (``docs/errors.md`` says how), rounded up.

>>> parse_size("1.5G"), parse_size("500M"), parse_size("1024")
(1610612736, 524288000, 1024)
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

from gpu_calc.errors import InputError

#: Environment variable that sets the memory limit.
ENV = "GPUCALC_MEMORY_LIMIT"
#: Default limit, lowered to half of the machine's memory when that is less.
DEFAULT_BYTES = 4 << 30

#: Memory of one worker process beyond what it shares with its parent (forked). [B]
WORKER_BYTES = 64 << 20
#: Memory of the engine per sample (or grid point) and year of a block computed at once. [B]
ENGINE_BYTES_PER_POINT_YEAR = 500
#: Memory of one per-year array of the fleets per sample and year: a float (8 bytes,
#: measured), rounded up by half. Every generation of a side holds two such arrays in each
#: plan that has it (units bought, units in service), every installed entry one in each
#: plan (units in service), every workload one (its demand): see :func:`fleet_arrays`. [B]
FLEET_ARRAY_BYTES_PER_POINT_YEAR = 12
#: Most memory the fleets' arrays of one engine call should take: above it a call takes
#: fewer samples (or grid points) than ``BLOCK_SIZE``, which changes no number. [B]
FLEET_BLOCK_BYTES = 256 << 20
#: Memory of a Monte Carlo sample kept for the percentiles: 7 metrics of 8 bytes, and the
#: copies percentiles and histograms make of one of them at a time. [B]
SAMPLE_BYTES = 72
#: What every run holds anyway (Python, NumPy, pydantic, the scenario). [B]
BASE_BYTES = 128 << 20

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?\s*$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from ``16G``, ``500M``, ``2.5g``, ``1024`` (powers of 1024); ValueError if not."""
    found = _SIZE.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a size like 4G, 500M or 1073741824")
    return int(float(found.group(1)) * _UNITS[found.group(2).lower()])


def size_text(n: float) -> str:
    """``1.5 GB`` (powers of 1024, two significant digits at least).

    >>> size_text(7.2e9), size_text(3 << 20), size_text(1e300)
    ('6.7 GB', '3.0 MB', '9.1 × 10^287 TB')
    """
    if n >= 1 << 80:  # past a million TB: a power of ten of TB, not 300 digits
        from gpu_calc.render.human import power_of_ten

        return f"{power_of_ten(n / (1 << 40), 2)} TB"
    for unit, scale in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def _physical_bytes() -> int | None:
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def memory_limit() -> tuple[int, str]:
    """The limit in bytes, and where it comes from (for messages).

    Raises
    ------
    InputError
        When ``GPUCALC_MEMORY_LIMIT`` is set to something that is not a size.
    """
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            return parse_size(text), f"{ENV}={text}"
        except ValueError as exc:
            raise InputError(f"{ENV}={text}: {exc}") from None
    physical = _physical_bytes()
    if physical is not None and physical // 2 < DEFAULT_BYTES:
        return physical // 2, "half of this machine's memory"
    return DEFAULT_BYTES, "the default"


def check(need: float, what: str, option: str, fix: str) -> None:
    """Refuse ``need`` bytes above the limit: an InputError naming ``option`` that says
    what would take them (``what``: "80 worker processes would take"), the limit, ``fix``
    (how to ask for less) and how to raise the limit, when the machine has that much."""
    limit, source = memory_limit()
    if need <= limit:
        return
    physical = _physical_bytes()
    if physical is not None and need > physical:
        beyond = f"this machine has {size_text(physical)} in all"
    else:
        beyond = f"or raise the limit with {ENV}={math.ceil(need / (1 << 30))}G"
    raise InputError(
        f"{what} about {size_text(need)} of memory, above the limit of {size_text(limit)} "
        f"({source}); {fix}{',' if beyond.startswith('or') else ';'} {beyond}",
        option,
    )


def fleet_arrays(bought: int = 1, chips: int = 1, installed: int = 0, workloads: int = 0) -> int:
    """Per-year arrays the engine holds for the fleets of both plans, each ``H`` years by
    the samples: ``bought`` generations on the bought side of each plan and ``chips`` on the
    build plan's chip side, two arrays each (units bought, in service); ``installed``
    entries in each plan, one each (in service); ``workloads``, one each (demand).

    >>> fleet_arrays()  # one accelerator bought, one chip: 2 x 2 + 2
    6
    >>> fleet_arrays(bought=100, chips=100, installed=100, workloads=10)  # 400 + 200 + 200 + 10
    810
    """
    return 2 * 2 * bought + 2 * chips + 2 * installed + workloads


def point_year_bytes(arrays: int = 6) -> int:
    """The engine's memory per sample (or grid point) and year with ``arrays`` fleet
    arrays (:func:`fleet_arrays`): what every scenario needs, and the fleets. [B]

    >>> point_year_bytes(6), point_year_bytes(810)
    (572, 10220)
    """
    return ENGINE_BYTES_PER_POINT_YEAR + arrays * FLEET_ARRAY_BYTES_PER_POINT_YEAR


def engine_block(horizon_years: int, arrays: int = 6) -> int:
    """Samples per engine call of a Monte Carlo run: ``BLOCK_SIZE``, or fewer when the
    fleets' arrays (:func:`fleet_arrays`) would take more than ``FLEET_BLOCK_BYTES``
    (the block size changes only memory, never a number).

    >>> engine_block(10), engine_block(100, 6), engine_block(100, 810), engine_block(100, 10**6)
    (16384, 16384, 276, 1)
    """
    from gpu_calc.uncertainty.montecarlo import BLOCK_SIZE

    per_sample = max(1, horizon_years * arrays * FLEET_ARRAY_BYTES_PER_POINT_YEAR)
    return max(1, min(BLOCK_SIZE, FLEET_BLOCK_BYTES // per_sample))


def simulation_bytes(
    samples: int,
    horizon_years: int,
    uncertain: int,
    chunk_size: int,
    workers: int,
    arrays: int = 6,
) -> int:
    """Memory of a Monte Carlo run: the samples kept, the draws of a chunk, and the
    engine's working set in each thread (``workers`` > 1: each draws one block of
    ``DRAW_BLOCK`` samples at a time), a block of :func:`engine_block` samples with
    ``arrays`` fleet arrays (:func:`fleet_arrays`). [B]

    A 100-year scenario with 300 installed entries (4 + 2 + 600 = 606 fleet arrays, 500 +
    606 x 12 = 7,772 bytes a sample-year), 10,000 samples: blocks of 2**28 // (100 x 606 x
    12) = 369 samples, 369 x 100 x 7,772 = 286.8e6 bytes; with 128 MiB, the samples kept
    (72 x 10,000) and the draws ((2 + 8) x 8 x 10,000), 422.5e6 bytes.

    >>> size_text(simulation_bytes(10_000, 100, 1, 65536, 1, fleet_arrays(installed=300)))
    '403.0 MB'
    """
    from gpu_calc.uncertainty.montecarlo import DRAW_BLOCK

    kept = samples * SAMPLE_BYTES
    chunk = min(samples, DRAW_BLOCK if workers > 1 else chunk_size)
    draws = chunk * (2 * uncertain + 8) * 8
    block = min(chunk, engine_block(horizon_years, arrays))
    engine = block * horizon_years * point_year_bytes(arrays)
    return BASE_BYTES + kept + workers * (draws + engine)


#: How the memory guard names the sizes of a run: the command line's options, or the
#: Python API's arguments (each name followed by its value).
CLI_OPTIONS = {"samples": "--samples ", "chunk_size": "--chunk-size ", "jobs": "--jobs "}
API_OPTIONS = {"samples": "samples=", "chunk_size": "chunk_size=", "jobs": "jobs="}


def check_simulation(
    samples: int,
    horizon_years: int,
    uncertain: int,
    chunk_size: int,
    workers: int,
    asked: int | None = None,
    arrays: int = 6,
    options: Mapping[str, str] = CLI_OPTIONS,
) -> None:
    """Refuse a Monte Carlo run whose :func:`simulation_bytes` is above the limit, naming
    the option that asks for most (as ``options`` names them): ``--jobs`` (``asked``: as
    given, ``workers``: as used), ``--chunk-size`` or ``--samples``; ``arrays``: the fleets'
    per-year arrays (:func:`fleet_arrays`)."""
    jobs, chunks, many = options["jobs"], options["chunk_size"], options["samples"]
    limit = memory_limit()[0]

    def need(chunk: int, jobs: int) -> int:
        return simulation_bytes(samples, horizon_years, uncertain, chunk, jobs, arrays)

    total = need(chunk_size, workers)
    if total <= limit:
        return
    small_chunk = min(chunk_size, 100_000)
    if workers > 1 and need(small_chunk, 1) <= limit:
        most = 1
        while most < workers and need(small_chunk, most + 1) <= limit:
            most += 1
        check(
            total,
            f"{workers:,} worker threads would take",
            f"{jobs}{asked or workers}",
            f"use {jobs}{most} or fewer",
        )
    if chunk_size > small_chunk and need(small_chunk, workers) <= limit:
        check(
            total,
            f"chunks of {min(chunk_size, samples):,} samples would take",
            f"{chunks}{chunk_size}",
            f"use {chunks}{small_chunk} or less (it never changes the result)",
        )
    # a count as tables write it: 1,000,000, and past a quadrillion a power of ten (a
    # 300-digit count says nothing more)
    from gpu_calc.render.human import units

    check(
        total,
        f"{units(samples)} samples would take",
        f"{many}{samples if samples < 10**15 else f'{samples:.3g}'}",
        f"every sample is kept for the percentiles ({SAMPLE_BYTES} bytes each): use fewer "
        "(a million give percentiles to about 0.1%)",
    )


def check_workers(jobs: int, option: str = "--jobs") -> None:
    """Refuse more worker processes than the limit holds (each about WORKER_BYTES)."""
    most = max(1, (memory_limit()[0] - BASE_BYTES) // WORKER_BYTES)
    check(
        BASE_BYTES + jobs * WORKER_BYTES,
        f"{jobs:,} worker processes would take",
        f"{option} {jobs}",
        f"use --jobs {most:,} or fewer (--jobs 0 starts one per core: {os.cpu_count() or 1})",
    )


def points_per_call(points_per_row: int, horizon_years: int, arrays: int = 6) -> int:
    """Rows of a grid computed in one engine call, so that a call stays near 64 MB
    (``arrays``: the fleets' per-year arrays, :func:`fleet_arrays`)."""
    per_row = max(1, points_per_row * horizon_years * point_year_bytes(arrays))
    return max(1, (64 << 20) // per_row)
