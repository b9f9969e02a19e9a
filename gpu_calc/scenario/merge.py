"""Presets merged into a scenario: any field given in the file overrides its preset."""

from __future__ import annotations

import difflib
from typing import Any

from gpu_calc import presets
from gpu_calc.scenario.fields import _describe
from gpu_calc.yamlio import YamlDocument, shown


def _merge_preset(
    raw: dict[str, Any],
    kind: str,
    name_key: str,
    path: tuple[str, ...],
    doc: YamlDocument,
    provenance: dict[tuple[str, ...], str],
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    name = raw.get(name_key)
    if name is None:
        return raw
    known = presets.names(kind)
    if not isinstance(name, str):
        raise doc.error(
            path + (name_key,),
            f"expected a preset name, got {_describe(name)} (known: {', '.join(known)})",
        )
    if name not in known:
        hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        extra = f"did you mean '{hint[0]}'? " if hint else ""
        raise doc.error(
            path + (name_key,),
            f"unknown {kind[:-1]} preset '{shown(name)}' ({extra}known: {', '.join(known)})",
        )
    preset = presets.get(kind, name)
    merged = dict(raw)
    for key, value in preset.values.items():
        if key in skip or key in raw:
            continue
        merged[key] = value
        provenance[path + (key,)] = f"preset {name}: {preset.sources.get(key, '')}"
    return merged


def apply_presets(
    data: dict[str, Any], doc: YamlDocument
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """Fill in missing fields from the presets the scenario names.

    Any field given in the scenario overrides its preset. Returns the merged data and, for
    each value taken from a preset, its source.
    """
    provenance: dict[tuple[str, ...], str] = {}
    data = dict(data)
    site = data.get("site")
    if isinstance(site, dict):
        data["site"] = _merge_preset(site, "sites", "preset", ("site",), doc, provenance)
    buy = data.get("buy")
    if isinstance(buy, dict):
        data["buy"] = _merge_preset(
            buy,
            "accelerators",
            "accelerator",
            ("buy",),
            doc,
            provenance,
            skip=(
                "die_area_mm2",
                "node",
                "memory_usd",
                "packaging_usd",
                "board_usd",
                "package_yield",
            ),
        )
    build = data.get("build")
    if isinstance(build, dict) and isinstance(build.get("chip"), dict):
        build = dict(build)
        chip = dict(build["chip"])
        if "unit_price_usd" in chip:
            raise doc.error(
                ("build", "chip", "unit_price_usd"),
                "the in-house chip's price is derived from its silicon; remove unit_price_usd "
                "and set die_area_mm2, node, memory_usd, packaging_usd and board_usd",
            )
        chip = _merge_preset(
            chip,
            "accelerators",
            "accelerator",
            ("build", "chip"),
            doc,
            provenance,
            skip=("unit_price_usd",),
        )
        chip = _merge_preset(
            chip, "nodes", "node", ("build", "chip"), doc, provenance, skip=("design_usd", "ip_usd")
        )
        build["chip"] = chip
        data["build"] = build
    return data, provenance
