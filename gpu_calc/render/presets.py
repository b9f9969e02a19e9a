"""Presets (``gpucalc presets``) in every output format: all of them, or one in full."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from gpu_calc.render import Format, human

#: Version of this command's JSON shape: raised only if a key is renamed or redefined.
SCHEMA_VERSION = 1

#: What a header says after its name when two columns would read alike (``memory cost``,
#: ``memory carbon``).
_KIND_WORDS = (("_kg_co2e", "carbon"), ("_usd", "cost"))


def value_text(key: str, value: Any) -> str:
    """A preset value for people: ``$27.5k``, ``700 W``, ``0.100 /cm2``.

    >>> value_text("unit_price_usd", 27500), value_text("power_w", 700), value_text("node", "n5")
    ('$27.5k', '700 W', 'n5')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return human.quantity(key, value)


def header_text(key: str) -> str:
    """A column header for a key: its unit (:func:`gpu_calc.render.human.unit_of`) dropped,
    as the values carry it.

    >>> header_text("electricity_usd_per_kwh"), header_text("chips_per_server")
    ('electricity', 'chips per server')
    """
    unit = human.unit_of(key)
    if unit and unit.startswith("_") and key.endswith(unit):
        key = key[: -len(unit)]
    return key.replace("_", " ")


def header_texts(keys: list[str]) -> list[str]:
    """Column headers for keys (:func:`header_text`); headers that would read alike say what
    they measure.

    >>> header_texts(["memory_usd_per_gb", "memory_kg_co2e_per_gb", "power_w"])
    ['memory cost', 'memory carbon', 'power']
    """
    plain = [header_text(k) for k in keys]
    out = []
    for key, text in zip(keys, plain, strict=True):
        if plain.count(text) > 1:
            word = next((w for part, w in _KIND_WORDS if part in key), None)
            text = f"{text} {word}" if word else key.replace("_", " ")
        out.append(text)
    return out


def preset_dict(preset: Any) -> dict[str, Any]:
    """One preset as data: kind, name, title, note and every field with source and range."""
    return {
        "kind": preset.kind,
        "name": preset.name,
        "title": preset.title,
        "note": preset.note,
        "fields": [
            {
                "key": key,
                "value": value,
                "low": preset.ranges.get(key, (None, None))[0],
                "high": preset.ranges.get(key, (None, None))[1],
                "source": preset.sources.get(key, ""),
                "as_of": preset.as_of.get(key),
            }
            for key, value in preset.values.items()
        ],
    }


def summary_keys(items: list[dict[str, Any]]) -> list[str]:
    """Keys shown in the overview of one kind: those at least half its presets have, and
    the price wherever there is one (an analyst looks for it first)."""
    counts: dict[str, int] = {}
    for item in items:
        for f in item["fields"]:
            counts[f["key"]] = counts.get(f["key"], 0) + 1
    return [k for k, n in counts.items() if 2 * n >= len(items) or k == "unit_price_usd"]


