"""The scenario file's pydantic models (MODEL.md sections 2 and 11).

Only the shape and the range of each field live here; rules that tie several fields together
are in :mod:`.checks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from gpu_calc.distributions import Bounds
from gpu_calc.errors import InputError
from gpu_calc.scenario.fields import (
    MAX_HORIZON_YEARS,
    LoadFactor,
    Money,
    NonNeg,
    Param,
    Positive,
    Share,
    Years,
    _checker,
    _number_or_dist,
    _version,
    whole,
)
from gpu_calc.yamlio import YamlDocument


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


#: Integer fields of section 11 (start years, ages, design and delay years): >= 0, rounded.
WholeYears = Param(0, integer=True)


class Workload(_Model):
    """One workload of the demand (MODEL.md 11.5): its units and, optionally, its tokens."""

    units: Annotated[NonNeg | list[NonNeg], Field()]  # type: ignore[valid-type]
    #: average tokens a second of one reference-equivalent on this work (MODEL.md 11.6)
    reference_tokens_per_s: NonNeg | None = None  # type: ignore[valid-type]


class Demand(_Model):
    """What both plans serve, in reference-equivalents: ``units``, or named ``workloads``."""

    reference: str | None = None
    units: Annotated[NonNeg | list[NonNeg], Field()] | None = None  # type: ignore[valid-type]
    load_factor: LoadFactor = 1.0  # type: ignore[valid-type]
    workloads: dict[str, Workload] | None = None
    reference_tokens_per_s: NonNeg | None = None  # type: ignore[valid-type]


class Site(_Model):
    """Where the fleet runs: electricity, cooling, water, carbon and buildings."""

    preset: str | None = None
    electricity_usd_per_kwh: Annotated[Money | list[Money], Field()]  # type: ignore[valid-type]
    pue: Param(1) = 1.0  # type: ignore[valid-type]
    wue_l_per_kwh: NonNeg = 0.0  # type: ignore[valid-type]
    water_source_l_per_kwh: NonNeg = 0.0  # type: ignore[valid-type]
    grid_kg_co2e_per_kwh: Annotated[NonNeg | list[NonNeg], Field()] = 0.0  # type: ignore[valid-type]
    facility_capex_usd_per_mw: Money = 0.0  # type: ignore[valid-type]
    # a real number of years (MODEL.md lists it among no integer fields): 12.5 is 12.5
    facility_lifetime_years: Positive = 15  # type: ignore[valid-type]
    #: Refinement: colocation rent of the IT capacity built, instead of (or beside) owning
    #: buildings; paid in opex. Default 0 leaves the core numbers unchanged.
    colocation_usd_per_kw_month: Money = 0.0  # type: ignore[valid-type]


class _Accelerator(_Model):
    accelerator: str | None = None
    #: a server preset: fills chips_per_server, host_usd_per_server, host_power_w_per_server
    #: and network_usd_per_unit from a whole system (any of them given overrides it)
    server: str | None = None
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
    """The accelerator bought on the market (``buy:``): generation 0 of the bought side."""

    unit_price_usd: Annotated[Money | list[Money], Field()]  # type: ignore[valid-type]


class BoughtGeneration(BoughtAccelerator):
    """A later bought accelerator (``buy.generations[i]``), on sale from ``from_year``."""

    from_year: WholeYears  # type: ignore[valid-type]


class Buy(BoughtAccelerator):
    """The bought side: generation 0, then later ``generations`` (MODEL.md 11.2)."""

    generations: list[BoughtGeneration] = []


class InstalledAccelerator(_Accelerator):
    """Units owned at year 0 (MODEL.md 11.4): sunk, serving until they retire."""

    units: NonNeg  # type: ignore[valid-type]
    age_years: WholeYears = 0  # type: ignore[valid-type]
    #: ignored: installed units are sunk (accepted so that a preset's price can stay)
    unit_price_usd: Money | None = None  # type: ignore[valid-type]


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
    # Refinement (docs/model.md, bill of materials): each part has a default that leaves
    # the core numbers unchanged; a lump sum and its parts are not given together.
    #: memory capacity: with a price per GB it replaces memory_usd (and carries carbon)
    memory_gb: NonNeg | None = None  # type: ignore[valid-type]
    #: a memory preset (hbm3e, hbm3, lpddr5...): its price and carbon per GB
    memory: str | None = None
    memory_usd_per_gb: Money | None = None  # type: ignore[valid-type]
    memory_kg_co2e_per_gb: NonNeg | None = None  # type: ignore[valid-type]
    #: a packaging preset (cowos-s, cowos-l, organic): its cost lines and carbon
    packaging: str | None = None
    interposer_area_mm2: NonNeg | None = None  # type: ignore[valid-type]
    packaging_base_usd: Money | None = None  # type: ignore[valid-type]
    packaging_usd_per_mm2: Money | None = None  # type: ignore[valid-type]
    #: final test and assembly of one packaged chip (default: the packaging preset's, or 0)
    test_assembly_usd: Money | None = None  # type: ignore[valid-type]
    package_kg_co2e: NonNeg | None = None  # type: ignore[valid-type]
    #: carbon of one cm2 of processed wafer (a node preset's; ACT's CPA before yield)
    wafer_kg_co2e_per_cm2: NonNeg | None = None  # type: ignore[valid-type]
    # Refinement (docs/model.md, die harvesting and multi-die packages); absent, the chip
    # is priced as MODEL.md section 4 says.
    #: share of the die's area whose defects are tolerated by fusing off spare units: the
    #: yield model sees only the rest (absent: 0, the whole die kills)
    harvest_area_fraction: Param(0, 1, hi_open=True) | None = None  # type: ignore[valid-type]
    #: dies in one package; die_area_mm2 is then one die's area (absent: 1)
    dies_per_package: Param(1, integer=True) | None = None  # type: ignore[valid-type]

    def replaced_lumps(self) -> frozenset[str]:
        """The lump sums this chip's parts replace (docs/model.md, bill of materials): they
        are no input of the model, so no view lists them beside the parts."""
        out = set()
        if self.memory_usd_per_gb is not None:
            out.add("memory_usd")
        if self.packaging_base_usd is not None or self.packaging_usd_per_mm2 is not None:
            out.add("packaging_usd")
        if any(
            v is not None
            for v in (self.wafer_kg_co2e_per_cm2, self.memory_kg_co2e_per_gb, self.package_kg_co2e)
        ):
            out.add("embodied_kg_co2e")
        return frozenset(out)


class Nre(_Model):
    """Non-recurring engineering of the chip, paid at the start of year 0 (or spread)."""

    design_usd: Money  # type: ignore[valid-type]
    ip_usd: Money = 0.0  # type: ignore[valid-type]
    respins: Param(0, integer=True) = 0  # type: ignore[valid-type]
    software_usd_per_year: Money = 0.0  # type: ignore[valid-type]
    #: Refinement: ``spread`` pays design, IP and masks in equal parts over the years from
    #: the design's start to the first silicon; ``upfront`` (default) pays them at the
    #: design's start (year 0 unless ``design_years`` says otherwise). MODEL.md 11.3.
    timing: Literal["upfront", "spread"] = "upfront"
    #: years of design before the generation's start as written (default: from year 0)
    design_years: WholeYears | None = None  # type: ignore[valid-type]


class ChipGeneration(_Model):
    """A later in-house chip (``build.generations[i]``): its own silicon and NRE."""

    from_year: WholeYears  # type: ignore[valid-type]
    chip: Chip
    nre: Nre
    #: extension: workloads the chip side serves from this generation's start on, beside
    #: those of the generations before it (default: ``build.serves``)
    serves: list[str] | None = None


class Build(_Model):
    """The build plan: a share of demand moves to the in-house chip."""

    share: Annotated[Share | list[Share], Field()]  # type: ignore[valid-type]
    available_year: Param(0, integer=True) = 0  # type: ignore[valid-type]
    chip: Chip
    nre: Nre
    #: years a respin delays its generation's first silicon (MODEL.md 11.3)
    respin_delay_years: WholeYears = 0  # type: ignore[valid-type]
    generations: list[ChipGeneration] = []
    #: the workloads the chip serves (default: every workload); MODEL.md 11.5
    serves: list[str] | None = None


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


#: What a perspective may compare: section 8's per-plan keys and 11.7's tokens (null, and
#: so is the ratio, when no workload gives reference_tokens_per_s).
PERSPECTIVE_METRICS = (*PLAN_METRICS, "tokens", "usd_per_million_tokens")


class Perspective(_Model):
    """A reference quantity to put a result in scale: ``ratio = metric / value``."""

    label: str
    metric: Literal[PERSPECTIVE_METRICS]  # type: ignore[valid-type]
    value: Annotated[
        float, BeforeValidator(_number_or_dist), AfterValidator(_checker(Bounds(0, lo_open=True)))
    ]
    plan: Literal["buy", "build"] = "buy"


def _one_value(value: Any) -> Any:
    """One message for a list or mapping where one value is expected (not one per type)."""
    if isinstance(value, list | dict):
        what = "a list" if isinstance(value, list) else "a mapping"
        raise ValueError(f"expected a number, a text or a boolean, got {what}")
    return value


class Bound(_Model):
    """Bounds on one output (batch expectations): min, max and/or equals."""

    # strict: a boolean or a quoted "3" is a mistake here, not the number 1 or 3
    min: Annotated[float, Field(strict=True)] | None = None
    max: Annotated[float, Field(strict=True)] | None = None
    equals: Annotated[float | str | bool | None, BeforeValidator(_one_value)] = None


class Scenario(_Model):
    """A whole scenario file (MODEL.md sections 2 and 11)."""

    version: Annotated[Literal[1], BeforeValidator(_version)] = 1
    name: str = "unnamed scenario"
    description: str | None = None
    horizon_years: Annotated[
        int,
        BeforeValidator(whole(1, MAX_HORIZON_YEARS, "the longest horizon gpucalc compares")),
        Field(ge=1, le=MAX_HORIZON_YEARS),
    ]
    #: calendar year of t = 0 (MODEL.md 11.1): changes no number, only how years are shown
    start_year: Annotated[int, BeforeValidator(whole(1, 9999)), Field(ge=1, le=9999)] | None = None
    discount_rate: NonNeg = 0.0  # type: ignore[valid-type]
    demand: Demand
    site: Site
    buy: Buy
    build: Build
    installed: list[InstalledAccelerator] = []
    perspective: list[Perspective] = []
    expect: dict[str, Bound] = {}


@dataclass
class LoadedScenario:
    """A validated scenario with where it came from and which values came from presets."""

    scenario: Scenario
    doc: YamlDocument
    #: key path -> source text, for every value filled in from a preset
    preset_sources: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    #: what computes but deserves a second look (a die larger than the reticle), located
    #: like input errors; the command line prints each after ``warning:`` on stderr
    warnings: list[InputError] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.doc.source


def _bounds_in(annotation: Any) -> Bounds | None:
    """The :class:`Bounds` inside a field's annotation (through unions, lists, Annotated)."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Bounds):
            return meta
    for arg in get_args(annotation):
        found = _bounds_in(arg)
        if found is not None:
            return found
    return None


