"""The JSON Schema of the scenario file, for editors (completion, hover text, checks).

Built from :class:`~gpu_calc.scenario.Scenario` by pydantic, then made useful to a person
in an editor:

- ``$schema`` (draft 2020-12), a title and a description;
- a description on every key (from :data:`DESCRIPTIONS`; a test checks none is missing);
- the valid range of every number (``minimum``, ``exclusiveMinimum``, ...), taken from the
  same :class:`~gpu_calc.distributions.Bounds` the loader checks;
- keys that a preset can fill in (``buy.accelerator: h100-sxm`` supplies ``power_w``...)
  are not marked required, so a file that relies on presets shows no false errors.

Editors pick it up with a first line ``# yaml-language-server: $schema=PATH-OR-URL``.
The committed copy is ``docs/scenario.schema.json`` (``make schema``).
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Descriptions of every key, by model name (pydantic's ``$defs`` name) and key.
#: ``"*"`` describes keys shared by both accelerator models.
_ACCELERATOR = {
    "accelerator": "Preset name to start from (see 'gpucalc presets'); every key given here "
    "overrides the preset's value.",
    "perf_vs_reference": "Throughput of one unit / one reference unit (demand.reference). > 0.",
    "power_w": "Peak (TDP) power of one unit. [W]",
    "chips_per_server": "Accelerators per server. >= 1.",
    "host_usd_per_server": "CPUs, memory, NICs and chassis of one server. [USD]",
    "host_power_w_per_server": "Peak power of one server's host share. [W]",
    "network_usd_per_unit": "Network fabric cost per accelerator. [USD]",
    "opex_usd_per_unit_year": "Support, spares and staff per unit and year. [USD/year]",
    "lifetime_years": "Service life: a unit bought in year t serves years t .. t+L-1. "
    "Whole number >= 1. [years]",
    "length_mm": "Physical length of one unit, for the 'laid end to end' figure. [mm]",
    "embodied_kg_co2e": "Manufacturing emissions of one unit. [kg CO2e]",
    "load_factor": "This accelerator's average / peak power; default: demand.load_factor. "
    "In (0, 1].",
    "server": "Server preset (see 'gpucalc presets --kind servers'): fills chips_per_server, "
    "host_usd_per_server, host_power_w_per_server and network_usd_per_unit from a whole "
    "system; any of them given here overrides it.",
}
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Scenario": {
        "version": "Version of the scenario format; always 1.",
        "name": "Name of the scenario, shown in every output.",
        "description": "Free text: what the scenario is about and where its figures come from.",
        "horizon_years": "Years the plans are compared over (H). Whole number in [1, 100] (a "
        "fraction is rounded, halves up).",
        "start_year": "Calendar year of t = 0 (e.g. 2024); changes no number, only how years "
        "are shown. Whole number (a fraction is rounded, halves up).",
        "installed": "Accelerators already owned at year 0, the same in both plans: sunk (no "
        "capex), serving until they retire.",
        "discount_rate": "Yearly discount rate for the NPV, as a decimal (0.08 = 8%). >= 0.",
        "demand": "What both plans must serve, in reference-accelerator equivalents.",
        "site": "Where the fleet runs: electricity, cooling, water, carbon, buildings.",
        "buy": "The accelerator bought on the market (generation 0), and later generations.",
        "build": "The build plan: a share of demand served by an in-house chip.",
        "perspective": "Reference quantities to put results in scale: ratio = metric / value.",
        "expect": "Bounds on outputs, checked by batch runs (key: an output path).",
    },
    "Demand": {
        "reference": "Label of the accelerator whose throughput is the unit (e.g. h100-sxm); "
        "enters no formula.",
        "units": "Reference-equivalents needed: one number for every year, or a list of "
        "horizon_years numbers. >= 0, total > 0. Not with workloads.",
        "load_factor": "Average power drawn / peak power. In (0, 1].",
        "workloads": "Named workloads (e.g. training, inference), each with its units; replaces "
        "units. The chip serves those named in build.serves.",
        "reference_tokens_per_s": "Average tokens a second one reference-equivalent delivers "
        "on this demand, utilisation included; gives tokens and the cost per million tokens.",
    },
    "Workload": {
        "units": "Reference-equivalents of this workload: one number, or one per year. >= 0.",
        "reference_tokens_per_s": "Average tokens a second one reference-equivalent delivers "
        "on this workload, utilisation included. >= 0.",
    },
    "Site": {
        "preset": "Site preset to start from (see 'gpucalc presets --kind sites'); keys given "
        "here override it.",
        "electricity_usd_per_kwh": "Electricity price: one number, or one per year. [USD/kWh]",
        "pue": "Power usage effectiveness: facility energy / IT energy. >= 1.",
        "wue_l_per_kwh": "Water used on site per kWh of IT energy. [L/kWh]",
        "water_source_l_per_kwh": "Water used off site (power generation) per kWh of facility "
        "energy. [L/kWh]",
        "grid_kg_co2e_per_kwh": "Grid carbon intensity: one number, or one per year. [kg CO2e/kWh]",
        "facility_capex_usd_per_mw": "Facility cost per MW of IT capacity built. [USD/MW]",
        "facility_lifetime_years": "Facility life, for its residual value; need not be whole "
        "(12.5). Above 0. [years]",
        "colocation_usd_per_kw_month": "Colocation rent of the IT capacity built, paid in "
        "opex; set facility_capex_usd_per_mw to 0 when all capacity is rented. Default 0. "
        "[USD/kW/month]",
    },
    "Buy": {
        **_ACCELERATOR,
        "unit_price_usd": "Purchase price of one accelerator: one number, or one per year "
        "(the price of that year's purchases). [USD]",
        "generations": "Later accelerators, in order, each on sale from its from_year; nothing "
        "is inherited from buy.",
    },
    "BoughtGeneration": {
        **_ACCELERATOR,
        "unit_price_usd": "Purchase price of one accelerator: one number, or one per year. [USD]",
        "from_year": "First year (0-based) it is bought instead of the generation before it. "
        "Whole number in [1, horizon_years]; later generations later.",
    },
    "InstalledAccelerator": {
        **_ACCELERATOR,
        "units": "Units owned at year 0. >= 0.",
        "age_years": "Age at year 0: it serves years 0 .. lifetime_years - age_years - 1. "
        "Whole number in [0, lifetime_years - 1].",
        "unit_price_usd": "Ignored: installed units are sunk.",
    },
    "ChipGeneration": {
        "from_year": "First year (0-based) this generation is on sale, before respin delays. "
        "Whole number in [build.available_year + 1, horizon_years].",
        "chip": "This generation's chip: its price comes from its own silicon.",
        "nre": "This generation's own NRE (design, IP, masks, respins, design_years, timing).",
        "serves": "Extension: workloads the chip side also serves from this generation's "
        "start on (default: build.serves).",
    },
    "Chip": {
        **_ACCELERATOR,
        "accelerator": "Accelerator preset to start from (e.g. mtia-v2); its price is ignored: "
        "the chip's price is derived from its silicon.",
        "die_area_mm2": "Area of one die (of each die, with dies_per_package). A single die "
        "above the 858 mm2 reticle (26 x 33 mm) is computed with a warning. [mm2]",
        "node": "Process-node preset (see 'gpucalc presets --kind nodes'): wafer price, defect "
        "density, mask cost.",
        "memory_usd": "Memory per unit. [USD]",
        "packaging_usd": "Packaging per unit. [USD]",
        "package_yield": "Share of packaged units that work. In (0, 1].",
        "board_usd": "Board per unit. [USD]",
        "partner_markup": "Share added by an ASIC design partner, as a decimal. >= 0.",
        "wafer_usd": "Price of one processed wafer; default from the node preset. [USD]",
        "defect_density_per_cm2": "Defect density D0; default from the node preset. [1/cm2]",
        "mask_set_usd": "One mask set (paid again for every respin); default from the node "
        "preset. [USD]",
        "wafer_diameter_mm": "Wafer diameter. [mm]",
        "yield_model": "Die-yield model: murphy, poisson or negative_binomial.",
        "yield_alpha": "Clustering parameter of the negative-binomial yield model. > 0.",
        "memory_gb": "Memory capacity of one chip; with memory (or memory_usd_per_gb) it "
        "replaces memory_usd, and it carries the memory's carbon. [GB]",
        "memory": "Memory preset (see 'gpucalc presets --kind memory'): price and carbon per "
        "GB. Not with memory_usd.",
        "memory_usd_per_gb": "Price of one GB of memory; default from the memory preset. [USD/GB]",
        "memory_kg_co2e_per_gb": "Manufacturing emissions of one GB of memory; default from "
        "the memory preset. [kg CO2e/GB]",
        "packaging": "Packaging preset (see 'gpucalc presets --kind packaging'): base cost, "
        "price per mm2 of interposer, test and assembly, carbon. Not with packaging_usd.",
        "interposer_area_mm2": "Interposer area of one package (0 without one). [mm2]",
        "packaging_base_usd": "Package cost without the interposer; default from the "
        "packaging preset. [USD]",
        "packaging_usd_per_mm2": "Interposer cost per mm2; default from the packaging preset. "
        "[USD/mm2]",
        "test_assembly_usd": "Final test and assembly of one packaged chip; default from the "
        "packaging preset when it is named, else 0. [USD]",
        "package_kg_co2e": "Manufacturing emissions of one package; default from the "
        "packaging preset. [kg CO2e]",
        "wafer_kg_co2e_per_cm2": "Manufacturing emissions of one cm2 of processed wafer; "
        "default from the node preset when the chip's carbon comes from its parts. "
        "[kg CO2e/cm2]",
        "harvest_area_fraction": "Share of the die's area whose defects are tolerated by "
        "fusing off spare units (cores, cache slices): the yield model sees only the rest, "
        "die_area_mm2 x (1 - harvest_area_fraction). Default 0. In [0, 1).",
        "dies_per_package": "Dies in one package, each of die_area_mm2; the unit price and "
        "the carbon count every die. Whole number >= 1; default 1.",
    },
    "Nre": {
        "design_usd": "Design cost of the chip, paid with IP and masks when timing says: at the "
        "start of the design (year 0 unless design_years says later), or spread to first "
        "silicon. [USD]",
        "ip_usd": "Licensed IP. [USD]",
        "respins": "Extra tape-outs, each costing one mask set. Whole number >= 0.",
        "software_usd_per_year": "Compiler, runtime and kernels team. [USD/year]",
        "timing": "When design, IP and masks are paid: upfront (at the start of the design, "
        "the default) or spread (equal parts each year from the design's start to first "
        "silicon).",
        "design_years": "Years of design before the generation's start as written; default: "
        "the design starts in year 0. Whole number >= 0.",
    },
    "Build": {
        "share": "Share s of demand (of the workloads it serves) moved to the in-house chip once "
        "available: one number, or one per year (a ramp). In [0, 1].",
        "available_year": "First year (0-based) the chip serves demand. Whole number in "
        "[0, horizon_years].",
        "chip": "The in-house chip: an accelerator whose price comes from its silicon.",
        "nre": "Non-recurring engineering of the chip.",
        "respin_delay_years": "Years each respin delays its generation's first silicon. Whole "
        "number >= 0; default 0.",
        "generations": "Later in-house chips, in order, each with its own chip and NRE.",
        "serves": "Workloads (names under demand.workloads) the chip serves; default: all.",
    },
    "Perspective": {
        "label": "What the reference quantity is, shown in the output.",
        "metric": "A per-plan output (for a per-year list, its first year).",
        "value": "The reference figure, in the metric's unit. > 0.",
        "plan": "Plan the metric is taken from: buy (default) or build.",
    },
    "Bound": {
        "min": "The output must be >= min.",
        "max": "The output must be <= max.",
        "equals": "The output must equal this value; null: the output must be null (e.g. "
        "comparison.payback_year of a plan that never pays back).",
    },
    "Normal": {
        "dist": "normal",
        "mean": "Mean (also the base value).",
        "sd": "Standard deviation. >= 0.",
    },
    "LogNormal": {
        "dist": "lognormal: median * exp(sigma * Z)",
        "median": "Median (also the base value). > 0.",
        "sigma": "Standard deviation of the logarithm. >= 0.",
    },
    "Uniform": {
        "dist": "uniform",
        "low": "Lowest value.",
        "high": "Highest value (the base value is the midpoint).",
    },
    "Triangular": {
        "dist": "triangular",
        "low": "Lowest value.",
        "mode": "Most likely value (also the base value).",
        "high": "Highest value.",
    },
    "Pert": {
        "dist": "pert: Beta-PERT, shape 4",
        "low": "Lowest value.",
        "mode": "Most likely value (also the base value).",
        "high": "Highest value.",
    },
}

#: Models whose keys a preset may fill in: model -> preset kinds it can draw on.
_PRESET_KINDS = {
    "Site": ("sites",),
    "BoughtAccelerator": ("accelerators", "servers"),
    "Buy": ("accelerators", "servers"),
    "BoughtGeneration": ("accelerators", "servers"),
    "InstalledAccelerator": ("accelerators", "servers"),
    "Chip": ("accelerators", "nodes", "servers", "memory", "packaging"),
}


_PYDANTIC_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _bounds_of(info: Any) -> Any:
    """The :class:`Bounds` of a pydantic field, or None."""
    from typing import get_args

    from gpu_calc.distributions import Bounds

    for meta in info.metadata:
        if isinstance(meta, Bounds):
            return meta
    stack = list(get_args(info.annotation))
    while stack:
        arg = stack.pop()
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, Bounds):
                return meta
        stack.extend(get_args(arg))
    return None


def _apply_bounds(prop: dict[str, Any], bounds: Any) -> None:
    """Write a range onto every plain-number branch of a property's schema."""
    targets = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "number":
                targets.append(node)
            for key in ("anyOf", "oneOf", "items"):
                sub = node.get(key)
                for item in sub if isinstance(sub, list) else [sub]:
                    walk(item)

    walk(prop)
    for node in targets:
        if bounds.lo is not None:
            node["exclusiveMinimum" if bounds.lo_open else "minimum"] = bounds.lo
        if bounds.hi is not None:
            node["exclusiveMaximum" if bounds.hi_open else "maximum"] = bounds.hi
        if bounds.integer:
            node["multipleOf"] = 1


