"""What the analyses share: parameters by key, values clipped into range, dies that fit.

A value given to the engine must be one it can compute with: inside the field's valid range
(MODEL.md section 7), a whole number for integer fields, and a die that fits on its wafer.
:func:`clip_values` makes any array of values so, and counts how many it had to move.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpu_calc.distributions import round_half_up
from gpu_calc.engine import Outcome, Totals
from gpu_calc.errors import InputError
from gpu_calc.inputs import INSTALLED_PRICE, LATER_SOFTWARE, InputField, ModelInputs

Array = NDArray[np.float64]

#: A field whose range is open at its lower end (``> 0``: a performance, a die area, a
#: yield) is clipped to this share of the way from that end to its base value, so that no
#: draw divides by (nearly) zero and every output stays finite.
OPEN_FLOOR_SHARE = 1e-6

AREA_KEY = "build.chip.die_area_mm2"
DIAMETER_KEY = "build.chip.wafer_diameter_mm"
AVAILABLE_KEY = "build.available_year"

#: Start years of later generations, either side's (the side and the generation's index;
#: bought ones in [1, H]) and the chip side's (in [available_year + 1, H]), and ages of
#: installed entries (in [0, lifetime - 1]); MODEL.md 11.
_START = re.compile(r"^(buy|build)\.generations\[(\d+)\]\.from_year$")
_CHIP_START = re.compile(r"^build\.generations\[\d+\]\.from_year$")
_AGE = re.compile(r"^(installed\[\d+\])\.age_years$")
_LIFE = re.compile(r"^(installed\[\d+\])\.lifetime_years$")
#: Demand in units, in one number or one a year (group 2), of the whole or of a workload.
_DEMAND = re.compile(r"^demand\.(units|workloads\..+\.units)(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class Wording:
    """How errors of sweeps and break-evens name what the user gave: the command line's
    options (:data:`CLI`) or the Python API's arguments (:data:`API`). Each ``where`` is the
    place an :class:`InputError` names, before its message.
    """

    #: the swept or searched parameter named ``key``
    param: Callable[[str], str]
    #: the parameters of a sweep, as a whole
    params: str
    #: the values given for the parameter ``key``
    values: Callable[[str], str]
    #: the grid as a whole (too many points, a point with no result)
    grid: str
    #: the range searched, ``lo`` to ``hi``
    range: Callable[[float, float], str]
    #: how to give a sweep's parameters
    give_params: str
    #: how to give a non-empty range
    give_range: str
    #: what to try when the range holds no break-even
    other_range: str


CLI = Wording(
    param=lambda key: f"--param {key}",
    params="--param",
    values=lambda key: f"--values {key}",
    grid="--values",
    range=lambda lo, hi: f"--range {lo:g}:{hi:g}",
    give_params="give at least one --param with its --values",
    give_range="give --range LO:HI with LO < HI",
    other_range="try another --range",
)

API = Wording(
    param=lambda key: f"param {key!r}",
    params="params",
    values=lambda key: f"values for {key!r}",
    grid="params",
    range=lambda lo, hi: f"lo={lo:g}, hi={hi:g}",
    give_params="give at least one parameter with its values",
    give_range="give lo < hi",
    other_range="try other lo and hi",
)


def chip_prefixes(inputs: ModelInputs) -> list[str]:
    """Key prefixes of every chip generation's chip (``build.chip``, then later ones)."""
    return [g.chip for g in inputs.structure.chips]


