"""``gpucalc simulate FILE --samples N --seed S``: Monte Carlo over the scenario's distributions."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FileArgument,
    NoColorOption,
    OutputOption,
    SamplesOption,
    SeedOption,
    SetOption,
    emit,
    fail,
    load,
)
from gpu_calc.cli.workbook import ResultFormatOption, require_file, write_workbook
from gpu_calc.render import ResultFormat
from gpu_calc.uncertainty import DEFAULT_CHUNK_SIZE, DEFAULT_SAMPLES, DEFAULT_SEED


@app.command()
def simulate(
    file: FileArgument,
    *,
    samples: SamplesOption = DEFAULT_SAMPLES,
    seed: SeedOption = DEFAULT_SEED,
    chunk_size: Annotated[
        int,
        typer.Option(
            "--chunk-size",
            min=1,
            metavar="N",
            help="Samples drawn at a time (bounds memory; never changes the result).",
        ),
    ] = DEFAULT_CHUNK_SIZE,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Worker threads, one block of 65,536 samples each at a time; never "
            "changes the result (2 helps on an idle 2-core machine).",
        ),
    ] = 1,
    fmt: ResultFormatOption = ResultFormat.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Monte Carlo: percentiles of savings, NPV, energy and emissions.

    Draws every uncertain field of the scenario (its distributions) and prints P5, P50, P95
    and the mean of the savings and of each plan's NPV, energy and emissions, the chance
    that building is cheaper, a histogram of savings and the draws clipped into range.
    The same seed gives the same output.

    \b
    Examples:
      gpucalc simulate scenarios/meta-2025-uncertain.yaml
      gpucalc simulate my.yaml --samples 100000 --seed 1 --format json
    """
    from gpu_calc.cli.progress import progress_bar
    from gpu_calc.errors import InputError
    from gpu_calc.render.uncertainty import render_simulation
    from gpu_calc.uncertainty.montecarlo import simulate as run

    require_file(fmt, output)
    loaded = load(file, sets, output)
    bar, advance = progress_bar("samples")
    try:
        with bar:
            result = run(
                loaded, samples, seed, chunk_size, workers=jobs, progress=advance
            ).to_dict()
    except InputError as exc:
        fail(exc)
    if fmt.text is None:
        write_workbook(loaded, output, simulation=result)
        return
    emit(render_simulation, result, fmt.text, output, no_color)
