"""Batch cost per file: one ``gpucalc batch`` over 1,000 files vs a ``compare`` process each.

Writes 1,000 variants of scenarios/meta-2024.yaml (share and demand varied) to a temporary
folder, then times, in the same run:

* baseline: separate ``gpucalc compare FILE --format json`` processes (20 of them; the cost
  per file is their mean, and 1,000 of them would cost 1,000 times that);
* ``gpucalc batch DIR --format json`` as one process (start-up included);
* the same with ``--jobs 2``;
* the library's :func:`gpu_calc.batch.run` in this process (no start-up).

Goal: the one-process batch at least 30x cheaper per file than a process per file.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "meta-2024.yaml"
FILES = 1000
SEPARATE = 20
GOAL = 30.0


def gpucalc() -> list[str]:
    script = Path(sys.executable).with_name("gpucalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gpu_calc"]


def write_variants(folder: Path) -> list[Path]:
    seed = SEED.read_text()
    # the seed's expect: block checks the seed's own figures, not its variants'
    seed = seed[: seed.index("\nexpect:") + 1]
    assert "  share: 0.25" in seed and "  units: 350000" in seed
    paths = []
    for i in range(FILES):
        text = seed.replace("  share: 0.25", f"  share: {0.05 + 0.9 * i / FILES:.4f}", 1)
        text = text.replace("  units: 350000", f"  units: {100_000 + 500 * i}", 1)
        path = folder / f"team-{i % 10}" / f"scenario-{i:04d}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        paths.append(path)
    return paths


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    from gpu_calc import batch

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_variants(folder)
        base = gpucalc()

        separate_s = sum(
            timed([*base, "compare", str(p), "--format", "json"]) for p in paths[:SEPARATE]
        )
        per_process_ms = separate_s / SEPARATE * 1e3

        one_s = timed([*base, "batch", str(folder), "--format", "json"])
        jobs_s = timed([*base, "batch", str(folder), "--format", "json", "--jobs", "2"])

        batch.run([str(folder)])  # warm the imports and caches
        start = time.perf_counter()
        report = batch.run([str(folder)])
        lib_s = time.perf_counter() - start
        assert report.count("ok") == FILES, report.summary()

    rows = [
        ("a compare process per file (baseline)", per_process_ms, None),
        ("gpucalc batch, one process", one_s / FILES * 1e3, per_process_ms / (one_s / FILES * 1e3)),
        ("gpucalc batch --jobs 2", jobs_s / FILES * 1e3, per_process_ms / (jobs_s / FILES * 1e3)),
        ("batch.run() in process", lib_s / FILES * 1e3, per_process_ms / (lib_s / FILES * 1e3)),
    ]
    print(f"{FILES} scenario files; baseline: {SEPARATE} separate compare processes")
    for label, ms, ratio in rows:
        extra = "" if ratio is None else f"   {ratio:7.1f}x cheaper"
        print(f"  {label:<40} {ms:9.2f} ms/file{extra}")
    ratio = rows[1][2] or 0.0
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"one-process batch {verdict} the goal of {GOAL:.0f}x ({ratio:.0f}x)")


if __name__ == "__main__":
    main()
