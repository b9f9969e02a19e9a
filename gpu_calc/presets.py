"""Built-in presets: accelerators, process nodes, sites, servers, memory and packaging,
every figure with its source and the date it was true (``as_of``).

The data lives in ``gpu_calc/presets/*.yaml`` (one file per kind), so that a figure and its
source sit side by side and can be reviewed without reading code.

>>> acc = get("accelerators", "h100-sxm")
>>> acc.values["power_w"]
700
>>> "glennklockwood" in acc.sources["power_w"]
True
>>> acc.as_of["power_w"]
'2022-03'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("accelerators", "nodes", "sites", "servers", "memory", "packaging")

#: The scenario key that names a preset of each kind.
KEY_OF_KIND = {
    "accelerators": "accelerator",
    "nodes": "node",
    "sites": "preset",
    "servers": "server",
    "memory": "memory",
    "packaging": "packaging",
}

#: One preset of each kind, as messages say it ("unknown server preset").
SINGULAR = {
    "accelerators": "accelerator",
    "nodes": "node",
    "sites": "site",
    "servers": "server",
    "memory": "memory",
    "packaging": "packaging",
}

#: An ``as_of`` date: a year, a year and month, or a full date.
AS_OF = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class Preset:
    """One preset: its values, and for each value its source, the date it was true (``as_of``)
    and its range (when known)."""

    kind: str
    name: str
    title: str
    note: str
    values: dict[str, Any]
    sources: dict[str, str]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    as_of: dict[str, str] = field(default_factory=dict)

    def cited(self, key: str) -> str:
        """The source of one value with its date: ``source (as of 2024-04)``."""
        source = self.sources.get(key, "")
        date = self.as_of.get(key)
        return f"{source} (as of {date})" if date else source


@cache
def load(kind: str) -> dict[str, Preset]:
    """All presets of one kind, by name."""
    from gpu_calc.yamlio import parse_yaml

    if kind not in KINDS:
        raise KeyError(kind)
    text = resources.files("gpu_calc").joinpath("presets", f"{kind}.yaml").read_text("utf-8")
    raw = parse_yaml(text, f"presets/{kind}.yaml").data or {}
    out = {}
    for name, entry in raw.items():
        values, sources, ranges, as_of = {}, {}, {}, {}
        for key, spec in (entry.get("fields") or {}).items():
            values[key] = spec["value"]
            sources[key] = spec.get("source", "")
            if "as_of" in spec:
                as_of[key] = str(spec["as_of"])
            if "low" in spec and "high" in spec:
                ranges[key] = (spec["low"], spec["high"])
        out[name] = Preset(
            kind=kind,
            name=name,
            title=entry.get("title", name),
            note=entry.get("note", ""),
            values=values,
            sources=sources,
            ranges=ranges,
            as_of=as_of,
        )
    return out


def names(kind: str) -> list[str]:
    """Sorted names of the presets of one kind."""
    return sorted(load(kind))


def get(kind: str, name: str) -> Preset:
    """One preset; ``KeyError`` with the known names when there is none of that name."""
    table = load(kind)
    if name not in table:
        raise KeyError(
            f"unknown {SINGULAR[kind]} preset '{name}' (known: {', '.join(names(kind))})"
        )
    return table[name]


def find(name: str) -> Preset | None:
    """The preset of that name, of any kind."""
    for kind in KINDS:
        if name in load(kind):
            return load(kind)[name]
    return None
