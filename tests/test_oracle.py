"""Differential test: gpu_calc against an independent implementation of MODEL.md.

tests/model_oracle.py computes ``gpucalc compare --format json`` from MODEL.md alone, in plain
Python; tests/oracle_scenarios.py writes random valid scenarios from fixed seeds. Every
scenario below is computed by both, and every number the oracle computes must match the
library's (relative 1e-9; see ``differences`` for the scales). A failure names the scenario
(kind, seed, index), the key path, both values and the scenario's YAML text: save the text to a
file and run ``gpucalc compare FILE --format json`` to look at it.

Before changing either side to make a failure pass, read MODEL.md: the oracle is not always
right, but it only ever follows the contract's text.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

import pytest

from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from tests.model_oracle import compute_text
from tests.oracle_scenarios import generate

#: Seeds per kind of scenario (see tests/oracle_scenarios.py), and scenarios per seed.
SEEDS = {
    "plain": (101, 102, 103, 104, 105),
    "edge": (201, 202, 203, 204),
    "roadmap": (301, 302, 303),
}
SCENARIOS_PER_SEED = 50

RTOL = 1e-9
ATOL = 1e-6

#: A plan's money totals: judged against the plan's largest one, since a total can be a small
#: difference of large sums (a residual value, a TCO near 0).
MONEY_KEYS = (
    "capex_usd",
    "facility_capex_usd",
    "nre_usd",
    "opex_usd",
    "electricity_usd",
    "residual_usd",
    "tco_usd",
    "npv_usd",
)
#: Relative to the largest money total: 1e-3 * 1e-9 = 1e-12 of the plan's size.
MONEY_SCALE = 1e-3


def library_json(yaml_text: str) -> dict[str, Any]:
    """What ``gpucalc compare --format json`` prints, computed in-process."""
    return compare(load_text(yaml_text)).to_dict()


def _close(got: Any, want: Any, scale: float) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if isinstance(got, str | bool) or isinstance(want, str | bool):
        return got == want
    if not isinstance(got, int | float):
        return False
    return abs(got - want) <= max(ATOL, RTOL * max(abs(got), abs(want), scale))


def _diff(path: str, got: Any, want: Any, out: list, scale: float = 0.0) -> None:
    """Walk the oracle's value ``want``; append (path, got, want) where ``got`` differs."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            out.append((path, got, want))
            return
        for key, value in want.items():
            if key.startswith("_"):  # the oracle's own notes, not output keys
                continue
            if key not in got:
                out.append((f"{path}.{key}", "<missing>", value))
            else:
                _diff(f"{path}.{key}", got[key], value, out, scale)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            out.append((path, got, want))
            return
        numbers = [v for v in want + got if isinstance(v, int | float)]
        if numbers and len(numbers) == 2 * len(want):
            # a series: each element judged against the series' largest element
            scale = max([abs(v) for v in numbers] + [scale])
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _diff(f"{path}[{i}]", g, w, out, scale)
    elif not _close(got, want, scale):
        out.append((path, got, want))


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Every key of the oracle's output ``want`` whose value the library's ``got`` misses."""
    out: list[tuple[str, Any, Any]] = []
    for plan in ("buy", "build"):
        oracle_plan = want["plans"][plan]
        money_scale = MONEY_SCALE * max(abs(oracle_plan[k]) for k in MONEY_KEYS)
        for key, value in oracle_plan.items():
            scale = money_scale if key in MONEY_KEYS else 0.0
            _diff(
                f"plans.{plan}.{key}", got["plans"][plan].get(key, "<missing>"), value, out, scale
            )
    for key in ("silicon", "silicon_generations", "perspective", "start_year", "schema_version"):
        _diff(key, got.get(key, "<missing>"), want[key], out)

    # savings are a difference of two NPVs: judged against the larger NPV
    npv_scale = max(abs(want["plans"][p]["npv_usd"]) for p in ("buy", "build"))
    comparison, oracle_comparison = got["comparison"], want["comparison"]
    for key in ("savings_npv_usd", "savings_npv_usd_per_year"):
        _diff(f"comparison.{key}", comparison.get(key), oracle_comparison[key], out, npv_scale)
    buy_npv_usd = want["plans"]["buy"]["npv_usd"]
    pct_scale = abs(npv_scale / buy_npv_usd * 100) if buy_npv_usd else 0.0
    _diff(
        "comparison.savings_pct",
        comparison.get("savings_pct"),
        oracle_comparison["savings_pct"],
        out,
        pct_scale,
    )
    # payback_year and cheaper turn on a sign: where the oracle's cumulative savings are within
    # rounding of 0 (MODEL.md 11 allows the order of floating-point operations to differ), the
    # two answers on either side of 0 are both right
    knife_edge = RTOL * npv_scale
    cumulative_usd = oracle_comparison["_cumulative_savings_usd"]
    if comparison["payback_year"] != oracle_comparison["payback_year"] and not any(
        abs(v) <= knife_edge for v in cumulative_usd
    ):
        out.append(
            (
                "comparison.payback_year",
                comparison["payback_year"],
                oracle_comparison["payback_year"],
            )
        )
    if (
        comparison["cheaper"] != oracle_comparison["cheaper"]
        and abs(oracle_comparison["savings_npv_usd"]) > knife_edge
    ):
        out.append(("comparison.cheaper", comparison["cheaper"], oracle_comparison["cheaper"]))
    return out


def assert_agree(name: str, yaml_text: str) -> None:
    """Fail, naming the scenario and giving its text, where the two sides differ."""
    results = {}
    for side, run in (("gpu_calc", library_json), ("the oracle", compute_text)):
        try:
            results[side] = run(yaml_text)
        except Exception as exc:  # every scenario generated is valid: both sides must compute it
            pytest.fail(f"{name}: {side} raised {exc!r}\nscenario:\n{yaml_text}", pytrace=False)
    found = differences(results["gpu_calc"], results["the oracle"])
    if found:
        lines = [f"{name}: gpu_calc and the MODEL.md oracle differ on {len(found)} key(s)"]
        lines += [f"  {path}: gpu_calc={g!r:.200} oracle={w!r:.200}" for path, g, w in found[:20]]
        lines += ["scenario:", yaml_text]
        pytest.fail("\n".join(lines), pytrace=False)


@functools.cache
def _texts(kind: str, seed: int) -> tuple[str, ...]:
    return tuple(generate(seed, SCENARIOS_PER_SEED, kind))


GENERATED = [
    (kind, seed, index)
    for kind, seeds in SEEDS.items()
    for seed in seeds
    for index in range(SCENARIOS_PER_SEED)
]


@pytest.mark.parametrize(
    ("kind", "seed", "index"), GENERATED, ids=[f"{k}-{s}-{i:03d}" for k, s, i in GENERATED]
)
def test_generated_scenario_matches_oracle(kind: str, seed: int, index: int) -> None:
    name = f"{kind} scenario, seed {seed}, index {index} (generate({seed}, ..., {kind!r})[{index}])"
    assert_agree(name, _texts(kind, seed)[index])


# Minimal cases where the library once disagreed with MODEL.md, with their hand-worked figures.

# build.serves is a set (MODEL.md 11.5: the chip serves share * sum over w in serves of D_w).
# With serves [a, a] and share 1 the chip serves a's 100 units, the bought side b's 50.
# Chip: 640 dies per wafer at yield 1 -> 10,000 / 640 = 15.625 USD a unit, 100 units 1,562.5.
# Bought: 50 * 1,000 = 50,000. capex 51,562.5.
# IT power 50 * 500 + 100 * 100 = 35,000 W = 0.035 MW -> 306,600 kWh -> 30,660 USD at 0.1.
# Residual (lifetime 4, horizon 1): 3/4 * 51,562.5 = 38,671.875.
# tco = 51,562.5 + 30,660 - 38,671.875 = 43,550.625.
SERVES_DUPLICATE = """\
version: 1
name: serves lists a workload twice
horizon_years: 1
discount_rate: 0
demand:
  reference: ref
  load_factor: 1
  workloads:
    a: {units: 100}
    b: {units: 50}
