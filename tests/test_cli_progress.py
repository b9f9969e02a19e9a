"""Progress of long work on stderr, only on a terminal; work refused before it starts when
its result could not be written or drawn."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gpu_calc.cli import app
from tests.conftest import ROOT, SCENARIOS, SEED
from tests.test_cli_color import _env

pty = pytest.importorskip("pty")
UNCERTAIN = SCENARIOS / "meta-2025-uncertain.yaml"


def run_stderr_on_tty(args: list[str], **env: str) -> tuple[int, bytes, bytes]:
    """Run ``python -m gpu_calc ARGS`` with stderr on a pseudo-terminal and stdout piped:
    its exit code, stdout, and what it wrote on the terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gpu_calc", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=_env(**env),
        cwd=ROOT,
    )
    os.close(slave)
    assert proc.stdout is not None
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    out = proc.stdout.read()
    proc.stdout.close()
    proc.wait(timeout=120)
    return proc.returncode, out, b"".join(chunks)


SIMULATE = ["simulate", str(UNCERTAIN), "-n", "40000", "--chunk-size", "10000", "-f", "json"]


def test_simulate_shows_progress_on_a_terminal_only():
    code, out, err = run_stderr_on_tty(SIMULATE)
    assert code == 0, err[-2000:]
    assert b"samples" in err and b"40000/40000" in err.replace(b",", b"")
    assert out.startswith(b"{") and b"\x1b[" not in out  # the JSON is untouched
    piped = subprocess.run(
        [sys.executable, "-m", "gpu_calc", *SIMULATE],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == out  # progress never changes the result


def test_simulate_progress_counts_every_chunk():
    from gpu_calc.scenario import load_file
    from gpu_calc.uncertainty.montecarlo import simulate

    seen: list[tuple[int, int]] = []
    simulate(
        load_file(str(UNCERTAIN)), 2500, 0, chunk_size=1000, progress=lambda *a: seen.append(a)
    )
    assert seen == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


def test_report_dir_shows_progress_on_a_terminal(tmp_path):
    pytest.importorskip("matplotlib")
    code, _out, err = run_stderr_on_tty(
        ["batch", str(SEED), str(SCENARIOS / "italy-leonardo-scale.yaml"), "--report-dir",
         str(tmp_path / "r"), "-f", "json"]
    )  # fmt: skip
    assert code == 0, err[-2000:]
    assert b"reports" in err and b"2/2" in err
    assert (tmp_path / "r" / "index.html").exists()


def test_report_dir_without_matplotlib_is_refused_before_the_batch(runner, monkeypatch, tmp_path):
    from gpu_calc import batch as lib
    from gpu_calc import charts

    def missing() -> None:
        raise charts.ChartsUnavailable("charts need matplotlib, which is not installed: ...")

    ran: list[object] = []
    monkeypatch.setattr(charts, "require_matplotlib", missing)
    monkeypatch.setattr(lib, "run", lambda *a, **k: ran.append(a))
    result = runner.invoke(app, ["batch", str(SCENARIOS), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert ran == []  # not a single scenario computed
    assert "--report-dir: charts need matplotlib" in result.stderr
    assert not (tmp_path / "r").exists()


def test_histogram_without_distributions_is_refused(runner, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "h.svg"
    result = runner.invoke(app, ["plot", str(SEED), "--kind", "histogram", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: --kind histogram: {SEED} has no uncertain input to draw; give some field a "
        "distribution, e.g. --set 'build.share={dist: pert, low: 0.1, mode: 0.25, high: 0.4}'\n"
    )
    assert not out.exists()
    drawn = runner.invoke(
        app,
        ["plot", str(SEED), "-k", "histogram", "-n", "200", "-o", str(out),
         "--set", "build.share={dist: pert, low: 0.1, mode: 0.25, high: 0.4}"],
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    assert out.read_bytes().startswith(b"<?xml")


def test_no_progress_in_ci_even_on_a_terminal():
    """Some CI runners give jobs a pseudo-terminal; with CI set the log gets no bar."""
    code, out, err = run_stderr_on_tty(SIMULATE, CI="true")
    assert code == 0 and out.startswith(b"{")
    assert b"samples" not in err and b"\x1b[" not in err
