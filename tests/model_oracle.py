"""An independent implementation of MODEL.md's compare equations, used as a differential test.

This module was written from ``MODEL.md`` (the project's contract, sections 1-11) alone, without
reading gpu_calc's engine, and computes what ``gpucalc compare --format json`` prints for a
scenario: the core keys of sections 8 and 11.7 (plans, silicon, comparison, perspective, fleets,
tokens) and a few per-year series. tests/test_oracle.py runs random scenarios
(tests/oracle_scenarios.py) through both and asks for the same numbers: two implementations
that agree are unlikely to share a misreading of the contract.

Its limits, on purpose:

- Values must be inline. There are no presets: an ``accelerator`` name is only used as the
  fleet's label, and a chip's ``node`` values (``wafer_usd``, ``defect_density_per_cm2``,
  ``mask_set_usd``) must be written under ``build.chip``. A scenario that leans on a preset's
  values gives wrong numbers here.
- Distributions are computed at their base value (MODEL.md section 7): no Monte Carlo.
- No validation: a scenario is assumed valid; an invalid one may give numbers or raise.
- Plain Python floats, no numpy, and loops written the way the equations read, not fast.

It must never import gpu_calc (only the standard library and PyYAML): its worth is that it
shares no code, and so no bug, with the package it checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import yaml

HOURS_PER_YEAR = 8760
SECONDS_PER_HOUR = 3600
W_PER_MW = 1e6
MM_PER_KM = 1e6

#: Keys whose values are names, never numbers: a workload called "1e3" stays a text.
TEXT_KEYS = frozenset(
    {
        "serves",
        "name",
        "label",
        "reference",
        "metric",
        "plan",
        "node",
        "accelerator",
        "timing",
        "yield_model",
        "description",
    }
)

#: A number as YAML 1.2 writes it (PyYAML, a YAML 1.1 reader, leaves ``1e9`` a string).
_NUMBER_RE = re.compile(r"^[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?$")

#: MODEL.md section 2: accelerator fields and their defaults.
ACCELERATOR_DEFAULTS: dict[str, float] = {
    "perf_vs_reference": 1.0,
    "chips_per_server": 8,
    "host_usd_per_server": 0.0,
    "host_power_w_per_server": 0.0,
    "network_usd_per_unit": 0.0,
    "opex_usd_per_unit_year": 0.0,
    "lifetime_years": 4,
    "length_mm": 0.0,
    "embodied_kg_co2e": 0.0,
}

#: Silicon and node keys of a chip (section 4): they set its price, not its fleet figures.
SILICON_KEYS = frozenset(
    {
        "die_area_mm2",
        "node",
        "memory_usd",
        "packaging_usd",
        "package_yield",
        "board_usd",
        "partner_markup",
        "wafer_usd",
        "defect_density_per_cm2",
        "mask_set_usd",
        "wafer_diameter_mm",
        "yield_model",
        "yield_alpha",
    }
)

PLANS = ("buy", "build")


# ------------------------------------------------------------------ reading values


def base_value(dist: dict[str, Any]) -> float:
    """The value a deterministic run uses for a distribution (MODEL.md section 7).

    >>> base_value({"dist": "uniform", "low": 1, "high": 3})
    2.0
    """
    kind = dist["dist"]
    if kind == "normal":
        return dist["mean"]
    if kind == "lognormal":
        return dist["median"]
    if kind == "uniform":
        return (dist["low"] + dist["high"]) / 2
    if kind in ("triangular", "pert"):
        return dist["mode"]
    raise ValueError(f"unknown distribution {kind!r}")


def coerce(value: Any) -> Any:
    """Numbers as YAML 1.2 reads them, and every distribution replaced by its base value.

    >>> coerce({"a": "1e9", "b": "10_000", "name": "1e3", "c": {"dist": "pert", "mode": 2}})
    {'a': 1000000000.0, 'b': 10000, 'name': '1e3', 'c': 2}
    """
    if isinstance(value, dict):
        value = {k: (v if k in TEXT_KEYS else coerce(v)) for k, v in value.items()}
        return base_value(value) if "dist" in value else value
    if isinstance(value, list):
        return [coerce(v) for v in value]
    if isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        text = value.strip().replace("_", "")
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return value
    return value


def round_half_up(value: float) -> int:
    """An integer field's value: the nearest integer, halves up (MODEL.md sections 7, 11).

    >>> round_half_up(1.5), round_half_up(2.3), round_half_up(2)
    (2, 2, 2)
    """
    return math.floor(float(value) + 0.5)


def per_year(value: Any, horizon_years: int) -> list[float]:
    """A field that is a number or a list of one number per year (section 11.1)."""
    if isinstance(value, list):
        if len(value) != horizon_years:
            raise ValueError(f"a list of {horizon_years} numbers expected, got {len(value)}")
        return [float(v) for v in value]
    return [float(value)] * horizon_years


# ------------------------------------------------------------------ per-unit figures


def accelerator_figures(
    fields: dict[str, Any],
    horizon_years: int,
    load_factor: float,
    unit_price_usd: float | None = None,
) -> dict[str, Any]:
    """Section 3's per-unit figures of an accelerator (``unit_price_usd`` given for a chip)."""
    acc = dict(ACCELERATOR_DEFAULTS)
    acc.update(fields)
    chips_per_server = float(acc["chips_per_server"])
    if unit_price_usd is None:
        price_usd_per_year = per_year(acc.get("unit_price_usd", 0.0), horizon_years)
    else:
        price_usd_per_year = [unit_price_usd] * horizon_years
    host_and_network_usd = (
        acc["host_usd_per_server"] / chips_per_server + acc["network_usd_per_unit"]
    )
    it_peak_w = acc["power_w"] + acc["host_power_w_per_server"] / chips_per_server
    # section 10's per-accelerator load factor, where one is given; the demand's otherwise
    own_load_factor = float(acc.get("load_factor", load_factor))
    return {
        "unit_capex_usd_per_year": [p + host_and_network_usd for p in price_usd_per_year],
        "it_peak_w": it_peak_w,
        "it_avg_w": own_load_factor * it_peak_w,
        "perf": float(acc["perf_vs_reference"]),
        "lifetime_years": round_half_up(acc["lifetime_years"]),
        "opex_usd_per_unit_year": float(acc["opex_usd_per_unit_year"]),
        "length_mm": float(acc["length_mm"]),
        "embodied_kg_co2e": float(acc["embodied_kg_co2e"]),
    }


