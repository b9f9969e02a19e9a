"""One rule for every integer field (MODEL.md section 7, issue 11): the value written is
rounded to the nearest whole number, halves up, and the range is checked on the rounded
value; a message shows the number as written and what it rounds to."""

from __future__ import annotations

import json

import pytest

from gpu_calc.cli import app
from gpu_calc.inputs import ModelInputs
from gpu_calc.scenario import load_file
from tests.conftest import SCENARIOS

ROADMAP = SCENARIOS / "meta-roadmap.yaml"


def _integer_fields() -> list[tuple[str, float, float]]:
    inputs = ModelInputs.from_scenario(load_file(str(ROADMAP)))
    fields = [
        (key, f.base, f.bounds.lo)
        for key, f in inputs.fields.items()
        if f.bounds.integer and f.bounds.lo is not None
    ]
    # never uncertain, so not among the model's inputs: the same rule
    return [*fields, ("horizon_years", 6.0, 1.0), ("start_year", 2024.0, 1.0)]


INTEGER_FIELDS = _integer_fields()


def test_every_integer_field_is_listed() -> None:
    keys = {key for key, _b, _l in INTEGER_FIELDS}
    assert {"horizon_years", "start_year", "build.available_year", "build.nre.respins"} <= keys
    assert {"buy.generations[0].from_year", "installed[0].age_years"} <= keys
    # site.facility_lifetime_years is a real number of years (MODEL.md lists it nowhere)
    assert len(keys) == 16 and "site.facility_lifetime_years" not in keys


def _json(runner, sets: list[str]) -> dict:
    args = ["compare", str(ROADMAP), "-f", "json"]
    for s in sets:
        args += ["--set", s]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data.pop("source")
    return data


@pytest.mark.parametrize(("key", "base", "lo"), INTEGER_FIELDS, ids=lambda x: str(x))
def test_a_fraction_rounds_halves_up_like_every_integer_field(runner, key, base, lo) -> None:
    """base + 0.4 rounds down to base and base - 0.5 rounds up to it: the same result as
    the whole value (horizon_years=4.4 and start_year=2024.4 were refused while
    available_year=4.4 was rounded)."""
    whole = _json(runner, [f"{key}={base:g}"])
    assert _json(runner, [f"{key}={base + 0.4:g}"]) == whole
    assert _json(runner, [f"{key}={base - 0.5:g}"]) == whole


@pytest.mark.parametrize(("key", "base", "lo"), INTEGER_FIELDS, ids=lambda x: str(x))
def test_the_range_is_checked_after_rounding(runner, key, base, lo) -> None:
    """lo - 0.4 rounds to lo: valid (bounds permitting); lo - 0.6 rounds below: refused,
    saying the number as written and what it rounds to."""
    written = lo - 0.6
    result = runner.invoke(app, ["validate", str(ROADMAP), "--set", f"{key}={written:g}"])
    assert result.exit_code == 2, result.output
    wanted = f"got {written:g} ({written:g} rounds to {lo - 1:g})"
    assert wanted in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("setting", "wanted"),
    [
        (
            "buy.generations[0].from_year=0.4",
            "buy.generations[0].from_year: must be >= 1 (year 0 is buy's own), got 0.4 "
            "(0.4 rounds to 0)",
        ),
        (
            "build.generations[0].from_year=6.5",
            "build.generations[0].from_year: must be <= horizon_years (6), got 6.5 "
            "(6.5 rounds to 7) (years are 0-based; 6 means never bought)",
        ),
        (
            "horizon_years=100.6",
            "horizon_years: must be <= 100, got 100.6 (100.6 rounds to 101) (the longest "
            "horizon gpucalc compares)",
        ),
        (
            "horizon_years=99999999999999999999999",
            "horizon_years: must be <= 100, got 99999999999999999999999 (the longest horizon "
            "gpucalc compares)",
        ),
        ("start_year=9999.5", "start_year: must be <= 9999, got 9999.5 (9999.5 rounds to 10000)"),
        (
            "build.available_year=6.5",
            "build.available_year: must be <= horizon_years (6), got 6.5 (6.5 rounds to 7) "
            "(years are 0-based)",
        ),
    ],
)
def test_cross_checks_say_the_number_as_written(runner, setting: str, wanted: str) -> None:
    result = runner.invoke(app, ["validate", str(ROADMAP), "--set", setting])
    assert result.exit_code == 2, result.output
    assert f"error: --set {setting}: {wanted}\n" in result.stderr


@pytest.mark.parametrize(
    ("setting", "wanted"),
    [
        (
            "build.share=[0.1,1e-400,1.0000000000000002,0.2,0.3,0.4]",
            "build.share[2]: must be <= 1, got 1.0000000000000002",
        ),
        (
            "buy.unit_price_usd={dist: uniform, low: 1.0000000000000002, "
            "high: 0.99999999999999999}",
            "buy.unit_price_usd: low (1.0000000000000002) is above high (0.99999999999999999) "
            "(order them low <= high)",
        ),
        (
            "site.pue={dist: normal, mean_: 1.2, sd: 0.1}",
            "site.pue.mean_: unknown key 'mean_' (did you mean 'mean'?)",
        ),
    ],
)
def test_numbers_and_keys_as_written(runner, setting: str, wanted: str) -> None:
    """A list given with --set is quoted as written like a file's; a distribution's
    parameters too; a misspelt parameter is one line, not also "missing required key"."""
    result = runner.invoke(app, ["validate", str(ROADMAP), "--set", setting])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: --set {setting}: {wanted}", result.stderr
    assert lines[1].startswith("1 file: 0 valid, 1 invalid (1 error)")
