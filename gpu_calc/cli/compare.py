"""``gpucalc compare FILE``: both plans side by side, and the verdict."""

from __future__ import annotations

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
def compare(
    file: FileArgument,
    *,
    fmt: ResultFormatOption = ResultFormat.table,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Compare buying accelerators with building part of the fleet.

    Both plans side by side (money, energy, water, carbon), the chip's silicon, the cash
    flows year by year, the perspective figures and the verdict.

    \b
    Examples:
      gpucalc compare scenarios/meta-2024.yaml
      gpucalc compare my.yaml --format json | jq .comparison.verdict
      gpucalc compare my.yaml --set build.share=0.5 --format csv -o out.csv
    """
    from gpu_calc.expect import path_problems
    from gpu_calc.render import render_comparison
    from gpu_calc.results import compare as run

    require_file(fmt, output)
    loaded = load(file, sets, output)
    comparison = run(loaded)
    result = comparison.to_dict()
    problems = path_problems(loaded, result)
    if problems:  # an expect: block batch would refuse
        fail(problems)
    if fmt.text is None:
        write_workbook(loaded, output, comparison)
        return
    emit(render_comparison, result, fmt.text, output, no_color)
