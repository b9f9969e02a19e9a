"""Colour only on a terminal: real subprocesses under a pseudo-terminal, and pipes.

NO_COLOR (any non-empty value), TERM=dumb and --no-color each turn colour off even on a
terminal; output to a pipe or a file never carries escape codes.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from gpu_calc.cli.common import paint, use_color
from tests.conftest import ROOT

pty = pytest.importorskip("pty")
ESC = b"\x1b["


def _env(**extra: str) -> dict[str, str]:
    # the environment of a terminal user: no CI variable (gpucalc shows no progress in CI)
    drop = ("NO_COLOR", "TERM", "FORCE_COLOR", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", **extra})
    return env


def run_on_tty(args: list[str], **env: str) -> tuple[int, bytes]:
    """Run ``python -m gpu_calc ARGS`` with stdout on a pseudo-terminal; its exit code and
    what it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gpu_calc", *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_env(**env),
        cwd=ROOT,
    )
    os.close(slave)
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
    proc.wait(timeout=60)
    assert proc.stderr is not None
    proc.stderr.close()
    return proc.returncode, b"".join(chunks)


def run_piped(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "gpu_calc", *args],
        capture_output=True,
        env=_env(**env),
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_compare_colour_on_a_terminal_only(small_file):
    code, out = run_on_tty(["compare", str(small_file)])
    assert code == 0 and ESC in out and b"Buy vs build" in out
    piped = run_piped(["compare", str(small_file)])
    assert piped.returncode == 0 and b"Buy vs build" in piped.stdout
    assert ESC not in piped.stdout and ESC not in piped.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["presets", "--no-color"], {}),
        (["presets"], {"NO_COLOR": "1"}),
        (["presets"], {"TERM": "dumb"}),
    ],
    ids=["--no-color", "NO_COLOR", "TERM=dumb"],
)
def test_colour_off_on_a_terminal(args, env):
    code, out = run_on_tty(args, **env)
    assert code == 0 and b"h100-sxm" in out
    assert ESC not in out


def test_presets_colour_on_a_terminal():
    code, out = run_on_tty(["presets", "--kind", "sites"])
    assert code == 0 and ESC in out


def test_output_file_never_coloured(tmp_path):
    target = tmp_path / "p.txt"
    code, _ = run_on_tty(["presets", "-o", str(target)])
    assert code == 0
    assert ESC not in target.read_bytes()


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("env", "no_color", "tty", "expected"),
    [
        ({}, False, True, True),
        ({}, False, False, False),
        ({}, True, True, False),
        ({"NO_COLOR": "1"}, False, True, False),
        ({"NO_COLOR": ""}, False, True, True),  # no-color.org: only a non-empty value counts
        ({"TERM": "dumb"}, False, True, False),
    ],
)
def test_use_color(monkeypatch, env, no_color, tty, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(no_color, _Stream(tty)) is expected


def test_paint():
    assert paint("ok", "green", False) == "ok"
    assert paint("ok", "green", True) == "\x1b[32mok\x1b[0m"
