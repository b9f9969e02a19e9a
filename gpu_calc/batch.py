"""Batch runs: every scenario under some folders, compared and checked (for CI).

:func:`discover` finds the ``*.yaml`` and ``*.yml`` files under the paths given, in a stable
sorted order; :func:`check_file` loads, compares and checks the expectations of one file,
never raising for anything the file can cause; :func:`run` does both for a whole batch,
serially or on a process pool, and returns a :class:`BatchReport` whose results are in
discovery order either way.

Symlink loops are skipped with a warning (their files are reached by another path); an
unreadable file or directory, or a path that does not exist, is an invalid entry of the
batch, reported like a bad file: it is never silently skipped, and never stops the batch.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gpu_calc.errors import (
    EXIT_CHECK_FAILED,
    EXIT_INPUT_ERROR,
    EXIT_OK,
    InputError,
    InputErrors,
    first_problems,
    printable,
)
from gpu_calc.expect import Expectation, Outcome
from gpu_calc.files import is_yaml

#: Version of the ``gpucalc batch --format json`` object.
BATCH_SCHEMA_VERSION = 1

Status = Literal["ok", "failed", "invalid"]


# --------------------------------------------------------------------------- discovery


@dataclass
class Discovery:
    """What :func:`discover` found: files to check, paths that could not be read, warnings."""

    #: scenario files, in order; an entry may also be a path that could not be listed or
    #: does not exist, paired with the error that says so
    entries: list[tuple[str, InputError | None]] = field(default_factory=list)
    #: things skipped on purpose (symlink loops, directories reached twice)
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [path for path, _ in self.entries]


def _is_scenario_name(name: str) -> bool:
    """``*.yaml`` and ``*.yml`` in any case (``A.YAML`` too), not hidden."""
    return is_yaml(name) and not name.startswith(".")


def _os_error(path: str, exc: OSError, what: str) -> InputError:
    if isinstance(exc, PermissionError):
        return InputError(f"permission denied: cannot {what}", path)
    if isinstance(exc, FileNotFoundError):
        return InputError("no such file or directory", path)
    return InputError(f"cannot {what}: {exc.strerror or exc}", path)


def _walk(
    directory: str, ancestors: tuple[tuple[int, int], ...], seen: dict[tuple[int, int], str]
) -> Iterator[tuple[str, InputError | None] | str]:
    """Scenario files under ``directory`` (sorted by name at every level), errors for what
    cannot be read, and warning texts (plain strings) for what is skipped."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield directory, _os_error(directory, exc, "list the directory")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # .git, .venv, editor files: never scenarios
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError:
            is_dir = False
        if is_dir:
            try:
                st = os.stat(entry.path)
            except OSError as exc:  # a symlink loop (ELOOP) or a vanished directory
                if _is_scenario_name(entry.name):
                    yield entry.path, _os_error(entry.path, exc, "read the file")
                else:
                    yield f"{entry.path}: skipped: {exc.strerror or exc}"
                continue
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield f"{entry.path}: skipped: a symlink loop (it leads back to {seen[key]})"
                continue
            if key in seen:
                yield f"{entry.path}: skipped: the same directory as {seen[key]}, already read"
                continue
            seen[key] = entry.path
            yield from _walk(entry.path, ancestors + (key,), seen)
        elif _is_scenario_name(entry.name):
            # broken symlinks and unreadable files are kept: reading them reports why
            yield entry.path, None


