"""``gpucalc batch PATH...``: compare every scenario under some folders and check them (CI)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    shown,
    warn,
    write_output,
)
from gpu_calc.cli.progress import progress_bar
from gpu_calc.render import Format

if TYPE_CHECKING:
    from gpu_calc.files import Inputs


def _append(text: str, path: str, option: str, inputs: Inputs) -> None:
    """Append ``text`` to ``path`` (how ``$GITHUB_STEP_SUMMARY`` is written), never to an
    input (:func:`gpu_calc.files.append_file`)."""
    from gpu_calc.files import OutputError, append_file

    try:
        append_file(path, text, inputs)
    except OutputError as exc:
        fail(f"{option} {shown(path)}: {exc}")


def _check_outputs(outputs: dict[str, str | None], inputs: Inputs) -> None:
    """Each output is no input and no other output (``-o x --junit x`` would lose one)."""
    from gpu_calc.files import is_yaml

    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path in (None, "-"):
            continue
        check_output_path(path, inputs, option)
        if is_yaml(path):
            fail(
                f"{option} {shown(path)}: batch writes no YAML, and a .yaml or .yml file would "
                "be read as a scenario by the next batch; give it another name (.json, .xml, "
                ".md)"
            )
        real = os.path.realpath(path)
        if real in seen:
            fail(f"{option} {shown(path)}: the same file as {seen[real]}; give each its own")
        seen[real] = option


def _check_report_dir(directory: str, inputs: Inputs) -> None:
    """Refuse ``--report-dir`` before the batch starts: without matplotlib, on a file, or on
    an input."""
    from gpu_calc.charts import ChartsUnavailable, require_matplotlib
    from gpu_calc.files import OutputError, check_target

    try:
        require_matplotlib()
    except ChartsUnavailable as exc:
        fail(f"--report-dir: {exc}")
    if os.path.isdir(directory):
        return
    if os.path.lexists(directory) and not os.path.islink(directory):
        fail(f"--report-dir {shown(directory)}: is a file, not a directory")
    try:
        # a folder to create: its parent must exist ("reports/" is the folder "reports")
        check_target(directory.rstrip("/" + os.sep) or directory, inputs)
    except OutputError as exc:
        fail(f"--report-dir {shown(directory)}: {exc}")


def _outside_report_dir(outputs: dict[str, str | None], directory: str) -> None:
    """No other output inside ``--report-dir``: its reports (and index.html) would replace
    it, or it would stand among them."""
    folder = os.path.realpath(directory)
    for option, path in outputs.items():
        if path in (None, "-"):
            continue
        if os.path.commonpath([folder, os.path.realpath(path)]) == folder:
            fail(
                f"{option} {shown(path)}: is inside --report-dir {shown(directory)}, whose "
                "files the reports replace; write it elsewhere"
            )


def _plan_reports(directory: str, files: list[str], inputs: Inputs, replace: bool) -> None:
    """Before any work: the files a report of every scenario found (and the index) would
    replace must be gpucalc's own, or ``replace`` given (:func:`plan_report_dir`; only the
    valid scenarios get a report, so this asks about a few names more than it writes)."""
    from gpu_calc.files import OutputError
    from gpu_calc.report import plan_report_dir, report_names

    try:
        plan_report_dir(directory, [*report_names(files), "index.html"], inputs, replace)
    except OutputError as exc:
        fail(f"--report-dir {shown(directory)}: {exc}")


def _write_reports(
    report: Any, directory: str, sets: list[str], inputs: Inputs, replace: bool
) -> None:
    """One HTML report per valid scenario, and an index, in ``directory``."""
    from gpu_calc.errors import InputErrors
    from gpu_calc.files import OutputError
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
    replaced: list[Path] = []
    bar, advance = progress_bar("reports")
    try:
        with bar:
            written = write_report_dir(
                items,
                directory,
                progress=advance,
                inputs=inputs,
                replace=replace,
                replaced=replaced,
                failures={r.file: r.failure_lines() for r in report.results if r.failures},
            )
    except OutputError as exc:
        fail(f"--report-dir {shown(directory)}: {exc}")
    except OSError as exc:
        fail(f"--report-dir {shown(directory)}: cannot write: {exc.strerror or exc}")
    message(f"wrote {len(written) - 1} report(s) and {shown(str(written[-1]))}")
    if replaced:
        names = ", ".join(p.name for p in replaced[:10])
        more = f" and {len(replaced) - 10} more" if len(replaced) > 10 else ""
        message(f"replaced {len(replaced)} existing file(s) in {shown(directory)}: {names}{more}")


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
    replace_reports: Annotated[
        bool,
        typer.Option(
            "--replace-reports",
            help="With --report-dir, also replace files there that gpucalc did not write "
            "(its own earlier reports are always replaced, and listed).",
        ),
    ] = False,
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
    from gpu_calc.errors import InputError, printable
    from gpu_calc.expect import Expectation
    from gpu_calc.render.batch import counts_line, render, render_markdown

    try:
        expectations = [Expectation.parse(text) for text in expect or []]
    except InputError as exc:
        fail(exc)
    from gpu_calc.files import Inputs

    # every file the batch reads, found before any output is checked: none is written
    found = lib.discover(paths)
    inputs = Inputs.of([*paths, *found.files])
    outputs = {"-o": output, "--junit": junit, "--summary": summary}
    _check_outputs(outputs, inputs)
    if report_dir is not None:
        _check_report_dir(report_dir, inputs)
        _outside_report_dir(outputs, report_dir)
        _plan_reports(report_dir, found.files, inputs, replace_reports)

    jobs_used = min(jobs or os.cpu_count() or 1, len(found.entries))
    if jobs_used > 1:  # refused before the progress bar starts
        from gpu_calc import limits

        try:
            limits.check_workers(jobs_used)
        except InputError as exc:
            fail(exc)
    bar, advance = progress_bar("scenarios")
    with bar:
        report = lib.run(paths, expectations, sets or [], jobs=jobs, progress=advance, found=found)
    if not report.results:
        fail(f"no *.yaml or *.yml files under {', '.join(paths)}")
    for warning in report.warnings:
        message(f"warning: {printable(warning)}")
    warn([w for result in report.results for w in result.warnings])

    data = report.to_dict()
    # the reports first (many files, the likeliest to fail), the summary last (appended):
    # an output that cannot be written stops the run before the next one says it passed
    if report_dir is not None:
        _write_reports(report, report_dir, sets or [], inputs, replace_reports)
    if junit is not None:
        write_output(junit_xml.render(report), junit, "--junit", inputs)
    emit(render, data, fmt, output, no_color)
    if summary is not None:
        _append(render_markdown(data), summary, "--summary", inputs)

    problems = report.problem_lines()
    if problems:
        n = sum(len(r.errors) + len(r.failures) for r in report.results)
        message(f"gpucalc batch: {n} problem{'s' if n != 1 else ''}:")
        for line in problems:
            message(line)
    if fmt is not Format.table or output not in (None, "-"):
        message(counts_line(data["summary"]))  # the table ends with it already
    raise typer.Exit(report.exit_code)
