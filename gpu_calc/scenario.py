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
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from gpu_calc import presets
from gpu_calc.distributions import DIST_NAMES, Bounds, Distribution, base_value
from gpu_calc.errors import InputError, InputErrors
from gpu_calc.yamlio import YamlDocument, parse_yaml, read_yaml_file

#: Longest horizon accepted: the engine's arrays grow with it, and no plan looks further.
MAX_HORIZON_YEARS = 100


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _number_or_dist(value: Any) -> Any:
    """Reject text and booleans with a clear message; check numbers are finite."""
    if isinstance(value, dict):
        if "dist" not in value:
            raise ValueError(
                f"a mapping here must be a distribution with a 'dist' key ({', '.join(DIST_NAMES)})"
            )
        name = value["dist"]
        if name not in DIST_NAMES:
            hint = difflib.get_close_matches(str(name), DIST_NAMES, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(
                f"unknown distribution {name!r} (known: {', '.join(DIST_NAMES)}{extra})"
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("number too large (the limit is about 1.8e308)") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value}")
    return number


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
                raise ValueError("distribution parameters must be finite numbers")
        base = base_value(value)
        problem = bounds.problem(base)
        if problem:
            what = "base value" if hasattr(value, "base") else "value"
            raise ValueError(problem if what == "value" else f"its {what} {problem}")
        return value

    return check


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
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError(f"expected a whole number, got {_describe(value)}")
    return value


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
    """Non-recurring engineering of the chip, paid at the start of year 0."""

    design_usd: Money  # type: ignore[valid-type]
    ip_usd: Money = 0.0  # type: ignore[valid-type]
    respins: Param(0, integer=True) = 0  # type: ignore[valid-type]
    software_usd_per_year: Money = 0.0  # type: ignore[valid-type]


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

    version: Literal[1] = 1
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
    if not isinstance(name, str):
        raise doc.error(path + (name_key,), f"expected a preset name, got {_describe(name)}")
    try:
        preset = presets.get(kind, name)
    except KeyError as exc:
        raise doc.error(path + (name_key,), str(exc.args[0])) from None
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


def _fields_at(path: tuple[str | int, ...]) -> list[str]:
    """Known keys of the mapping at ``path`` (for did-you-mean suggestions)."""
    model: type[BaseModel] | None = Scenario
    mapping_key = False  # the next part is a key of a dict field (expect: PATH -> Bound)
    for part in path:
        if model is None:
            return []
        if isinstance(part, int) or mapping_key:
            mapping_key = False
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _unwrap_model(info.annotation)
        mapping_key = get_origin(info.annotation) is dict
    return [] if model is None else list(model.model_fields)


_JUNK = {"float", "int", "str", "bool", "list", "dict", "none", "literal"} | set(DIST_NAMES)


def _has(container: Any, part: str | int) -> bool:
    """True when ``container[part]`` exists (a key of a mapping, an index of a list)."""
    if isinstance(container, dict):
        return isinstance(part, str) and part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool) -> tuple[str | int, ...]:
    """The real key path of a pydantic error location (drops union branch names)."""
    out: list[str | int] = []
    here = data
    for i, part in enumerate(loc):
        if _has(here, part):
            out.append(part)
            here = here[part]
        elif missing and i == len(loc) - 1 and isinstance(part, str):
            out.append(part)
        elif isinstance(part, str) and ("[" in part or part.lower() in _JUNK):
            continue
        elif isinstance(part, str) and isinstance(here, dict):
            # a key pydantic names that is not in the data: stop here
            out.append(part)
            break
    return tuple(out)


def _message(err: dict[str, Any], path: tuple[str | int, ...], data: Any) -> str:
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        known = _fields_at(path[:-1])
        hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        text = f"unknown key '{key}'"
        if hint:
            return text + f" (did you mean '{hint[0]}'?)"
        return text + (f" (known keys: {', '.join(known)})" if known else "")
    if kind == "missing":
        return f"missing required key '{path[-1]}'" if path else "missing required key"
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        return msg[len("Assertion failed, ") :]
    value = err.get("input")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys, got {_describe(value)}"
    if kind == "list_type":
        return f"expected a list, got {_describe(value)}"
    if kind in ("string_type",):
        return f"expected text, got {_describe(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_describe(value)}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}, got {_describe(value)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{msg[0].lower()}{msg[1:]}, got {_describe(value)}"
    return msg[0].lower() + msg[1:]


def _errors_from_validation(exc: ValidationError, data: Any, doc: YamlDocument) -> list[InputError]:
    out: list[InputError] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for err in exc.errors(include_url=False):
        path = _clean_loc(tuple(err["loc"]), data, err["type"] == "missing")
        message = _message(dict(err), path, data)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        out.append(doc.error(path, message))
    return out


# --------------------------------------------------------------------------- checks


def _cross_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Rules that tie several fields together (the model alone cannot say where)."""
    from gpu_calc.engine.silicon import dies_per_wafer

    errors = []
    h = s.horizon_years
    units = s.demand.units
    if isinstance(units, list):
        if len(units) != h:
            errors.append(
                doc.error(
                    ("demand", "units"),
                    f"has {len(units)} values but horizon_years is {h}; give one number per "
                    "year or a single number for every year",
                )
            )
        total = sum(base_value(u) for u in units)
    else:
        total = base_value(units) * h
    if total <= 0:
        errors.append(doc.error(("demand", "units"), "demand must be above 0 in some year"))
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
    if dies_per_wafer(area, diameter) <= 0:
        errors.append(
            doc.error(
                ("build", "chip", "die_area_mm2"),
                f"a {area:g} mm2 die does not fit on a {diameter:g} mm wafer (no die per wafer)",
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
