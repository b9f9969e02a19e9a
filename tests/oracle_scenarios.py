"""Seeded random scenarios for the model oracle (see tests/model_oracle.py).

Every scenario is valid by MODEL.md sections 1-11 and gives every value inline (no presets), so
that tests/model_oracle.py can compute it as well as gpu_calc. Three kinds:

- ``plain``: one to three generations per side, optional installed base, workloads, tokens,
  per-year lists, perspectives; written as JSON (which is YAML 1.2).
- ``edge``: ``plain`` scenarios bent toward edge cases (identical plans, a buy plan that costs
  nothing, small round numbers with exact ties), with some numbers wrapped in distributions
  whose base value is the number and some written as ``1.5e9`` or ``10_000``.
- ``roadmap``: long horizons (8, 12 or 15 years), up to eight generations per side, short
  lifetimes and early chips: many purchases and generations that cross.

The same seed, count and kind always give the same texts. Like the oracle, this module imports
nothing from gpu_calc.
"""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any

KINDS = ("plain", "edge", "roadmap")

#: Generations per side (and installed entries) in plain and edge scenarios.
MAX_GENERATIONS = 3
#: The same in roadmap scenarios.
MAX_GENERATIONS_ROADMAP = 8

Scenario = dict[str, Any]


def num(rng: random.Random, low: float, high: float, zero_p: float = 0.0, intish: bool = False):
    """A number in [low, high] with 0, 2, 4 or 6 decimals (or 0 with probability zero_p)."""
    if rng.random() < zero_p:
        return 0
    value = rng.uniform(low, high)
    return round(value) if intish else round(value, rng.choice([0, 2, 4, 6]))


def maybe_list(
    rng: random.Random, horizon_years: int, low: float, high: float, p_list=0.4, zero_p=0.0
):
    """A number, or (with probability p_list) a list of one number per year."""
    if rng.random() < p_list:
        return [num(rng, low, high, zero_p) for _ in range(horizon_years)]
    return num(rng, low, high, zero_p)


def int_field(rng: random.Random, value: int):
    """An integer field, sometimes written as a non-integer number (rounded halves up)."""
    r = rng.random()
    if r < 0.07:
        return value - 0.5 if value >= 1 else value  # e.g. 2 -> 1.5, which rounds back to 2
    if r < 0.12:
        return value + 0.3
    return value


def accelerator(rng: random.Random, horizon_years: int, price=True, per_year_price=True):
    """A bought accelerator (or installed entry) with every field inline."""
    acc: dict[str, Any] = {}
    if price:
        if per_year_price and rng.random() < 0.3:
            acc["unit_price_usd"] = [num(rng, 1000, 50000) for _ in range(horizon_years)]
        else:
            acc["unit_price_usd"] = num(rng, 1000, 50000)
    acc["power_w"] = num(rng, 50, 1500)
    if rng.random() < 0.7:
        acc["perf_vs_reference"] = num(rng, 0.1, 4) or 0.5
    if rng.random() < 0.4:
        acc["chips_per_server"] = rng.choice([1, 2, 4, 8, 16])
    if rng.random() < 0.4:
        acc["host_usd_per_server"] = num(rng, 0, 60000, 0.2)
    if rng.random() < 0.4:
        acc["host_power_w_per_server"] = num(rng, 0, 8000, 0.2)
    if rng.random() < 0.4:
        acc["network_usd_per_unit"] = num(rng, 0, 8000, 0.2)
    if rng.random() < 0.4:
        acc["opex_usd_per_unit_year"] = num(rng, 0, 3000, 0.2)
    if rng.random() < 0.8:
        acc["lifetime_years"] = int_field(rng, rng.randint(1, 18))
    if rng.random() < 0.7:
        acc["length_mm"] = num(rng, 0, 400, 0.1)
    if rng.random() < 0.4:
        acc["embodied_kg_co2e"] = num(rng, 0, 200, 0.2)
    return acc


