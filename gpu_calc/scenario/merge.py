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
    "harvest_area_fraction",
    "dies_per_package",
)

Path = tuple[str | int, ...]

#: The bill of materials of a chip (docs/model.md): each lump sum and the parts that
#: replace it. ``memory_gb`` is a part: written in the file, it asks for memory from parts.
_MEMORY_PARTS = ("memory_gb", "memory", "memory_usd_per_gb")
_PACKAGING_PARTS = (
    "packaging",
    "packaging_base_usd",
    "packaging_usd_per_mm2",
    "interposer_area_mm2",
)
_CARBON_PARTS = ("wafer_kg_co2e_per_cm2", "memory_kg_co2e_per_gb", "package_kg_co2e")


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


def _nonzero(value: Any) -> bool:
    """A price that is not 0: a distribution counts, a non-number is left to validation."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, dict)


def _first(given: set[str], keys: tuple[str, ...]) -> str:
    return next(k for k in keys if k in given)


def _check_parts(
    given: set[str],
    merged: dict[str, Any],
    memory_parts: bool,
    packaging_parts: bool,
    path: Path,
    doc: YamlDocument,
) -> None:
    """Parts the file asks for must be priced: nothing given is silently free (issue 15)."""
    if memory_parts and "memory_usd_per_gb" not in merged and "memory" not in merged:
        raise doc.error(
            path + (_first(given, _MEMORY_PARTS),),
            "memory_gb needs a price per GB: name a memory preset (memory: hbm3e, hbm3, hbm2e, "
            "lpddr5, ddr5) or give memory_usd_per_gb; or give memory_usd as a lump sum instead",
        )
    if not packaging_parts:
        return
    where = path + (_first(given, _PACKAGING_PARTS),)
    if "packaging_base_usd" not in merged and "packaging_usd_per_mm2" not in merged:
        raise doc.error(
            where,
            "interposer_area_mm2 needs a packaging preset (packaging: cowos-s, cowos-l, organic) "
            "or packaging_usd_per_mm2 to price it; or give packaging_usd as a lump sum instead",
        )
    area = "interposer_area_mm2" in merged
    if area and "packaging_usd_per_mm2" not in merged:
        at = "interposer_area_mm2" if "interposer_area_mm2" in given else where[-1]
        raise doc.error(
            path + (at,),
            "interposer_area_mm2 needs packaging_usd_per_mm2 (the price it multiplies) or a "
            "packaging preset (packaging: cowos-s, cowos-l, organic)",
        )
    if not area and _nonzero(merged.get("packaging_usd_per_mm2")):
        name = merged.get("packaging")
        what = (
            f"packaging {name} has an interposer"
            if isinstance(name, str) and "packaging_usd_per_mm2" not in given
            else "packaging_usd_per_mm2 prices an interposer"
        )
        at = next((k for k in ("packaging", "packaging_usd_per_mm2") if k in given), where[-1])
        raise doc.error(
            path + (at,),
            f"{what}: add interposer_area_mm2 (its area in mm2; the H100's is about 2,831), "
            "or give packaging_usd as a lump sum instead",
        )


def _bill_of_materials(
    raw: dict[str, Any],
    chip: dict[str, Any],
    path: Path,
    doc: YamlDocument,
    provenance: dict[Path, str],
) -> tuple[dict[str, Any], bool]:
    """A chip's memory, packaging and carbon: lump sums or parts, never both. Returns the
    merged chip and whether its carbon comes from parts.

    The parts replace a lump sum only when the file asks for them (it gives a part:
    ``memory_gb``, ``memory``, ``memory_usd_per_gb``; ``packaging``, ``packaging_base_usd``,
    ``packaging_usd_per_mm2``, ``interposer_area_mm2``): a preset's memory or packaging type
    alone is information, so that a chip without the new keys keeps today's numbers. A value
    written in the file beats a preset's. Parts asked for must be priced (else an input
    error says what to add). Carbon is the lump ``embodied_kg_co2e`` when the file writes it,
    else, when the chip is priced from parts or the file writes a carbon part, the sum of
    the parts that are priced: the die's (node preset), the memory's only when memory is
    priced from parts, the package's only when packaging is; a carbon part written in the
    file always counts.
    """
    given = set(raw)
    _both(given, "memory_usd", _MEMORY_PARTS, path, doc)
    _both(given, "packaging_usd", _PACKAGING_PARTS, path, doc)
    _both(given, "embodied_kg_co2e", _CARBON_PARTS, path, doc)
    merged = dict(chip)
    memory_parts = "memory_usd" not in given and bool(given & set(_MEMORY_PARTS))
    packaging_parts = "packaging_usd" not in given and bool(given & set(_PACKAGING_PARTS))
    carbon = "embodied_kg_co2e" not in given and (
        memory_parts or packaging_parts or bool(given & set(_CARBON_PARTS))
    )
    if memory_parts:
        _drop(merged, ("memory_usd",), given, path, provenance)
    else:
        _drop(merged, ("memory_usd_per_gb",), given, path, provenance)
    if packaging_parts:
        _drop(merged, ("packaging_usd",), given, path, provenance)
    else:
        _drop(merged, _PACKAGING_PARTS[1:] + ("test_assembly_usd",), given, path, provenance)
    # carbon parts follow the priced parts; parts written in the file always count
    _drop(merged, _CARBON_PARTS, given, path, provenance)
    memory_skip: tuple[str, ...] = ()
    if not memory_parts:
        memory_skip += ("memory_usd_per_gb",)
    if not (carbon and memory_parts):
        memory_skip += ("memory_kg_co2e_per_gb",)
    merged = _merge_preset(merged, "memory", "memory", path, doc, provenance, memory_skip)
    packaging_skip: tuple[str, ...] = ()
    if not packaging_parts:
        packaging_skip += _PACKAGING_PARTS[1:] + ("test_assembly_usd",)
    if not (carbon and packaging_parts):
        packaging_skip += ("package_kg_co2e",)
    merged = _merge_preset(merged, "packaging", "packaging", path, doc, provenance, packaging_skip)
    _check_parts(given, merged, memory_parts, packaging_parts, path, doc)
    if carbon:
        _drop(merged, ("embodied_kg_co2e",), given, path, provenance)
    return merged, carbon


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
    chip, carbon = _bill_of_materials(raw, chip, path, doc, provenance)
    node_skip: tuple[str, ...] = ("design_usd", "ip_usd")
    if not carbon:
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
