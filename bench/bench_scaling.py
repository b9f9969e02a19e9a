"""How the Monte Carlo's cost per sample grows with the horizon and the uncertain fields.

In process (no start-up), 200,000 samples of variants of ``scenarios/meta-2025-uncertain.yaml``
with demand as one distribution:

* against the horizon: 1, 2, 5, 10, 20 and 50 years, the 17 uncertain fields kept;
* against the uncertain fields: the first 0, 1, 2, 5, 10 and 17 of them kept as
  distributions, the others at their base values, over 5 years.

Each figure is the best of three runs, in microseconds a sample, with its ratio to the first
row of its table (measured in the same run). Set ``BENCH_SCALING_SAMPLES`` to change the
size.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gpu_calc  # noqa: E402
from gpu_calc.distributions import base_value, is_uncertain  # noqa: E402
from gpu_calc.inputs import ModelInputs  # noqa: E402
from gpu_calc.uncertainty.montecarlo import simulate  # noqa: E402

SCENARIO = ROOT / "scenarios" / "meta-2025-uncertain.yaml"
SAMPLES = int(os.environ.get("BENCH_SCALING_SAMPLES", 200_000))
HORIZONS = (1, 2, 5, 10, 20, 50)
FIELDS = (0, 1, 2, 5, 10, 17)


def base_scenario() -> dict[str, Any]:
    data = yaml.safe_load(SCENARIO.read_text())
    data["demand"]["units"] = {"dist": "triangular", "low": 500000, "mode": 600000, "high": 800000}
    return data


def us_per_sample(data: dict[str, Any]) -> float:
    loaded = gpu_calc.load(data)
    simulate(loaded, 10_000, 1)  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        simulate(loaded, SAMPLES, 1).to_dict()
        best = min(best, time.perf_counter() - start)
    return best / SAMPLES * 1e6


def keep_uncertain(data: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """``data`` with every distribution whose key is not in ``keep`` at its base value."""
    loaded = gpu_calc.load(data)
    fields = ModelInputs.from_scenario(loaded).fields

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict) and "dist" in node:
            field = fields.get(path)
            if path not in keep and field is not None and is_uncertain(field.value):
                return base_value(field.value)
            return node
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(node)]
        return node

    return walk(data, "")


def table(title: str, rows: list[tuple[str, float]]) -> None:
    print(title)
    first = rows[0][1]
    for label, us in rows:
        print(f"  {label:>24} {us:8.2f} us/sample  {us / first:6.2f}x")


def main() -> None:
    data = base_scenario()
    rows = []
    for years in HORIZONS:
        variant = dict(data, horizon_years=years)
        rows.append((f"{years} years", us_per_sample(variant)))
    table(f"cost per sample against the horizon ({SAMPLES:,} samples, 17 uncertain fields)", rows)

    uncertain = ModelInputs.from_scenario(gpu_calc.load(data)).uncertain()
    rows = []
    for count in FIELDS:
        variant = keep_uncertain(data, set(uncertain[:count]))
        rows.append((f"{count} uncertain fields", us_per_sample(variant)))
    table(f"cost per sample against the uncertain fields ({SAMPLES:,} samples, 5 years)", rows)


if __name__ == "__main__":
    main()
