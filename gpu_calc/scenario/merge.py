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
            f"unknown {presets.SINGULAR[kind]} preset '{shown(name)}' "
            f"({extra}known: {', '.join(known)})",
        )
    preset = presets.get(kind, name)
    merged = dict(raw)
    for key, value in preset.values.items():
        if key in skip or key in raw:
            continue
        merged[key] = value
        provenance[path + (key,)] = f"preset {name}: {preset.cited(key)}"
    return merged


#: Silicon fields of an accelerator preset that a bought or installed accelerator never uses.
SILICON_ONLY = (
    "die_area_mm2",
    "node",
    "memory_usd",
    "packaging_usd",
    "board_usd",
    "package_yield",
    "memory_gb",
    "memory",
    "packaging",
    "interposer_area_mm2",
)

Path = tuple[str | int, ...]

#: The bill of materials of a chip (docs/model.md): each lump sum and the parts that
#: replace it. ``memory_gb`` alone is a quantity (it prices nothing without a price per GB).
_MEMORY_PRICE = ("memory", "memory_usd_per_gb")
_PACKAGING_PARTS = (
    "packaging",
    "packaging_base_usd",
    "packaging_usd_per_mm2",
    "interposer_area_mm2",
)
_CARBON_PARTS = ("wafer_kg_co2e_per_cm2", "memory_kg_co2e_per_gb", "package_kg_co2e")
#: Keys that, written in the file, ask for the chip's carbon from its parts.
_CARBON_OPT_IN = ("memory", "packaging", *_CARBON_PARTS)


def _merge_server(
    raw: dict[str, Any], path: Path, doc: YamlDocument, provenance: dict[Path, str]
) -> dict[str, Any]:
    """A server preset's whole-system figures under the ones given (before the accelerator
    preset's, so that a server's chips_per_server wins over a chip-level one)."""
    return _merge_preset(raw, "servers", "server", path, doc, provenance)


def _merge_bought(
    raw: dict[str, Any],
    path: tuple[str | int, ...],
    doc: YamlDocument,
    provenance: dict[tuple[str | int, ...], str],
) -> dict[str, Any]:
    """A bought (or installed) accelerator: its server's and its preset's values under the
    ones given."""
    raw = _merge_server(raw, path, doc, provenance)
    return _merge_preset(raw, "accelerators", "accelerator", path, doc, provenance, SILICON_ONLY)


def _drop(
    merged: dict[str, Any],
    keys: tuple[str, ...],
    given: set[str],
    path: Path,
    provenance: dict[Path, str],
) -> None:
    """Remove from ``merged`` the keys a preset filled in (never those given in the file)."""
    for key in keys:
        if key in merged and key not in given:
            del merged[key]
            provenance.pop(path + (key,), None)


def _both(
    given: set[str], lump: str, parts: tuple[str, ...], path: Path, doc: YamlDocument
) -> None:
    """A lump sum and any of its parts both written in the file: an input error."""
    found = [k for k in parts if k in given]
    if lump in given and found:
        raise doc.error(
            path + (lump,),
            f"give {lump} or its parts ({', '.join(parts)}), not both; "
            f"remove {lump} or {', '.join(found)}",
        )


def _bill_of_materials(
    raw: dict[str, Any],
    chip: dict[str, Any],
    path: Path,
    doc: YamlDocument,
    provenance: dict[Path, str],
) -> dict[str, Any]:
    """A chip's memory, packaging and carbon: lump sums or parts, never both.

    The parts replace a lump sum only when the file asks for them (it names a memory or
    packaging preset or gives a part): a preset's memory or packaging type alone is
    information, so that a chip without the new keys keeps today's numbers. A value written
    in the file beats a preset's. The carbon parts apply only when the file names a memory or
    packaging preset or a carbon part, and gives no ``embodied_kg_co2e``.
    """
    given = set(raw)
    _both(given, "memory_usd", _MEMORY_PRICE, path, doc)
    _both(given, "packaging_usd", _PACKAGING_PARTS, path, doc)
    _both(given, "embodied_kg_co2e", _CARBON_PARTS, path, doc)
    merged = dict(chip)
    # memory: the lump sum, or memory_gb x a price per GB (of a memory preset or given)
    memory_parts = (
        "memory_usd" not in given
        and bool(given & {"memory_gb", *_MEMORY_PRICE})
        and any(k in merged for k in _MEMORY_PRICE)
    )
    # packaging: the lump sum, or a base plus a price per mm2 of interposer, plus test
    packaging_parts = (
        "packaging_usd" not in given
        and bool(given & set(_PACKAGING_PARTS))
        and any(k in merged for k in _PACKAGING_PARTS[:3])
    )
    carbon = "embodied_kg_co2e" not in given and bool(given & set(_CARBON_OPT_IN))
    carbon_skip = () if carbon else _CARBON_PARTS
    if memory_parts:
        _drop(merged, ("memory_usd",), given, path, provenance)
    else:
        _drop(merged, ("memory_usd_per_gb",), given, path, provenance)
    if packaging_parts:
        _drop(merged, ("packaging_usd",), given, path, provenance)
    else:
        _drop(merged, _PACKAGING_PARTS[1:] + ("test_assembly_usd",), given, path, provenance)
    if not carbon:
        _drop(merged, _CARBON_PARTS, given, path, provenance)
    memory_skip = carbon_skip + (() if memory_parts else ("memory_usd_per_gb",))
    merged = _merge_preset(merged, "memory", "memory", path, doc, provenance, memory_skip)
    packaging_skip = carbon_skip + (
        () if packaging_parts else _PACKAGING_PARTS[1:] + ("test_assembly_usd",)
    )
    merged = _merge_preset(merged, "packaging", "packaging", path, doc, provenance, packaging_skip)
    if carbon:
        _drop(merged, ("embodied_kg_co2e",), given, path, provenance)
    return merged


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
    chip = _merge_server(raw, path, doc, provenance)
    chip = _merge_preset(
        chip, "accelerators", "accelerator", path, doc, provenance, skip=("unit_price_usd",)
    )
    chip = _bill_of_materials(raw, chip, path, doc, provenance)
    node_skip: tuple[str, ...] = ("design_usd", "ip_usd")
    if "wafer_kg_co2e_per_cm2" not in chip and not (
        set(raw) & set(_CARBON_OPT_IN) and "embodied_kg_co2e" not in raw
    ):
        node_skip += ("wafer_kg_co2e_per_cm2",)
    return _merge_preset(chip, "nodes", "node", path, doc, provenance, skip=node_skip)


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
