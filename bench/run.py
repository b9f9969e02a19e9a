"""Run every benchmark in bench/ (files named bench_*.py), one after another.

Each benchmark prints its own figures as ratios against a baseline measured in the same
run: timings on shared machines are noisy, ratios much less so. Benchmarks are never part
of the test suite.
"""

from __future__ import annotations

import compileall
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    # A user's Python caches bytecode; an environment with PYTHONDONTWRITEBYTECODE set (as
    # some CI and sandboxes have) would make every timed process compile gpucalc's sources
    # again. Compile them once, as installing a wheel does.
    compileall.compile_dir(str(HERE.parent / "gpu_calc"), quiet=1)
    wanted = set(argv[1:])
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and path.stem not in wanted and path.stem[len("bench_") :] not in wanted:
            continue
        print(f"== {path.stem} ==", flush=True)
        runpy.run_path(str(path), run_name="__main__")
        print(flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