site: {electricity_usd_per_kwh: 0.1, pue: 1}
buy: {unit_price_usd: 1000, power_w: 500}
build:
  share: 1
  available_year: 0
  serves: [a, a]
  chip: {node: n5, die_area_mm2: 100, wafer_usd: 10000, defect_density_per_cm2: 0,
         mask_set_usd: 0, power_w: 100}
  nre: {design_usd: 0}
"""

# The same with share 0.5: chip 50 units (781.25), bought 100 units (100,000).
# IT power 100 * 500 + 50 * 100 = 55,000 W -> 481,800 kWh -> 48,180 USD.
# tco = 100,781.25 + 48,180 - 3/4 * 100,781.25 = 73,375.3125.
SERVES_DUPLICATE_HALF = SERVES_DUPLICATE.replace("share: 1", "share: 0.5").replace(
    "serves lists a workload twice", "serves lists a workload twice, share 0.5"
)

# site.facility_lifetime_years is a real number (MODEL.md 6: a purchase keeps
# c * max(0, tau + L - H) / L; L is not an integer field). 1 MW at 1e6 USD/MW, L = 2.4, H = 1:
# residual 1e6 * 1.4 / 2.4 = 583,333.33, tco = npv = 1e6 - 583,333.33 = 416,666.67.
FACILITY_LIFETIME_FRACTIONAL = """\
version: 1
name: facility lifetime 2.4 years
horizon_years: 1
discount_rate: 0
demand: {reference: ref, units: 1000, load_factor: 1}
site: {electricity_usd_per_kwh: 0, pue: 1, facility_capex_usd_per_mw: 1000000,
       facility_lifetime_years: 2.4}
