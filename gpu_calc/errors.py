"""Errors a user can cause, carried with the place in the input that caused them.

Every error a scenario file can cause is an :class:`InputError`. Its ``str()`` is the one
line the command line prints: ``FILE:LINE:COL: key.path: what is wrong (how to fix it)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            parts.append(where)
        if self.path:
            parts.append(format_path(self.path))
        parts.append(self.message)
        return ": ".join(parts)


class InputErrors(Exception):
    """Several input errors found at once (all are reported, first one first)."""

    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