def silicon(chip: dict[str, Any]) -> dict[str, float]:
    """Section 4: dies per wafer, yield, die cost and unit price of an in-house chip.

    >>> s = silicon({"die_area_mm2": 100, "wafer_usd": 10000, "defect_density_per_cm2": 0})
    >>> s["dies_per_wafer"], s["die_yield"], s["unit_price_usd"]
    (640, 1.0, 15.625)
    """
    area_mm2 = float(chip["die_area_mm2"])
    wafer_diameter_mm = float(chip.get("wafer_diameter_mm", 300))
    defects_per_cm2 = float(chip["defect_density_per_cm2"])
    dies_per_wafer = math.floor(
        math.pi * (wafer_diameter_mm / 2) ** 2 / area_mm2
        - math.pi * wafer_diameter_mm / math.sqrt(2 * area_mm2)
    )
    if dies_per_wafer <= 0:
        raise ValueError("die too large for one to fit on the wafer")
    x = area_mm2 / 100 * defects_per_cm2  # expected defects per die (area in cm2)
    model = chip.get("yield_model", "murphy")
    if x == 0:
        die_yield = 1.0
    elif model == "murphy":
        die_yield = (-math.expm1(-x) / x) ** 2
    elif model == "poisson":
        die_yield = math.exp(-x)
    elif model == "negative_binomial":
        alpha = float(chip.get("yield_alpha", 3))
        die_yield = (1 + x / alpha) ** (-alpha)
    else:
        raise ValueError(f"unknown yield model {model!r}")
    die_usd = float(chip["wafer_usd"]) / (dies_per_wafer * die_yield)
    packaged_usd = die_usd + chip.get("memory_usd", 0.0) + chip.get("packaging_usd", 0.0)
    unit_price_usd = (
        packaged_usd / chip.get("package_yield", 1.0) + chip.get("board_usd", 0.0)
    ) * (1 + chip.get("partner_markup", 0.0))
    return {
        "dies_per_wafer": dies_per_wafer,
        "die_yield": die_yield,
        "die_usd": die_usd,
        "unit_price_usd": unit_price_usd,
    }


def nre_total_usd(nre: dict[str, Any], chip: dict[str, Any]) -> float:
    """Section 4: design, IP and one mask set per tape-out."""
    respins = round_half_up(nre.get("respins", 0))
    return (
        float(nre["design_usd"])
        + float(nre.get("ip_usd", 0.0))
        + float(chip["mask_set_usd"]) * (1 + respins)
    )


