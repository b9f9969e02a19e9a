"""``gpucalc validate FILE...``: check scenario files without computing them."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    NoColorOption,
    OutputOption,
    SetOption,
    check_output_path,
    fail,
    message,
    paint,
    problem_line,
    use_color,
    warning_line,
    write_output,
)
from gpu_calc.errors import EXIT_INPUT_ERROR, EXIT_OK, first_problems, printable
from gpu_calc.render import Format


@app.command()
def validate(
    files: Annotated[
        list[str], typer.Argument(metavar="FILE", help="Scenario files ('-': stdin).")
    ],
    *,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Also write the report as data (table, json, csv or markdown) on stdout "
            "or -o; without it, only the lines on stderr.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    sets: SetOption = None,
    no_color: NoColorOption = False,
) -> None:
    """Check scenario files without computing them.

    Prints 'FILE: ok' or every error, one per line, on stderr, then any
    'warning:' (a valid file that deserves a look). Exits 0 when every file
    is valid, warnings or not, 2 otherwise. --set applies to every file.

    \b
    Examples:
      gpucalc validate my.yaml
      gpucalc validate scenarios/*.yaml --format json
    """
    import sys

    from gpu_calc.validation import report_dict, validate_files

    if files.count("-") > 1:
        fail("'-' (stdin) given more than once; stdin can be read only once")
    check_output_path(output, files)
    reports = validate_files(files, sets)
    err_color = use_color(no_color, sys.stderr)
    for report in reports:
        if report.valid:
            message(f"{printable(report.file)}: {paint('ok', 'green', err_color)}")
        for error in first_problems(report.errors):
            message(paint(problem_line(error), "red", err_color))
        for warning in report.warnings:
            message(paint(warning_line(warning), "yellow", err_color))
    invalid = [r for r in reports if not r.valid]
    if len(reports) > 1 or invalid:
        n_errors = sum(len(r.errors) for r in reports)
        message(
            f"{len(reports)} file{'s' * (len(reports) != 1)}: {len(reports) - len(invalid)} "
            f"valid, {len(invalid)} invalid ({n_errors} error{'s' * (n_errors != 1)})"
        )
    if fmt is not None:
        from gpu_calc.render.validation import render

        color = use_color(no_color) and output in (None, "-")
        write_output(render(report_dict(reports), fmt, color=color), output)
    raise typer.Exit(EXIT_INPUT_ERROR if invalid else EXIT_OK)
