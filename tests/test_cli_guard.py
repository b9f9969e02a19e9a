"""The top-level guard of ``main()``: bugs exit 70 in one line, Ctrl-C 130, closed pipes quietly."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import gpu_calc.results
from gpu_calc.cli import main
from tests.conftest import ROOT

# the module, not the Typer app that gpu_calc.cli exports under the same name
app_module = importlib.import_module("gpu_calc.cli.app")


@pytest.fixture(autouse=True)
def _keep_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() restores SIGPIPE's default; not in the test process."""
    monkeypatch.setattr(app_module.signal, "signal", lambda *args: None)
    monkeypatch.setattr(app_module, "_debug", False)
    monkeypatch.delenv("GPUCALC_DEBUG", raising=False)


def _raise(exc: BaseException) -> None:
    def boom(*args: object) -> None:
        raise exc

    gpu_calc.results.compare = boom  # type: ignore[assignment]


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gpu_calc.results, "compare", gpu_calc.results.compare)


def test_internal_error_is_one_line_and_exit_70(
    broken: None, small_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _raise(ZeroDivisionError("float division by zero\nsecond line"))
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(small_file)])
    assert exit_info.value.code == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "gpucalc: internal error: ZeroDivisionError: float division by zero\\nsecond line "
        "(a bug in gpucalc: rerun with --debug for the traceback, and report it)\n"
    )


@pytest.mark.parametrize("how", ["option", "env"])
def test_debug_shows_the_traceback(
    how: str, broken: None, small_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _raise(ZeroDivisionError("boom"))
    args = ["compare", str(small_file)]
    if how == "option":
        args.insert(0, "--debug")
    else:
        monkeypatch.setenv("GPUCALC_DEBUG", "1")
    with pytest.raises(ZeroDivisionError, match="boom"):
        main(args)


def test_ctrl_c_exits_130_quietly(
    broken: None, small_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _raise(KeyboardInterrupt())
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(small_file)])
    assert exit_info.value.code == 130
    assert "Traceback" not in capsys.readouterr().err


def test_input_errors_still_exit_2(small_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_file.write_text("horizon_years: 0\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(small_file)])
    assert exit_info.value.code == 2


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this platform")
def test_closed_pipe_exits_quietly() -> None:
    """``gpucalc compare x.yaml -f json | head -1``: the reader went away; no traceback."""
    proc = _run_to_closed_pipe(["compare", "scenarios/meta-2024.yaml", "-f", "json"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""


def _run_to_closed_pipe(
    args: list[str], timeout: float = 120, **kwargs: object
) -> subprocess.CompletedProcess:
    """``gpucalc ARGS`` writing to a pipe whose reader is already gone."""
    read, write = os.pipe()
    os.close(read)  # the reader went away before the first byte
    try:
        return subprocess.run(
            [sys.executable, "-m", "gpu_calc", *args],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            **kwargs,  # type: ignore[call-overload]
        )
    finally:
        os.close(write)


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this platform")
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["schema"], 0),  # 126 kB: more than a pipe holds; it died by SIGPIPE (141)
        (
            [
                "sweep",
                "scenarios/meta-2024.yaml",
                "-p",
                "build.share",
                "-v",
                "0:1:1000",
                "-f",
                "csv",
            ],
            0,
        ),
        (["--help"], 0),
        (["validate", "scenarios/meta-2024.yaml", "-f", "json"], 0),
        # the command's own code survives the closed pipe: an expectation that fails is 1
        (["batch", "scenarios/meta-2024.yaml", "--expect", "comparison.cheaper={equals: buy}"], 1),
    ],
    ids=["schema", "sweep-csv", "help", "validate", "batch-failed"],
)
def test_every_command_is_quiet_on_a_closed_pipe(args: list[str], code: int) -> None:
    proc = _run_to_closed_pipe(args)
    assert proc.returncode == code, proc.stderr
    assert b"Traceback" not in proc.stderr and b"pipe" not in proc.stderr.lower()
    if args[0] in ("schema", "sweep", "--help"):
        assert proc.stderr == b""


def test_a_closed_stderr_keeps_the_exit_code(tmp_path: Path) -> None:
    """``gpucalc compare /nonexist.yaml 2>&-`` exited 1 (its message could not be written)."""
    script = (
        "import os, sys; os.close(2); "
        "sys.argv = ['gpucalc', 'compare', sys.argv[1]]; "
        "from gpu_calc.cli import main; main()"
    )
    closed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "nonexist.yaml")],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert closed.returncode == 2, closed
    # from the shell too: 2>&- closes descriptor 2 before Python starts
    shell = subprocess.run(
        f"{sys.executable} -m gpu_calc compare {tmp_path / 'nonexist.yaml'} 2>&-",
        shell=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert shell.returncode == 2
    # and an output file opened later never receives the messages
    out = tmp_path / "o.json"
    ok = subprocess.run(
        f"{sys.executable} -m gpu_calc compare scenarios/meta-2024.yaml -f json -o {out} 2>&-",
        shell=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert ok.returncode == 0
    assert out.read_text().startswith("{")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["compare", "x.yaml", "--nope"],
            "error: no such option: --nope (see 'gpucalc compare -h')",
        ),
        (
            ["compare", "x.yaml", "-f", "xml"],
            "error: invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json', "
            "'csv', 'markdown', 'xlsx' (see 'gpucalc compare -h')",
        ),
        (
            ["simulate", "x.yaml", "-n", "abc"],
            "error: invalid value for '--samples' / '-n': 'abc' is not a whole number (write "
            "e.g. 100000 or 1e5) (see 'gpucalc simulate -h')",
        ),
        (["compare"], "error: missing argument 'FILE' (see 'gpucalc compare -h')"),
        # click raises this one without its context: the command is found in the arguments
        (["compare", "-f"], "error: option '-f' requires an argument (see 'gpucalc compare -h')"),
        (["no-such-command"], "error: no such command 'no-such-command' (see 'gpucalc -h')"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Click's four lines (usage, hint, blank, error last) become one, like any error."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err == line + "\n"


def test_exit_codes_pass_through_main(small_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A command's own exit code survives (typer.Exit comes back as a code): 0 for a good
    compare, 2 for a bad --set, 1 for a failed expectation in batch; gpucalc alone: help, 2."""
    for argv, code in [
        (["compare", str(small_file), "-f", "json"], 0),
        (["compare", str(small_file), "--set", "site.pue=0.5"], 2),
        (["batch", str(small_file), "--expect", "comparison.cheaper={equals: nobody}"], 1),
        (["--version"], 0),
        ([], 2),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == code, argv
    assert "Usage: gpucalc [OPTIONS] COMMAND" in capsys.readouterr().err