def unused_facts(inputs: ModelInputs) -> dict[str, str]:
    """Numeric fields that no figure of this scenario uses, with why (and what would make
    them count): a chip preset's ``memory_gb`` while the chip's memory is a lump sum, its
    ``interposer_area_mm2`` while its packaging is (docs/model.md: parts only when the file
    asks; ``compare --set`` writes the key into the file and so asks for them); an installed
    entry's price (sunk, MODEL.md 11.4); a later chip generation's software budget (paid
    once, 11.2). A sweep or tornado bar of one would move nothing."""
    out: dict[str, str] = {}
    fields = inputs.fields
    for key in fields:
        if INSTALLED_PRICE.match(key):
            out[key] = "the installed base is sunk (MODEL.md 11.4): its price enters no figure"
        elif LATER_SOFTWARE.match(key):
            out[key] = "the build plan pays build.nre.software_usd_per_year once (MODEL.md 11.2)"
    for c in chip_prefixes(inputs):
        # memory_gb counts where a price or a carbon per GB multiplies it
        per_gb = (f"{c}.memory_usd_per_gb", f"{c}.memory_kg_co2e_per_gb")
        if f"{c}.memory_gb" in fields and not any(k in fields for k in per_gb):
            out[f"{c}.memory_gb"] = (
                "a preset's fact: the chip's price takes memory_usd (a lump sum); write "
                f"memory_gb with memory: or memory_usd_per_gb in the file's {c} to price "
                "memory from its parts"
            )
        by_parts = f"{c}.packaging_base_usd" in fields or f"{c}.packaging_usd_per_mm2" in fields
        if f"{c}.interposer_area_mm2" in fields and not by_parts:
            out[f"{c}.interposer_area_mm2"] = (
                "a preset's fact: the chip's price takes packaging_usd (a lump sum); write "
                f"packaging: in the file's {c} to price packaging from its parts"
            )
    return out


