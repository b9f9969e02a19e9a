"""Hostile and broken input: one clear line per problem, exit 2, never a traceback (issue 7).

Each case is a file in ``tests/assets/invalid/`` named after it; ``expected.txt`` there holds
the exact stderr of ``gpucalc compare FILE`` run from that folder, one line per problem:
``FILE:LINE:COL: key.path: what is wrong (how to fix it)``. Cases that cannot be
files in the repository (a missing path, a directory, an unreadable or huge file, standard
input, ``--set``) are built in ``tmp_path`` by the same test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc import yamlio
from gpu_calc.cli import app
from tests.conftest import ROOT, SMALL

INVALID = Path(__file__).resolve().parent / "assets" / "invalid"


def _expected_by_file() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (INVALID / "expected.txt").read_text(encoding="utf-8").splitlines():
        name = line.removeprefix("error: ").split(":", 1)[0]
        out.setdefault(name, []).append(line)
    return out


EXPECTED = _expected_by_file()
FILES = sorted(p.name for p in INVALID.glob("*.yaml"))

LIMIT = f"{yamlio.MAX_BYTES:,}"


def _missing(tmp: Path) -> tuple[list[str], list[str]]:
    return ["compare", "no-such.yaml"], ["no-such.yaml: no such file"]


def _directory(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "scenarios").mkdir()
    return ["compare", "scenarios"], ["scenarios: is a directory, not a scenario file"]


def _unreadable(tmp: Path) -> tuple[list[str], list[str]]:
    path = tmp / "secret.yaml"
    path.write_text(SMALL)
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything
        pytest.skip("this user can read a file without read permission")
    return ["compare", "secret.yaml"], ["secret.yaml: permission denied: cannot read the file"]


def _huge(tmp: Path) -> tuple[list[str], list[str]]:
    # a comment line repeated past the limit: valid YAML, so only the size can stop it
    line = "# " + "x" * 1021 + "\n"
    (tmp / "huge.yaml").write_text(SMALL + line * 1025)
    return ["compare", "huge.yaml"], [
        f"huge.yaml: larger than the limit of {LIMIT} bytes "
        "(a scenario is a few kilobytes: is this the right file?)"
    ]


def _huge_stdin(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "stdin").write_text("a: 1\n" * (yamlio.MAX_BYTES // 5 + 1))
    return ["compare", "-"], [
        f"<stdin>: larger than the limit of {LIMIT} bytes "
        "(a scenario is a few kilobytes: is this the right file?)"
    ]


def _empty_stdin(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "stdin").write_text("")
    return ["compare", "-"], [
        "<stdin>:1:1: the file is empty; a scenario is a mapping of keys "
        "(run 'gpucalc init' for a starter)"
    ]


def _set_out_of_range(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "small.yaml").write_text(SMALL)
    return ["compare", "small.yaml", "--set", "site.pue=0.5"], [
        "error: --set site.pue=0.5: site.pue: must be >= 1, got 0.5"
    ]


def _set_no_such_place(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "small.yaml").write_text(SMALL)
    return ["compare", "small.yaml", "--set", "demand.units[7]=5"], [
        "error: --set demand.units[7]=5: cannot set demand.units[7]: no such place in the scenario "
        "(demand.units is one value, not a list: set it whole, e.g. --set demand.units=[...])"
    ]


def _set_unknown_key(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "small.yaml").write_text(SMALL)
    return ["compare", "small.yaml", "--set", "site.peu=1.2"], [
        "error: --set site.peu=1.2: site.peu: unknown key 'peu' (did you mean 'pue'?)"
    ]


BUILT: dict[str, Callable[[Path], tuple[list[str], list[str]]]] = {
    "missing_path": _missing,
    "directory_path": _directory,
    "unreadable_file": _unreadable,
    "huge_file": _huge,
    "huge_stdin": _huge_stdin,
    "empty_stdin": _empty_stdin,
    "set_out_of_range": _set_out_of_range,
    "set_no_such_place": _set_no_such_place,
    "set_unknown_key": _set_unknown_key,
}


def test_every_asset_has_its_expected_message() -> None:
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("case", FILES + sorted(BUILT))
def test_invalid_input(
    case: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case in BUILT:
        monkeypatch.chdir(tmp_path)
        args, problems = BUILT[case](tmp_path)
        expected = list(problems)
        stdin = tmp_path / "stdin"
        text = stdin.read_bytes() if stdin.exists() else None
    else:
        monkeypatch.chdir(INVALID)
        args, expected, text = ["compare", case, "--format", "json"], EXPECTED[case], None
    result = runner.invoke(app, args, input=text)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected


def test_unreadable_file_whoever_runs_the_tests(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The permission error itself, even as root (who can read any file)."""

    real_open = os.open

    def refuse(path: str, *args: object, **kwargs: object) -> int:
        if str(path) == "secret.yaml":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.yaml").write_text(SMALL)
    monkeypatch.setattr(os, "open", refuse)  # how gpu_calc.files opens a scenario
    result = runner.invoke(app, ["compare", "secret.yaml"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "secret.yaml: permission denied: cannot read the file\n"


@pytest.mark.parametrize(
    "case", ["python_object_tag.yaml", "billion_laughs.yaml", "not_utf8.yaml", "nan.yaml"]
)
def test_invalid_input_in_a_real_process(case: str) -> None:
    """The installed entry point: exit 2, the expected line, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "gpu_calc", "compare", case],
        cwd=INVALID,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == EXPECTED[case]


def test_set_past_the_end_of_a_list_says_its_length():
    from gpu_calc.errors import InputErrors
    from gpu_calc.scenario import load_text

    text = SMALL.replace("units: 100", "units: [100, 120, 140]")
    with pytest.raises(
        InputErrors,
        match=r"no such place in the scenario \(that list has 3 "
        r"entries: indices 0 to 2\)",
    ):
        load_text(text, sets=["demand.units[3]=5"])


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        # available_year = H leaves no year for a later chip: say so, not "must be >= 7"
        (
            ["build.available_year=6"],
            "build.generations[0].from_year: cannot start: build.available_year is "
            "horizon_years (6), which leaves no later year (lower build.available_year, or "
            "remove build.generations)",
        ),
        # a calendar year where an index is wanted: the index, and no knock-on error on the
        # generation after it
        (
            ["build.available_year=2025"],
            "build.available_year: must be <= horizon_years (6), got 2025 (years are 0-based; "
            "with start_year 2024, 2025 is year 1)",
        ),
        (
            ["buy.generations[0].from_year=2026"],
            "with start_year 2024, 2026 is year 2",
        ),
    ],
)
def test_start_year_messages_say_how_to_fix_them(sets, message):
    from gpu_calc.errors import InputErrors
    from gpu_calc.scenario import load_file

    with pytest.raises(InputErrors) as caught:
        load_file(ROOT / "scenarios" / "meta-roadmap.yaml", sets=sets)
    assert message in str(caught.value)
    assert len(caught.value.errors) == 1


def test_a_per_year_length_error_says_the_horizon_was_rounded():
    from gpu_calc.errors import InputErrors
    from gpu_calc.scenario import load_text

    text = SMALL.replace("horizon_years: 3", "horizon_years: 3.5")
    with pytest.raises(InputErrors, match=r"has 3 values but horizon_years is 4 \(3.5 rounds"):
        load_text(text, sets=["demand.units=[1, 2, 3]"])


def test_set_an_index_into_a_mapping_says_to_name_a_key():
    from gpu_calc.errors import InputErrors
    from gpu_calc.scenario import load_text

    with pytest.raises(
        InputErrors,
        match=r"\(build.chip is a mapping, not a list: name a key "
        r"inside it \(build.chip.KEY=...\)\)",
    ):
        load_text(SMALL, sets=["build.chip[0]=2"])
