"""Rich tables for people at a terminal."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from gpu_calc.render import human
from gpu_calc.render.rows import (
    PLAN_ROWS,
    SILICON_ROWS,
    YEARLY_HEADER,
    difference,
    signed,
    yearly_cells,
)

BUY_STYLE = "cyan"
BUILD_STYLE = "magenta"


def console_for(color: bool, width: int = 110) -> tuple[Console, io.StringIO]:
    """A console that writes into a string, with or without colour."""
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


def render(result: dict[str, Any], color: bool = False) -> str:
    """The comparison as tables: plans, silicon, cash flows, perspective and the verdict."""
    console, buffer = console_for(color)
    buy = result["plans"]["buy"]
    build = result["plans"]["build"]
    console.print(
        f"[bold]{result['scenario']}[/bold]  "
        f"({result['horizon_years']} years, discount rate "
        f"{result['discount_rate'] * 100:.1f}%)"
    )

    plans = Table(title="Buy vs build", box=box.SIMPLE_HEAVY, title_justify="left")
    plans.add_column("Metric")
    plans.add_column("Buy", justify="right", style=BUY_STYLE)
    plans.add_column("Build", justify="right", style=BUILD_STYLE)
    plans.add_column("Build - Buy", justify="right")
    for key, label, fmt in PLAN_ROWS:
        diff = difference(buy[key], build[key])
        plans.add_row(label, fmt(buy[key]), fmt(build[key]), signed(fmt, diff))
    console.print(plans)

    sil = Table(title="In-house chip silicon", box=box.SIMPLE_HEAVY, title_justify="left")
    sil.add_column("Figure")
    sil.add_column("Value", justify="right")
    for key, label, fmt in SILICON_ROWS:
        sil.add_row(label, fmt(result["silicon"][key]))
    console.print(sil)

    years = Table(
        title="Cash flows by year (undiscounted capex incl. NRE, opex; savings discounted)",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    for name in YEARLY_HEADER:
        years.add_column(name, justify="right")
    for cells in yearly_cells(result):
        years.add_row(*cells)
    console.print(years)

    if result["perspective"]:
        per = Table(title="In perspective", box=box.SIMPLE_HEAVY, title_justify="left")
        for name, justify in (
            ("Reference", "left"),
            ("Metric", "left"),
            ("Plan", "left"),
            ("Ours", "right"),
            ("Reference value", "right"),
            ("Ratio", "right"),
        ):
            per.add_column(name, justify=justify)  # type: ignore[arg-type]
        for p in result["perspective"]:
            per.add_row(
                p["label"],
                p["metric"],
                p["plan"],
                human.number(p["metric_value"]),
                human.number(p["value"]),
                human.number(p["ratio"]) + "x",
            )
        console.print(per)

    comp = result["comparison"]
    style = BUILD_STYLE if comp["cheaper"] == "build" else BUY_STYLE
    console.print(f"[bold {style}]{comp['verdict']}[/]")
    return buffer.getvalue()
