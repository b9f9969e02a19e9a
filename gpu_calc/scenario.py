"""The scenario file (MODEL.md section 2): pydantic models, presets, and loading.

Data flows one way: YAML text -> :func:`~gpu_calc.yamlio.parse_yaml` -> presets merged
(:func:`apply_presets`) -> validated :class:`Scenario` -> :func:`gpu_calc.inputs.flat_params`.
Every problem on the way is an :class:`~gpu_calc.errors.InputError` naming the file, line,
column and key path.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Annotated, Any, Literal, get_args, get_origin

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from gpu_calc import presets
from gpu_calc.distributions import (
    DIST_NAMES,
    Bounds,
    Distribution,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    base_value,
)
from gpu_calc.errors import InputError, InputErrors, format_path
from gpu_calc.yamlio import YamlDocument, parse_yaml, read_yaml_file, shown

#: Longest horizon accepted: the engine's arrays grow with it, and no plan looks further.
MAX_HORIZON_YEARS = 100


def _describe(value: Any) -> str:
    """A value as a message shows it: ``the text 'abc'``, ``a list``, ``2.5``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text '{shown(value)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, int) and abs(value) >= 10**16:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, float):
        if not math.isfinite(value):  # as YAML writes them
            return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
        return f"{value:g}"
    return shown(repr(value))


_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d[\d_,]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?$")
_NUMBER_UNIT = re.compile(r"^[-+]?[\d.,_]+\s*[A-Za-z$€£%/]")


def _number_hint(value: Any) -> str:
    """How to fix a value given where a number is expected (with a leading space), or ''."""
    if value is None:
        return " (write a number after the colon)"
    if isinstance(value, bool):
        return " (write a number; true and false are not numbers)"
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if text.endswith("%") and _NUMBER_TEXT.match(text[:-1].strip()):
        return " (write shares and rates as decimals: 50% is 0.5)"
    if text.startswith("$") and _NUMBER_TEXT.match(text[1:]):
        return f" (write the amount alone: {text[1:].replace(',', '')})"
    if _NUMBER_TEXT.match(text) and any(c.isdigit() for c in text):
        if "," in text:
            return f" (write it without commas: {text.replace(',', '')})"
        return " (remove the quotes: numbers are written bare)"
    if _NUMBER_UNIT.match(text):
        return " (write the number alone: the unit is in the key's name)"
    if text.lower() in ("yes", "no", "on", "off", "nan", "inf", "infinity"):
        return " (write a finite number)"
    return ""


def _finite(value: Any) -> float:
    """A finite float from an int or float, or a ValueError saying what is wrong."""
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(
            f"{_describe(value)} is too large (the largest number is about 1.8e308)"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {_describe(number)}")
    return number


def _number_or_dist(value: Any) -> Any:
    """Reject text and booleans with a clear message; check numbers are finite."""
    if isinstance(value, dict):
        if "dist" not in value:
            raise ValueError(
                f"a mapping here must be a distribution with a 'dist' key ({', '.join(DIST_NAMES)})"
            )
        name = value["dist"]
        if not isinstance(name, str) or name not in DIST_NAMES:
            hint = difflib.get_close_matches(name, DIST_NAMES, n=1) if isinstance(name, str) else []
            what = f"'{shown(name)}'" if isinstance(name, str) else _describe(name)
            extra = f"did you mean '{hint[0]}'? " if hint else ""
            raise ValueError(f"unknown distribution {what} ({extra}known: {', '.join(DIST_NAMES)})")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_describe(value)}{_number_hint(value)}")
    return _finite(value)


