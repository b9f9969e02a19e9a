"""``gpucalc plot FILE --kind KIND -o chart.svg``: one chart, as SVG or PNG."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FileArgument,
    OutputOption,
    SamplesOption,
    SeedOption,
    SetOption,
    check_output_path,
    fail,
    load,
    write_output,
)
from gpu_calc.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED


class ChartKind(StrEnum):
    """The charts ``gpucalc plot`` draws."""

    cumulative = "cumulative"
    breakdown = "breakdown"
    resources = "resources"
    fleet = "fleet"
    silicon = "silicon"
    tornado = "tornado"
    histogram = "histogram"
    sweep = "sweep"


def chart_format(output: str | None) -> str:
    """``svg`` or ``png`` from the output file's suffix; SVG on stdout and on a device or
    FIFO (``/dev/null``, ``/dev/stdout``), which are written as streams. ``output`` is
    already checked (:func:`~gpu_calc.cli.common.check_output_path`)."""
    from gpu_calc.files import check_target

    if output in (None, "-") or check_target(output).how != "replace":
        return "svg"
    suffix = Path(output).suffix.lower()
    if suffix in (".svg", ".png"):
        return suffix[1:]
    shown = suffix or "no suffix"
    fail(f"-o {output}: cannot tell the chart format from {shown}; end the name in .svg or .png")


@app.command()
def plot(
    file: FileArgument,
    *,
    kind: Annotated[
        ChartKind,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help="Which chart: " + ", ".join(k.value for k in ChartKind) + ".",
        ),
    ],
    output: OutputOption = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            metavar="KEY.PATH",
            help="Sweep: the input to vary (repeat once for a heatmap of two). "
            "Default build.share.",
        ),
    ] = None,
    values: Annotated[
        list[str] | None,
        typer.Option(
            "--values",
            metavar="START:STOP:COUNT|A,B,C",
            help="Sweep: the values of each --param, in order. Default 0:1:21.",
        ),
    ] = None,
    samples: SamplesOption = DEFAULT_SAMPLES,
    seed: SeedOption = DEFAULT_SEED,
    sets: SetOption = None,
) -> None:
    """Draw one chart of a scenario as SVG or PNG.

    The format follows the -o suffix (.svg or .png); stdout gets SVG. Needs matplotlib
    (pip install 'gpucalc[plot]').

    \b
    Examples:
      gpucalc plot scenarios/meta-2024.yaml --kind cumulative -o cumulative.svg
      gpucalc plot my.yaml -k sweep --param site.pue --values 1.1:1.5:9 -o pue.png
    """
    from gpu_calc.charts import ChartsUnavailable, require_matplotlib

    try:
        require_matplotlib()
    except ChartsUnavailable as exc:
        fail(str(exc))
    check_output_path(output, [file])
    fmt = chart_format(output)
    sweep_params = _sweep_params(params, values) if kind is ChartKind.sweep else []
    loaded = load(file, sets)
    from gpu_calc.charts import figure_bytes

    fig = _figure(kind, loaded, sweep_params, samples, seed)
    write_output(figure_bytes(fig, fmt), output)


def _sweep_params(
    params: list[str] | None, values: list[str] | None
) -> list[tuple[str, list[float]]]:
    params = params or ["build.share"]
    values = values or (["0:1:21"] if params == ["build.share"] else [])
    if len(params) > 2:
        fail("--param: a sweep chart shows one or two parameters")
    if len(values) != len(params):
        fail(f"give one --values per --param ({len(params)} --param, {len(values)} --values)")
    from gpu_calc.errors import InputError
    from gpu_calc.uncertainty.params import parse_values

    try:
        return [(key, parse_values(text)) for key, text in zip(params, values, strict=True)]
    except InputError as exc:
        fail(exc)


def _uncertainty(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"gpu_calc.uncertainty.{module}")
    except ImportError:
        fail(f"this chart needs gpu_calc.uncertainty.{module}, which this build of gpucalc lacks")


def _figure(
    kind: ChartKind,
    loaded: Any,
    sweep_params: list[tuple[str, list[float]]],
    samples: int,
    seed: int,
) -> Any:
    """The chart; one ``error:`` line and exit 2 when its figures are all too large to draw."""
    from gpu_calc.charts import NothingToDraw

    try:
        return _draw(kind, loaded, sweep_params, samples, seed)
    except NothingToDraw as exc:
        fail(f"--kind {kind.value}: nothing to draw for {loaded.source}: {exc}")


def _draw(
    kind: ChartKind,
    loaded: Any,
    sweep_params: list[tuple[str, list[float]]],
    samples: int,
    seed: int,
) -> Any:
    from gpu_calc import charts
    from gpu_calc.errors import InputError, InputErrors

    try:
        if kind is ChartKind.tornado:
            return charts.tornado_figure(_uncertainty("sensitivity").tornado(loaded).to_dict())
        if kind is ChartKind.histogram:
            from gpu_calc.inputs import ModelInputs

            if not ModelInputs.from_scenario(loaded).uncertain():
                fail(
                    f"--kind histogram: {loaded.source} has no uncertain input to draw; give "
                    "some field a distribution, e.g. "
                    "--set 'build.share={dist: pert, low: 0.1, mode: 0.25, high: 0.4}'"
                )
            sim = _uncertainty("montecarlo").simulate(loaded, samples=samples, seed=seed)
            return charts.histogram_figure(sim.to_dict())
        if kind is ChartKind.sweep:
            result = _uncertainty("sweep").sweep(loaded, sweep_params)
            return charts.sweep_figure(result.to_dict())
    except InputErrors as exc:
        fail(exc.errors)
    except InputError as exc:
        fail(exc)
    from gpu_calc.results import compare

    return charts.comparison_figure(kind.value, compare(loaded))
