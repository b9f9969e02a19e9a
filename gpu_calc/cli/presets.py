"""``gpucalc presets [NAME]``: the built-in accelerators, process nodes, sites, servers,
memory and packaging."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from gpu_calc.cli.app import app
from gpu_calc.cli.common import (
    FormatOption,
    NoColorOption,
    OutputOption,
    fail,
    use_color,
    write_output,
)
from gpu_calc.render import Format


class Kind(enum.StrEnum):
    """The kinds of preset (the files in gpu_calc/presets/)."""

    accelerators = "accelerators"
    nodes = "nodes"
    sites = "sites"
    servers = "servers"
    memory = "memory"
    packaging = "packaging"


@app.command("presets")
def presets_command(
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="One preset to show in full, with its sources."),
    ] = None,
    *,
    kind: Annotated[
        Kind | None, typer.Option("--kind", "-k", help="Only presets of this kind.")
    ] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    no_color: NoColorOption = False,
) -> None:
    """List the presets, or show one with its sources and dates.

    Presets are the accelerators, process nodes, sites, servers, memory and
    packaging a scenario can name (buy.accelerator, buy.server, build.chip.node,
    build.chip.memory, build.chip.packaging, site.preset).

    \b
    Examples:
      gpucalc presets
      gpucalc presets --kind nodes --format csv
      gpucalc presets mtia-v2
    """
    import difflib

    from gpu_calc import presets
    from gpu_calc.render.presets import preset_dict, render_all, render_one

    kinds = [kind.value] if kind is not None else list(presets.KINDS)
    color = use_color(no_color) and output in (None, "-")
    if name is None:
        items = [preset_dict(p) for k in kinds for p in presets.load(k).values()]
        write_output(render_all(items, fmt, color=color), output)
        return
    found = [presets.load(k)[name] for k in kinds if name in presets.load(k)]
    if not found:
        known = sorted({n for k in kinds for n in presets.names(k)})
        hint = difflib.get_close_matches(name, known, n=1)
        where = f"{presets.SINGULAR[kind.value]} " if kind is not None else ""
        fail(
            f"unknown {where}preset '{name}'"
            + (f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})")
            + "; list them with 'gpucalc presets'"
        )
    write_output(render_one(preset_dict(found[0]), fmt, color=color), output)
