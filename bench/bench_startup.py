"""Start-up time of ``gpucalc --version`` and ``--help``, against ``python -c pass``.

Each command runs several times in fresh processes; the median is kept. The baseline is
measured in the same run, so the ratio means something on a busy machine. Goal: under
0.25 s for ``--version`` (absolute), through the installed console script.
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
    base = median_s([sys.executable, "-c", "pass"])
    print(f"python -c pass                 {base * 1000:7.1f} ms  (baseline)")
    for label, cmd in [
        ("gpucalc --version", [*entry, "--version"]),
        ("gpucalc --help", [*entry, "--help"]),
        ("python -m gpu_calc --version", [sys.executable, "-m", "gpu_calc", "--version"]),
        ("gpucalc compare --help", [*entry, "compare", "--help"]),
    ]:
        t = median_s(cmd)
        mark = (
            "  (goal < 250 ms: " + ("met)" if t < GOAL_S else "MISSED)")
            if "version" in label
            else ""
        )
        print(f"{label:<30} {t * 1000:7.1f} ms  {t / base:5.1f}x baseline{mark}")


if __name__ == "__main__":
    main()
