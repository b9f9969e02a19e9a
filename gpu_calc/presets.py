"""Built-in presets: accelerators, process nodes and sites, every figure with its source.

The data lives in ``gpu_calc/presets/*.yaml`` (one file per kind), so that a figure and its
source sit side by side and can be reviewed without reading code.

>>> acc = get("accelerators", "h100-sxm")
>>> acc.values["power_w"]
700
>>> "glennklockwood" in acc.sources["power_w"]
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("accelerators", "nodes", "sites")

#: The scenario key that names a preset of each kind.
KEY_OF_KIND = {"accelerators": "accelerator", "nodes": "node", "sites": "preset"}


@dataclass(frozen=True)
class Preset:
    """One preset: its values, and for each value its source and range (when known)."""

    kind: str
    name: str
    title: str
    note: str
    values: dict[str, Any]
    sources: dict[str, str]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


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
        values, sources, ranges = {}, {}, {}
        for key, spec in (entry.get("fields") or {}).items():
            values[key] = spec["value"]
            sources[key] = spec.get("source", "")
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
        )
    return out


def names(kind: str) -> list[str]:
    """Sorted names of the presets of one kind."""
    return sorted(load(kind))


def get(kind: str, name: str) -> Preset:
    """One preset; ``KeyError`` with the known names when there is none of that name."""
    table = load(kind)
    if name not in table:
        raise KeyError(f"unknown {kind[:-1]} preset '{name}' (known: {', '.join(names(kind))})")
    return table[name]


def find(name: str) -> Preset | None:
    """The preset of that name, of any kind."""
    for kind in KINDS:
        if name in load(kind):
            return load(kind)[name]
    return None
