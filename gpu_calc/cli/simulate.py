"""``gpucalc simulate FILE --samples N --seed S``: Monte Carlo over the scenario's distributions."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
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
def simulate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Scenario file ('-': stdin).")],
    *,
    samples: Annotated[
        int, typer.Option("--samples", "-n", min=1, help="Number of Monte Carlo samples.")
    ] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed; same seed, same output.")
    ] = 0,
    chunk_size: Annotated[
        int,
        typer.Option(
            "--chunk-size",
            min=1,
            help="Samples drawn at a time (bounds memory; never changes the result).",
        ),
    ] = 100_000,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes, one block of 65,536 samples each at a time; never "
            "changes the result (2 helps on an idle 2-core machine).",
        ),
    ] = 1,
    fmt: ResultFormatOption = ResultFormat.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Monte Carlo: P5/P50/P95/mean of savings and of each plan's NPV, energy and emissions."""
    from gpu_calc.errors import InputError
    from gpu_calc.render.uncertainty import render_simulation
    from gpu_calc.uncertainty.montecarlo import simulate as run

    require_file(fmt, output)
    loaded = load(file, sets, output)
    try:
        result = run(loaded, samples, seed, chunk_size, workers=jobs).to_dict()
    except InputError as exc:
        fail(exc)
    if fmt.text is None:
        write_workbook(loaded, output, simulation=result)
        return
    emit(render_simulation, result, fmt.text, output, no_color)
