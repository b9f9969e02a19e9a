"""Renderers: a result in, text out. One module per output format.

Each format of :class:`Format` maps to a function ``render(result_dict) -> str``; the
command line picks one and writes its text to stdout or ``-o FILE``.
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """Output formats of the commands that print results."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def render_comparison(result: dict, fmt: Format, color: bool = False) -> str:  # type: ignore[type-arg]
    """Render a comparison's JSON dict in ``fmt``."""
    from gpu_calc.render import csv, json, markdown, table

    if fmt is Format.table:
        return table.render(result, color=color)
    renderers = {Format.json: json.render, Format.csv: csv.render, Format.markdown: markdown.render}
    return renderers[fmt](result)