def _by_kind(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        out.setdefault(item["kind"], []).append(item)
    return out


def _overview_rows(group: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    keys = summary_keys(group)
    rows = []
    for item in group:
        values = {f["key"]: f["value"] for f in item["fields"]}
        rows.append(
            [item["name"], item["title"]]
            + [value_text(k, values[k]) if k in values else "-" for k in keys]
        )
    return ["name", "title", *header_texts(keys)], rows


def _range_text(f: dict[str, Any]) -> str:
    if f["low"] is None:
        return ""
    return f"{value_text(f['key'], f['low'])} - {value_text(f['key'], f['high'])}"


def _csv(items: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kind", "name", "key", "value", "low", "high", "source", "as_of"])
    for item in items:
        for f in item["fields"]:
            writer.writerow(
                [
                    item["kind"],
                    item["name"],
                    f["key"],
                    f["value"],
                    "" if f["low"] is None else f["low"],
                    "" if f["high"] is None else f["high"],
                    f["source"],
                    f.get("as_of") or "",
                ]
            )
    return buffer.getvalue()


def _natural_width(table: Any) -> int:
    """The width ``table`` takes when nothing squeezes it. [characters]"""
    from rich.console import Console

    wide = Console(width=10_000, file=io.StringIO(), color_system=None)
    with wide.capture() as capture:
        wide.print(table)
    return max((len(line.rstrip()) for line in capture.get().splitlines()), default=0)


def _whole(console: Any, table: Any) -> bool:
    """Whether ``table`` fits ``console`` with every cell whole."""
    from gpu_calc.render.table import fits

    return fits(console, table) and _natural_width(table) < console.width


def _singular(kind: str) -> str:
    from gpu_calc.presets import SINGULAR

    return SINGULAR.get(kind, kind)


def render_all(items: list[dict[str, Any]], fmt: Format, color: bool = False) -> str:
    """An overview of many presets: a table per kind (JSON and CSV: every field)."""
    if fmt is Format.json:
        return json.dumps({"schema_version": SCHEMA_VERSION, "presets": items}, indent=2) + "\n"
    if fmt is Format.csv:
        return _csv(items)
    if fmt is Format.markdown:
        from gpu_calc.render.markdown import table as md_table

        parts = []
        for kind, group in _by_kind(items).items():
            header, rows = _overview_rows(group)
            parts += [f"## {kind.capitalize()}", "", md_table(header, rows), ""]
        return "\n".join(parts)
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from gpu_calc.render.table import console_for, stacked

    console, buffer = console_for(color, width=140)
    for kind, group in _by_kind(items).items():
        header, rows = _overview_rows(group)
        table = Table(title=kind.capitalize(), box=box.SIMPLE_HEAVY, title_justify="left")
        for i, name in enumerate(header):
            table.add_column(
                stacked(name),
                justify="left" if i < 2 else "right",
                style="bold" if i == 0 else None,
                no_wrap=i != 1,
            )
        for row in rows:
            table.add_row(*(escape(c) for c in row))
        if not _whole(console, table):
            # too many figures for the terminal: one column per preset instead
            table = Table(title=kind.capitalize(), box=box.SIMPLE_HEAVY, title_justify="left")
            table.add_column("name", style="bold", no_wrap=True)
            for row in rows:
                table.add_column(escape(row[0]), justify="right", overflow="fold")
            for j, name in enumerate(header[1:], start=1):
                table.add_row(name, *(escape(row[j]) for row in rows))
        # too many presets for that too: drop the title, then the last figures, one at a time
        dropped: list[str] = []
        for keep in range(len(header), 3, -1):
            if _whole(console, table):
                break
            columns = [0, *range(2, keep)]
            dropped = [header[1], *header[keep:]]
            table = Table(title=kind.capitalize(), box=box.SIMPLE_HEAVY, title_justify="left")
            for j in columns:
                table.add_column(
                    stacked(header[j]),
                    justify="left" if j == 0 else "right",
                    style="bold" if j == 0 else None,
                    no_wrap=True,
                )
            for row in rows:
                table.add_row(*(escape(row[j]) for j in columns))
        console.print(table)
        if dropped:  # said, not dropped silently
            console.print(
                f"Not shown at this width: {', '.join(dropped)} (a wider terminal, or "
                "--format markdown, shows them)",
                markup=False,
            )
    console.print("One preset in full, with sources: gpucalc presets NAME")
    return buffer.getvalue()


def render_one(item: dict[str, Any], fmt: Format, color: bool = False) -> str:
    """One preset with every value, its range and its source."""
    if fmt is Format.json:
        return json.dumps({"schema_version": SCHEMA_VERSION, **item}, indent=2) + "\n"
    if fmt is Format.csv:
        return _csv([item])
    header = ["key", "value", "range", "source", "as of"]
    rows = [
        [
            f["key"],
            value_text(f["key"], f["value"]),
            _range_text(f),
            f["source"],
            f.get("as_of") or "",
        ]
        for f in item["fields"]
    ]
    if fmt is Format.markdown:
        from gpu_calc.render.markdown import table as md_table

        head = f"## {item['name']}: {item['title']} ({_singular(item['kind'])})"
        return "\n".join([head, "", item["note"], "", md_table(header, rows), ""])
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from gpu_calc.render.table import console_for

    console, buffer = console_for(color)
    console.print(
        f"[bold]{escape(item['name'])}[/bold]: {escape(item['title'])} ({_singular(item['kind'])})"
    )
    if item["note"]:
        console.print(escape(item["note"]))
    table = Table(box=box.SIMPLE_HEAVY)
    table.add_column("Key", style="bold", overflow="fold")
    table.add_column("Value", justify="right")
    table.add_column("Range", justify="right")
    table.add_column("Source (as of)", overflow="fold")
    for key, value, range_, source, date in rows:
        cited = f"{source} (as of {date})" if date else source
        table.add_row(*(escape(c) for c in (key, value, range_, cited)))
    console.print(table)
    return buffer.getvalue()