def chip(rng: random.Random):
    """An in-house chip: silicon, node values inline, accelerator fields."""
    c: dict[str, Any] = {
        "node": rng.choice(["n5", "n7", "n3"]),
        "die_area_mm2": num(rng, 20, 900),
        "wafer_usd": num(rng, 3000, 25000),
        "defect_density_per_cm2": num(rng, 0, 0.3, 0.15),
        "mask_set_usd": num(rng, 0, 3e7, 0.1),
        "wafer_diameter_mm": rng.choice([300, 300, 300, 200, 450]),
        "power_w": num(rng, 20, 800),
    }
    if c["wafer_diameter_mm"] == 200:
        c["die_area_mm2"] = num(rng, 20, 400)
    if rng.random() < 0.8:
        c["perf_vs_reference"] = num(rng, 0.1, 3) or 0.3
    for key, low, high in [
        ("memory_usd", 0, 3000),
        ("packaging_usd", 0, 1000),
        ("board_usd", 0, 500),
        ("partner_markup", 0, 0.5),
    ]:
        if rng.random() < 0.6:
            c[key] = num(rng, low, high, 0.2)
    if rng.random() < 0.5:
        c["package_yield"] = num(rng, 0.8, 1.0)
    if rng.random() < 0.25:
        c["yield_model"] = rng.choice(["poisson", "negative_binomial", "murphy"])
        if c["yield_model"] == "negative_binomial" and rng.random() < 0.5:
            c["yield_alpha"] = num(rng, 0.5, 6)
    for key, low, high in [
        ("chips_per_server", 1, 16),
        ("host_usd_per_server", 0, 40000),
        ("host_power_w_per_server", 0, 4000),
        ("network_usd_per_unit", 0, 5000),
        ("opex_usd_per_unit_year", 0, 1000),
        ("length_mm", 0, 300),
        ("embodied_kg_co2e", 0, 100),
    ]:
        if rng.random() < 0.35:
            is_count = key == "chips_per_server"
            c[key] = num(rng, low, high, 0.2, intish=is_count) or (1 if is_count else 0)
    if rng.random() < 0.8:
        c["lifetime_years"] = int_field(rng, rng.randint(1, 18))
    return c


def nre(rng: random.Random):
    """A chip generation's NRE block."""
    n: dict[str, Any] = {"design_usd": num(rng, 0, 1e9, 0.1)}
    if rng.random() < 0.5:
        n["ip_usd"] = num(rng, 0, 1e7, 0.2)
    if rng.random() < 0.6:
        n["respins"] = int_field(rng, rng.randint(0, 3))
    if rng.random() < 0.6:
        n["software_usd_per_year"] = num(rng, 0, 1e8, 0.2)
    if rng.random() < 0.5:
        n["design_years"] = rng.randint(0, 5)
    if rng.random() < 0.6:
        n["timing"] = rng.choice(["upfront", "spread"])
    return n


