"""Resource limits and error floods (issue 11): never run away, never flood.

The memory limit is set in each test (``GPUCALC_MEMORY_LIMIT``) and the machine's memory
faked, so the messages are the same on every machine. Nothing here allocates what it
refuses: the refusal comes before the work.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gpu_calc import limits
from gpu_calc.cli import app
from gpu_calc.errors import InputError
from gpu_calc.scenario import load_file
from gpu_calc.uncertainty import sweep as sweep_module
from gpu_calc.uncertainty.montecarlo import simulate
from tests.conftest import SCENARIOS, SEED, SMALL

UNCERTAIN = str(SCENARIOS / "meta-2025-uncertain.yaml")


@pytest.fixture(autouse=True)
def _machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine of 64 GiB, a limit of 4 GiB: the same messages everywhere."""
    monkeypatch.setattr(limits, "_physical_bytes", lambda: 64 << 30)
    monkeypatch.setenv(limits.ENV, "4G")
    monkeypatch.setattr("os.cpu_count", lambda: 2)


@pytest.mark.parametrize(
    ("text", "size"),
    [("4G", 4 << 30), ("500M", 500 << 20), ("1.5g", 3 << 29), ("2GiB", 2 << 30), ("10", 10)],
)
def test_sizes(text: str, size: int) -> None:
    assert limits.parse_size(text) == size


def test_the_default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.ENV)
    assert limits.memory_limit() == (4 << 30, "the default")
    monkeypatch.setattr(limits, "_physical_bytes", lambda: 2 << 30)
    assert limits.memory_limit() == (1 << 30, "half of this machine's memory")


