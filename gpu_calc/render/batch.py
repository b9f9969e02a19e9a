"""Renderers of a batch run: its ``--format json`` dict in, text out, one per format.

Every view shows one row per file (file, cheaper plan, savings, payback year, status) and the
counts; the Markdown view is also what ``--summary`` writes for ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from gpu_calc.errors import printable
from gpu_calc.render import Format, human
from gpu_calc.render.rows import signed

#: Columns of the human views.
HEADER = ["File", "Cheaper", "Savings (NPV)", "Payback", "Status"]
#: Columns of the CSV view (exact numbers, machine-readable).
CSV_HEADER = [
    "file",
    "status",
    "scenario",
    "cheaper",
    "savings_npv_usd",
    "savings_pct",
    "payback_year",
    "expectations_checked",
    "expectations_failed",
    "problems",
]
_STATUS_STYLE = {"ok": "green", "failed": "red", "invalid": "bold red"}


def _cells(entry: dict[str, Any]) -> list[str]:
    """File, cheaper plan, savings, payback year and status of one file, for people."""
    result = entry["result"]
    name = printable(entry["file"])  # control characters escaped, as in error lines
    if result is None:
        return [name, "-", "-", "-", entry["status"]]
    comp = result["comparison"]
    payback = comp["payback_year"]
    if payback is None and comp["cheaper"] != "buy":
        payback_text = "n/a"
    else:
        payback_text = human.payback_short(
            payback,
            result.get("start_year"),
            comp["savings_npv_usd"],
            comp.get("lasting_payback_year"),
        )
    return [
        name,
        comp["cheaper"] or "n/a",
        signed(human.usd, comp["savings_npv_usd"]),
        payback_text,
        entry["status"],
    ]


def counts_line(summary: dict[str, Any]) -> str:
    """``12 files: 10 ok, 1 failed, 1 invalid; 7 of 8 expectations held``."""
    n = summary["files"]
    text = (
        f"{n} file{'s' if n != 1 else ''}: {summary['ok']} ok, {summary['failed']} failed, "
        f"{summary['invalid']} invalid"
    )
    checked = summary["expectations_checked"]
    if checked:
        held = checked - summary["expectations_failed"]
        text += f"; {held} of {checked} expectation{'s' if checked != 1 else ''} held"
    return text


def _problems(entry: dict[str, Any]) -> list[str]:
    lines = [e["text"] for e in entry["errors"]]
    for x in entry["expectations"]:
        if not x["passed"]:
            lines.append(x["text"])
    return lines


def render_table(batch: dict[str, Any], color: bool = False) -> str:
    """A rich table, one row per file, then the counts."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from gpu_calc.render.table import console_for

    console, buffer = console_for(color)
    grid = Table(box=box.SIMPLE_HEAVY)
    for i, name in enumerate(HEADER):
        grid.add_column(name, justify="right" if i in (2, 3) else "left", overflow="fold")
    for entry in batch["results"]:
        cells = _cells(entry)
        style = _STATUS_STYLE[entry["status"]]
        grid.add_row(*(escape(c) for c in cells[:-1]), f"[{style}]{cells[-1]}[/]")
    console.print(grid)
    console.print(counts_line(batch["summary"]))
    return buffer.getvalue()


def render_json(batch: dict[str, Any]) -> str:
    """Indented JSON with a final newline; never NaN (they are ``null``)."""
    return json.dumps(batch, indent=2, allow_nan=False) + "\n"


def render_csv(batch: dict[str, Any]) -> str:
    """One row per file with exact numbers; ``problems`` joins its error lines with `` | ``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)

    def cell(x: Any) -> str:
        return "" if x is None else repr(x) if isinstance(x, float) else str(x)

    for entry in batch["results"]:
        result = entry["result"]
        comp = result["comparison"] if result else {}
        checks = entry["expectations"]
        writer.writerow(
            [
                entry["file"],
                entry["status"],
                result["scenario"] if result else "",
                comp.get("cheaper", ""),
                cell(comp.get("savings_npv_usd")),
                cell(comp.get("savings_pct")),
                cell(comp.get("payback_year")),
                len(checks),
                sum(1 for x in checks if not x["passed"]),
                " | ".join(_problems(entry)),
            ]
        )
    return buffer.getvalue()


def render_markdown(batch: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown: the counts, a table of files, then every problem."""
    from gpu_calc.render.markdown import table

    summary = batch["summary"]
    icon = {0: "passed", 1: "expectations failed", 2: "invalid input"}[summary["exit_code"]]
    out = ["## gpucalc batch: " + icon, "", f"**{counts_line(summary)}**", ""]
    rows = [[f"`{c[0]}`", *c[1:]] for c in (_cells(e) for e in batch["results"])]
    out += [table(HEADER, rows, {2, 3}), ""]
    problems = [line for entry in batch["results"] for line in _problems(entry)]
    if problems:
        out += ["### Problems", ""]
        out += ["- `" + printable(line).replace("`", "'") + "`" for line in problems]
        out.append("")
    if batch["warnings"]:
        out += ["### Skipped", ""]
        out += [f"- {printable(w)}" for w in batch["warnings"]]
        out.append("")
    return "\n".join(out)


def render(batch: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """Render a batch's JSON dict in ``fmt``."""
    if fmt is Format.table:
        return render_table(batch, color=color)
    renderers = {Format.json: render_json, Format.csv: render_csv, Format.markdown: render_markdown}
    return renderers[fmt](batch)
