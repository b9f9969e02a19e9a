"""Rules that tie several fields of a scenario together (a model alone cannot say where)."""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from gpu_calc.distributions import base_value, is_uncertain
from gpu_calc.errors import InputError
from gpu_calc.scenario.fields import rounding_note
from gpu_calc.scenario.model import Scenario
from gpu_calc.yamlio import YamlDocument, shown

Path = tuple[str | int, ...]


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


def _whole_base(value: Any) -> float:
    """The base value of an integer field, rounded halves up (MODEL.md section 7)."""
    return math.floor(base_value(value) + 0.5)


def _got(value: Any) -> str:
    """An integer field's value in a message, as written, and what it rounds to when that
    differs (the words of every integer field's range message).

    >>> _got(0.4), _got(6.5), _got(3.0)
    ('0.4 (0.4 rounds to 0)', '6.5 (6.5 rounds to 7)', '3')
    """
    return f"{base_value(value):g}{rounding_note(base_value(value), _whole_base(value))}"


def _per_year(value: Any, path: Path, h: int, doc: YamlDocument) -> list[InputError]:
    """A value per year must have one number per year of the horizon."""
    if isinstance(value, list) and len(value) != h:
        written = doc.data.get("horizon_years") if isinstance(doc.data, dict) else None
        note = (
            rounding_note(float(written), float(h))
            if isinstance(written, int | float) and not isinstance(written, bool)
            else ""
        )
        return [
            doc.error(
                path,
                f"has {len(value)} values but horizon_years is {h}{note} (give one number "
                "per year, or a single number for every year)",
            )
        ]
    return []


def _demand_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """``demand.units`` or ``demand.workloads`` (not both), per-year lengths, demand > 0."""
    d, h = s.demand, s.horizon_years
    errors: list[InputError] = []
    if d.units is not None and d.workloads is not None:
        return [
            doc.error(
                ("demand", "workloads"),
                "give demand.units or demand.workloads, not both (workloads replace units)",
            )
        ]
    if d.units is None and d.workloads is None:
        return [
            doc.error(
                ("demand", "units"),
                "missing required key 'units' (add it under demand, or give demand.workloads)",
            )
        ]
    if d.workloads is not None:
        if not d.workloads:
            return [doc.error(("demand", "workloads"), "names no workload (give at least one)")]
        for name in d.workloads:
            if not name.strip():
                # a key path (--set, --param, the tornado's rows) could not name it
                errors.append(
                    doc.error(("demand", "workloads", name), "a workload needs a name, not blank")
                )
        if d.reference_tokens_per_s is not None:
            errors.append(
                doc.error(
                    ("demand", "reference_tokens_per_s"),
                    "give reference_tokens_per_s on each workload when demand has workloads",
                )
            )
        series: dict[Path, Any] = {
            ("demand", "workloads", name, "units"): w.units for name, w in d.workloads.items()
        }
    else:
        series = {("demand", "units"): d.units}
    lengths = [e for path, units in series.items() for e in _per_year(units, path, h, doc)]
    errors += lengths
    if not lengths:
        total = [0.0] * h
        for units in series.values():
            for t in range(h):
                total[t] += base_value(units[t] if isinstance(units, list) else units)
        if not any(x > 0 for x in total):
            where = ("demand", "units") if d.workloads is None else ("demand", "workloads")
            errors.append(
                doc.error(
                    where, "must be above 0 in at least one year (demand is what both plans serve)"
                )
            )
    return errors


def _serves_lists(s: Scenario) -> list[tuple[Path, list[str] | None]]:
    """Every ``serves`` list and where it is: ``build.serves``, then each chip generation's."""
    lists: list[tuple[Path, list[str] | None]] = [(("build", "serves"), s.build.serves)]
    lists += [
        (("build", "generations", i, "serves"), g.serves) for i, g in enumerate(s.build.generations)
    ]
    return lists


