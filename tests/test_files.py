"""Files in and out (issue 11): only regular files are read; nothing of the user's is lost.

Every case that needs a FIFO, a device, a socket, a symlink or a hard link builds it in
``tmp_path``. Anything that could block (a FIFO) runs in a subprocess with a timeout, or
with the other end opened first, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc import files
from gpu_calc.cli import app
from tests.conftest import ROOT, SMALL

GPUCALC = [sys.executable, "-m", "gpu_calc"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GPUCALC, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=ENV
    )


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A batch folder with two scenarios (one in a subfolder, one named in capitals)."""
    monkeypatch.chdir(tmp_path)
    scen = tmp_path / "scen"
    (scen / "sub").mkdir(parents=True)
    (scen / "a.yaml").write_text(SMALL)
    (scen / "sub" / "B.YAML").write_text(SMALL.replace("name: small", "name: big"))
    return scen


# --------------------------------------------------------------------------- never onto an input


@pytest.mark.parametrize("option", ["-o", "--junit", "--summary"])
@pytest.mark.parametrize("onto", ["scen/a.yaml", "scen/sub/B.YAML", "link.yaml", "hard.txt"])
def test_batch_never_writes_onto_a_scenario_it_reads(
    option: str, onto: str, folder: Path, runner: CliRunner
) -> None:
    """Found in the folder, not named on the command line; through a symlink or hard link."""
    os.symlink("scen/a.yaml", "link.yaml")
    os.link("scen/sub/B.YAML", "hard.txt")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["batch", "scen", option, onto])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {option} {onto}: refusing to overwrite an input")
    assert result.stderr.count("\n") == 1
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_two_outputs_of_a_batch_onto_one_file(folder: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["batch", "scen", "-o", "out.txt", "--junit", "./out.txt"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: --junit ./out.txt: the same file as -o; give each its own\n"
    assert not Path("out.txt").exists()


def test_compare_never_writes_onto_its_scenario_through_a_symlink(
    folder: Path, runner: CliRunner
) -> None:
    os.symlink("scen/a.yaml", "out.json")
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "out.json"])
    assert result.exit_code == 2
    assert "refusing to overwrite an input (scen/a.yaml)" in result.stderr
    assert Path("scen/a.yaml").read_text() == SMALL


# --------------------------------------------------------------------------- what -o writes


def test_devices_are_written_not_replaced(folder: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["batch", "scen", "-o", os.devnull])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_dev_stdout_is_the_stream(folder: Path) -> None:
    proc = _run("compare", "scen/a.yaml", "-f", "json", "-o", "/dev/stdout", cwd=folder.parent)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenario"] == "small"
    # appended to a file the shell opened with >>, not written over it
    Path("log.txt").write_text("before\n")
    sh = f"{' '.join(GPUCALC)} compare scen/a.yaml -f json -o /dev/stdout >> log.txt"
    subprocess.run(["sh", "-c", sh], cwd=folder.parent, env=ENV, check=True, timeout=60)
    text = Path("log.txt").read_text()
    assert text.startswith("before\n{")
    assert json.loads(text.removeprefix("before\n"))["scenario"] == "small"


def test_a_symlink_writes_its_target_and_says_so(folder: Path, runner: CliRunner) -> None:
    Path("real.json").write_text("old")
    os.symlink("real.json", "out.json")
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    assert os.readlink("out.json") == "real.json"  # the link is kept
    assert json.loads(Path("real.json").read_text())["scenario"] == "small"
    real = os.path.realpath("real.json")
    assert result.stderr == f"note: -o out.json is a symlink: wrote {real}\n"


def test_a_dangling_symlink_creates_its_target(folder: Path, runner: CliRunner) -> None:
    os.symlink("new.json", "out.json")
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    assert os.path.islink("out.json")
    assert json.loads(Path("new.json").read_text())["scenario"] == "small"


def test_a_symlink_loop_is_refused(folder: Path, runner: CliRunner) -> None:
    os.symlink("loop2", "loop1")
    os.symlink("loop1", "loop2")
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "loop1"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: -o loop1: is a symlink that cannot be followed: a symlink loop\n"
    )


def test_an_existing_file_keeps_its_permissions(folder: Path, runner: CliRunner) -> None:
    out = Path("out.json")
    out.write_text("old")
    out.chmod(0o640)
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert json.loads(out.read_text())["scenario"] == "small"


