"""``gpucalc sensitivity FILE``: a tornado of savings, one bar per input."""

from __future__ import annotations

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
def sensitivity(
    file: FileArgument,
    *,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Tornado: savings NPV as each input moves, largest swing first.

    Each uncertain field at its P10 and P90 (or, with no distributions, each field at -20%
    and +20% of its base value), the others at base.

    \b
    Examples:
      gpucalc sensitivity scenarios/meta-2025-uncertain.yaml
      gpucalc sensitivity my.yaml --format csv -o tornado.csv
    """
    from gpu_calc.errors import InputError
    from gpu_calc.render.uncertainty import render_tornado
    from gpu_calc.uncertainty.sensitivity import tornado

    loaded = load(file, sets, output)
    try:
        result = tornado(loaded).to_dict()
    except InputError as exc:
        fail(exc)
    emit(render_tornado, result, fmt, output, no_color)