def test_samples_beyond_the_limit(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", UNCERTAIN, "--samples", "100000000"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "error: --samples 100000000: 100,000,000 samples would take about 6.9 GB of memory, "
        "above the limit of 4.0 GB (GPUCALC_MEMORY_LIMIT=4G); every sample is kept for the "
        "percentiles (72 bytes each): use fewer (a million give percentiles to about 0.1%), "
        "or raise the limit with GPUCALC_MEMORY_LIMIT=7G\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", UNCERTAIN],
        ["report", UNCERTAIN, "-o", "r.html"],
        ["plot", UNCERTAIN, "--kind", "histogram", "-o", "h.png"],
    ],
    ids=["simulate", "report", "plot"],
)
def test_every_command_refuses_too_many_samples_alike(
    runner: CliRunner, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """report used to exit 0 with "No Monte Carlo: ... above the limit" inside the page."""
    pytest.importorskip("matplotlib")
    import gpu_calc.uncertainty.montecarlo as mc

    monkeypatch.chdir(tmp_path)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refusal comes before the work")

    monkeypatch.setattr(mc, "_Job", never)
    result = runner.invoke(app, [*command, "--samples", "1000000000"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "error: --samples 1000000000: 1,000,000,000 samples would take about 67.2 GB of memory"
    )
    assert len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_samples_beyond_the_machine(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", UNCERTAIN, "--samples", "1000000000000"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "error: --samples 1000000000000: 1,000,000,000,000 samples would take about 65.5 TB"
    )
    assert result.stderr.endswith("; this machine has 64.0 GB in all\n")


def test_a_raised_limit_lets_the_same_run_start(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_file(UNCERTAIN)
    monkeypatch.setenv(limits.ENV, "100M")
    # 2,000,000 x 72 B kept + one chunk's draws, 65,536 x (2 x 19 + 8) x 8 B, + the engine,
    # 16,384 x 5 years x 572 B (500 + 6 fleet arrays x 12 B), + 128 MiB = 349.2e6 B
    with pytest.raises(InputError, match="2,000,000 samples would take about 333.0 MB"):
        simulate(loaded, 2_000_000, seed=0)
    monkeypatch.setenv(limits.ENV, "1G")
    assert simulate(loaded, 1000, seed=0).samples == 1000


def test_jobs_of_a_simulation(runner: CliRunner) -> None:
    args = ["simulate", UNCERTAIN, "--samples", "10000000", "--jobs", "100000"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    # 153 blocks of 65,536 samples: never more workers than blocks. Each thread holds a
    # block's draws, 65,536 x (2 x 19 + 8) x 8 B = 24.1 MB, and the engine's working set,
    # 16,384 x 5 years x 572 B (500 + 6 fleet arrays of one bought accelerator and one chip,
    # 12 B each) = 46.9 MB; 153 x 70.98 MB + 10M x 72 B + 128 MiB = 10.9 GiB.
    # Under the 4 GiB limit: (4 GiB - 128 MiB - 720 MB) / 70.98 MB = 48.5, so 48 threads.
    assert result.stderr.startswith(
        "error: --jobs 100000: 153 worker threads would take about 10.9 GB of memory"
    )
    assert "use --jobs 48 or fewer" in result.stderr


def test_chunk_size_of_a_simulation(runner: CliRunner) -> None:
    args = ["simulate", UNCERTAIN, "--samples", "20000000", "--chunk-size", "100000000"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --chunk-size 100000000: chunks of 20,000,000")
    assert "use --chunk-size 100000 or less (it never changes the result)" in result.stderr


def test_jobs_of_a_batch(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        (tmp_path / f"s{i}.yaml").write_text(SMALL)
    monkeypatch.setenv(limits.ENV, "200M")
    result = runner.invoke(app, ["batch", str(tmp_path), "--jobs", "100000"])
    assert result.exit_code == 2, result.output
    # never more workers than files: 3 asked of the machine, not 100,000
    assert result.stderr == (
        "error: --jobs 3: 3 worker processes would take about 320.0 MB of memory, above the "
        "limit of 200.0 MB (GPUCALC_MEMORY_LIMIT=200M); use --jobs 1 or fewer (--jobs 0 "
        "starts one per core: 2), or raise the limit with GPUCALC_MEMORY_LIMIT=1G\n"
    )
    result = runner.invoke(app, ["batch", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output


def test_a_bad_limit(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.ENV, "lots")
    result = runner.invoke(app, ["simulate", UNCERTAIN, "--samples", "100"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: GPUCALC_MEMORY_LIMIT=lots: 'lots' is not a size like 4G, 500M or 1073741824\n"
    )


def test_a_sweep_is_computed_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices of one row give the numbers of one call over the whole grid."""
    loaded = load_file(str(SEED))
    grid = [("build.share", [0.0, 0.25, 0.5, 1.0]), ("discount_rate", [0.0, 0.05, 0.1])]
    whole = sweep_module.sweep(loaded, grid).to_dict()
    monkeypatch.setattr(limits, "points_per_call", lambda *args: 1)
    sliced = sweep_module.sweep(loaded, grid).to_dict()
    assert sliced == whole
    assert np.shape(whole["outputs"]["savings_npv_usd"]) == (4, 3)


def test_the_largest_sweep_needs_one_row_at_a_time() -> None:
    # 1,000 values on the other axis over 100 years: 50 MB a row, one row a call
    assert limits.points_per_call(1000, 100) == 1
    # 10 points x 4 years x 572 bytes (500 + the 6 arrays of one bought accelerator and one
    # chip, 12 bytes each) = 22,880 bytes a row: 64 MiB // 22,880 = 2,933 rows
    assert limits.points_per_call(10, 4) == 2933


# --------------------------------------------------------------------------- floods


def _flood(tmp_path: Path, n: int) -> Path:
    values = ", ".join(f"x{i}" for i in range(n))
    path = tmp_path / "flood.yaml"
    path.write_text(SMALL.replace("  units: 100", f"  units: [{values}]"))
    return path


def test_compare_prints_the_first_problems_of_a_file(runner: CliRunner, tmp_path: Path) -> None:
    path = _flood(tmp_path, 50_000)
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 11
    assert lines[0].endswith("demand.units[0]: expected a number, got the text 'x0'")
    assert lines[-1] == f"{path}: ... and 49,990 more problems"


def test_validate_and_batch_print_the_first_problems_of_each_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = _flood(tmp_path, 30)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        f"{path}: ... and 20 more problems",
        "1 file: 0 valid, 1 invalid (30 errors)",
    ]
    result = runner.invoke(app, ["batch", str(path), "-f", "json"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "gpucalc batch: 30 problems:"
    assert lines[-2] == f"{path}: ... and 20 more problems"
    # the JSON keeps every problem
    assert len(json.loads(result.stdout)["results"][0]["errors"]) == 30


# --------------------------------------------------------------------------- fleets


def test_the_engine_memory_grows_with_the_fleets() -> None:
    """A generation holds two per-year arrays in each plan that has it, an installed entry
    one in each plan, a workload one; 12 bytes a sample-year each (8 measured)."""
    # one bought accelerator in two plans (2 x 2) and one chip (2): 6 arrays
    assert limits.fleet_arrays() == 6
    # 21 bought generations (84), 21 chips (42), 20 installed entries (40), 3 workloads (3)
    assert limits.fleet_arrays(21, 21, 20, 3) == 169
    # 100 years, 10,000 samples, one uncertain field, one thread: 128 MiB + 10,000 x 72 B
    # kept + 10,000 x (2 + 8) x 8 B drawn = 135,737,728 B, and the engine's block
    plain = limits.simulation_bytes(10_000, 100, 1, 65536, 1)
    # one block of 10,000 samples x 100 years x 572 B (500 + 6 x 12) = 572,000,000 B
    assert plain == 135_737_728 + 572_000_000
    # 300 installed entries (606 arrays): 500 + 606 x 12 = 7,772 B a sample-year, in blocks
    # of 2**28 // (100 x 606 x 12) = 369 samples: 369 x 100 x 7,772 = 286,786,800 B
    assert limits.engine_block(100, 606) == 369
    many = limits.simulation_bytes(10_000, 100, 1, 65536, 1, limits.fleet_arrays(installed=300))
    assert many == 135_737_728 + 286_786_800
    # with the block of 10,000 samples the fleets would take (no smaller block): 7.8 GB
    assert 10_000 * 100 * limits.point_year_bytes(606) == 7_772_000_000
    # each fleet adds to the estimate, at the same block
    few = limits.simulation_bytes(1000, 100, 1, 65536, 1, limits.fleet_arrays(installed=10))
    more = limits.simulation_bytes(1000, 100, 1, 65536, 1, limits.fleet_arrays(installed=20))
    # 1,000 samples x 100 years x 10 entries x 2 arrays x 12 B = 24,000,000 B
    assert more - few == 24_000_000


def test_a_monte_carlo_run_with_many_fleets_is_refused_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gpu_calc.uncertainty.montecarlo as mc

    path = tmp_path / "fleets.yaml"
    installed = "".join("- {accelerator: a100, units: 1}\n" for _ in range(20))
    path.write_text(
        "horizon_years: 100\n"
        "demand: {units: {dist: uniform, low: 90000, high: 110000}}\n"
        "site: {electricity_usd_per_kwh: 0.1}\n"
        "buy: {accelerator: h100-sxm, unit_price_usd: 28000}\n"
        "build: {share: 0.3, chip: {accelerator: mtia-v2}, nre: {design_usd: 4.0e+8}}\n"
        f"installed:\n{installed}"
    )
    loaded = load_file(str(path))

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refusal comes before the work")

    monkeypatch.setattr(mc, "_Job", never)
    monkeypatch.setenv(limits.ENV, "300M")
    # 46 arrays: 500 + 46 x 12 = 1,052 B a sample-year; blocks of 4,862 samples (2**28 //
    # (100 x 46 x 12)): 511.5e6 B, + 128 MiB + 100,000 x 72 B + 65,536 x 10 x 8 B = 658.1e6 B
    with pytest.raises(InputError, match="100,000 samples would take about 627.7 MB"):
        simulate(loaded, 100_000, seed=0)


def test_the_engine_block_changes_no_number(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Blocks of 7 samples give the bits of blocks of 16,384 (with generations, an installed
    base and uncertain start years)."""

    path = tmp_path / "mix.yaml"
    path.write_text(
        "horizon_years: 8\n"
        "demand: {units: {dist: uniform, low: 900, high: 1100}}\n"
        "site: {electricity_usd_per_kwh: 0.1}\n"
        "buy:\n"
        "  accelerator: h100-sxm\n"
        "  unit_price_usd: 28000\n"
        "  generations:\n"
        "  - {accelerator: b200, from_year: {dist: uniform, low: 1, high: 4}}\n"
        "  - {accelerator: b200, from_year: 6}\n"
        "build:\n"
        "  share: 0.3\n"
        "  chip: {accelerator: mtia-v2}\n"
        "  nre: {design_usd: 4.0e+8}\n"
        "  generations:\n"
        "  - {from_year: 3, chip: {accelerator: mtia-v2}, nre: {design_usd: 1.0e+8}}\n"
        "installed:\n"
        "- {accelerator: a100, units: 300, age_years: 1}\n"
        "- {accelerator: a100, units: {dist: uniform, low: 0, high: 200}}\n"
    )
    loaded = load_file(str(path))
    whole = simulate(loaded, 1000, seed=3)
    monkeypatch.setattr(limits, "engine_block", lambda *args: 7)
    blocks = simulate(loaded, 1000, seed=3)
    np.testing.assert_array_equal(blocks.values, whole.values)
