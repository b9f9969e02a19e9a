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
    path: tuple[str | int, ...],
    doc: YamlDocument,
    provenance: dict[tuple[str | int, ...], str],
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


#: Silicon fields of an accelerator preset that a bought or installed accelerator never uses.
_SILICON_ONLY = (
    "die_area_mm2",
    "node",
    "memory_usd",
    "packaging_usd",
    "board_usd",
    "package_yield",
)


def _merge_bought(
    raw: dict[str, Any],
    path: tuple[str | int, ...],
    doc: YamlDocument,
    provenance: dict[tuple[str | int, ...], str],
) -> dict[str, Any]:
    """A bought (or installed) accelerator: its preset's values under the ones given."""
    return _merge_preset(raw, "accelerators", "accelerator", path, doc, provenance, _SILICON_ONLY)


def _merge_chip(
    raw: dict[str, Any],
    path: tuple[str | int, ...],
    doc: YamlDocument,
    provenance: dict[tuple[str | int, ...], str],
) -> dict[str, Any]:
    """An in-house chip: its accelerator preset, then its node preset; no given price."""
    if "unit_price_usd" in raw:
        raise doc.error(
            path + ("unit_price_usd",),
            "the in-house chip's price is derived from its silicon; remove unit_price_usd "
            "and set die_area_mm2, node, memory_usd, packaging_usd and board_usd",
        )
    chip = _merge_preset(
        raw, "accelerators", "accelerator", path, doc, provenance, skip=("unit_price_usd",)
    )
    return _merge_preset(
        chip, "nodes", "node", path, doc, provenance, skip=("design_usd", "ip_usd")
    )


def _each(items: Any, merge: Any, path: tuple[str | int, ...]) -> Any:
    """``merge`` applied to every mapping of a list (other items are left to validation)."""
    if not isinstance(items, list):
        return items
    return [
        merge(item, path + (i,)) if isinstance(item, dict) else item for i, item in enumerate(items)
    ]


def apply_presets(
    data: dict[str, Any], doc: YamlDocument
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], str]]:
    """Fill in missing fields from the presets the scenario names.

    Any field given in the scenario overrides its preset; a generation inherits nothing from
    the one before it (MODEL.md 11.2). Returns the merged data and, for each value taken from
    a preset, its source.
    """
    provenance: dict[tuple[str | int, ...], str] = {}
    data = dict(data)

    def bought(raw: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
        return _merge_bought(raw, path, doc, provenance)

    def chip(raw: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
        return _merge_chip(raw, path, doc, provenance)

    site = data.get("site")
    if isinstance(site, dict):
        data["site"] = _merge_preset(site, "sites", "preset", ("site",), doc, provenance)
    buy = data.get("buy")
    if isinstance(buy, dict):
        buy = bought(buy, ("buy",))
        if "generations" in buy:
            buy = {**buy, "generations": _each(buy["generations"], bought, ("buy", "generations"))}
        data["buy"] = buy
    if "installed" in data:
        data["installed"] = _each(data["installed"], bought, ("installed",))
    build = data.get("build")
    if isinstance(build, dict):
        build = dict(build)
        if isinstance(build.get("chip"), dict):
            build["chip"] = chip(build["chip"], ("build", "chip"))

        def generation(raw: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
            if isinstance(raw.get("chip"), dict):
                return {**raw, "chip": chip(raw["chip"], path + ("chip",))}
            return raw

        if "generations" in build:
            build["generations"] = _each(build["generations"], generation, ("build", "generations"))
        data["build"] = build
    return data, provenance
