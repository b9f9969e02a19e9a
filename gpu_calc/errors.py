"""Errors a user can cause, carried with the place in the input that caused them.

Every error a scenario file can cause is an :class:`InputError`. Its ``str()`` is the one
line the command line prints: ``FILE:LINE:COL: key.path: what is wrong (how to fix it)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Exit codes of the command line (also listed in ``--help`` and the README).
EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INPUT_ERROR = 2


def format_path(path: Sequence[str | int]) -> str:
    """Dotted form of a key path: ``("demand", "units", 2)`` -> ``demand.units[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def printable(text: str) -> str:
    r"""``text`` with control and other unprintable characters escaped, so that a file name
    cannot move the cursor, retitle the terminal or split a line.

    The one escaping rule of every human view: error lines, the ``FILE: ok`` lines of
    ``validate``, the tables and Markdown of ``batch`` and ``validate``, the report.

    >>> printable("a\x1b]0;x\x07b.yaml"), printable("ok é.yaml")
    ('a\\x1b]0;x\\x07b.yaml', 'ok é.yaml')
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class InputError(Exception):
    """A problem in the user's input, with where it is.

    ``line`` and ``col`` are 1-based; ``path`` is the key path inside the scenario.
    """

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: tuple[str | int, ...] = ()

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            where = printable(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            parts.append(where)
        if self.path:
            parts.append(format_path(self.path))
        parts.append(self.message)
        return ": ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``batch`` and ``compare``): where, what, and the one line printed."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.col,
            "path": format_path(self.path) if self.path else None,
            "message": self.message,
            "text": str(self),
        }


#: Problems printed per file; the rest are counted in one line (a file of 50,000 bad values
#: is fixed from its first few). JSON outputs keep every problem.
MAX_PROBLEMS_PER_FILE = 10


def first_problems(
    problems: Sequence[InputError], limit: int = MAX_PROBLEMS_PER_FILE
) -> list[InputError]:
    """The first ``limit`` problems of each file, then one ``... and N more`` line for it.

    >>> lines = first_problems([InputError(f"bad {i}", "a.yaml", i + 1) for i in range(12)], 2)
    >>> [str(e) for e in lines]
    ['a.yaml:1: bad 0', 'a.yaml:2: bad 1', 'a.yaml: ... and 10 more problems']
    """
    out: list[InputError] = []
    shown: dict[str | None, int] = {}
    hidden: dict[str | None, int] = {}
    for problem in problems:
        n = shown.get(problem.file, 0)
        if n < limit:
            out.append(problem)
            shown[problem.file] = n + 1
        else:
            if problem.file not in hidden:
                out.append(InputError("", problem.file))  # placeholder, filled in below
            hidden[problem.file] = hidden.get(problem.file, 0) + 1
    for i, problem in enumerate(out):
        if problem.message == "" and problem.file in hidden:
            n = hidden[problem.file]
            out[i] = InputError(f"... and {n:,} more problem{'s' if n != 1 else ''}", problem.file)
    return out


def problem_line(problem: str | InputError) -> str:
    """How one problem is printed: an input error in a file as ``FILE:LINE:COL: key.path:
    message`` (the form editors and CI annotators read); anything else, such as a bad
    ``--set`` or ``--param``, after ``error:``.

    >>> problem_line(InputError("must be >= 1, got 0.5", "a.yaml", 14, 3, ("site", "pue")))
    'a.yaml:14:3: site.pue: must be >= 1, got 0.5'
    >>> problem_line(InputError("expected KEY.PATH=VALUE", "--set pue"))
    'error: --set pue: expected KEY.PATH=VALUE'
    """
    if isinstance(problem, InputError) and problem.file and not problem.file.startswith("--"):
        return str(problem)
    text = str(problem)
    return text if text.startswith(("error", "gpucalc")) else f"error: {text}"


class InputErrors(ValueError):
    """Several input errors found at once (all are reported, first one first).

    The one exception the Python API (:mod:`gpu_calc.api`) raises for bad input. ``errors``
    holds each :class:`InputError` (with ``file``, ``line``, ``col``, ``path``, ``message``);
    ``lines`` and ``str()`` are what the command line prints on stderr, one line each.
    """

    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(problem_line(e) for e in errors))
        self.errors = errors

    @property
    def lines(self) -> list[str]:
        """One ``FILE:LINE:COL: key.path: message`` line per error, as the CLI prints them."""
        return [problem_line(e) for e in self.errors]