def test_a_new_file_follows_the_umask(folder: Path, runner: CliRunner) -> None:
    old = os.umask(0o027)
    try:
        result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "new.txt"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(Path("new.txt").stat().st_mode) == 0o640


def test_the_temporary_file_never_takes_a_users_name(folder: Path, runner: CliRunner) -> None:
    """A file named like the old fixed temporary name is left alone, and nothing is left."""
    mine = Path(".out.json.gpucalc-tmp")
    mine.write_text("mine")
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    assert mine.read_text() == "mine"
    assert sorted(p.name for p in Path().iterdir() if p.name.startswith(".")) == [mine.name]


def test_concurrent_writers_of_one_file(tmp_path: Path) -> None:
    """Two writers at once: no error, no temporary file left, the result one of the two."""
    target = tmp_path / "out.txt"
    texts = ["a" * 100_000, "b" * 100_000]
    errors: list[BaseException] = []

    def writer(text: str) -> None:
        try:
            for _ in range(30):
                files.write_file(str(target), text)
                assert target.read_text() in texts  # a reader never sees a part
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert target.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_fifo_without_a_reader_is_refused(folder: Path) -> None:
    os.mkfifo("out.fifo")
    proc = _run("compare", "scen/a.yaml", "-o", "out.fifo", cwd=folder.parent, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: -o out.fifo: is a FIFO (named pipe) that no process is reading; "
        "start the reader first\n"
    )


def test_a_fifo_with_a_reader_is_written(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    # the reader opens without blocking, so the writer finds it there
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        files.write_file(str(fifo), "through the pipe\n")
        os.set_blocking(fd, True)
        got.append(os.read(fd, 100))
    finally:
        os.close(fd)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(files.OutputError, match="^is a socket; refusing to write to it$"):
            files.write_file(str(path), "x")


def test_a_directory_is_refused(folder: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "scen"])
    assert result.exit_code == 2
    assert result.stderr == "error: -o scen: is a directory; give a file name\n"


# --------------------------------------------------------------------------- failing writes


