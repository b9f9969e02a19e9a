"""Rich tables for people at a terminal."""

from __future__ import annotations

import io
import re
import shutil
import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from gpu_calc.render import human, roadmap
from gpu_calc.render.rows import (
    PERSPECTIVE_HEADER,
    YEARLY_HEADER,
    YEARLY_TITLE,
    difference,
    for_people,
    perspective_cells,
    plan_rows,
    signed,
    yearly_cells,
    yearly_note,
)

BUY_STYLE = "cyan"
BUILD_STYLE = "magenta"


#: Width of tables written to a pipe or a file: fixed, so that the output is stable.
PIPE_WIDTH = 110


def table_width(wanted: int = PIPE_WIDTH) -> int:
    """``wanted`` columns, or fewer when stdout is a narrower terminal (rich then fits the
    tables to it instead of the terminal wrapping every line)."""
    isatty = getattr(sys.stdout, "isatty", None)
    if isatty is not None and isatty():
        return max(40, min(wanted, shutil.get_terminal_size((wanted, 24)).columns))
    return wanted


def console_for(color: bool, width: int = PIPE_WIDTH) -> tuple[Console, io.StringIO]:
    """A console that writes into a string, with or without colour."""
    width = table_width(width)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
    )
    return console, buffer


def stacked(heading: str) -> str:
    r"""A heading on two lines, split at the space that makes the wider line narrowest, so
    that a table of many numeric columns fits 80 columns with every heading whole.

    >>> stacked("Cumulative savings (PV)"), stacked("Ours / reference"), stacked("Year")
    ('Cumulative\nsavings (PV)', 'Ours /\nreference', 'Year')
    """
    spaces = [i for i, c in enumerate(heading) if c == " "]
    if not spaces:
        return heading
    cut = min(spaces, key=lambda i: max(i, len(heading) - i - 1))
    return heading[:cut] + "\n" + heading[cut + 1 :]


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` fits ``console`` with every cell and heading whole (its narrowest
    layout is no wider than the console)."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(100_000)
    return Measurement.get(console, unbounded, table).minimum <= console.width


def fits_whole(console: Console, table: Table) -> bool:
    """Whether ``table`` fits ``console`` with every column at its natural width (rich's
    narrowest layout, which :func:`fits` measures, would break a number from its unit)."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(100_000)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def dotted(key: str, width: int = 16, underscores: bool = False) -> str:
    r"""A key path on as many lines as it needs, broken after dots only (and after
    underscores too with ``underscores``, for the narrowest tables), each line at most
    ``width`` characters where its parts allow.

    >>> dotted("build.share"), dotted("site.electricity_usd_per_kwh")
    ('build.share', 'site.\nelectricity_usd_per_kwh')
    >>> dotted("build.chip.perf_vs_reference")
    'build.chip.\nperf_vs_reference'
    >>> dotted("site.electricity_usd_per_kwh", underscores=True)
    'site.\nelectricity_usd_\nper_kwh'
    """
    if underscores:
        parts = re.split(r"(?<=[._])", key)
        lines = [""]
        for part in parts:
            if lines[-1] and len(lines[-1]) + len(part) > width:
                lines.append(part)
            else:
                lines[-1] += part
        return "\n".join(lines)
    parts = key.split(".")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 1 + len(part) <= width:
            lines[-1] += "." + part
        else:
            lines[-1] += "."
            lines.append(part)
    return "\n".join(lines)


def render(result: dict[str, Any], color: bool = False) -> str:
    """The comparison as tables: plans, silicon, cash flows, perspective and the verdict."""
    result = for_people(result)
    console, buffer = console_for(color)
    buy = result["plans"]["buy"]
    build = result["plans"]["build"]
    console.print(
        f"[bold]{result['scenario']}[/bold]  "
        f"({human.count(result['horizon_years'], 'year')}, discount rate "
        f"{result['discount_rate'] * 100:.1f}%)"
    )

    plans = Table(title="Buy vs build", box=box.SIMPLE_HEAVY, title_justify="left")
    plans.add_column("Metric")
    plans.add_column("Buy", justify="right", style=BUY_STYLE)
    plans.add_column("Build", justify="right", style=BUILD_STYLE)
    plans.add_column("Build - Buy", justify="right")
    for key, label, fmt in plan_rows(result):
        diff = difference(buy[key], build[key])
        plans.add_row(label, fmt(buy[key]), fmt(build[key]), signed(fmt, diff))
    console.print(plans)

    if roadmap.is_roadmap(result):
        for plan in ("buy", "build"):
            fleet = Table(
                title=roadmap.fleet_title(plan), box=box.SIMPLE_HEAVY, title_justify="left"
            )
            for name in roadmap.fleet_header(result, plan):
                fleet.add_column(stacked(name), justify="right")
            for cells in roadmap.fleet_cells(result, plan, stack=True):
                fleet.add_row(*cells)
            console.print(fleet)
    if roadmap.has_nre_timeline(result):
        nre = Table(title=roadmap.NRE_TITLE, box=box.SIMPLE_HEAVY, title_justify="left")
        for name in roadmap.nre_header(result):
            nre.add_column(stacked(name), justify="right")
        for cells in roadmap.nre_cells(result):
            nre.add_row(*cells)
        console.print(nre)

    sil = Table(title="In-house chip silicon", box=box.SIMPLE_HEAVY, title_justify="left")
    for i, name in enumerate(roadmap.silicon_header(result)):
        sil.add_column(stacked(name) if i else name, justify="right" if i else "left")
    for cells in roadmap.silicon_cells(result):
        sil.add_row(*cells)
    console.print(sil)

    years = Table(
        title=YEARLY_TITLE,
        caption=yearly_note(result) or None,
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        caption_justify="left",
    )
    for name in YEARLY_HEADER:
        years.add_column(stacked(name), justify="right")
    for cells in yearly_cells(result):
        years.add_row(*cells)
    console.print(years)

    if result["perspective"]:
        per = Table(title="In perspective", box=box.SIMPLE_HEAVY, title_justify="left")
        for i, name in enumerate(PERSPECTIVE_HEADER):
            if i < 2:
                per.add_column(name, overflow="fold")
            else:
                per.add_column(stacked(name), justify="right", no_wrap=True)
        for cells in perspective_cells(result):
            per.add_row(*cells)
        console.print(per)

    comp = result["comparison"]
    style = BUILD_STYLE if comp["cheaper"] == "build" else BUY_STYLE
    console.print(f"[bold {style}]{comp['verdict']}[/]")
    return buffer.getvalue()