def numeric_fields(
    model: BaseModel, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any, Bounds]]:
    """Every numeric field of a validated model: (key path, value or distribution, bounds).

    The leaves of :func:`input_leaves` that have bounds: lists and mappings of models
    (generations, installed entries, workloads) are walked with their index or key in the
    path, a list of values per year comes one element at a time, and fields left at None
    (optional refinements not given) are skipped.
    """
    for here, value, bounds in input_leaves(model, path):
        if bounds is not None:
            yield here, value, bounds


def input_leaves(
    model: BaseModel, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any, Bounds | None]]:
    """Every value of a validated model, in the order its fields are declared: (key path,
    value, bounds). Numeric fields come with their bounds (a list of values per year one
    element at a time: :func:`numeric_fields` is these leaves); every other value given or
    defaulted (a text such as a preset's name, a choice such as ``nre.timing``, a list of
    texts such as ``serves``, a whole number without a range such as ``start_year``) comes
    whole, with ``None`` for bounds. Values left at None and empty lists are skipped.
    """
    replaced = model.replaced_lumps() if isinstance(model, Chip) else frozenset()
    for name, info in type(model).model_fields.items():
        if name in replaced:
            continue
        value = getattr(model, name)
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        bounds = next((m for m in info.metadata if isinstance(m, Bounds)), None)
        if bounds is None:
            bounds = _bounds_in(info.annotation)
        here = path + (name,)
        if isinstance(value, BaseModel) and not hasattr(value, "base"):
            yield from input_leaves(value, here)
        elif isinstance(value, dict) and all(isinstance(v, BaseModel) for v in value.values()):
            for key, item in value.items():
                yield from input_leaves(item, here + (key,))
        elif (
            isinstance(value, list)
            and isinstance(value[0], BaseModel)
            and not hasattr(value[0], "base")
        ):
            for i, item in enumerate(value):
                yield from input_leaves(item, here + (i,))
        elif bounds is not None and isinstance(value, list):
            for i, item in enumerate(value):
                yield here + (i,), item, bounds
        else:
            yield here, value, bounds
