"""``gpucalc init``: a commented starter scenario on stdout."""

from __future__ import annotations

from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import OutputOption, fail, message, write_output


@app.command()
def init(
    *,
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            "-p",
            metavar="NAME",
            help="Accelerator preset to buy (see 'gpucalc presets --kind accelerators').",
        ),
    ] = "h100-sxm",
    roadmap: Annotated[
        bool,
        typer.Option(
            "--roadmap",
            help="Start a roadmap: calendar years, workloads and tokens, a later GPU, chip "
            "generations with design years, an installed base.",
        ),
    ] = False,
    output: OutputOption = None,
) -> None:
    """Print a commented starter scenario.

    Its buy side is filled from an accelerator preset, each value with its source.

    \b
    Examples:
      gpucalc init > my.yaml
      gpucalc init --preset b200 -o my.yaml && gpucalc validate my.yaml
      gpucalc init --roadmap -o roadmap.yaml && gpucalc compare roadmap.yaml
    """
    import os

    from gpu_calc.starter import missing_keys, starter_text

    try:
        text = starter_text(preset, roadmap)
    except KeyError as exc:
        fail(f"--preset {preset}: {exc.args[0]}")
    if output not in (None, "-") and os.path.lexists(output):
        fail(f"{output}: already exists; remove it or choose another -o (init never overwrites)")
    write_output(text, output)
    for key in missing_keys(preset):
        message(
            f"warning: preset '{preset}' has no sourced value for {key.split('.')[-1]}; "
            f"set {key} in the file before use"
        )
