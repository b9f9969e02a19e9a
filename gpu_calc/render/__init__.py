"""Renderers: a result in, text out. One module per output format.

Each format of :class:`Format` maps to a function ``render(result_dict) -> str``; the
command line picks one and writes its text to stdout or ``-o FILE``. compare, simulate and
sweep take :class:`ResultFormat`: those formats and ``xlsx``, a workbook built from the
scenario and the result (:func:`gpu_calc.render.xlsx.render`, bytes, written only to -o).
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """Output formats of the commands that print results."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ResultFormat(StrEnum):
    """Output formats of compare, simulate and sweep: the text formats of :class:`Format`,
    and ``xlsx``, an Excel workbook (:mod:`gpu_calc.render.xlsx`; binary, so only to -o)."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"

    @property
    def text(self) -> Format | None:
        """The text format of the same name (None for ``xlsx``)."""
        return None if self is ResultFormat.xlsx else Format(self.value)


def render_comparison(result: dict, fmt: Format, color: bool = False) -> str:  # type: ignore[type-arg]
    """Render a comparison's JSON dict in ``fmt`` (only that format's module is imported:
    JSON never pays for rich)."""
    if fmt is Format.table:
        from gpu_calc.render import table

        return table.render(result, color=color)
    if fmt is Format.json:
        from gpu_calc.render import json

        return json.render(result)
    if fmt is Format.csv:
        from gpu_calc.render import csv

        return csv.render(result)
    from gpu_calc.render import markdown

    return markdown.render(result)