# ------------------------------------------------------------------ fleets (sections 5, 11.2)


def serve_side(
    need: list[float],
    generations: list[dict[str, Any]],
    start_years: list[int],
    horizon_years: int,
    installed: Sequence[tuple[dict[str, Any], float, int]] = (),
) -> tuple[list[list[float]], list[list[float]], list[list[float]]]:
    """One side's purchases and active units, year by year (section 11.2).

    ``installed`` holds (figures, units, last year in service) per installed entry. Returns the
    units bought per generation and year, the active units per generation and year, and the
    active units per installed entry and year.
    """
    count = len(generations)
    bought = [[0.0] * horizon_years for _ in range(count)]
    active = [[0.0] * horizon_years for _ in range(count)]
    installed_active = [[0.0] * horizon_years for _ in installed]
    for t in range(horizon_years):
        started = [g for g in range(count) if start_years[g] <= t]
        on_sale = max(started) if started else None  # c(t)
        owned = []
        for g in range(count):
            lifetime_years = generations[g]["lifetime_years"]
            owned.append(sum(bought[g][tau] for tau in range(max(0, t - lifetime_years + 1), t)))
        installed_owned = [(units if t <= last_year else 0.0) for _, units, last_year in installed]
        capacity = sum(owned[g] * generations[g]["perf"] for g in range(count))
        capacity += sum(
            n * entry[0]["perf"] for n, entry in zip(installed_owned, installed, strict=True)
        )
        if on_sale is not None:
            perf = generations[on_sale]["perf"]
            bought[on_sale][t] = max(0.0, need[t] - capacity) / perf
        elif need[t] > 0 and need[t] - capacity > 1e-9 * need[t]:
            raise ValueError(f"demand in year {t}, before the side starts")
        rest = need[t]  # units serve newest first, then the installed base in its order
        for g in range(count - 1, -1, -1):
            perf = generations[g]["perf"]
            active[g][t] = max(0.0, min(owned[g] + bought[g][t], rest / perf))
            rest -= active[g][t] * perf
        for i, (figures, _, _) in enumerate(installed):
            perf = figures["perf"]
            installed_active[i][t] = max(0.0, min(installed_owned[i], rest / perf))
            rest -= installed_active[i][t] * perf
    return bought, active, installed_active


def _strip(fields: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in keys}


def _label(fields: dict[str, Any], side: str, generation: int) -> str:
    """Section 11.7: the preset name, or ``<side> <generation>`` without one."""
    return fields.get("accelerator") or f"{side} {generation}"


# ------------------------------------------------------------------ the whole comparison


def compute_text(text: str) -> dict[str, Any]:
    """:func:`compute` for a scenario given as YAML text."""
    return compute(yaml.safe_load(text))


