"""The report of ``gpucalc validate`` in every output format."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from gpu_calc.errors import printable
from gpu_calc.render import Format


def _rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per problem (one row for a valid file), then one per warning: file, status
    (ok, invalid or warning), line, col, path, message."""
    rows = []
    for item in report["files"]:
        if item["valid"]:
            rows.append([item["file"], "ok", "", "", "", ""])
        problems = [("invalid", e) for e in item["errors"]]
        problems += [("warning", w) for w in item.get("warnings", [])]
        for status, e in problems:
            rows.append(
                [
                    item["file"],
                    status,
                    "" if e["line"] is None else str(e["line"]),
                    "" if e["col"] is None else str(e["col"]),
                    e["path"],
                    e["message"],
                ]
            )
    return rows


HEADER = ["file", "status", "line", "col", "path", "message"]


def render(report: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """``report`` is :func:`gpu_calc.validation.report_dict`'s output."""
    if fmt is Format.json:
        return json.dumps(report, indent=2) + "\n"
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(_rows(report))
        return buffer.getvalue()
    # people's views: control characters of a file name escaped (errors.printable)
    rows = [[printable(c) for c in row] for row in _rows(report)]
    if fmt is Format.markdown:
        from gpu_calc.render.markdown import table as md_table

        header = [h.capitalize() for h in HEADER]
        return md_table(header, rows, {2, 3}) + "\n"
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from gpu_calc.render.table import console_for

    console, buffer = console_for(color)
    table = Table(box=box.SIMPLE_HEAVY)
    for name in HEADER:
        # A long path or message wraps; it is never cut with an ellipsis.
        table.add_column(
            name.capitalize(),
            justify="right" if name in ("line", "col") else "left",
            overflow="fold",
        )
    for row in rows:
        style = {"ok": "green", "warning": "yellow"}.get(row[1], "red")
        table.add_row(escape(row[0]), f"[{style}]{row[1]}[/]", *(escape(c) for c in row[2:]))
    console.print(table)
    return buffer.getvalue()
