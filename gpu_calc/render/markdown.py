"""Markdown for pull-request comments and docs."""

from __future__ import annotations

from typing import Any

from gpu_calc.render import roadmap
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


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A GitHub-flavoured Markdown table (columns in ``right`` aligned right)."""
    right = right or set()
    lines = [
        "| " + " | ".join(_escape(h) for h in header) + " |",
        "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    """The comparison as Markdown: verdict, plans, silicon, years, perspective."""
    result = for_people(result)
    buy, build = result["plans"]["buy"], result["plans"]["build"]
    out = [f"## {_escape(result['scenario'])}", "", f"**{result['comparison']['verdict']}**", ""]
    rows = [
        [
            label.strip(),
            fmt(buy[key]),
            fmt(build[key]),
            signed(fmt, difference(buy[key], build[key])),
        ]
        for key, label, fmt in plan_rows(result)
    ]
    out += [table(["Metric", "Buy", "Build", "Build - Buy"], rows, {1, 2, 3}), ""]
    if roadmap.is_roadmap(result):
        for plan in ("buy", "build"):
            header = roadmap.fleet_header(result, plan)
            cells = roadmap.fleet_cells(result, plan)
            out += [f"### {roadmap.fleet_title(plan)}", ""]
            out += [table(header, cells, set(range(len(header)))), ""]
    if roadmap.has_nre_timeline(result):
        header = roadmap.nre_header(result)
        out += [f"### {roadmap.NRE_TITLE}", ""]
        out += [table(header, roadmap.nre_cells(result), set(range(len(header)))), ""]
    out += [
        "### In-house chip silicon",
        "",
        table(
            roadmap.silicon_header(result),
            roadmap.silicon_cells(result),
            set(range(1, len(roadmap.silicon_header(result)))),
        ),
        "",
    ]
    years = yearly_cells(result)
    title, basis = YEARLY_TITLE.split(": ", 1)
    out += [
        f"### {title}",
        "",
        basis[0].upper() + basis[1:] + ".",
        "",
        table(list(YEARLY_HEADER), years, set(range(len(YEARLY_HEADER)))),
        "",
    ]
    note = yearly_note(result)
    if note:
        out += [note, ""]
    if result["perspective"]:
        per = perspective_cells(result)
        out += [
            "### In perspective",
            "",
            table(list(PERSPECTIVE_HEADER), per, {2, 3, 4}),
            "",
        ]
    return "\n".join(out)
