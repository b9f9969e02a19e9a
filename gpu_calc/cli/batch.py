"""``gpucalc batch PATH...``: compare every scenario under some folders and check them (CI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FormatOption,
    NoColorOption,
    OutputOption,
    SetOption,
    check_output_path,
    emit,
    fail,
    message,
    write_output,
)
from gpu_calc.cli.progress import progress_bar
from gpu_calc.render import Format


def _append(text: str, path: str, option: str) -> None:
    """Append ``text`` to ``path`` (how ``$GITHUB_STEP_SUMMARY`` is written)."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        fail(f"{option} {path}: cannot write: {exc.strerror or exc}")


def _check_report_dir(directory: str) -> None:
    """Refuse ``--report-dir`` before the batch starts: without matplotlib, or on a file."""
    from gpu_calc.charts import ChartsUnavailable, require_matplotlib

    try:
        require_matplotlib()
    except ChartsUnavailable as exc:
        fail(f"--report-dir: {exc}")
    if Path(directory).exists() and not Path(directory).is_dir():
        fail(f"--report-dir {directory}: is a file, not a directory")


def _write_reports(report: Any, directory: str, sets: list[str]) -> None:
    """One HTML report per valid scenario, and an index, in ``directory``."""
    from gpu_calc.errors import InputErrors
    from gpu_calc.report import write_report_dir
    from gpu_calc.scenario import load_file

    items: list[tuple[str, Any]] = []
    for result in report.results:
        if result.errors:
            items.append((result.file, result.errors))
            continue
        try:
            items.append((result.file, load_file(result.file, sets)))
        except InputErrors as exc:  # the file changed under us
            items.append((result.file, exc.errors))
    bar, advance = progress_bar("reports")
    try:
        with bar:
            written = write_report_dir(items, directory, progress=advance)
    except OSError as exc:
        fail(f"--report-dir {directory}: cannot write: {exc.strerror or exc}")
    message(f"wrote {len(written) - 1} report(s) and {written[-1]}")


@app.command()
def batch(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH",
            help="Scenario files, or folders searched recursively for *.yaml and *.yml.",
        ),
    ],
    *,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    junit: Annotated[
        str | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write a JUnit XML report to FILE (one testcase per scenario file).",
        ),
    ] = None,
    summary: Annotated[
        str | None,
        typer.Option(
            "--summary",
            metavar="FILE",
            help='Also append a Markdown summary to FILE, e.g. "$GITHUB_STEP_SUMMARY".',
        ),
    ] = None,
    expect: Annotated[
        list[str] | None,
        typer.Option(
            "--expect",
            metavar="PATH=BOUNDS",
            help="Check a JSON output value of every file (repeatable), "
            "e.g. --expect 'comparison.payback_year={max: 3}'; "
            "bounds: min, max (inclusive), equals.",
        ),
    ] = None,
    report_dir: Annotated[
        str | None,
        typer.Option(
            "--report-dir",
            metavar="DIR",
            help="Also write one HTML report per scenario and an index.html to DIR "
            "(needs gpucalc[plot]).",
        ),
    ] = None,
    sets: SetOption = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", min=0, metavar="N", help="Worker processes (0: one per core)."
        ),
    ] = 1,
    no_color: NoColorOption = False,
) -> None:
    """Compare every scenario under some folders and check them (CI).

    Each file's expect: block and every --expect are checked. A bad file is reported and
    the batch goes on; every problem is listed on stderr at the end. Exit 2 when any file
    is invalid, else 1 when any expectation failed, else 0.

    \b
    Examples:
      gpucalc batch scenarios/
      gpucalc batch scenarios/ --junit report.xml --summary "$GITHUB_STEP_SUMMARY"
    """
    from gpu_calc import batch as lib
    from gpu_calc import junit as junit_xml
    from gpu_calc.errors import InputError
    from gpu_calc.expect import Expectation
    from gpu_calc.render.batch import counts_line, render, render_markdown

    try:
        expectations = [Expectation.parse(text) for text in expect or []]
    except InputError as exc:
        fail(exc)
    check_output_path(output, paths)
    check_output_path(junit, paths, "--junit")
    check_output_path(summary, paths, "--summary")
    if report_dir is not None:
        _check_report_dir(report_dir)

    bar, advance = progress_bar("scenarios")
    with bar:
        report = lib.run(paths, expectations, sets or [], jobs=jobs, progress=advance)
    for warning in report.warnings:
        message(f"warning: {warning}")
    if not report.results:
        fail(f"no *.yaml or *.yml files under {', '.join(paths)}")

    data = report.to_dict()
    emit(render, data, fmt, output, no_color)
    if junit is not None:
        write_output(junit_xml.render(report), junit)
    if summary is not None:
        _append(render_markdown(data), summary, "--summary")
    if report_dir is not None:
        _write_reports(report, report_dir, sets or [])

    problems = report.problem_lines()
    if problems:
        n = len(problems)
        message(f"gpucalc batch: {n} problem{'s' if n != 1 else ''}:")
        for line in problems:
            message(line)
    if fmt is not Format.table or output not in (None, "-"):
        message(counts_line(data["summary"]))  # the table ends with it already
    raise typer.Exit(report.exit_code)
