"""``gpucalc breakeven FILE --param KEY [--range LO:HI]``: where savings cross zero."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FileArgument,
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
def breakeven(
    file: FileArgument,
    *,
    param: Annotated[
        str,
        typer.Option(
            "--param",
            "-p",
            metavar="KEY.PATH",
            help="A numeric field, e.g. build.share or site.electricity_usd_per_kwh.",
        ),
    ],
    range_: Annotated[
        str | None,
        typer.Option(
            "--range",
            "-r",
            metavar="LO:HI",
            help="Values searched (default: the field's valid range within [0, 10 x base]).",
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """The value of one input at which savings NPV is zero.

    Building and buying cost the same NPV there. Exit 2 when no value in the range
    searched gives zero.

    \b
    Examples:
      gpucalc breakeven scenarios/meta-2024.yaml --param build.share
      gpucalc breakeven scenarios/meta-2024.yaml -p buy.unit_price_usd -r 5e3:4e4
    """
    from gpu_calc.errors import InputError
    from gpu_calc.render.uncertainty import render_breakeven
    from gpu_calc.uncertainty.breakeven import breakeven as run
    from gpu_calc.uncertainty.params import parse_range

    loaded = load(file, sets, output)
    try:
        lo, hi = parse_range(range_) if range_ is not None else (None, None)
        result = run(loaded, param, lo, hi).to_dict()
    except InputError as exc:
        fail(exc)
    emit(render_breakeven, result, fmt, output, no_color)
