"""Monte Carlo speed and memory: the vectorised engine against a plain-Python loop.

Prints samples per second of ``simulate`` (1,000,000 samples of the 5-year
``scenarios/meta-2025-uncertain.yaml``), of a plain-Python per-sample loop of the same model
(MODEL.md sections 3-6, written again below with ``math`` only, computing per sample what
``simulate`` reports: the savings and each plan's NPV, IT energy and emissions) on the same
draws, their ratio, and the peak memory of a 10,000,000-sample run in a fresh process.
Goals (issue 5): <= 1 s for 1,000,000 samples on 2 cores, >= 300x the plain loop,
10,000,000 samples in < 1 GiB.

Timings on a shared machine are noisy: each is the best of a few runs, and the ratio is
measured in the same run. Set ``BENCH_MC_SAMPLES`` / ``BENCH_MC_BIG`` to change the sizes.
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpu_calc.inputs import ModelInputs  # noqa: E402
from gpu_calc.scenario import load_file  # noqa: E402
from gpu_calc.uncertainty.montecarlo import (  # noqa: E402
    DRAW_BLOCK,
    PLAN_METRICS,
    _Streams,
    simulate,
)
from gpu_calc.uncertainty.params import clip_values, run  # noqa: E402

SCENARIO = ROOT / "scenarios" / "meta-2025-uncertain.yaml"
SAMPLES = int(os.environ.get("BENCH_MC_SAMPLES", 1_000_000))
BIG = int(os.environ.get("BENCH_MC_BIG", 10_000_000))
PLAIN_SAMPLES = 3_000


# --------------------------------------------------------------------------- the plain loop


def _units_bought(active: list[float], life: int) -> list[float]:
    bought: list[float] = []
    for t, need in enumerate(active):
        surviving = sum(bought[max(0, t - life + 1) : t])
        bought.append(max(0.0, need - surviving))
    return bought


def _residual(cost: list[float], life: float, horizon: int) -> float:
    return sum(c * max(0.0, tau + life - horizon) / life for tau, c in enumerate(cost))


def plain_sample(p: dict[str, float], horizon: int) -> tuple[float, ...]:
    """One sample, one number at a time (MODEL.md sections 3-6): what ``simulate`` reports
    of it, savings_npv_usd and each plan's npv_usd, energy_it_kwh and co2e_kg."""
    g = p.get
    demand = (
        [p["demand.units"]] * horizon
        if "demand.units" in p
        else [p[f"demand.units[{t}]"] for t in range(horizon)]
    )
    r = g("discount_rate", 0.0)
    c = "build.chip"
    area, diameter = p[f"{c}.die_area_mm2"], g(f"{c}.wafer_diameter_mm", 300.0)
    dies = math.floor(
        math.pi * (diameter / 2) ** 2 / area - math.pi * diameter / math.sqrt(2 * area)
    )
    x = area / 100 * p[f"{c}.defect_density_per_cm2"]
    good = ((1 - math.exp(-x)) / x) ** 2 if x > 0 else 1.0
    die_usd = p[f"{c}.wafer_usd"] / (dies * good)
    chip_price = (
        (die_usd + g(f"{c}.memory_usd", 0.0) + g(f"{c}.packaging_usd", 0.0))
        / g(f"{c}.package_yield", 1.0)
        + g(f"{c}.board_usd", 0.0)
    ) * (1 + g(f"{c}.partner_markup", 0.0))
    nre = (
        p["build.nre.design_usd"]
        + g("build.nre.ip_usd", 0.0)
        + p[f"{c}.mask_set_usd"] * (1 + g("build.nre.respins", 0.0))
    )

    def fleet(prefix: str, price: float, need: list[float]) -> dict[str, Any]:
        chips = g(f"{prefix}.chips_per_server", 8.0)
        load = g(f"{prefix}.load_factor", g("demand.load_factor", 1.0))
        peak = p[f"{prefix}.power_w"] + g(f"{prefix}.host_power_w_per_server", 0.0) / chips
        perf = g(f"{prefix}.perf_vs_reference", 1.0)
        life = g(f"{prefix}.lifetime_years", 4.0)
        active = [n / perf for n in need]
        return {
            "active": active,
            "bought": _units_bought(active, int(life)),
            "life": life,
            "capex": price
            + g(f"{prefix}.host_usd_per_server", 0.0) / chips
            + g(f"{prefix}.network_usd_per_unit", 0.0),
            "peak": peak,
            "avg": load * peak,
            "opex": g(f"{prefix}.opex_usd_per_unit_year", 0.0),
            "embodied": g(f"{prefix}.embodied_kg_co2e", 0.0),
        }

    def plan(
        fleets: list[dict[str, Any]], nre_usd: float, software: float
    ) -> tuple[float, float, float]:
        """NPV, IT energy and emissions of one plan: what ``simulate`` reports."""
        total, built, residual, energy_total, co2e = 0.0, 0.0, 0.0, 0.0, 0.0
        facility = []
        for t in range(horizon):
            hw = sum(f["bought"][t] * f["capex"] for f in fleets)
            need_mw = sum(f["active"][t] * f["peak"] / 1e6 for f in fleets)
            added = max(built, need_mw) - built
            built += added
            facility.append(added * g("site.facility_capex_usd_per_mw", 0.0))
            energy = sum(f["active"][t] * f["avg"] * 8760 / 1000 for f in fleets)
            energy_total += energy
            co2e += energy * g("site.pue", 1.0) * g("site.grid_kg_co2e_per_kwh", 0.0)
            co2e += sum(f["bought"][t] * f["embodied"] for f in fleets)
            opex = (
                energy * g("site.pue", 1.0) * p["site.electricity_usd_per_kwh"]
                + sum(f["active"][t] * f["opex"] for f in fleets)
                + software
            )
            start = (1 + r) ** -t
            total += (hw + facility[t] + (nre_usd if t == 0 else 0.0)) * start
            total += opex * start / (1 + r)
        for f in fleets:
            residual += _residual([b * f["capex"] for b in f["bought"]], f["life"], horizon)
        residual += _residual(facility, g("site.facility_lifetime_years", 15.0), horizon)
        npv = total - residual * (1 + r) ** -(horizon - 1) / (1 + r)
        return npv, energy_total, co2e

    share, available = p["build.share"], g("build.available_year", 0.0)
    chip_need = [share * d if t >= available else 0.0 for t, d in enumerate(demand)]
    buy_price = p["buy.unit_price_usd"]
    buy = plan([fleet("buy", buy_price, demand)], 0.0, 0.0)
    build = plan(
        [
            fleet("buy", buy_price, [d - n for d, n in zip(demand, chip_need, strict=True)]),
            fleet(c, chip_price, chip_need),
        ],
        nre,
        g("build.nre.software_usd_per_year", 0.0),
    )
    return (buy[0] - build[0], *buy, *build)


