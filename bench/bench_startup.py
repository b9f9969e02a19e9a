"""Start-up time of ``gpucalc --version``, ``--help``, ``compare`` and ``simulate -n 1``,
against ``python -c pass`` and ``python -c "import numpy"``.

Each command runs several times in fresh processes; the median is kept. The baselines are
measured in the same run, so the ratios mean something on a busy machine. Goal: under
0.25 s for ``--version`` (absolute), through the installed console script. ``compare`` and
``simulate -n 1`` (JSON) show what every analysis pays before its first number: Python,
NumPy, pydantic and the scenario's models, typer, reading the file.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEAT = 9
GOAL_S = 0.25


def median_s(cmd: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    script = Path(sys.executable).with_name("gpucalc")
    entry = [str(script)] if script.exists() else [shutil.which("gpucalc") or "gpucalc"]
    root = Path(__file__).resolve().parent.parent
    seed = str(root / "scenarios" / "meta-2024.yaml")
    uncertain = str(root / "scenarios" / "meta-2025-uncertain.yaml")
    base = median_s([sys.executable, "-c", "pass"])
    print(f"{'python -c pass':<34} {base * 1000:7.1f} ms  (baseline)")
    for label, cmd in [
        ("python -c 'import numpy'", [sys.executable, "-c", "import numpy"]),
        ("gpucalc --version", [*entry, "--version"]),
        ("gpucalc --help", [*entry, "--help"]),
        ("python -m gpu_calc --version", [sys.executable, "-m", "gpu_calc", "--version"]),
        ("gpucalc compare --help", [*entry, "compare", "--help"]),
        ("gpucalc compare SEED -f json", [*entry, "compare", seed, "-f", "json"]),
        (
            "gpucalc simulate UNCERTAIN -n 1 -f json",
            [*entry, "simulate", uncertain, "-n", "1", "-f", "json"],
        ),
    ]:
        t = median_s(cmd)
        mark = (
            "  (goal < 250 ms: " + ("met)" if t < GOAL_S else "MISSED)")
            if "version" in label
            else ""
        )
        print(f"{label:<34} {t * 1000:7.1f} ms  {t / base:5.1f}x baseline{mark}")


if __name__ == "__main__":
    main()
