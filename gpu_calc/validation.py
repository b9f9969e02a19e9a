"""Checking scenario files without computing them (``gpucalc validate``).

Every file is read and validated; its problems are collected, never raised, so that a run
over many files reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gpu_calc.errors import InputError, InputErrors, format_path

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1


@dataclass
class FileReport:
    """The outcome of validating one file: no errors means valid."""

    file: str
    errors: list[InputError] = field(default_factory=list)
    #: what computes but deserves a look (a valid file may have some), located like errors
    warnings: list[InputError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "valid": self.valid,
            "errors": [_problem_dict(e) for e in self.errors],
            "warnings": [_problem_dict(w) for w in self.warnings],
        }


def _problem_dict(e: InputError) -> dict[str, Any]:
    return {
        "line": e.line,
        "col": e.col,
        # the same number under batch's and compare's name for it (InputError.to_dict)
        "column": e.col,
        "path": format_path(e.path),
        "message": e.message,
        "text": str(e),
    }


def validate_file(path: str, sets: list[str] | None = None) -> FileReport:
    """Validate one scenario file (``-``: standard input); every problem found is kept."""
    from gpu_calc.scenario import load_file

    name = "<stdin>" if path == "-" else path  # as error messages name it
    try:
        loaded = load_file(path, sets or [])
    except InputErrors as exc:
        return FileReport(name, list(exc.errors))
    except InputError as exc:  # pragma: no cover - load_file wraps these; kept for safety
        return FileReport(name, [exc])
    if loaded.scenario.expect:
        # an expect: path must name an output: the only check that needs the outputs
        from gpu_calc.expect import path_problems
        from gpu_calc.results import compare

        problems = path_problems(loaded, compare(loaded).to_dict())
        return FileReport(name, problems, list(loaded.warnings))
    return FileReport(name, warnings=list(loaded.warnings))


def validate_files(paths: list[str], sets: list[str] | None = None) -> list[FileReport]:
    """Validate every file, in order, and keep going after a bad one."""
    return [validate_file(path, sets) for path in paths]


def report_dict(reports: list[FileReport]) -> dict[str, Any]:
    """The JSON form: ``{"schema_version": 1, "files": [{"file", "valid", "errors": [...],
    "warnings": [...]}]}``."""
    return {"schema_version": SCHEMA_VERSION, "files": [r.to_dict() for r in reports]}