buy: {unit_price_usd: 0, power_w: 1000}
build:
  share: 0
  available_year: 0
  chip: {node: n5, die_area_mm2: 100, wafer_usd: 10000, defect_density_per_cm2: 0,
         mask_set_usd: 0, power_w: 100}
  nre: {design_usd: 0}
"""

MINIMAL_CASES = {
    "serves_duplicate": (
        SERVES_DUPLICATE,
        {
            "plans.build.tco_usd": 43_550.625,
            "plans.build.capex_usd": 51_562.5,
            "plans.build.energy_it_kwh": 306_600.0,
            "plans.build.peak_it_mw": 0.035,
            "plans.build.chip_units": 100.0,
            "plans.build.bought_units": 50.0,
        },
    ),
    "serves_duplicate_half": (
        SERVES_DUPLICATE_HALF,
        {
            "plans.build.tco_usd": 73_375.3125,
            "plans.build.energy_it_kwh": 481_800.0,
            "plans.build.chip_units": 50.0,
            "plans.build.bought_units": 100.0,
        },
    ),
    "facility_lifetime_fractional": (
        FACILITY_LIFETIME_FRACTIONAL,
        {
            "plans.buy.residual_usd": 1e6 * 1.4 / 2.4,
            "plans.buy.tco_usd": 1e6 - 1e6 * 1.4 / 2.4,
            "plans.buy.npv_usd": 1e6 - 1e6 * 1.4 / 2.4,
        },
    ),
}


def _lookup(result: dict[str, Any], path: str) -> Any:
    for key in path.split("."):
        result = result[key]
    return result


@pytest.mark.parametrize("case", list(MINIMAL_CASES))
def test_minimal_case(case: str) -> None:
    yaml_text, hand_figures = MINIMAL_CASES[case]
    got, want = library_json(yaml_text), compute_text(yaml_text)
    for path, figure in hand_figures.items():
        assert _lookup(want, path) == pytest.approx(figure, rel=RTOL), f"oracle, {path}"
        assert _lookup(got, path) == pytest.approx(figure, rel=RTOL), f"gpu_calc, {path}"
    assert_agree(case, yaml_text)


@pytest.mark.parametrize("module", ["model_oracle", "oracle_scenarios"])
def test_oracle_shares_no_code_with_gpu_calc(module: str) -> None:
    """The oracle's worth is its independence: standard library and PyYAML only."""
    allowed = {"__future__", "collections", "json", "math", "random", "re", "typing", "yaml"}
    tree = ast.parse((Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= allowed
