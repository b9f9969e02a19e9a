"""``--format xlsx`` of compare, simulate and sweep: an Excel workbook, written only to -o."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpu_calc.cli.common import fail, write_output
from gpu_calc.render import ResultFormat

if TYPE_CHECKING:
    from gpu_calc.results import Comparison
    from gpu_calc.scenario import LoadedScenario

ResultFormatOption = Annotated[
    ResultFormat,
    typer.Option(
        "--format",
        "-f",
        help="Output format; xlsx is an Excel workbook (formulas, number formats) and "
        "needs -o FILE.xlsx.",
    ),
]


def require_file(fmt: ResultFormat, output: str | None) -> None:
    """Refuse a workbook on stdout (binary on a terminal), before any work is done."""
    if fmt is ResultFormat.xlsx and output in (None, "-"):
        fail("--format xlsx writes a binary Excel workbook: give -o FILE.xlsx")


def write_workbook(
    loaded: LoadedScenario,
    output: str | None,
    comparison: Comparison | None = None,
    **extra: dict[str, Any],
) -> None:
    """Write the scenario's workbook (with a simulation's or a sweep's JSON) to ``output``."""
    from gpu_calc.render.xlsx import render

    write_output(render(loaded, comparison, **extra), output)