def run(inputs: ModelInputs, params: Mapping[str, ArrayLike]) -> Outcome:
    """The engine on ``params`` (a full mapping, e.g. :meth:`ModelInputs.base` updated)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return inputs.evaluate(params)


def run_totals(inputs: ModelInputs, params: Mapping[str, ArrayLike]) -> Totals:
    """The engine's totals only (:func:`gpu_calc.engine.evaluate_totals`): the savings and
    each plan's NPV, IT energy and emissions, the same numbers as :func:`run`'s."""
    from gpu_calc.engine import evaluate_totals

    return evaluate_totals(params, inputs.structure)


def resolve(inputs: ModelInputs, key: str, wording: Wording = CLI) -> InputField:
    """The numeric field named ``key``; an :class:`InputError` with close matches if none
    (placed as ``wording`` names the parameter).

    A field given per year (``demand.units``, ``build.share``, a price...) is also accepted
    whole: it then sets the same value in every year (its base value: the mean of the
    years' base values).
    """
    key = key.strip()
    unused = unused_facts(inputs).get(key)
    if unused is not None:
        raise InputError(
            f"no figure here uses it: {unused}",
            wording.param(key),
        )
    if key in inputs.fields:
        return inputs.fields[key]
    if f"{key}[0]" in inputs.fields:
        years = [inputs.fields[f"{key}[{t}]"] for t in range(inputs.horizon_years)]
        mean = sum(f.base for f in years) / len(years)
        return InputField(key, years[0].path[:-1], mean, years[0].bounds)
    close = difflib.get_close_matches(key, list(inputs.fields), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see 'gpucalc schema')"
    raise InputError(f"unknown numeric parameter '{key}'{hint}", wording.param(key))


def _gen_key(side: str, i: int) -> str:
    return f"{side}.generations[{i}].from_year"


#: One limit of :func:`_limits`: side (``"lo"``: the value must be >= it, ``"hi"``: <=),
#: the value, why (for messages) and the field it comes from (``None``: the horizon).
Limit = tuple[str, float, str, str | None]


def _limits(inputs: ModelInputs, key: str, cross: bool = True) -> list[Limit]:
    """The limits the scenario's cross-checks (``compare``) put on ``key`` from the horizon
    and, with ``cross``, from other fields at their base values."""
    fields, h = inputs.fields, float(inputs.horizon_years)
    out: list[Limit] = []

    def other(side: str, source: str, step: float, word: str) -> None:
        f = fields.get(source)
        if f is not None:
            out.append((side, f.base + step, f"{word} {f.key}, {f.base:g}", f.key))

    horizon = f"horizon_years is {inputs.horizon_years}"
    gen = _START.match(key)
    if key == AVAILABLE_KEY:
        out.append(("hi", h, horizon, None))
        if cross:
            other("hi", _gen_key("build", 0), -1, "before")
    elif gen:
        side, i = gen.group(1), int(gen.group(2))
        out.append(("hi", h, horizon, None))
        if side == "buy":
            out.append(("lo", 1.0, "year 0 is buy's own", None))
        if cross:
            if side == "build":
                other("lo", AVAILABLE_KEY, 1, "after")
            other("lo", _gen_key(side, i - 1), 1, "after")
            other("hi", _gen_key(side, i + 1), -1, "before")
    elif cross and (m := _AGE.match(key)):
        other("hi", f"{m.group(1)}.lifetime_years", -1, "below")
    elif cross and (m := _LIFE.match(key)):
        other("lo", f"{m.group(1)}.age_years", 1, "above")
    return out


def bounds_of(
    inputs: ModelInputs, field: InputField, cross: bool = True, free: Collection[str] = ()
) -> tuple[float, float]:
    """The field's valid range as two numbers (``-inf``/``inf`` where open-ended).

    Besides the field's own range, the scenario's cross-checks: start years end at the
    horizon, a bought generation's start at 1, a chip generation's after
    ``build.available_year``, generations of a side in order; an installed entry's age stays
    below its lifetime and its lifetime above its age (each against the other fields' base
    values, except the ``free`` ones, which vary too: a sweep checks those point by point,
    :func:`point_problem`). Without ``cross``, only the horizon's limits: Monte Carlo draws
    clip to those, and :func:`fit_dependent` clips the ones that depend on other draws
    (MODEL.md 11).
    """
    b = field.bounds
    lo = -math.inf if b.lo is None else b.lo
    hi = math.inf if b.hi is None else b.hi
    for side, value, _, source in _limits(inputs, field.key, cross):
        if source in free:
            continue
        if side == "lo":
            lo = max(lo, value)
        else:
            hi = min(hi, value)
    return lo, hi


def bound_reason(
    inputs: ModelInputs, field: InputField, side: str | None = None, free: Collection[str] = ()
) -> str:
    """Why :func:`bounds_of` narrows this field beyond its own range, for messages: the
    binding limits of ``side`` (``"lo"``, ``"hi"`` or both), e.g. `` (after
    build.available_year, 1)``; "" for a field it leaves alone."""
    lo, hi = bounds_of(inputs, field, free=free)
    whys = [
        why
        for s, value, why, source in _limits(inputs, field.key)
        if source not in free and (side is None or s == side) and value == (lo if s == "lo" else hi)
    ]
    return f" ({'; '.join(whys)})" if whys else ""


def point_problem(
    inputs: ModelInputs, params: dict[str, ArrayLike], swept: list[str]
) -> str | None:
    """What ``compare`` would refuse at some point of ``params`` (values of every field,
    arrays over a grid), among the rules that tie a swept field to another: start years in
    order and after ``build.available_year``, an installed entry's age below its lifetime,
    demand above 0 in some year. ``None`` when every point passes."""
    swept_set = set(swept)

    def value(key: str) -> Array:
        return np.asarray(params[key], dtype=float)

    # start years: each generation after the one before it (a chip's first after available)
    for side in ("buy", "build"):
        i, previous = 0, AVAILABLE_KEY if side == "build" else None
        while _gen_key(side, i) in params:
            key = _gen_key(side, i)
            if (
                previous in params
                and {key, previous} & swept_set
                and np.any(value(key) <= value(previous))
            ):
                return f"{key} is not after {previous} at some grid point"
            previous, i = key, i + 1
    for key in swept:
        m = _AGE.match(key) or _LIFE.match(key)
        if m:
            age_key, life_key = f"{m.group(1)}.age_years", f"{m.group(1)}.lifetime_years"
            if (
                age_key in params
                and life_key in params
                and np.any(value(age_key) >= value(life_key))
            ):
                return (
                    f"{age_key} reaches {life_key} at some grid point (a unit that old has retired)"
                )
    demand = [k for k in params if _DEMAND.match(k)]
    if swept_set & set(demand):
        by_year: list[Array] = [np.zeros(()) for _ in range(inputs.horizon_years)]
        # a series given whole (demand.units swept whole over a per-year list) replaces its
        # years, as the engine does
        whole = {m.group(1) for k in demand if (m := _DEMAND.match(k)) and m.group(2) is None}
        for k in demand:
            m = _DEMAND.match(k)
            assert m is not None
            series, t = m.group(1), m.group(2)
            if t is None:
                by_year = [y + value(k) for y in by_year]
            elif series not in whole:
                by_year[int(t)] = by_year[int(t)] + value(k)
        total = np.zeros(np.broadcast_shapes(*(np.shape(y) for y in by_year)), dtype=bool)
        for y in by_year:
            total = total | (y > 0)
        if not np.all(total):
            return "demand is 0 in every year at some grid point (demand is what both plans serve)"
    return None


def _inside(raw: Array, field: InputField) -> bool:
    """True when every value of ``raw`` is one :func:`clip_values` keeps as it is (a
    non-integer field that is not a start year): at or above the open end's floor and
    within the range (NaN is not)."""
    b = field.bounds
    lo = -math.inf if b.lo is None else b.lo
    if b.lo_open and b.lo is not None:
        lo = max(float(np.nextafter(lo, math.inf)), b.lo + OPEN_FLOOR_SHARE * (field.base - b.lo))
    hi = math.inf if b.hi is None else b.hi
    if b.hi_open and b.hi is not None:
        hi = float(np.nextafter(hi, -math.inf))
    return bool(raw.min() >= lo) and bool(raw.max() <= hi)


def clip_values(inputs: ModelInputs, field: InputField, values: ArrayLike) -> tuple[Array, int]:
    """``values`` clipped into the field's range, integer fields rounded (halves up), and how
    many values were moved.

    An open lower end (``> 0``) clips to :data:`OPEN_FLOOR_SHARE` of the way to the base
    value; start years clip to the horizon (see :func:`bounds_of`).
    """
    raw = np.asarray(values, dtype=float)
    b = field.bounds
    start_year = field.key == AVAILABLE_KEY or _START.match(field.key) is not None
    if not (b.integer or start_year) and raw.size and _inside(raw, field):
        # the common case of a distribution inside the range: two reductions, no copies
        return raw, 0
    out, moved = field.bounds.clip(raw)
    if b.lo_open and b.lo is not None:
        floor = b.lo + OPEN_FLOOR_SHARE * (field.base - b.lo)
        low = out < floor
        moved += int(np.count_nonzero(low & (raw > b.lo)))
        out = np.where(low, floor, out)
    if not start_year:
        return out, moved
    # start years: whole numbers, counted once if outside their range after rounding (a
    # chip generation's below available_year + 1 by fit_dependent, which clips those)
    lo, hi = bounds_of(inputs, field, cross=False)
    whole = round_half_up(raw)
    below = whole < lo if _CHIP_START.match(field.key) is None else False
    return np.clip(out, lo, hi), int(np.count_nonzero(below | (whole > hi)))


def fit_dependent(
    inputs: ModelInputs, params: dict[str, ArrayLike], drawn: set[str]
) -> dict[str, int]:
    """Clip (in place) the fields whose range depends on another drawn field: a later chip
    generation's start to ``[available_year + 1, H]`` of its sample (``H`` when empty) and an
    installed entry's age to ``[0, lifetime - 1]`` (MODEL.md 11). Returns the counts per key."""
    h = float(inputs.horizon_years)
    moved: dict[str, int] = {}
    for key in inputs.fields:
        chip = _CHIP_START.match(key)
        age = _AGE.match(key)
        if chip and (key in drawn or AVAILABLE_KEY in drawn):
            lo = np.minimum(np.asarray(params.get(AVAILABLE_KEY, 0.0), dtype=float) + 1.0, h)
            value = np.asarray(params[key], dtype=float)
            moved[key] = int(
                np.count_nonzero(np.broadcast_to(value < lo, np.broadcast(value, lo).shape))
            )
            params[key] = np.maximum(value, lo)
        elif age and (key in drawn or f"{age.group(1)}.lifetime_years" in drawn):
            life = np.asarray(params.get(f"{age.group(1)}.lifetime_years", 4.0), dtype=float)
            value = np.asarray(params[key], dtype=float)
            over = value > life - 1.0
            moved[key] = int(
                np.count_nonzero(np.broadcast_to(over, np.broadcast(value, life).shape))
            )
            params[key] = np.minimum(value, life - 1.0)
    return {key: n for key, n in moved.items() if n or key in drawn}


def max_die_area_mm2(wafer_diameter_mm: ArrayLike) -> Array:
    """The largest die area of which one whole die fits on the wafer. [mm²]

    Solves ``pi (d/2)^2 / A - pi d / sqrt(2 A) = 1`` for ``A`` (a quadratic in
    ``u = 1/sqrt(A)``), then steps a hair inside so that the floor of MODEL.md section 4 is 1.

    >>> from gpu_calc.engine.silicon import dies_per_wafer
    >>> a = max_die_area_mm2(300.0)
    >>> round(float(a)), float(dies_per_wafer(a)), float(dies_per_wafer(a * 1.001))
    (8662, 1.0, 0.0)
    """
    d = np.asarray(wafer_diameter_mm, dtype=float)
    a2 = np.pi * d**2 / 4  # coefficient of u^2
    a1 = np.pi * d / np.sqrt(2.0)  # of u
    u = (a1 + np.sqrt(a1**2 + 4 * a2)) / (2 * a2)
    return (1.0 - 1e-9) / u**2


def min_wafer_diameter_mm(die_area_mm2: ArrayLike) -> Array:
    """The smallest wafer on which one whole die of this area fits. [mm]

    Solves ``pi d^2 / (4 A) - pi d / sqrt(2 A) = 1`` for ``d``, then steps a hair outside.

    >>> from gpu_calc.engine.silicon import dies_per_wafer
    >>> d = min_wafer_diameter_mm(8662.0)
    >>> round(float(d)), float(dies_per_wafer(8662.0, d))
    (300, 1.0)
    """
    a = np.asarray(die_area_mm2, dtype=float)
    a2 = np.pi / (4 * a)
    a1 = np.pi / np.sqrt(2 * a)
    return (1.0 + 1e-9) * (a1 + np.sqrt(a1**2 + 4 * a2)) / (2 * a2)


def fit_die_area(params: dict[str, ArrayLike], chip: str = "build.chip") -> int:
    """Clip ``<chip>.die_area_mm2`` in ``params`` (in place) to the largest die that fits
    on its wafer; return how many values were clipped."""
    from gpu_calc.engine.silicon import dies_per_wafer

    area_key = f"{chip}.die_area_mm2"
    area = np.asarray(params[area_key], dtype=float)
    diameter = np.asarray(params.get(f"{chip}.wafer_diameter_mm", 300.0), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        no_fit = dies_per_wafer(area, diameter) <= 0
    if not no_fit.any():
        return 0
    params[area_key] = np.where(no_fit, np.minimum(area, max_die_area_mm2(diameter)), area)
    return int(np.count_nonzero(no_fit))


def check_value(
    inputs: ModelInputs, field: InputField, value: float, where: str, free: Collection[str] = ()
) -> float:
    """``value`` if the field can take it (in range, whole for integer fields, within the
    limits other fields put on it at their base values, except the ``free`` ones), else an
    :class:`InputError` placed at ``where`` (e.g. ``--values build.share``)."""
    if not math.isfinite(value):
        raise InputError(f"must be a finite number, got {value}", where)
    problem = field.bounds.problem(value)
    lo, hi = bounds_of(inputs, field, free=free)
    if problem is None and value > hi:
        why = bound_reason(inputs, field, "hi", free)
        problem = f"must be <= {hi:g}{why}, got {value:g}"
    if problem is None and value < lo:
        why = bound_reason(inputs, field, "lo", free)
        problem = f"must be >= {lo:g}{why}, got {value:g}"
    if problem:
        raise InputError(problem, where)
    if field.bounds.integer and not float(value).is_integer():
        raise InputError(f"must be a whole number, got {value:g}", where)
    return float(value)


def samples_overflow(inputs: ModelInputs, bad: int, samples: int, outputs: list[str]) -> str:
    """Why ``bad`` of ``samples`` Monte Carlo samples have non-finite ``outputs``, truthfully:
    every sample overflows and so do the scenario's own (base) values, so a value written in
    the file is too large; or some draws are (a distribution reaches too far)."""
    what = f"{bad:,} of {samples:,} samples gave no finite {', '.join(outputs)}"
    base = run(inputs, dict(inputs.base())).savings_npv_usd
    if bad == samples and not np.isfinite(base).all():
        return (
            f"{what}: the scenario's inputs are too large to compute with, whatever the draws "
            "(the largest number is about 1.8e308; 'gpucalc compare' shows which figures as n/a)"
        )
    return (
        f"{what}: some draws are too large to compute with (the largest number is about "
        "1.8e308); narrow the distributions"
    )


#: Most values one swept parameter may take (a grid of two has at most its square).
MAX_SWEEP_VALUES = 1000


def parse_values(text: str, option: str = "--values") -> list[float]:
    """``START:STOP:COUNT`` (inclusive, evenly spaced) or a comma list ``0.1,0.2,0.5``;
    at most :data:`MAX_SWEEP_VALUES` values.

    >>> parse_values("0:1:5")
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> parse_values("3, 1.5")
    [3.0, 1.5]
    """
    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop = float(parts[0]), float(parts[1])
            try:
                count = int(parts[2])
            except ValueError:
                if float(parts[2]) > MAX_SWEEP_VALUES:  # 1e9: too many, not a typo
                    count = MAX_SWEEP_VALUES + 1
                else:
                    raise
            if count > MAX_SWEEP_VALUES:
                raise InputError(
                    f"at most {MAX_SWEEP_VALUES} values per parameter, got {parts[2].strip()}",
                    f"{option} {text}",
                )
            if count < 1 or (count == 1 and start != stop):
                raise InputError(
                    f"COUNT must be >= 2 (or 1 with START = STOP), got {count}", f"{option} {text}"
                )
            values = np.linspace(start, stop, count).tolist()
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(
            "expected START:STOP:COUNT (e.g. 0:1:21) or a comma list (e.g. 0.1,0.2,0.5)",
            f"{option} {text}",
        ) from None
    if not values:
        raise InputError("no values given", f"{option} {text}")
    if len(values) > MAX_SWEEP_VALUES:
        raise InputError(
            f"at most {MAX_SWEEP_VALUES} values per parameter, got {len(values)}",
            f"{option} {text}",
        )
    if any(not math.isfinite(v) for v in values):
        raise InputError("values must be finite numbers", f"{option} {text}")
    return [float(v) for v in values]


def parse_range(text: str, option: str = "--range") -> tuple[float, float]:
    """``LO:HI`` -> (lo, hi), with lo < hi.

    >>> parse_range("0:2.5")
    (0.0, 2.5)
    """
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError("expected LO:HI, e.g. 0:1", f"{option} {text}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise InputError("LO must be below HI, both finite", f"{option} {text}")
    return lo, hi
