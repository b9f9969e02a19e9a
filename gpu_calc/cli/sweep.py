"""``gpucalc sweep FILE --param KEY --values SPEC [--param KEY --values SPEC]``: a grid."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FileArgument,
    NoColorOption,
    OutputOption,
    SetOption,
    emit,
    fail,
    load,
)
from gpu_calc.cli.workbook import ResultFormatOption, require_file, write_workbook
from gpu_calc.render import ResultFormat


@app.command()
def sweep(
    file: FileArgument,
    *,
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            metavar="KEY.PATH",
            help="A numeric field to sweep, e.g. build.share; give two for a 2-D grid.",
        ),
    ],
    values: Annotated[
        list[str],
        typer.Option(
            "--values",
            "-v",
            metavar="SPEC",
            help="Values of the matching --param: START:STOP:COUNT (inclusive, e.g. 0:1:21) "
            "or a comma list (e.g. 0.1,0.2,0.5).",
        ),
    ],
    fmt: ResultFormatOption = ResultFormat.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Savings, NPV and payback over a grid of one or two inputs.

    One row per grid point: the savings NPV, both plans' NPV and the payback; with two
    --param, also a grid of the savings.

    \b
    Examples:
      gpucalc sweep scenarios/meta-2024.yaml -p build.share -v 0:1:21
      gpucalc sweep my.yaml -p build.share -v 0:1:5 -p site.pue -v 1.1,1.3
    """
    from gpu_calc.errors import InputError
    from gpu_calc.render.uncertainty import render_sweep
    from gpu_calc.uncertainty.params import parse_values
    from gpu_calc.uncertainty.sweep import sweep as run

    if len(params) != len(values):
        fail(f"give one --values per --param (got {len(params)} --param, {len(values)} --values)")
    if len(params) > 2:
        fail(f"at most two --param (a 2-D grid), got {len(params)}")
    require_file(fmt, output)
    loaded = load(file, sets, output)
    try:
        grid = [(p, parse_values(v, f"--values {p}:")) for p, v in zip(params, values, strict=True)]
        result = run(loaded, grid).to_dict()
    except InputError as exc:
        fail(exc)
    if fmt.text is None:
        write_workbook(loaded, output, sweep=result)
        return
    emit(render_sweep, result, fmt.text, output, no_color)
