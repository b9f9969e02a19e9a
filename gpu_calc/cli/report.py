"""``gpucalc report FILE -o report.html``: one self-contained HTML report of a scenario."""

from __future__ import annotations

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FileArgument,
    OutputOption,
    SamplesOption,
    SeedOption,
    SetOption,
    fail,
    load,
    write_output,
)
from gpu_calc.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED


@app.command()
def report(
    file: FileArgument,
    *,
    output: OutputOption = None,
    sets: SetOption = None,
    samples: SamplesOption = DEFAULT_SAMPLES,
    seed: SeedOption = DEFAULT_SEED,
) -> None:
    """Write a self-contained HTML report of a scenario.

    The verdict, both plans, charts, uncertainty and every input with its source. The page
    loads nothing from the network and prints on A4. Needs matplotlib
    (pip install 'gpucalc[plot]').

    \b
    Example:
      gpucalc report scenarios/meta-2024.yaml -o report.html
    """
    from gpu_calc.charts import ChartsUnavailable, require_matplotlib

    try:
        require_matplotlib()
    except ChartsUnavailable as exc:
        fail(str(exc))
    from gpu_calc.errors import InputError
    from gpu_calc.report import render_report

    loaded = load(file, sets, output)
    try:
        page = render_report(loaded, samples=samples, seed=seed)
    except InputError as exc:  # a Monte Carlo run too large for the memory limit
        fail(exc)
    write_output(page, output)
