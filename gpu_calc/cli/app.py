"""The typer application, its global options, and ``main()``."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc import __version__

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 an expectation or check failed (batch); 2 invalid input or usage."
)

app = typer.Typer(
    name="gpucalc",
    help="Build-vs-buy calculator for AI accelerator fleets: keep buying GPUs, or build part "
    "of the fleet on in-house silicon? Reads a YAML scenario, computes both plans.",
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gpucalc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Build-vs-buy calculator for AI accelerator fleets."""


# Commands register themselves on import (one module per command; keep them light:
# heavy imports belong inside the command functions).
from gpu_calc.cli import batch as _batch  # noqa: E402,F401
from gpu_calc.cli import breakeven as _breakeven  # noqa: E402,F401
from gpu_calc.cli import compare as _compare  # noqa: E402,F401
from gpu_calc.cli import init as _init  # noqa: E402,F401
from gpu_calc.cli import plot as _plot  # noqa: E402,F401
from gpu_calc.cli import presets as _presets  # noqa: E402,F401
from gpu_calc.cli import report as _report  # noqa: E402,F401
from gpu_calc.cli import schema as _schema  # noqa: E402,F401
from gpu_calc.cli import sensitivity as _sensitivity  # noqa: E402,F401
from gpu_calc.cli import simulate as _simulate  # noqa: E402,F401
from gpu_calc.cli import sweep as _sweep  # noqa: E402,F401
from gpu_calc.cli import validate as _validate  # noqa: E402,F401


def main() -> None:
    """Entry point of the ``gpucalc`` console script."""
    app()
