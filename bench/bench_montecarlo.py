"""Monte Carlo speed and memory, whole process, against a plain-Python loop measured in the
same run.

``gpucalc simulate scenarios/meta-2025-uncertain.yaml`` (5 years, 19 uncertain fields) runs
as a fresh process for 1,000,000 and 10,000,000 samples, with and without ``--jobs 2``; each
row is the median wall time of a few runs and the largest peak resident memory
(``os.wait4``'s ``ru_maxrss``), start-up and JSON output included. The baseline is a
plain-Python loop that draws one sample at a time with :mod:`random` (the same
distributions, clipped into range) and computes what ``simulate`` reports of it (the savings
and each plan's NPV, IT energy and emissions; MODEL.md sections 3-6 written again below with
``math`` only). It agrees with the engine on the same draws to 1e-9, checked first.

Goals (issue 14): 1,000,000 samples at >= 300x the plain loop; 10,000,000 samples with
``--jobs 2`` in <= 2.5 s and under 1 GiB. Set ``BENCH_MC_REPEAT`` (default 3) to change the
runs per row, ``BENCH_MC_SIZES`` (default ``1000000,10000000``) the sizes.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpu_calc.distributions import LogNormal, Normal, Pert, Triangular, Uniform  # noqa: E402
from gpu_calc.inputs import InputField, ModelInputs  # noqa: E402
from gpu_calc.scenario import load_file  # noqa: E402
from gpu_calc.uncertainty.montecarlo import PLAN_METRICS, _Streams  # noqa: E402
from gpu_calc.uncertainty.params import OPEN_FLOOR_SHARE, clip_values, run  # noqa: E402

SCENARIO = ROOT / "scenarios" / "meta-2025-uncertain.yaml"
SIZES = [int(s) for s in os.environ.get("BENCH_MC_SIZES", "1000000,10000000").split(",")]
REPEAT = int(os.environ.get("BENCH_MC_REPEAT", 3))
PLAIN_SAMPLES = 3_000
GOAL_RATIO = 300.0
GOAL_BIG_S = 2.5
GOAL_BIG_MIB = 1024.0


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


def plain_draw(rng: random.Random, field: InputField) -> float:
    """One draw of an uncertain field with :mod:`random`, clipped into its range as
    ``simulate`` clips (integers rounded halves up, an open lower end to its floor)."""
    d = field.value
    if isinstance(d, Uniform):
        x = rng.uniform(d.low, d.high)
    elif isinstance(d, Triangular):
        x = rng.triangular(d.low, d.high, d.mode)
    elif isinstance(d, Pert):
        span = d.high - d.low
        alpha = 1 + 4 * (d.mode - d.low) / span
        beta = 1 + 4 * (d.high - d.mode) / span
        x = d.low + span * rng.betavariate(alpha, beta)
    elif isinstance(d, Normal):
        x = rng.gauss(d.mean_, d.sd)
    elif isinstance(d, LogNormal):
        x = d.median * math.exp(d.sigma * rng.gauss(0.0, 1.0))
    else:  # pragma: no cover - every distribution is listed above
        raise TypeError(type(d).__name__)
    b = field.bounds
    if b.integer:
        x = math.floor(x + 0.5)
    if b.lo is not None:
        x = max(x, b.lo + OPEN_FLOOR_SHARE * (field.base - b.lo) if b.lo_open else b.lo)
    if b.hi is not None:
        x = min(x, b.hi)
    return x


# --------------------------------------------------------------------------- measurements


def check_agreement(inputs: ModelInputs, horizon: int) -> float:
    """The plain model against the engine on the same draws: the largest relative gap."""
    streams = _Streams(1)
    n = PLAIN_SAMPLES
    params: dict[str, Any] = {k: np.broadcast_to(v, (n,)) for k, v in inputs.base().items()}
    for key in inputs.uncertain():
        field = inputs.fields[key]
        params[key] = clip_values(inputs, field, streams.draw(key, field.value, 0, n))[0]
    out = run(inputs, params)
    engine = np.array(
        [out.savings_npv_usd]
        + [getattr(plan, m) for plan in (out.buy, out.build) for m in PLAN_METRICS]
    ).T
    rows = [{k: float(v[i]) for k, v in params.items()} for i in range(n)]
    plain = np.array([plain_sample(row, horizon) for row in rows])
    return float(np.max(np.abs(plain - engine) / np.abs(engine)))


def plain_seconds_per_sample(inputs: ModelInputs, horizon: int) -> float:
    """Best of three: draw and compute PLAIN_SAMPLES samples one at a time."""
    base = {k: float(v) for k, v in inputs.base().items()}
    fields = [inputs.fields[k] for k in inputs.uncertain()]
    best = math.inf
    for attempt in range(3):
        rng = random.Random(attempt)
        start = time.perf_counter()
        for _ in range(PLAIN_SAMPLES):
            p = dict(base)
            for field in fields:
                p[field.key] = plain_draw(rng, field)
            plain_sample(p, horizon)
        best = min(best, time.perf_counter() - start)
    return best / PLAIN_SAMPLES


def gpucalc() -> list[str]:
    script = Path(sys.executable).with_name("gpucalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gpu_calc"]


def whole_process(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak resident memory (MiB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    loaded = load_file(str(SCENARIO))
    inputs = ModelInputs.from_scenario(loaded)
    horizon = inputs.horizon_years
    worst = check_agreement(inputs, horizon)
    assert worst < 1e-9, f"the plain-Python model and the engine disagree ({worst:.1e})"
    plain_s = plain_seconds_per_sample(inputs, horizon)

    print(
        f"{SCENARIO.name}: {horizon} years, {len(inputs.uncertain())} uncertain fields; "
        f"plain loop agrees with the engine to {worst:.0e}"
    )
    print(f"plain-Python loop, drawing included: {plain_s * 1e6:.1f} us a sample (baseline)")
    print()
    print(f"{'samples':>12} {'jobs':>4} {'wall s':>8} {'peak MiB':>9} {'x plain':>8}")
    results: dict[tuple[int, int], tuple[float, float]] = {}
    for samples in SIZES:
        for jobs in (1, 2):
            cmd = [*gpucalc(), "simulate", str(SCENARIO), "-n", str(samples), "--seed", "1"]
            cmd += ["--jobs", str(jobs), "--format", "json"]
            whole_process(cmd[:3] + ["-n", "1000"] + cmd[5:])  # warm the file cache
            runs = [whole_process(cmd) for _ in range(REPEAT)]
            wall = statistics.median(w for w, _ in runs)
            peak = max(m for _, m in runs)
            results[samples, jobs] = wall, peak
            ratio = plain_s * samples / wall
            print(f"{samples:>12,} {jobs:>4} {wall:>8.2f} {peak:>9,.0f} {ratio:>7,.0f}x")
    print()
    if 1_000_000 in SIZES:
        best = max(plain_s * 1e6 / results[1_000_000, j][0] for j in (1, 2))
        verdict = "met" if best >= GOAL_RATIO else "MISSED"
        print(
            f"goal: 1,000,000 samples at >= {GOAL_RATIO:.0f}x the plain loop: "
            f"{verdict} ({best:.0f}x)"
        )
    if 10_000_000 in SIZES:
        wall, peak = results[10_000_000, 2]
        t_ok = "met" if wall <= GOAL_BIG_S else "MISSED"
        m_ok = "met" if peak < GOAL_BIG_MIB else "MISSED"
        print(
            f"goal: 10,000,000 samples with --jobs 2 in <= {GOAL_BIG_S} s: {t_ok} ({wall:.2f} s); "
            f"under 1 GiB: {m_ok} ({peak:,.0f} MiB)"
        )


if __name__ == "__main__":
    main()