def compute(scenario: dict[str, Any]) -> dict[str, Any]:
    """The JSON of ``gpucalc compare --format json`` (the keys this oracle knows) for a
    scenario as ``yaml.safe_load`` reads it."""
    sc = coerce(scenario)
    horizon_years = round_half_up(sc["horizon_years"])
    years = range(horizon_years)
    rate = float(sc.get("discount_rate", 0.0))

    def discount(t: int) -> float:
        return (1 + rate) ** -t

    # demand and workloads (sections 5, 11.5, 11.6)
    demand = sc["demand"]
    load_factor = float(demand.get("load_factor", 1.0))
    if "workloads" in demand:
        workloads = demand["workloads"]
        units_by_workload = {w: per_year(v["units"], horizon_years) for w, v in workloads.items()}
        tokens_per_s_by_workload = {
            w: v.get("reference_tokens_per_s") for w, v in workloads.items()
        }
    else:
        units_by_workload = {"": per_year(demand["units"], horizon_years)}
        tokens_per_s_by_workload = {"": demand.get("reference_tokens_per_s")}
    demand_units = [sum(u[t] for u in units_by_workload.values()) for t in years]

    site = sc["site"]
    electricity_usd_per_kwh = per_year(site["electricity_usd_per_kwh"], horizon_years)
    pue = float(site.get("pue", 1.0))
    wue_l_per_kwh = float(site.get("wue_l_per_kwh", 0.0))
    water_source_l_per_kwh = float(site.get("water_source_l_per_kwh", 0.0))
    grid_kg_co2e_per_kwh = per_year(site.get("grid_kg_co2e_per_kwh", 0.0), horizon_years)
    facility_capex_usd_per_mw = float(site.get("facility_capex_usd_per_mw", 0.0))
    # a real number of years: MODEL.md lists it among no integer fields, so it is not rounded
    facility_lifetime_years = float(site.get("facility_lifetime_years", 15))

    # the bought side: generation 0 from year 0, then buy.generations
    buy = sc["buy"]
    buy_entries = [_strip(buy, "generations"), *(buy.get("generations") or [])]
    bought_side = [
        accelerator_figures(_strip(e, "from_year", "accelerator"), horizon_years, load_factor)
        for e in buy_entries
    ]
    bought_starts = [0] + [round_half_up(e["from_year"]) for e in buy_entries[1:]]
    bought_labels = [_label(e, "bought", g) for g, e in enumerate(buy_entries)]

    # the chip side (sections 4, 11.2, 11.3)
    build = sc["build"]
    share = per_year(build.get("share", 0.0), horizon_years)
    available_year = round_half_up(build.get("available_year", 0))
    respin_delay_years = round_half_up(build.get("respin_delay_years", 0))
    chip_entries = [(build["chip"], build["nre"], available_year)] + [
        (g["chip"], g["nre"], round_half_up(g["from_year"])) for g in build.get("generations") or []
    ]
    chip_side, chip_starts, chip_labels, silicon_generations, nre_usd_by_year = [], [], [], [], []
    for g, (chip, nre, written_start) in enumerate(chip_entries):
        chip_labels.append(_label(chip, "chip", g))
        chip = _strip(chip, "accelerator")
        sil = silicon(chip)
        sil["nre_usd"] = nre_total_usd(nre, chip)
        silicon_generations.append(sil)
        chip_side.append(
            accelerator_figures(
                _strip(chip, *SILICON_KEYS), horizon_years, load_factor, sil["unit_price_usd"]
            )
        )
        start = written_start + round_half_up(nre.get("respins", 0)) * respin_delay_years
        chip_starts.append(start)
        # NRE timing (11.3): the design starts in max(0, w - design_years) on the plan as written
        design_years = (
            round_half_up(nre["design_years"]) if "design_years" in nre else written_start
        )
        design_start = max(0, written_start - design_years)
        if nre.get("timing", "upfront") == "upfront" or start <= design_start:
            payment_years = [design_start]
        else:
            payment_years = list(range(design_start, start))
        schedule = [0.0] * horizon_years
        for year in payment_years:  # a payment due in a year >= H is paid in year H-1
            schedule[min(year, horizon_years - 1)] += sil["nre_usd"] / len(payment_years)
        nre_usd_by_year.append(schedule)
    chip_start = min(chip_starts)
    serves = build.get("serves")
    served = set(units_by_workload if serves is None else serves)  # a set: each workload once

    # the installed base (11.4): figures, units, last year in service
    installed_entries = sc.get("installed") or []
    installed = []
    for entry in installed_entries:
        fields = _strip(entry, "units", "age_years", "accelerator", "unit_price_usd")
        figures = accelerator_figures(fields, horizon_years, load_factor, unit_price_usd=0.0)
        last_year = figures["lifetime_years"] - round_half_up(entry.get("age_years", 0)) - 1
        installed.append((figures, float(entry["units"]), last_year))
    installed_labels = [_label(e, "installed", i) for i, e in enumerate(installed_entries)]
    installed_it_mw = sum(units * f["it_peak_w"] for f, units, _ in installed) / W_PER_MW

    def plan(kind: str) -> tuple[dict[str, Any], list[float], list[float], float]:
        chip_need = [0.0] * horizon_years
        if kind == "build":
            for t in range(chip_start, horizon_years):
                chip_need[t] = share[t] * sum(
                    units_by_workload[w][t] for w in units_by_workload if w in served
                )
        bought_need = [demand_units[t] - chip_need[t] for t in years]
        bought, active, installed_active = serve_side(
            bought_need, bought_side, bought_starts, horizon_years, installed
        )
        # one row per generation: (side, index, figures, bought, active, start, label)
        fleets = [
            ("bought", g, bought_side[g], bought[g], active[g], bought_starts[g], bought_labels[g])
            for g in range(len(bought_side))
        ]
        if kind == "build":
            chip_bought, chip_active, _ = serve_side(
                chip_need, chip_side, chip_starts, horizon_years
            )
            fleets += [
                ("chip", g, chip_side[g], chip_bought[g], chip_active[g], chip_starts[g], label)
                for g, label in enumerate(chip_labels)
            ]
        running = [(f[2], f[4]) for f in fleets] + [
            (figures, installed_active[i]) for i, (figures, _, _) in enumerate(installed)
        ]

        need_it_mw = [sum(a[t] * f["it_peak_w"] for f, a in running) / W_PER_MW for t in years]
        built_it_mw, facility_capex_usd = [], []
        built_before_mw = installed_it_mw
        for t in years:  # IT capacity only grows
            built_mw = max(built_before_mw, need_it_mw[t])
            facility_capex_usd.append((built_mw - built_before_mw) * facility_capex_usd_per_mw)
            built_it_mw.append(built_mw)
            built_before_mw = built_mw

        hw_capex_usd = [
            sum(f[3][t] * f[2]["unit_capex_usd_per_year"][t] for f in fleets) for t in years
        ]
        energy_it_kwh = [
            sum(a[t] * f["it_avg_w"] for f, a in running) * HOURS_PER_YEAR / 1000 for t in years
        ]
        energy_facility_kwh = [e * pue for e in energy_it_kwh]
        electricity_usd = [energy_facility_kwh[t] * electricity_usd_per_kwh[t] for t in years]
        software_usd_per_year = (
            float(build["nre"].get("software_usd_per_year", 0.0)) if kind == "build" else 0.0
        )
        opex_usd = [
            electricity_usd[t]
            + sum(a[t] * f["opex_usd_per_unit_year"] for f, a in running)
            + software_usd_per_year
            for t in years
        ]
        water_l = [
            energy_it_kwh[t] * wue_l_per_kwh + energy_facility_kwh[t] * water_source_l_per_kwh
            for t in years
        ]
        co2e_kg = [
            energy_facility_kwh[t] * grid_kg_co2e_per_kwh[t]
            + sum(f[3][t] * f[2]["embodied_kg_co2e"] for f in fleets)
            for t in years
        ]
        # straight-line residual value of purchases still in life at the end of the horizon
        residual_usd = sum(
            f[3][tau]
            * f[2]["unit_capex_usd_per_year"][tau]
            * max(0, tau + f[2]["lifetime_years"] - horizon_years)
            / f[2]["lifetime_years"]
            for f in fleets
            for tau in years
        ) + sum(
            facility_capex_usd[tau]
            * max(0, tau + facility_lifetime_years - horizon_years)
            / facility_lifetime_years
            for tau in years
        )
        if kind == "build":
            nre_usd = [sum(s[t] for s in nre_usd_by_year) for t in years]
            nre_total = sum(sil["nre_usd"] for sil in silicon_generations)
        else:
            nre_usd = [0.0] * horizon_years
            nre_total = 0.0

        capex_usd = sum(hw_capex_usd) + sum(facility_capex_usd)
        tco_usd = capex_usd + nre_total + sum(opex_usd) - residual_usd
        capital_usd = [hw_capex_usd[t] + facility_capex_usd[t] + nre_usd[t] for t in years]
        npv_usd = (
            sum(capital_usd[t] * discount(t) for t in years)
            + sum(opex_usd[t] * discount(t + 1) for t in years)
            - residual_usd * discount(horizon_years)
        )
        token_workloads = [w for w, tps in tokens_per_s_by_workload.items() if tps is not None]
        tokens: float | None = None  # null when no workload gives tokens per second
        usd_per_million_tokens: float | None = None
        if token_workloads:
            tokens = sum(
                units_by_workload[w][t]
                * float(tokens_per_s_by_workload[w])
                * SECONDS_PER_HOUR
                * HOURS_PER_YEAR
                for t in years
                for w in token_workloads
            )
            if tokens != 0:
                usd_per_million_tokens = tco_usd / tokens * 1e6

        fleet_rows = [
            {
                "side": side,
                "generation": g,
                "label": label,
                "from_year": start,
                "units_bought": sum(units_bought),
                "units_bought_per_year": units_bought,
                "active_units_per_year": units_active,
            }
            for side, g, _, units_bought, units_active, start, label in fleets
        ] + [
            {
                "side": "installed",
                "generation": i,
                "label": installed_labels[i],
                "from_year": 0,
                "units_bought": 0.0,
                "units_bought_per_year": [0.0] * horizon_years,
                "active_units_per_year": installed_active[i],
            }
            for i in range(len(installed))
        ]
        result = {
            "capex_usd": capex_usd,
            "facility_capex_usd": sum(facility_capex_usd),
            "nre_usd": nre_total,
            "opex_usd": sum(opex_usd),
            "electricity_usd": sum(electricity_usd),
            "residual_usd": residual_usd,
            "tco_usd": tco_usd,
            "npv_usd": npv_usd,
            "energy_it_kwh": sum(energy_it_kwh),
            "energy_facility_kwh": sum(energy_facility_kwh),
            "energy_it_kwh_per_year": energy_it_kwh,
            "water_l": sum(water_l),
            "co2e_kg": sum(co2e_kg),
            "peak_it_mw": max(need_it_mw),
            "bought_units": sum(sum(f[3]) for f in fleets if f[0] == "bought"),
            "chip_units": sum(sum(f[3]) for f in fleets if f[0] == "chip"),
            "usd_per_reference_hour": tco_usd / (sum(demand_units) * HOURS_PER_YEAR),
            "fleet_length_km": sum(sum(f[3]) * f[2]["length_mm"] for f in fleets) / MM_PER_KM,
            "tokens": tokens,
            "usd_per_million_tokens": usd_per_million_tokens,
            "fleets": fleet_rows,
            # beyond the core keys: the per-year series the totals above add up
            "per_year": {
                "hw_capex_usd": hw_capex_usd,
                "facility_capex_usd": facility_capex_usd,
                "nre_usd": nre_usd,
                "opex_usd": opex_usd,
                "electricity_usd": electricity_usd,
                "energy_it_kwh": energy_it_kwh,
                "energy_facility_kwh": energy_facility_kwh,
                "water_l": water_l,
                "co2e_kg": co2e_kg,
                "need_it_mw": need_it_mw,
                "built_it_mw": built_it_mw,
            },
        }
        return result, capital_usd, opex_usd, residual_usd

    plans = {}
    capital_usd, opex_usd, residual_usd = {}, {}, {}
    for kind in PLANS:
        plans[kind], capital_usd[kind], opex_usd[kind], residual_usd[kind] = plan(kind)

    # comparison (section 6): year t's discounted savings; the residuals count in year H-1
    savings_npv_usd = plans["buy"]["npv_usd"] - plans["build"]["npv_usd"]
    savings_usd_per_year = []
    for t in years:
        v = (capital_usd["buy"][t] - capital_usd["build"][t]) * discount(t) + (
            opex_usd["buy"][t] - opex_usd["build"][t]
        ) * discount(t + 1)
        if t == horizon_years - 1:
            v -= (residual_usd["buy"] - residual_usd["build"]) * discount(horizon_years)
        savings_usd_per_year.append(v)
    cumulative_savings_usd = []
    payback_year = None
    for t in years:
        cumulative_savings_usd.append(sum(savings_usd_per_year[: t + 1]))
        if payback_year is None and cumulative_savings_usd[t] >= 0:
            payback_year = t
    buy_npv_usd = plans["buy"]["npv_usd"]
    comparison = {
        "savings_npv_usd": savings_npv_usd,
        "savings_pct": savings_npv_usd / buy_npv_usd * 100 if buy_npv_usd > 0 else None,
        "payback_year": payback_year,
        "cheaper": "build" if savings_npv_usd > 0 else "buy",
        "savings_npv_usd_per_year": savings_usd_per_year,
        # not in the tool's output: lets a test tell a knife-edge payback from a real one
        "_cumulative_savings_usd": cumulative_savings_usd,
    }

    perspective = []
    for p in sc.get("perspective") or []:
        plan_name = p.get("plan", "buy")
        metric_value = plans[plan_name][p["metric"]]
        if isinstance(metric_value, list):  # a per-year metric: its first year
            metric_value = metric_value[0]
        value = float(p["value"])
        perspective.append(
            {
                "label": p["label"],
                "metric": p["metric"],
                "plan": plan_name,
                "value": value,
                "metric_value": metric_value,
                "ratio": None if metric_value is None else metric_value / value,
            }
        )

    start_year = sc.get("start_year")
    return {
        "schema_version": 1,
        "scenario": sc.get("name"),
        "plans": plans,
        "silicon": silicon_generations[0],
        "silicon_generations": silicon_generations,
        "comparison": comparison,
        "perspective": perspective,
        "start_year": None if start_year is None else round_half_up(start_year),
    }
