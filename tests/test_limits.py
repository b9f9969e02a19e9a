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
    with pytest.raises(InputError, match="2,000,000 samples would take about 327.4 MB"):
        simulate(loaded, 2_000_000, seed=0)
    monkeypatch.setenv(limits.ENV, "1G")
    assert simulate(loaded, 1000, seed=0).samples == 1000


def test_jobs_of_a_simulation(runner: CliRunner) -> None:
    args = ["simulate", UNCERTAIN, "--samples", "10000000", "--jobs", "100000"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    # 153 blocks of 65,536 samples: never more workers than blocks. Each thread holds a
    # block's draws, 65,536 x (2 x 19 + 8) x 8 B = 24.1 MB, and the engine's working set,
    # 16,384 x 5 years x 500 B = 41.0 MB; 153 x 65.08 MB + 10M x 72 B + 128 MiB = 10.1 GiB.
    # Under the 4 GiB limit: (4 GiB - 128 MiB - 720 MB) / 65.08 MB = 52.9, so 52 threads.
    assert result.stderr.startswith(
        "error: --jobs 100000: 153 worker threads would take about 10.1 GB of memory"
    )
    assert "use --jobs 52 or fewer" in result.stderr


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
    monkeypatch.setattr(limits, "points_per_call", lambda points, years: 1)
    sliced = sweep_module.sweep(loaded, grid).to_dict()
    assert sliced == whole
    assert np.shape(whole["outputs"]["savings_npv_usd"]) == (4, 3)


def test_the_largest_sweep_needs_one_row_at_a_time() -> None:
    # 1,000 values on the other axis over 100 years: 50 MB a row, one row a call
    assert limits.points_per_call(1000, 100) == 1
    assert limits.points_per_call(10, 4) == 3355


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