def scenario(rng: random.Random, index: int, max_generations: int = MAX_GENERATIONS) -> Scenario:
    """One random scenario (a plain dict, ready for json.dumps)."""
    horizon_years = rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15])
    sc: Scenario = {
        "version": 1,
        "name": f"gen {index}",
        "horizon_years": horizon_years,
        "discount_rate": rng.choice([0, 0, 0.05, 0.08, round(rng.uniform(0, 0.3), 4)]),
    }
    if rng.random() < 0.3:
        sc["start_year"] = rng.randint(2000, 2040)

    demand: dict[str, Any] = {
        "reference": "ref",
        "load_factor": rng.choice([1, round(rng.uniform(0.05, 1), 3)]),
    }
    use_workloads = rng.random() < 0.4
    if use_workloads:
        names = rng.sample(["training", "inference", "chat", "embed"], rng.randint(1, 3))
        workloads = {}
        for name in names:
            w: dict[str, Any] = {
                "units": maybe_list(rng, horizon_years, 0, 500000, 0.6, zero_p=0.1)
            }
            if rng.random() < 0.5:
                w["reference_tokens_per_s"] = num(rng, 0, 5000, 0.1)
            workloads[name] = w
        first = workloads[names[0]]  # demand must sum to more than 0
        if isinstance(first["units"], list):
            first["units"][0] = first["units"][0] or 1000
        else:
            first["units"] = first["units"] or 1000
        demand["workloads"] = workloads
    else:
        units = maybe_list(rng, horizon_years, 0, 800000, 0.5, zero_p=0.1)
        if isinstance(units, list):
            units[-1] = units[-1] or 5000
        else:
            units = units or 5000
        demand["units"] = units
        if rng.random() < 0.3:
            demand["reference_tokens_per_s"] = num(rng, 0, 3000, 0.1)
    sc["demand"] = demand

    site: dict[str, Any] = {
        "electricity_usd_per_kwh": maybe_list(rng, horizon_years, 0.02, 0.3, 0.3),
        "pue": round(rng.uniform(1, 1.6), 3),
    }
    for key, low, high in [
        ("wue_l_per_kwh", 0, 2),
        ("water_source_l_per_kwh", 0, 4),
        ("facility_capex_usd_per_mw", 0, 1.5e7),
    ]:
        if rng.random() < 0.6:
            site[key] = num(rng, low, high, 0.2)
    if rng.random() < 0.6:
        site["grid_kg_co2e_per_kwh"] = maybe_list(rng, horizon_years, 0, 0.8, 0.3)
    if rng.random() < 0.5:
        # a real number of years (MODEL.md lists it among no integer fields)
        if rng.random() < 0.5:
            site["facility_lifetime_years"] = rng.randint(1, 25)
        else:
            site["facility_lifetime_years"] = round(rng.uniform(0.3, 25), rng.choice([1, 2, 4]))
    sc["site"] = site

    buy = accelerator(rng, horizon_years)
    if rng.random() < 0.5:
        count = min(horizon_years, rng.randint(1, max_generations))
        buy["generations"] = []
        for year in sorted(rng.sample(range(1, horizon_years + 1), count)):
            generation = accelerator(rng, horizon_years)
            generation["from_year"] = year
            buy["generations"].append(generation)
    sc["buy"] = buy

    build: dict[str, Any] = {}
    r = rng.random()
    if r < 0.1:
        build["share"] = 0
    elif r < 0.2:
        build["share"] = 1
    elif r < 0.5:
        build["share"] = [
            rng.choice([0, 1, round(rng.uniform(0, 1), 3)]) for _ in range(horizon_years)
        ]
    else:
        build["share"] = round(rng.uniform(0, 1), 3)
    available_year = rng.randint(0, horizon_years)
    build["available_year"] = available_year
    if rng.random() < 0.5:
        build["respin_delay_years"] = rng.randint(0, 3)
    if use_workloads and rng.random() < 0.6:
        names = list(demand["workloads"])
        serves = rng.sample(names, rng.randint(1, len(names)))
        if rng.random() < 0.2:
            # a name listed twice still serves its workload once (serves is a set)
            serves.insert(rng.randint(0, len(serves)), rng.choice(serves))
        build["serves"] = serves
    build["chip"] = chip(rng)
    build["nre"] = nre(rng)
    if available_year + 1 <= horizon_years and rng.random() < 0.5:
        count = min(horizon_years - available_year, rng.randint(1, max_generations))
        years = sorted(rng.sample(range(available_year + 1, horizon_years + 1), count))
        build["generations"] = [{"from_year": y, "chip": chip(rng), "nre": nre(rng)} for y in years]
    sc["build"] = build

    if rng.random() < 0.5:
        installed = []
        for _ in range(rng.randint(1, max_generations)):
            entry = accelerator(rng, horizon_years, price=rng.random() < 0.2, per_year_price=False)
            lifetime_years = int(entry.get("lifetime_years", 4) + 0.5)
            entry["units"] = num(rng, 0, 400000, 0.1)
            if rng.random() < 0.8:
                entry["age_years"] = rng.randint(0, lifetime_years - 1)
            installed.append(entry)
        sc["installed"] = installed

    if rng.random() < 0.3:
        metrics = [
            "energy_it_kwh_per_year",
            "bought_units",
            "fleet_length_km",
            "npv_usd",
            "co2e_kg",
            "chip_units",
            "water_l",
        ]
        perspective = []
        for i in range(rng.randint(1, 3)):
            p: dict[str, Any] = {
                "label": f"p{i}",
                "metric": rng.choice(metrics),
                "value": num(rng, 1, 1e9) or 1,
            }
            if rng.random() < 0.5:
                p["plan"] = rng.choice(["buy", "build"])
            perspective.append(p)
        sc["perspective"] = perspective
    return sc


def roadmap_scenario(rng: random.Random, name: str) -> Scenario:
    """A scenario with a long horizon, short lifetimes and (mostly) an early chip."""
    horizon_years = rng.choice([8, 12, 15])
    while True:
        sc = scenario(rng, 0, MAX_GENERATIONS_ROADMAP)
        if sc["horizon_years"] != horizon_years:
            continue
        sc["name"] = name
        build = sc["build"]
        for acc in [sc["buy"], *sc["buy"].get("generations", []), build["chip"]] + [
            g["chip"] for g in build.get("generations", [])
        ]:
            if rng.random() < 0.7:
                acc["lifetime_years"] = rng.randint(1, 4)
        if build["available_year"] <= 3 or rng.random() < 0.3:
            return sc


#: Fields never wrapped in a distribution (texts, and numbers that may not be uncertain).
NO_DISTRIBUTION = {
    "version",
    "horizon_years",
    "start_year",
    "from_year",
    "name",
    "reference",
    "label",
    "metric",
    "plan",
    "value",
    "node",
    "yield_model",
    "timing",
    "chips_per_server",
}
#: Integer fields: wrapped only in distributions whose base value is a given point.
INTEGER_FIELDS = {
    "lifetime_years",
    "respins",
    "age_years",
    "design_years",
    "respin_delay_years",
    "available_year",
}


