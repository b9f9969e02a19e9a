"""``gpucalc compare FILE``: both plans side by side, and the verdict."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FormatOption,
    NoColorOption,
    OutputOption,
    SetOption,
    emit,
    fail,
    load,
)
from gpu_calc.render import Format


@app.command()
def compare(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Scenario file ('-': stdin).")],
    *,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Compare buying accelerators with building part of the fleet in-house."""
    from gpu_calc.expect import path_problems
    from gpu_calc.render import render_comparison
    from gpu_calc.results import compare as run

    loaded = load(file, sets, output)
    result = run(loaded).to_dict()
    problems = path_problems(loaded, result)
    if problems:  # an expect: block batch would refuse
        fail(problems)
    emit(render_comparison, result, fmt, output, no_color)