def discover(paths: Sequence[str]) -> Discovery:
    """Every scenario file under ``paths``, recursively, in a stable sorted order.

    A directory is walked depth first with the names at every level sorted, so the order is
    that of the sorted paths' components, on any file system. Files and folders whose names
    start with a dot are skipped. A file named on the command line is taken whatever its
    name ends with. Each file is listed once, the first time it is reached.

    Parameters
    ----------
    paths : sequence of str
        Files and directories, in the order given.

    Returns
    -------
    Discovery
        The files in order; paths that could not be read or do not exist, with their error,
        in their place among them; and warnings for symlink loops skipped.
    """
    found = Discovery()
    # a file is the same file by its device and inode (a symlink, a hard link, a path
    # written two ways), or by its path when it cannot be read
    seen_files: set[object] = set()
    seen_dirs: dict[tuple[int, int], str] = {}
    for path in paths:
        if path == "-" and not os.path.exists(path):
            message = "batch reads files and folders, not standard input; give a path"
            found.entries.append((path, InputError(message, path)))
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            found.entries.append((path, _os_error(path, exc, "read it")))
            continue
        if not stat.S_ISDIR(st.st_mode):
            items: Iterator[tuple[str, InputError | None] | str] = iter([(path, None)])
        else:
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                found.warnings.append(f"{path}: skipped: the same directory as {seen_dirs[key]}")
                continue
            seen_dirs[key] = path
            items = _walk(path, (key,), seen_dirs)
        before = len(found.entries)
        for item in items:
            if isinstance(item, str):
                found.warnings.append(item)
                continue
            same: object = os.path.normpath(item[0])
            try:
                file_st = os.stat(item[0])
                same = (file_st.st_dev, file_st.st_ino)
            except OSError:
                pass
            if same in seen_files:
                continue
            seen_files.add(same)
            found.entries.append((item[0], item[1]))
        if stat.S_ISDIR(st.st_mode) and len(found.entries) == before:
            # said, not skipped silently: a folder given that adds no scenario
            found.warnings.append(f"{path}: no *.yaml or *.yml file under it, or all read already")
    return found


# --------------------------------------------------------------------------- one file