# --------------------------------------------------------------------------- measurements


def _draws(n: int, seed: int) -> tuple[ModelInputs, dict[str, np.ndarray]]:
    loaded = load_file(str(SCENARIO))
    inputs = ModelInputs.from_scenario(loaded)
    streams = _Streams(seed)
    params: dict[str, np.ndarray] = {k: np.broadcast_to(v, (n,)) for k, v in inputs.base().items()}
    for key in inputs.uncertain():
        field = inputs.fields[key]
        params[key] = clip_values(inputs, field, streams.draw(key, field.value, 0, n))[0]
    return inputs, params


def best_of(runs: int, fn: Any) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mib(samples: int) -> tuple[float, float]:
    """Peak resident memory and wall time of a fresh process simulating ``samples``."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
        "from gpu_calc.scenario import load_file\n"
        "from gpu_calc.uncertainty.montecarlo import simulate\n"
        f"l = load_file({str(SCENARIO)!r}); t = time.perf_counter()\n"
        f"simulate(l, {samples}, 1).to_dict(); print(time.perf_counter() - t)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024, float(out.stdout.strip())  # ru_maxrss is in KiB


def main() -> None:
    loaded = load_file(str(SCENARIO))
    horizon = ModelInputs.from_scenario(loaded).horizon_years

    # the plain loop agrees with the engine on the same draws
    inputs, params = _draws(PLAIN_SAMPLES, seed=1)
    out = run(inputs, params)
    engine = np.array(
        [out.savings_npv_usd]
        + [getattr(plan, m) for plan in (out.buy, out.build) for m in PLAN_METRICS]
    ).T
    rows = [{k: float(v[i]) for k, v in params.items()} for i in range(PLAIN_SAMPLES)]
    plain = np.array([plain_sample(row, horizon) for row in rows])
    worst = float(np.max(np.abs(plain - engine) / np.abs(engine)))
    print(f"plain loop vs engine on {PLAIN_SAMPLES:,} samples: max relative difference {worst:.1e}")
    assert worst < 1e-9, "the plain-Python model and the engine disagree"

    plain_s = best_of(3, lambda: [plain_sample(row, horizon) for row in rows])
    plain_rate = PLAIN_SAMPLES / plain_s
    print(f"plain Python loop : {plain_rate:12,.0f} samples/s")

    simulate(loaded, 10_000, 1)  # warm up
    for workers in (1, 2):
        wall = best_of(3, lambda w=workers: simulate(loaded, SAMPLES, 1, workers=w))
        rate = SAMPLES / wall
        print(
            f"simulate, {workers} process{'es' if workers > 1 else '  '}: {rate:12,.0f} samples/s; "
            f"{SAMPLES:,} samples ({horizon} years) in {wall:.2f} s; "
            f"{rate / plain_rate:,.0f}x the plain loop"
        )
    rss, wall = peak_rss_mib(BIG)
    print(
        f"peak memory of a {BIG:,}-sample run: {rss:,.0f} MiB resident "
        f"(goal < 1024 MiB), {wall:.1f} s; draw block {DRAW_BLOCK:,}"
    )


if __name__ == "__main__":
    main()