def _checker(bounds: Bounds) -> Any:
    def check(value: Any) -> Any:
        if hasattr(value, "base"):
            from gpu_calc.distributions import Normal

            params = (
                [value.mean_]
                if isinstance(value, Normal)
                else [
                    getattr(value, k)
                    for k in ("low", "mode", "high", "median")
                    if hasattr(value, k)
                ]
            )
            if any(not math.isfinite(p) for p in params):
                raise ValueError("a distribution's parameters must be finite numbers")
        base = base_value(value)
        problem = bounds.problem(base)
        if problem:
            if hasattr(value, "base"):
                raise ValueError(
                    f"the distribution's base value {problem} (the base value is its "
                    f"{_BASE_OF.get(value.dist, 'base value')}; valid: {bounds.describe()})"
                )
            if bounds.hi == 1 and 2 <= base <= 100:
                problem += f" (a share: write {base:g}% as {base / 100:g})"
            raise ValueError(problem)
        return value

    return check


_BASE_OF = {
    "normal": "mean",
    "lognormal": "median",
    "uniform": "midpoint",
    "triangular": "mode",
    "pert": "mode",
}


def Param(  # noqa: N802 - reads as a type
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> Any:
    """A numeric field that may be a distribution, with its valid range."""
    bounds = Bounds(lo, hi, lo_open, hi_open, integer)
    return Annotated[
        float | Distribution,
        BeforeValidator(_number_or_dist),
        AfterValidator(_checker(bounds)),
        bounds,
    ]


def _whole(value: Any) -> Any:
    if isinstance(value, dict):
        raise ValueError(
            f"expected a whole number, got {_describe(value)} (this field cannot be uncertain)"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        hint = _number_hint(value)
        if isinstance(value, float) and math.isfinite(value):
            hint = f" (a whole number of years, e.g. {math.floor(value + 0.5)})"
        raise ValueError(f"expected a whole number, got {_describe(value)}{hint}")
    return value


def _version(value: Any) -> Any:
    if value == 1 and not isinstance(value, bool):
        return 1
    what = f"'{shown(value)}'" if isinstance(value, str) else _describe(value)
    raise ValueError(f"unsupported version {what} (this gpucalc reads version: 1 files)")


Money = Param(0)
NonNeg = Param(0)
Positive = Param(0, lo_open=True)
Share = Param(0, 1)
LoadFactor = Param(0, 1, lo_open=True)
Years = Param(1, integer=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


class Demand(_Model):
    """What both plans serve, in reference-equivalents."""

    reference: str | None = None
    units: Annotated[NonNeg | list[NonNeg], Field()]  # type: ignore[valid-type]
    load_factor: LoadFactor = 1.0  # type: ignore[valid-type]


class Site(_Model):
    """Where the fleet runs: electricity, cooling, water, carbon and buildings."""

    preset: str | None = None
    electricity_usd_per_kwh: Money  # type: ignore[valid-type]
    pue: Param(1) = 1.0  # type: ignore[valid-type]
    wue_l_per_kwh: NonNeg = 0.0  # type: ignore[valid-type]
    water_source_l_per_kwh: NonNeg = 0.0  # type: ignore[valid-type]
    grid_kg_co2e_per_kwh: NonNeg = 0.0  # type: ignore[valid-type]
    facility_capex_usd_per_mw: Money = 0.0  # type: ignore[valid-type]
    facility_lifetime_years: Years = 15  # type: ignore[valid-type]
    #: Refinement: colocation rent of the IT capacity built, instead of (or beside) owning
    #: buildings; paid in opex. Default 0 leaves the core numbers unchanged.
    colocation_usd_per_kw_month: Money = 0.0  # type: ignore[valid-type]


class _Accelerator(_Model):
    accelerator: str | None = None
    perf_vs_reference: Positive = 1.0  # type: ignore[valid-type]
    power_w: NonNeg  # type: ignore[valid-type]
    chips_per_server: Param(1) = 8  # type: ignore[valid-type]
    host_usd_per_server: Money = 0.0  # type: ignore[valid-type]
    host_power_w_per_server: NonNeg = 0.0  # type: ignore[valid-type]
    network_usd_per_unit: Money = 0.0  # type: ignore[valid-type]
    opex_usd_per_unit_year: Money = 0.0  # type: ignore[valid-type]
    lifetime_years: Years = 4  # type: ignore[valid-type]
    length_mm: NonNeg = 0.0  # type: ignore[valid-type]
    embodied_kg_co2e: NonNeg = 0.0  # type: ignore[valid-type]
    #: Refinement: this accelerator's own average/peak power (default: demand.load_factor).
    load_factor: LoadFactor | None = None  # type: ignore[valid-type]


class BoughtAccelerator(_Accelerator):
    """The accelerator bought on the market (``buy:``)."""

    unit_price_usd: Money  # type: ignore[valid-type]


YieldModel = Literal["murphy", "poisson", "negative_binomial"]


class Chip(_Accelerator):
    """The in-house chip (``build.chip:``): its price comes from its silicon."""

    die_area_mm2: Positive  # type: ignore[valid-type]
    node: str
    memory_usd: Money = 0.0  # type: ignore[valid-type]
    packaging_usd: Money = 0.0  # type: ignore[valid-type]
    package_yield: Param(0, 1, lo_open=True) = 1.0  # type: ignore[valid-type]
    board_usd: Money = 0.0  # type: ignore[valid-type]
    partner_markup: NonNeg = 0.0  # type: ignore[valid-type]
    wafer_usd: Money  # type: ignore[valid-type]
    defect_density_per_cm2: NonNeg  # type: ignore[valid-type]
    mask_set_usd: Money  # type: ignore[valid-type]
    wafer_diameter_mm: Positive = 300.0  # type: ignore[valid-type]
    yield_model: YieldModel = "murphy"
    yield_alpha: Positive = 3.0  # type: ignore[valid-type]


class Nre(_Model):
    """Non-recurring engineering of the chip, paid at the start of year 0 (or spread)."""

    design_usd: Money  # type: ignore[valid-type]
    ip_usd: Money = 0.0  # type: ignore[valid-type]
    respins: Param(0, integer=True) = 0  # type: ignore[valid-type]
    software_usd_per_year: Money = 0.0  # type: ignore[valid-type]
    #: Refinement: ``spread`` pays design, IP and masks in equal parts over the years before
    #: ``available_year``; ``upfront`` (default) pays them at the start of year 0.
    timing: Literal["upfront", "spread"] = "upfront"


class Build(_Model):
    """The build plan: a share of demand moves to the in-house chip."""

    share: Share  # type: ignore[valid-type]
    available_year: Param(0, integer=True) = 0  # type: ignore[valid-type]
    chip: Chip
    nre: Nre


PLAN_METRICS = (
    "capex_usd",
    "facility_capex_usd",
    "nre_usd",
    "opex_usd",
    "electricity_usd",
    "residual_usd",
    "tco_usd",
    "npv_usd",
    "energy_it_kwh",
    "energy_facility_kwh",
    "energy_it_kwh_per_year",
    "water_l",
    "co2e_kg",
    "peak_it_mw",
    "bought_units",
    "chip_units",
    "usd_per_reference_hour",
    "fleet_length_km",
)


class Perspective(_Model):
    """A reference quantity to put a result in scale: ``ratio = metric / value``."""

    label: str
    metric: Literal[PLAN_METRICS]  # type: ignore[valid-type]
    value: Annotated[
        float, BeforeValidator(_number_or_dist), AfterValidator(_checker(Bounds(0, lo_open=True)))
    ]
    plan: Literal["buy", "build"] = "buy"


class Bound(_Model):
    """Bounds on one output (batch expectations): min, max and/or equals."""

    # strict: a boolean or a quoted "3" is a mistake here, not the number 1 or 3
    min: Annotated[float, Field(strict=True)] | None = None
    max: Annotated[float, Field(strict=True)] | None = None
    equals: float | str | bool | None = None


class Scenario(_Model):
    """A whole scenario file (MODEL.md section 2)."""

    version: Annotated[Literal[1], BeforeValidator(_version)] = 1
    name: str = "unnamed scenario"
    description: str | None = None
    horizon_years: Annotated[int, BeforeValidator(_whole), Field(ge=1, le=MAX_HORIZON_YEARS)]
    discount_rate: NonNeg = 0.0  # type: ignore[valid-type]
    demand: Demand
    site: Site
    buy: BoughtAccelerator
    build: Build
    perspective: list[Perspective] = []
    expect: dict[str, Bound] = {}


# --------------------------------------------------------------------------- presets


@dataclass
class LoadedScenario:
    """A validated scenario with where it came from and which values came from presets."""

    scenario: Scenario
    doc: YamlDocument
    #: key path -> source text, for every value filled in from a preset
    preset_sources: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.doc.source


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


# --------------------------------------------------------------------------- errors


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation (Optional, list, dict, Annotated), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    if get_origin(annotation) is None:
        return None
    return None


_DIST_CLASSES: dict[str, type[BaseModel]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "uniform": Uniform,
    "triangular": Triangular,
    "pert": Pert,
}


def _dist_keys(name: str) -> list[str]:
    """The keys of a distribution mapping, as written in a file (``mean``, not ``mean_``)."""
    cls = _DIST_CLASSES[name]
    return [info.alias or key for key, info in cls.model_fields.items()]


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``data``, or None."""
    for part in path:
        if not _has(data, part):
            return None
        data = data[part]
    return data


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    mapping_key = False  # the next part is a key of a dict field (expect: PATH -> Bound)
    for part in path:
        if model is None:
            return None
        if isinstance(part, int) or mapping_key:
            mapping_key = False
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap_model(info.annotation)
        mapping_key = get_origin(info.annotation) is dict
    return model


def _fields_at(path: tuple[str | int, ...], data: Any = None) -> list[str]:
    """Known keys of the mapping at ``path`` (for did-you-mean suggestions)."""
    here = _at(data, path)
    if isinstance(here, dict) and here.get("dist") in DIST_NAMES:
        return _dist_keys(here["dist"])
    model = _model_at(path)
    return [] if model is None or model is Normal else list(model.model_fields)


_JUNK = {"float", "int", "str", "bool", "list", "dict", "none", "literal"} | set(DIST_NAMES)


def _is_branch(part: Any) -> bool:
    """True for the parts of a pydantic location that name a union branch, not a key."""
    return isinstance(part, str) and ("[" in part or part.lower() in _JUNK)


def _has(container: Any, part: str | int) -> bool:
    """True when ``container[part]`` exists (a key of a mapping, an index of a list)."""
    if isinstance(container, dict):
        return isinstance(part, str) and part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool) -> tuple[str | int, ...]:
    """The real key path of a pydantic error location (drops union branch names).

    >>> _clean_loc(("site", "pue", "tagged-union[Normal,Pert]", "normal", "sd"),
    ...            {"site": {"pue": {"dist": "normal", "sd": -1}}}, False)
    ('site', 'pue', 'sd')
    """
    out: list[str | int] = []
    here = data
    for i, part in enumerate(loc):
        if _has(here, part):
            out.append(part)
            here = here[part]
        elif missing and i == len(loc) - 1 and isinstance(part, str):
            out.append(part)
        elif _is_branch(part):
            continue
        elif isinstance(part, str) and isinstance(here, dict):
            # a key pydantic names that is not in the data: stop here
            out.append(part)
            break
    return tuple(out)


_SCALAR_BRANCHES = ("float", "int", "str", "bool", "none")


def _branch_fits(label: str, value: Any) -> bool:
    """Whether the union branch ``label`` is the one meant for ``value``.

    A list is meant for a ``list[...]`` branch, a mapping for a distribution or model, a
    number or text for a scalar branch; a branch pydantic labels otherwise (a validator
    wrapping a number-or-distribution) takes anything but a list.
    """
    is_list = isinstance(value, list)
    if label.startswith("list["):
        return is_list
    if is_list:
        return False
    if label.startswith(("tagged-union[", "dict[")) or label in _DIST_CLASSES:
        return isinstance(value, dict)
    if label in _SCALAR_BRANCHES:
        return not isinstance(value, dict)
    return True


def _branches(loc: tuple[Any, ...], data: Any) -> list[tuple[tuple[Any, ...], bool]]:
    """For each union branch a location passes through: (where the union is, fits)."""
    out = []
    here = data
    prefix: list[Any] = []
    for part in loc:
        if _has(here, part):
            prefix.append(part)
            here = here[part]
        elif isinstance(part, str) and (
            part.startswith(("list[", "tagged-union[", "function-")) or part in _SCALAR_BRANCHES
        ):
            out.append((tuple(prefix), _branch_fits(part, here)))
    return out


def _relevant(errors: list[Any], data: Any) -> list[Any]:
    """Drop the errors of union branches not meant for the value given.

    ``demand.units: [1, -5]`` fails both as a number and as a list; only the list's error
    says what is wrong. A branch's errors are dropped only when another branch of the same
    union fits the value (otherwise every error is kept).
    """
    places = [_branches(tuple(err["loc"]), data) for err in errors]
    fitting = {where for branches in places for where, fits in branches if fits}
    return [
        err
        for err, branches in zip(errors, places, strict=True)
        if all(fits or where not in fitting for where, fits in branches)
    ]


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _missing(path: tuple[str | int, ...], data: Any) -> str:
    key = shown(str(path[-1])) if path else "?"
    text = f"missing required key '{key}'"
    parent_path = path[:-1]
    parent = _at(data, parent_path)
    if isinstance(parent, dict) and parent.get("dist") in DIST_NAMES:
        name = parent["dist"]
        needs = [k for k in _dist_keys(name) if k != "dist"]
        return text + f" (a {name} distribution needs {', '.join(needs[:-1])} and {needs[-1]})"
    if not parent_path:
        return text + " (add it at the top level)"
    where = format_path(parent_path)
    model = _model_at(parent_path)
    preset_key = next(
        (k for k in ("accelerator", "preset") if model and k in model.model_fields), None
    )
    if preset_key and isinstance(parent, dict) and preset_key not in parent:
        return text + f" (add it under {where}, or name a preset in {where}.{preset_key})"
    return text + f" (add it under {where})"


def _message(err: dict[str, Any], path: tuple[str | int, ...], data: Any) -> str:
    """One pydantic error as a message: what is wrong (how to fix it)."""
    kind = err["type"]
    msg = str(err["msg"])
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        known = _fields_at(path[:-1], data)
        hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        text = f"unknown key '{shown(key)}'"
        if hint:
            return text + f" (did you mean '{hint[0]}'?)"
        return text + (f" (known keys: {', '.join(known)})" if known else " (remove it)")
    if kind == "missing":
        return _missing(path, data)
    if msg.startswith("Value error, "):
        text = msg[len("Value error, ") :]
        if " is above " in text and isinstance(value, dict):
            order = "low <= mode <= high" if "mode" in value else "low <= high"
            text += f" (order them {order})"
        return text
    if msg.startswith("Assertion failed, "):
        return msg[len("Assertion failed, ") :]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            f"expected a mapping of keys, got {_describe(value)} "
            "(write its keys indented on the lines below it)"
        )
    if kind == "list_type":
        return f"expected a list, got {_describe(value)} (write [a, b] or one '- item' per line)"
    if kind == "string_type":
        return f"expected text, got {_describe(value)} (put it in quotes)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}{_number_hint(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_describe(value)}{_number_hint(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {_describe(value)}"
    if kind == "literal_error":
        choices = _choices(str(ctx.get("expected", "")))
        hint = (
            difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            if isinstance(value, str)
            else []
        )
        if hint:
            return f"unknown value '{shown(str(value))}' (did you mean '{hint[0]}'?)"
        if isinstance(value, str):
            return f"unknown value '{shown(value)}' (known: {', '.join(choices)})"
        return f"must be one of {', '.join(choices)}; got {_describe(value)}"
    symbols = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in symbols:
        symbol, key = symbols[kind]
        limit = ctx.get(key)
        shown_limit = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {symbol} {shown_limit}, got {_describe(value)}"
    return msg[0].lower() + msg[1:]


def _errors_from_validation(exc: ValidationError, data: Any, doc: YamlDocument) -> list[InputError]:
    out: list[InputError] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for err in _relevant(exc.errors(include_url=False), data):
        path = _clean_loc(tuple(err["loc"]), data, err["type"] == "missing")
        message = _message(dict(err), path, data)
        if path == ("horizon_years",) and err["type"] == "less_than_equal":
            message += " (the longest horizon gpucalc compares)"
        if (path, message) in seen:
            continue
        seen.add((path, message))
        out.append(doc.error(path, message))
    return out


# --------------------------------------------------------------------------- checks


def _largest_die_mm2(wafer_diameter_mm: float) -> float:
    """The largest die area with at least one die per wafer (MODEL.md section 4), by bisection.

    >>> round(_largest_die_mm2(300.0))
    8662
    """
    from gpu_calc.engine.silicon import dies_per_wafer

    lo, hi = 0.0, math.pi * (wafer_diameter_mm / 2) * (wafer_diameter_mm / 2)
    if not math.isfinite(hi):
        return math.nan
    for _ in range(100):
        mid = (lo + hi) / 2
        with np.errstate(all="ignore"):
            fits = mid > 0 and dies_per_wafer(mid, wafer_diameter_mm) > 0
        lo, hi = (mid, hi) if fits else (lo, mid)
    return lo


def _cross_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Rules that tie several fields together (the model alone cannot say where)."""
    from gpu_calc.engine.silicon import dies_per_wafer

    errors = []
    h = s.horizon_years
    units = s.demand.units
    if isinstance(units, list) and len(units) != h:
        errors.append(
            doc.error(
                ("demand", "units"),
                f"has {len(units)} values but horizon_years is {h} (give one number per "
                "year, or a single number for every year)",
            )
        )
    elif not any(base_value(u) > 0 for u in (units if isinstance(units, list) else [units])):
        errors.append(
            doc.error(
                ("demand", "units"),
                "must be above 0 in at least one year (demand is what both plans serve)",
            )
        )
    year = base_value(s.build.available_year)
    if math.floor(year + 0.5) > h:
        errors.append(
            doc.error(
                ("build", "available_year"),
                f"must be <= horizon_years ({h}), got {year:g} (years are 0-based)",
            )
        )
    chip = s.build.chip
    area = base_value(chip.die_area_mm2)
    diameter = base_value(chip.wafer_diameter_mm)
    with np.errstate(all="ignore"):
        fits = dies_per_wafer(area, diameter) > 0
    if not fits:
        largest = _largest_die_mm2(diameter)
        hint = (
            f"the largest that fits is about {largest:,.0f} mm2"
            if largest >= 1
            else "check die_area_mm2 and wafer_diameter_mm"
        )
        errors.append(
            doc.error(
                ("build", "chip", "die_area_mm2"),
                f"a {area:g} mm2 die does not fit on a {diameter:g} mm wafer ({hint})",
            )
        )
    for i, p in enumerate(s.perspective):
        if p.metric in ("chip_units",) and p.plan == "buy":
            errors.append(
                doc.error(
                    ("perspective", i, "metric"), "the buy plan has no chip units; set plan: build"
                )
            )
    return errors


# --------------------------------------------------------------------------- loading


_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_key_path(text: str) -> tuple[str | int, ...]:
    """``build.chip.power_w`` -> ("build", "chip", "power_w"); ``demand.units[2]`` -> (..., 2).

    >>> parse_key_path("demand.units[2]")
    ('demand', 'units', 2)
    """
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        m = _KEY_PART.match(text, pos)
        if not m:
            raise ValueError(f"{text!r} is not a key path like build.chip.power_w")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts:
        raise ValueError("empty key path")
    return tuple(parts)


def apply_sets(data: Any, doc: YamlDocument, sets: list[str]) -> Any:
    """Apply ``--set key.path=value`` overrides; values are read as YAML (``0.5``, ``[1, 2]``,
    ``{dist: normal, mean: 1, sd: 0.1}``)."""
    for item in sets:
        where = f"--set {item}"
        if "=" not in item:
            raise InputError("expected KEY.PATH=VALUE, e.g. site.pue=1.3", where)
        key, text = item.split("=", 1)
        try:
            path = parse_key_path(key.strip())
        except ValueError as exc:
            raise InputError(str(exc), where) from None
        value = parse_yaml(text, where).data
        if not isinstance(data, dict):
            data = {}
        node: Any = data
        for i, part in enumerate(path[:-1]):
            nxt = path[i + 1]
            if isinstance(node, dict) and isinstance(part, str):
                if not isinstance(node.get(part), dict | list):
                    node[part] = [] if isinstance(nxt, int) else {}
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                raise InputError(f"cannot set {key}: no such place in the scenario", where)
        last = path[-1]
        if isinstance(node, dict) and isinstance(last, str) or _has(node, last):
            node[last] = value
        else:
            raise InputError(f"cannot set {key}: no such place in the scenario", where)
        doc.overrides[path] = item
    return data


def validate_data(data: Any, doc: YamlDocument) -> LoadedScenario:
    """Validate parsed YAML data as a scenario; raise InputErrors listing every problem."""
    if data is None:
        raise InputErrors(
            [
                doc.error(
                    (),
                    "the file is empty; a scenario is a mapping of keys "
                    "(run 'gpucalc init' for a starter)",
                )
            ]
        )
    if not isinstance(data, dict):
        raise InputErrors(
            [
                doc.error(
                    (), f"a scenario is a mapping of keys, got {_describe(data)} at the top level"
                )
            ]
        )
    try:
        merged, provenance = apply_presets(data, doc)
    except InputError as exc:
        raise InputErrors([exc]) from None
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise InputErrors(_errors_from_validation(exc, merged, doc)) from None
    errors = _cross_checks(scenario, doc)
    if errors:
        raise InputErrors(errors)
    if "name" not in merged and not doc.source.startswith(("<", "--")):
        # an unnamed scenario is called after its file: batch tables and reports tell them apart
        scenario = scenario.model_copy(update={"name": PurePath(doc.source).stem})
    return LoadedScenario(scenario, doc, provenance)


def load_text(
    text: str | bytes, source: str = "<string>", sets: list[str] | None = None
) -> LoadedScenario:
    """Parse and validate a scenario given as text (``sets``: ``key.path=value`` overrides)."""
    try:
        doc = parse_yaml(text, source)
        data = apply_sets(doc.data, doc, sets or [])
    except InputError as exc:
        raise InputErrors([exc]) from None
    return validate_data(data, doc)


def load_file(path: str, sets: list[str] | None = None) -> LoadedScenario:
    """Read, parse and validate a scenario file (``-`` is standard input)."""
    try:
        doc = read_yaml_file(path)
        data = apply_sets(doc.data, doc, sets or [])
    except InputError as exc:
        raise InputErrors([exc]) from None
    return validate_data(data, doc)


def numeric_fields(
    model: BaseModel, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any, Bounds]]:
    """Every numeric field of a validated model: (key path, value or distribution, bounds).

    Fields left at None (optional refinements not given) are skipped.
    """
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        bounds = next((m for m in info.metadata if isinstance(m, Bounds)), None)
        if bounds is None:
            for arg in get_args(info.annotation):
                for meta in getattr(arg, "__metadata__", ()):
                    if isinstance(meta, Bounds):
                        bounds = meta
        if isinstance(value, BaseModel) and not hasattr(value, "base"):
            yield from numeric_fields(value, path + (name,))
        elif bounds is not None and value is not None:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield path + (name, i), item, bounds
            else:
                yield path + (name,), value, bounds