def test_a_read_only_folder(
    folder: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, chmod cannot make a folder read-only: the error itself, forced."""
    Path("out.json").write_text("old")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "out.json"])
    assert result.exit_code == 2
    assert result.stderr == "error: -o out.json: cannot write: permission denied\n"
    assert Path("out.json").read_text() == "old"


def test_a_full_disk_keeps_the_old_file(
    folder: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("out.json").write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = runner.invoke(app, ["compare", "scen/a.yaml", "-o", "out.json"])
    assert result.exit_code == 2
    assert result.stderr == "error: -o out.json: cannot write: No space left on device\n"
    assert Path("out.json").read_text() == "old"
    assert sorted(p.name for p in Path().iterdir()) == ["out.json", "scen"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full(folder: Path) -> None:
    proc = _run("compare", "scen/a.yaml", "-o", "/dev/full", cwd=folder.parent)
    assert proc.returncode == 2
    assert proc.stderr == "error: -o /dev/full: cannot write: No space left on device\n"
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*GPUCALC, "compare", "scen/a.yaml"],
            cwd=folder.parent,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_closed_stdout(folder: Path) -> None:
    sh = f"{' '.join(GPUCALC)} compare scen/a.yaml >&-"
    proc = subprocess.run(
        ["sh", "-c", sh], cwd=folder.parent, env=ENV, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: it is closed\n"


# --------------------------------------------------------------------------- --summary


def test_summary_appends(folder: Path, runner: CliRunner) -> None:
    Path("summary.md").write_text("# earlier step\n")
    result = runner.invoke(app, ["batch", "scen", "--summary", "summary.md"])
    assert result.exit_code == 0, result.output
    text = Path("summary.md").read_text()
    assert text.startswith("# earlier step\n")
    assert "`scen/a.yaml`" in text and "`scen/sub/B.YAML`" in text


# --------------------------------------------------------------------------- --report-dir


@pytest.fixture
def reports(folder: Path) -> Path:
    pytest.importorskip("matplotlib")
    out = folder.parent / "reports"
    out.mkdir()
    return out


def test_report_dir_never_follows_a_symlink_out(
    folder: Path, reports: Path, runner: CliRunner
) -> None:
    outside = folder.parent / "outside.html"
    outside.write_text("precious")
    os.symlink(outside, reports / "index.html")
    result = runner.invoke(app, ["batch", "scen", "--report-dir", "reports"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "error: --report-dir reports: refusing to replace files gpucalc did not write: "
        "index.html (a symlink) (move them away, choose another folder, or add "
        "--replace-reports)"
    )
    assert sorted(p.name for p in reports.iterdir()) == ["index.html"]
    result = runner.invoke(app, ["batch", "scen", "--report-dir", "reports", "--replace-reports"])
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "precious"
    assert not (reports / "index.html").is_symlink()
    assert "replaced 1 existing file(s) in reports: index.html" in result.stderr


def test_report_dir_replaces_its_own_reports_and_says_so(
    folder: Path, reports: Path, runner: CliRunner
) -> None:
    (reports / "notes.html").write_text("mine")
    result = runner.invoke(app, ["batch", "scen", "--report-dir", "reports"])
    assert result.exit_code == 0, result.output
    assert "replaced" not in result.stderr
    result = runner.invoke(app, ["batch", "scen", "--report-dir", "reports"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "replaced 3 existing file(s) in reports: a.html, B.html, index.html"
    )
    assert (reports / "notes.html").read_text() == "mine"


def test_report_dir_refuses_a_file_it_did_not_write(
    folder: Path, reports: Path, runner: CliRunner
) -> None:
    (reports / "a.html").write_text("my own page")
    result = runner.invoke(app, ["batch", "scen", "--report-dir", "reports"])
    assert result.exit_code == 2
    assert "refusing to replace files gpucalc did not write: a.html " in result.stderr
    assert (reports / "a.html").read_text() == "my own page"
    assert sorted(p.name for p in reports.iterdir()) == ["a.html"]


# --------------------------------------------------------------------------- reading


def _specials(tmp: Path) -> dict[str, tuple[str, str]]:
    """Scenario paths that are not regular files, and what the message calls them."""
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    sock = tmp / "sock.yaml"
    holder = socket.socket(socket.AF_UNIX)
    holder.bind(str(sock))
    _HELD.append(holder)
    return {
        "fifo": (str(fifo), "a FIFO (named pipe)"),
        "socket": (str(sock), "a socket"),
        "device": (os.devnull, "a character device"),
        "link to a fifo": (_link(tmp, fifo), "a FIFO (named pipe)"),
    }


_HELD: list[socket.socket] = []


def _link(tmp: Path, to: Path) -> str:
    link = tmp / "link.yaml"
    os.symlink(to, link)
    return str(link)


def _not_regular(path: str, what: str) -> str:
    return (
        f"{path}: is {what}, not a regular file; a scenario is read only from a file "
        "(or '-' for standard input)"
    )


@pytest.mark.parametrize("command", ["compare", "validate", "batch"])
def test_a_scenario_that_is_not_a_regular_file(command: str, tmp_path: Path) -> None:
    """Named on the command line: refused with what it is, at once (never read)."""
    specials = _specials(tmp_path)
    try:
        for path, what in specials.values():
            proc = _run(command, path, cwd=tmp_path, timeout=30)
            assert proc.returncode == 2, proc.stderr
            assert _not_regular(path, what) in proc.stderr.splitlines()
    finally:
        for sock in _HELD:
            sock.close()
        _HELD.clear()


def test_a_batch_folder_with_a_fifo_a_socket_and_a_capitalised_name(folder: Path) -> None:
    os.mkfifo(folder / "fifo.yaml")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sub" / "sock.yml"))
        proc = _run("batch", "scen", "-f", "json", cwd=folder.parent, timeout=60)
    assert proc.returncode == 2, proc.stderr
    out = json.loads(proc.stdout)
    assert [(r["file"], r["status"]) for r in out["results"]] == [
        ("scen/a.yaml", "ok"),
        ("scen/fifo.yaml", "invalid"),
        ("scen/sub/B.YAML", "ok"),
        ("scen/sub/sock.yml", "invalid"),
    ]
    assert out["results"][1]["errors"][0]["text"] == _not_regular(
        "scen/fifo.yaml", "a FIFO (named pipe)"
    )
