"""``gpucalc compare FILE``: both plans side by side, and the verdict."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    NoColorOption,
    OutputOption,
    SetOption,
    check_output_path,
    load,
    use_color,
    write_output,
)
from gpu_calc.render import Format


@app.command()
def compare(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Scenario file ('-': stdin).")],
    *,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Compare buying accelerators with building part of the fleet in-house."""
    from gpu_calc.render import render_comparison
    from gpu_calc.results import compare as run

    check_output_path(output, [file])
    loaded = load(file, sets)
    result = run(loaded).to_dict()
    color = use_color(no_color) and output in (None, "-")
    write_output(render_comparison(result, fmt, color=color), output)