def _serves_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """``build.serves`` (and a chip generation's ``serves``) name existing workloads."""
    workloads = s.demand.workloads
    errors = []
    for path, serves in _serves_lists(s):
        if serves is None:
            continue
        if workloads is None:
            errors.append(
                doc.error(path, "needs demand.workloads (name the workloads the chip serves there)")
            )
            continue
        if not serves:
            errors.append(doc.error(path, "names no workload (remove it to serve them all)"))
        for i, name in enumerate(serves):
            if name not in workloads:
                hint = difflib.get_close_matches(name, list(workloads), n=1, cutoff=0.6)
                extra = f"did you mean '{hint[0]}'? " if hint else ""
                errors.append(
                    doc.error(
                        path + (i,),
                        f"unknown workload '{shown(name)}' ({extra}known: {', '.join(workloads)})",
                    )
                )
    return errors


def _serves_warnings(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """A workload named twice in a ``serves`` list: counted once (MODEL.md 11.5 sums over
    the workloads in it), which the person may not have meant."""
    out = []
    for path, serves in _serves_lists(s):
        seen: set[str] = set()
        for i, name in enumerate(serves or []):
            if name not in seen:
                seen.add(name)
            else:
                out.append(
                    doc.error(
                        path + (i,),
                        f"workload '{shown(name)}' is listed again: the chip serves it once",
                    )
                )
    return out


def _calendar_hint(s: Scenario, year: float) -> str:
    """For a year index written as a calendar year (2028 with start_year 2025): the index."""
    start = s.start_year
    if start is None or not start <= year < start + 1000:
        return ""
    return f"; with start_year {start}, {year:g} is year {year - start:g}"


def _start_year_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Start years in order and in range (MODEL.md 11.2); ages below the lifetime (11.4)."""
    h = s.horizon_years
    errors = []
    available = _whole_base(s.build.available_year)
    if available > h:
        errors.append(
            doc.error(
                ("build", "available_year"),
                f"must be <= horizon_years ({h}), got {_got(s.build.available_year)} "
                f"(years are 0-based{_calendar_hint(s, available)})",
            )
        )
    sides: list[tuple[Path, list[Any], float, str]] = [
        (("buy", "generations"), list(s.buy.generations), 1, "1 (year 0 is buy's own)"),
        (
            ("build", "generations"),
            list(s.build.generations),
            available + 1,
            f"build.available_year + 1 ({available + 1})",
        ),
    ]
    for where, generations, first, first_text in sides:
        if first > h + 1:  # available_year past the horizon: its own error says so
            continue
        previous: float | None = None
        for i, g in enumerate(generations):
            year = _whole_base(g.from_year)
            path = where + (i, "from_year")
            if first > h and year <= h:
                errors.append(
                    doc.error(
                        path,
                        f"cannot start: build.available_year is horizon_years ({h}), which "
                        "leaves no later year (lower build.available_year, or remove "
                        "build.generations)",
                    )
                )
                break
            if year < first:
                errors.append(doc.error(path, f"must be >= {first_text}, got {_got(g.from_year)}"))
            elif year > h:
                errors.append(
                    doc.error(
                        path,
                        f"must be <= horizon_years ({h}), got {_got(g.from_year)} "
                        f"(years are 0-based; {h} means never bought){_calendar_hint(s, year)}",
                    )
                )
            elif previous is not None and year <= previous:
                errors.append(
                    doc.error(
                        path,
                        f"must be after the previous generation's from_year ({previous:g}), "
                        f"got {_got(g.from_year)} (list generations in order)",
                    )
                )
            previous = year
    for i, entry in enumerate(s.installed):
        age = _whole_base(entry.age_years)
        life = _whole_base(entry.lifetime_years)
        if age >= life:
            errors.append(
                doc.error(
                    ("installed", i, "age_years"),
                    f"must be below lifetime_years ({life:g}), got {_got(entry.age_years)} "
                    "(a unit that old has retired: remove the entry)",
                )
            )
    return errors


def _length_checks(data: dict[Any, Any], doc: YamlDocument) -> list[InputError]:
    """Lists of fleets and workloads no longer than the engine and the charts compute in
    seconds (:data:`~gpu_calc.scenario.fields.MAX_GENERATIONS`, ...), checked on the data as
    written, before presets and validation: a list of 30,000 entries costs nothing."""
    from gpu_calc.scenario.fields import MAX_GENERATIONS, MAX_INSTALLED, MAX_WORKLOADS

    fleet = (
        "each is a fleet that every plan follows year by year and the fleet chart draws, "
        "so more would take minutes"
    )
    generations = f"{fleet}: keep the generations that differ, a new one every few years"
    rules: list[tuple[Path, int, str, str]] = [
        (("buy", "generations"), MAX_GENERATIONS, "generations", generations),
        (("build", "generations"), MAX_GENERATIONS, "generations", generations),
        (
            ("installed",),
            MAX_INSTALLED,
            "entries",
            f"{fleet}: give one entry per accelerator and age, with their units added",
        ),
        (
            ("demand", "workloads"),
            MAX_WORKLOADS,
            "workloads",
            "group workloads that share their units and tokens a second",
        ),
    ]
    errors = []
    for path, most, what, why in rules:
        value: Any = data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list | dict) and len(value) > most:
            errors.append(doc.error(path, f"has {len(value):,} {what}, at most {most:,} ({why})"))
    return errors


def _die_checks(chip: Any, path: Path, doc: YamlDocument) -> list[InputError]:
    """The die must fit on its wafer (MODEL.md section 4)."""
    from gpu_calc.engine.silicon import dies_per_wafer

    area = base_value(chip.die_area_mm2)
    diameter = base_value(chip.wafer_diameter_mm)
    with np.errstate(all="ignore"):
        fits = dies_per_wafer(area, diameter) > 0
    if fits:
        return []
    largest = _largest_die_mm2(diameter)
    hint = (
        f"the largest that fits is about {largest:,.0f} mm2"
        if largest >= 1
        else "check die_area_mm2 and wafer_diameter_mm"
    )
    return [
        doc.error(
            path + ("die_area_mm2",),
            f"a {area:g} mm2 die does not fit on a {diameter:g} mm wafer ({hint})",
        )
    ]


def _reticle_warning(chip: Any, path: Path, doc: YamlDocument) -> list[InputError]:
    """A warning, not an error: no single exposure prints a die larger than the reticle
    (26 x 33 mm), but the numbers still compute (docs/model.md)."""
    from gpu_calc.engine.silicon import RETICLE_AREA_MM2

    area = base_value(chip.die_area_mm2)
    if area <= RETICLE_AREA_MM2:
        return []
    if chip.dies_per_package is None or _whole_base(chip.dies_per_package) == 1:
        hint = "for a package of several dies, give one die's area and dies_per_package"
    else:
        hint = "die_area_mm2 is the area of one die of the package"
    return [
        doc.error(
            path + ("die_area_mm2",),
            f"a {area:,.6g} mm2 die is larger than one lithography exposure field "
            f"({RETICLE_AREA_MM2:g} mm2, 26 x 33 mm): no single exposure prints it, and "
            f"it is priced as given ({hint})",
        )
    ]


def _idle_chip_warnings(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Chip generations whose NRE buys nothing (MODEL.md 11.2-11.3, at base values): first
    silicon at or past the horizon, or no earlier than a later generation's, which is then
    the one on sale (``c(t)`` picks the newest that has started)."""
    h = s.horizon_years
    delay = _whole_base(s.build.respin_delay_years)
    gens: list[tuple[Path, float, float]] = [
        (("build", "available_year"), _whole_base(s.build.available_year), s.build.nre.respins)
    ]
    gens += [
        (("build", "generations", i, "from_year"), _whole_base(g.from_year), g.nre.respins)
        for i, g in enumerate(s.build.generations)
    ]
    # in floats: 10^10 respins of 10^300 years is past any horizon (inf), not an integer too
    # big to print
    starts = [float(written) + float(_whole_base(respins)) * delay for _, written, respins in gens]
    # with a distribution on a start, a respin count or the delay, this is the base values'
    # case, which a Monte Carlo draw may not share
    drawn = [s.build.available_year, s.build.respin_delay_years, s.build.nre.respins]
    drawn += [v for g in s.build.generations for v in (g.from_year, g.nre.respins)]
    base = " (at the base values)" if any(is_uncertain(v) for v in drawn) else ""
    out = []
    for g, ((path, written, _), start) in enumerate(zip(gens, starts, strict=True)):
        late = "" if start == written else f" (after respins, from year {written:g} as written)"
        if start >= h:
            when = f"year {start:g}" if math.isfinite(start) else "a year past any horizon"
            out.append(
                doc.error(
                    path,
                    f"chip generation {g} never serves: its first silicon, {when}{late}, is "
                    f"not before horizon_years ({h}); its NRE is still paid{base}",
                )
            )
            continue
        later = next((k for k in range(g + 1, len(gens)) if starts[k] <= start), None)
        if later is not None:
            out.append(
                doc.error(
                    path,
                    f"chip generation {g} is never on sale: its first silicon, year "
                    f"{start:g}{late}, is not before chip generation {later}'s (year "
                    f"{starts[later]:g}), and the newest generation serves; its NRE is still "
                    f"paid{base}",
                )
            )
    return out


def _warnings(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """What a valid scenario computes but should look at again: located like errors, printed
    after ``warning:`` on stderr (the exit code stays 0)."""
    out = _reticle_warning(s.build.chip, ("build", "chip"), doc)
    out += _idle_chip_warnings(s, doc)
    out += _serves_warnings(s, doc)
    for i, g in enumerate(s.build.generations):
        out += _reticle_warning(g.chip, ("build", "generations", i, "chip"), doc)
    for i, p in enumerate(s.perspective):
        # a per-plan key like any other (MODEL.md section 2): it computes, as 0
        if p.metric == "chip_units" and p.plan == "buy":
            out.append(
                doc.error(
                    ("perspective", i, "metric"),
                    "the buy plan builds no chips, so its chip_units is 0 (set plan: build "
                    "for the in-house chips)",
                )
            )
    return out


def _bom_checks(chip: Any, path: Path, doc: YamlDocument) -> list[InputError]:
    """A price or carbon per GB needs the capacity it multiplies (docs/model.md)."""
    if chip.memory_gb is not None:
        return []
    for key in ("memory_usd_per_gb", "memory_kg_co2e_per_gb"):
        if getattr(chip, key) is not None:
            where = "memory" if chip.memory is not None else key
            return [
                doc.error(
                    path + (where,),
                    f"needs memory_gb (the capacity that {key} multiplies); add memory_gb "
                    "or give memory_usd as a lump sum",
                )
            ]
    return []


def _cross_checks(s: Scenario, doc: YamlDocument) -> list[InputError]:
    """Rules that tie several fields together (the model alone cannot say where)."""
    h = s.horizon_years
    errors = _demand_checks(s, doc) + _serves_checks(s, doc) + _start_year_checks(s, doc)
    per_year: list[tuple[Path, Any]] = [
        (("buy", "unit_price_usd"), s.buy.unit_price_usd),
        (("build", "share"), s.build.share),
        (("site", "electricity_usd_per_kwh"), s.site.electricity_usd_per_kwh),
        (("site", "grid_kg_co2e_per_kwh"), s.site.grid_kg_co2e_per_kwh),
    ] + [
        (("buy", "generations", i, "unit_price_usd"), g.unit_price_usd)
        for i, g in enumerate(s.buy.generations)
    ]
    for path, value in per_year:
        errors += _per_year(value, path, h, doc)
    errors += _die_checks(s.build.chip, ("build", "chip"), doc)
    errors += _bom_checks(s.build.chip, ("build", "chip"), doc)
    for i, g in enumerate(s.build.generations):
        errors += _die_checks(g.chip, ("build", "generations", i, "chip"), doc)
        errors += _bom_checks(g.chip, ("build", "generations", i, "chip"), doc)
    return errors