@dataclass
class FileResult:
    """The outcome of one file of a batch."""

    file: str
    #: the full ``gpucalc compare --format json`` output, or None when it could not be made
    result: dict[str, Any] | None = None
    errors: list[InputError] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    #: wall time spent on this file [s]
    time_s: float = 0.0
    #: what computes but deserves a look (a die larger than the reticle), located like errors
    warnings: list[InputError] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if self.errors:
            return "invalid"
        if any(not o.passed for o in self.outcomes):
            return "failed"
        return "ok"

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def failure_line(self, outcome: Outcome) -> str:
        """The line printed for a failed expectation: ``FILE:LINE:COL: expect.PATH: reason``
        for the file's own, ``FILE: PATH: reason (--expect PATH=BOUNDS)`` for ``--expect``."""
        e = outcome.expectation
        if e.origin == "cli":
            return f"{printable(self.file)}: {e.path_text}: {outcome.reason} ({e.option})"
        return str(e.error(outcome.reason or ""))

    def failure_lines(self) -> list[str]:
        """One line per failed expectation (see :meth:`failure_line`)."""
        return [self.failure_line(o) for o in self.failures]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: file, status, result, errors and expectations."""
        return {
            "file": self.file,
            "status": self.status,
            "result": self.result,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "expectations": [
                {**o.to_dict(), "text": None if o.passed else self.failure_line(o)}
                for o in self.outcomes
            ],
        }


def check_file(
    path: str,
    expectations: Sequence[Expectation] = (),
    sets: Sequence[str] = (),
    error: InputError | None = None,
) -> FileResult:
    """Load, compare and check one scenario file; never raises for anything in the file.

    Parameters
    ----------
    path : str
        The scenario file.
    expectations : sequence of Expectation
        Checked after the file's own ``expect:`` block (``--expect``).
    sets : sequence of str
        ``key.path=value`` overrides applied to the file (``--set``).
    error : InputError or None
        An error found while discovering the file; it is reported as is.
    """
    from gpu_calc import expect
    from gpu_calc.results import compare
    from gpu_calc.scenario import load_file

    start = time.perf_counter()
    out = FileResult(path)
    try:
        if error is not None:
            out.errors.append(error)
            return out
        try:
            loaded = load_file(path, list(sets))
        except InputErrors as exc:
            out.errors.extend(exc.errors)
            return out
        out.warnings = list(loaded.warnings)
        try:
            out.result = compare(loaded).to_dict()
        except Exception as exc:  # noqa: BLE001 - a batch reports a bug and goes on
            out.errors.append(
                InputError(f"internal error, please report it: {type(exc).__name__}: {exc}", path)
            )
            return out
        try:
            wanted = expect.from_scenario(loaded) + list(expectations)
        except InputError as exc:
            out.errors.append(exc)
            return out
        for e in wanted:
            try:
                out.outcomes.append(expect.check(out.result, e))
            except InputError as exc:
                out.errors.append(exc if e.origin == "file" else _at_file(exc, path))
        return out
    finally:
        out.time_s = time.perf_counter() - start


def _at_file(exc: InputError, path: str) -> InputError:
    """An ``--expect`` error, prefixed with the file it was checked against."""
    return InputError(f"{exc.file}: {exc.message}", path)


# --------------------------------------------------------------------------- a batch


@dataclass
class BatchReport:
    """Every file's result, in discovery order, and what was skipped."""

    results: list[FileResult]
    #: what was skipped (each file's own warnings are in its result)
    warnings: list[str] = field(default_factory=list)
    #: wall time of the whole batch [s]
    time_s: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        """2 when any file is invalid, else 1 when any expectation failed, else 0."""
        if self.count("invalid"):
            return EXIT_INPUT_ERROR
        if self.count("failed"):
            return EXIT_CHECK_FAILED
        return EXIT_OK

    def problem_lines(self) -> list[str]:
        """Every error and failed expectation, one line each, in file order (an error seen
        in several files, such as a bad ``--expect`` path, once per file); at most
        ``MAX_PROBLEMS_PER_FILE`` errors of a file, then how many more."""
        out = []
        for r in self.results:
            for e in first_problems(r.errors):
                line = str(e)
                # a --set (or --expect) that does not fit this file: say which file
                if e.file is not None and e.file.startswith("--"):
                    line = f"{printable(r.file)}: {line.removeprefix('error: ')}"
                out.append(line)
            out += r.failure_lines()
        return out

    def summary(self) -> dict[str, Any]:
        """Counts: files by status, expectations checked and failed, the exit code."""
        checked = sum(len(r.outcomes) for r in self.results)
        failed = sum(len(r.failures) for r in self.results)
        return {
            "files": len(self.results),
            "ok": self.count("ok"),
            "failed": self.count("failed"),
            "invalid": self.count("invalid"),
            "expectations_checked": checked,
            "expectations_failed": failed,
            "exit_code": self.exit_code,
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``gpucalc batch --format json`` object."""
        return {
            "schema_version": BATCH_SCHEMA_VERSION,
            "results": [r.to_dict() for r in self.results],
            "warnings": list(self.warnings),
            "summary": self.summary(),
        }


def _check_entry(
    args: tuple[str, InputError | None, tuple[Expectation, ...], tuple[str, ...]],
) -> FileResult:
    path, error, expectations, sets = args
    return check_file(path, expectations, sets, error)


def run(
    paths: Sequence[str],
    expectations: Sequence[Expectation] = (),
    sets: Sequence[str] = (),
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    found: Discovery | None = None,
) -> BatchReport:
    """Check every scenario file under ``paths``.

    Parameters
    ----------
    paths : sequence of str
        Files and directories (see :func:`discover`).
    expectations : sequence of Expectation
        Checked against every file, after its own ``expect:`` block.
    sets : sequence of str
        ``key.path=value`` overrides applied to every file.
    jobs : int
        Worker processes; 1 checks the files in this process, 0 uses every core.
    progress : callable, optional
        Called as ``progress(done, total)`` after each file (and once with ``done=0``).
    found : Discovery, optional
        What :func:`discover` found under ``paths``, if the caller already asked (to check
        its outputs against every file before the work); discovered here otherwise.

    Returns
    -------
    BatchReport
        One result per file, in discovery order whatever ``jobs`` is.

    Raises
    ------
    InputError
        When ``jobs`` workers (at most one per file) would need more memory than
        :func:`gpu_calc.limits.memory_limit`, before any work.
    """
    start = time.perf_counter()
    found = discover(paths) if found is None else found
    work = [(path, error, tuple(expectations), tuple(sets)) for path, error in found.entries]
    total = len(work)
    if progress:
        progress(0, total)
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    jobs = min(jobs, total)
    if jobs > 1:
        from gpu_calc import limits

        limits.check_workers(jobs)
    results: list[FileResult] = []
    if jobs <= 1:
        for item in work:
            results.append(_check_entry(item))
            if progress:
                progress(len(results), total)
    else:
        from concurrent.futures import ProcessPoolExecutor

        import gpu_calc.results  # noqa: F401 - imported once here, inherited by forked workers

        chunk = max(1, min(64, total // (jobs * 8)))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(_check_entry, work, chunksize=chunk):
                results.append(result)
                if progress:
                    progress(len(results), total)
    return BatchReport(results, found.warnings, time.perf_counter() - start)