def _models() -> dict[str, type[Any]]:
    """Every model in the scenario tree, by its ``$defs`` name (and ``Scenario``)."""
    from pydantic import BaseModel

    from gpu_calc.scenario import Scenario, _unwrap_model

    found: dict[str, type[Any]] = {}
    stack: list[type[BaseModel]] = [Scenario]
    while stack:
        model = stack.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for info in model.model_fields.values():
            inner = _unwrap_model(info.annotation)
            if inner is not None:
                stack.append(inner)
    return found


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, as a dict."""
    from gpu_calc import presets
    from gpu_calc.scenario import Scenario

    raw = Scenario.model_json_schema(by_alias=True)
    # top-level keys starting with x- are ignored: anchor holders, as in Compose files
    raw["patternProperties"] = {"^x-": {}}
    defs = raw.pop("$defs", {})
    models = _models()
    for name, node in [("Scenario", raw), *defs.items()]:
        props = node.get("properties", {})
        model = models.get(name)
        for key, prop in props.items():
            text = DESCRIPTIONS.get(name, {}).get(key)
            if text is not None:
                prop["description"] = text
            for part in [prop, *prop.get("anyOf", [])]:
                _json_schema_bounds(part)
            info = model.model_fields.get(key) if model is not None else None
            bounds = _bounds_of(info) if info is not None else None
            if bounds is not None:
                _apply_bounds(prop, bounds)
        if name in _PRESET_KINDS and "required" in node:
            supplied = {
                key
                for kind in _PRESET_KINDS[name]
                for preset in presets.load(kind).values()
                for key in preset.values
            }
            required = [k for k in node["required"] if k not in supplied]
            if required:
                node["required"] = required
            else:
                del node["required"]
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": "gpucalc scenario",
        "description": "A gpucalc build-vs-buy scenario (YAML). Every number may instead be a "
        "distribution {dist: normal|lognormal|uniform|triangular|pert, ...}. Start from "
        "'gpucalc init'; check with 'gpucalc validate FILE'.",
    }
    raw.pop("title", None)
    raw.pop("description", None)
    schema.update(raw)
    schema["$defs"] = dict(sorted(defs.items()))
    return schema


def _json_schema_bounds(prop: dict[str, Any]) -> None:
    """JSON Schema's own keywords for the bounds pydantic leaves as ``ge``/``le`` on some
    annotated ints, and ``number`` for a whole-number field: gpucalc rounds a plain number
    written there (halves up, MODEL.md 11), so an editor must not flag ``4.4``."""
    for short, keyword in _PYDANTIC_BOUNDS.items():
        if short in prop:
            prop[keyword] = prop.pop(short)
    if prop.get("type") == "integer" and "const" not in prop:
        prop["type"] = "number"


def schema_text() -> str:
    """The schema as stable, indented JSON text with a final newline."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