def distify(rng: random.Random, value: Any, key: str | None = None, p: float = 0.15) -> Any:
    """Wrap some numbers in distributions whose base value (MODEL.md 7) is the number."""
    if isinstance(value, dict):
        return {k: (v if k in NO_DISTRIBUTION else distify(rng, v, k, p)) for k, v in value.items()}
    if isinstance(value, list):
        return [distify(rng, v, key, p) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float) or rng.random() >= p:
        return value
    v = value
    if key in INTEGER_FIELDS:
        kind = rng.choice(["triangular", "pert", "normal"])
    else:
        kind = rng.choice(["normal", "lognormal", "uniform", "triangular", "pert"])
    if kind == "normal":
        return {"dist": "normal", "mean": v, "sd": abs(v) * 0.1 + 0.01}
    if kind == "lognormal" and v > 0:
        return {"dist": "lognormal", "median": v, "sigma": 0.2}
    if kind == "uniform":
        half_width = abs(v) * 0.1  # the low end stays >= 0 when v >= 0
        return {"dist": "uniform", "low": v - half_width, "high": v + half_width}
    if kind in ("triangular", "pert"):
        low, high = (v * 0.5, v * 1.5 + 1) if v >= 0 else (v * 1.5, v * 0.5)
        return {"dist": kind, "low": low, "mode": v, "high": high}
    return value  # a lognormal draw on a number <= 0: left as it is


def yaml12_text(rng: random.Random, sc: Scenario) -> str:
    """JSON text with some numbers written as YAML 1.2 reads them (1.5e9, 10_000_000)."""
    text = json.dumps(sc, indent=1)

    def rewrite(match: re.Match[str]) -> str:
        written = match.group(0)
        v = float(written)
        r = rng.random()
        if r < 0.15 and v == int(v) and abs(v) >= 10000:
            return f"{int(v):_}"
        if r < 0.3 and v != 0 and abs(v) >= 1000:
            exponent = math.floor(math.log10(abs(v)))
            candidate = f"{v / 10**exponent!r}e{exponent}"
            if float(candidate) == v:
                return candidate
        return written

    # mapping values only (after ": ", before "," or a line end), not list elements
    return re.sub(r"(?<=: )-?\d+(\.\d+)?(?=[,\n])", rewrite, text)


def edge(rng: random.Random, sc: Scenario) -> Scenario:
    """Bend a scenario toward an edge case (or leave it as it is, 60% of the time)."""
    build = sc["build"]
    r = rng.random()
    if r < 0.15:  # identical plans: nothing differs between buy and build
        build["share"] = 0
        build["nre"] = {"design_usd": 0, "timing": rng.choice(["upfront", "spread"])}
        build["chip"]["mask_set_usd"] = 0
        for generation in build.get("generations", []):
            generation["nre"] = {"design_usd": 0}
            generation["chip"]["mask_set_usd"] = 0
    elif r < 0.25:  # a buy plan that costs nothing
        for acc in [sc["buy"], *sc["buy"].get("generations", []), *sc.get("installed", [])]:
            for key in (
                "unit_price_usd",
                "host_usd_per_server",
                "network_usd_per_unit",
                "opex_usd_per_unit_year",
            ):
                if key in acc or key == "unit_price_usd":
                    acc[key] = 0
        sc["site"]["electricity_usd_per_kwh"] = 0
        sc["site"]["facility_capex_usd_per_mw"] = 0
    elif r < 0.4:  # small round numbers everywhere: exact ties
        horizon_years = sc["horizon_years"]
        sc["demand"].pop("workloads", None)
        sc["demand"].pop("reference_tokens_per_s", None)
        build.pop("serves", None)
        sc["demand"]["units"] = [rng.choice([0, 100, 200]) for _ in range(horizon_years)]
        sc["demand"]["units"][0] = 100
        for acc in [sc["buy"], *sc["buy"].get("generations", [])]:
            acc["perf_vs_reference"] = rng.choice([1, 2, 0.5])
            acc["unit_price_usd"] = rng.choice([10, 20])
        build["chip"]["perf_vs_reference"] = rng.choice([1, 0.5])
        build["share"] = rng.choice([0.5, 1, 0.25])
    return sc


def generate(seed: int, count: int, kind: str = "plain") -> list[str]:
    """``count`` scenario texts (YAML) of one kind, from one seed.

    >>> texts = generate(7, 3, "edge")
    >>> len(texts), texts == generate(7, 3, "edge")
    (3, True)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        if kind == "roadmap":
            scenario(rng, index, MAX_GENERATIONS_ROADMAP)  # drawn and dropped: keeps the stream
            sc = roadmap_scenario(rng, f"gen {index}")
        else:
            sc = scenario(rng, index)
        if kind == "edge":
            texts.append(yaml12_text(rng, distify(rng, edge(rng, sc))))
        else:
            texts.append(json.dumps(sc, indent=1))
    return texts
