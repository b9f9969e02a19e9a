"""Fuzzing the whole path from text to JSON: every outcome is a result or a clean error.

Hypothesis generates scenario mappings (the seed scenario with keys removed, values replaced
by wrong types, extreme numbers, distributions and random nesting) and raw YAML text (random
text and bytes, token soup, mutations of the seed's text). Each goes through
:func:`gpu_calc.scenario.load_text` and :func:`gpu_calc.results.compare`: it must give a
result whose JSON has no NaN or infinity, or :class:`~gpu_calc.errors.InputErrors` whose
every line is ``SOURCE[:LINE:COL]: ...``. Anything else (another exception, a NumPy warning,
which the test configuration turns into an error) fails. A sample also runs through the CLI.

The examples are bounded (a few thousand in all, about half a minute on CI's two cores).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.distributions import DIST_NAMES
from gpu_calc.errors import InputErrors
from gpu_calc.render import Format, render_comparison
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from tests.conftest import SMALL

SOURCE = "fuzz.yaml"
SEED: dict[str, Any] = yaml.safe_load(SMALL)


def fuzz_settings(n: int) -> Any:
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _event(name: str) -> None:
    if currently_in_test_context():
        event(name)


def check(text: str | bytes, sets: list[str] | None = None) -> dict[str, Any] | None:
    """Load and compare ``text``: the JSON result, or None after a clean input error."""
    try:
        loaded = load_text(text, SOURCE, sets)
    except InputErrors as exc:
        assert exc.errors, "InputErrors with no error"
        for error in exc.errors:
            line = str(error)
            assert "\n" not in line and "\r" not in line, line
            assert line.startswith((SOURCE + ":", "--set ")), line
        _event("input error")
        return None
    result = compare(loaded).to_dict()
    json.dumps(result, allow_nan=False)  # raises on NaN or an infinity
    _event("result")
    return result


# --------------------------------------------------------------------------- mappings


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, prefix + (key,))
    return out


PATHS = _paths(SEED)
DELETE = object()

EXTREME = st.sampled_from(
    [
        0,
        -1,
        1,
        0.5,
        -0.0,
        1e-300,
        5e-324,
        1e15,
        1e300,
        -1e300,
        1.7976931348623157e308,
        2**63,
        10**400,
        math.nan,
        math.inf,
        -math.inf,
    ]
)
SCALARS = st.one_of(
    EXTREME,
    st.integers(),
    st.floats(),
    st.floats(0, 1e4),
    st.text(max_size=12),
    st.sampled_from(
        ["1e9", "50%", "700 W", "10,000", "yes", "null", "~", ".inf", "n5", "h100-sxm"]
    ),
    st.booleans(),
    st.none(),
)
DISTS = st.fixed_dictionaries(
    {"dist": st.sampled_from(DIST_NAMES + ("gauss", ""))},
    optional={k: SCALARS for k in ("mean", "sd", "median", "sigma", "low", "mode", "high", "x")},
)
VALUES = st.recursive(
    st.one_of(SCALARS, DISTS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
MUTATION = st.tuples(st.sampled_from(PATHS), st.one_of(st.just(DELETE), VALUES))


def _value_at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _mutate(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return
        node = node[part]
    if value is DELETE:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


@fuzz_settings(1000)
@given(
    mutations=st.lists(MUTATION, max_size=4),
    extra=st.dictionaries(st.text(max_size=10), VALUES, max_size=2),
)
def test_fuzz_scenario_mappings(mutations: list[tuple[Any, Any]], extra: dict[str, Any]) -> None:
    data = copy.deepcopy(SEED)
    for path, value in mutations:
        _mutate(data, path, value)
    data.update(extra)
    check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


NUMERIC_PATHS = [p for p in PATHS if isinstance(_value_at(SEED, p), int | float)]
NUMBERS = st.one_of(
    st.floats(0, 1),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.integers(0, 10**30),
    EXTREME.filter(lambda x: isinstance(x, int) or (math.isfinite(x) and x >= 0)),
)


@fuzz_settings(800)
@given(mutations=st.lists(st.tuples(st.sampled_from(NUMERIC_PATHS), NUMBERS), max_size=6))
def test_fuzz_extreme_numbers(mutations: list[tuple[Any, Any]]) -> None:
    """Numbers of any size where numbers belong: many are valid, and reach the engine."""
    data = copy.deepcopy(SEED)
    for path, value in mutations:
        _mutate(data, path, value)
    check(yaml.safe_dump(data, sort_keys=False))


# --------------------------------------------------------------------------- raw text

TOKENS = st.sampled_from(
    [
        ":",
        ": ",
        " ",
        "  ",
        "\n",
        "\t",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "&b [*a, *a, *a]",
        "<<: *a",
        "!!python/object/apply:os.system ",
        "!tag ",
        "'",
        '"',
        "# ",
        "---\n",
        "...\n",
        "? ",
        "|\n",
        ">\n",
        "%YAML 1.2\n",
        "1e400",
        ".nan",
        "-.inf",
        "0x1F",
        "0o17",
        "1_000",
        "9" * 30,
        "\x00",
        "\ufeff",
        "é",
        "version",
        "horizon_years",
        "demand",
        "units",
        "site",
        "buy",
        "build",
        "chip",
        "dist: pert",
    ]
)


def _spliced(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, cut, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + cut :]
    return text


SEED_MUTATIONS = st.lists(
    st.tuples(st.integers(0, len(SMALL)), st.integers(0, 8), st.text(max_size=6) | TOKENS),
    min_size=1,
    max_size=5,
).map(lambda edits: _spliced(SMALL, edits))

RAW_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(TOKENS, max_size=60).map("".join),
    SEED_MUTATIONS,
    SEED_MUTATIONS,
)


@fuzz_settings(1200)
@given(text=RAW_TEXT)
def test_fuzz_raw_text(text: str) -> None:
    check(text)


@fuzz_settings(300)
@given(raw=st.binary(max_size=300) | SEED_MUTATIONS.map(lambda t: t.encode("utf-8")))
def test_fuzz_raw_bytes(raw: bytes) -> None:
    check(raw)


@fuzz_settings(300)
@given(
    key=st.sampled_from([".".join(p) for p in PATHS] + ["demand.units[1]", "x..y", "[0]", ""]),
    value=st.sampled_from(["0", "-1", "1e400", ".nan", "[1, 2]", "{dist: normal}", "&a", "'"]),
)
def test_fuzz_set_overrides(key: str, value: str) -> None:
    check(SMALL, [f"{key}={value}"])


# --------------------------------------------------------------------------- CLI sample


@fuzz_settings(100)
@given(text=RAW_TEXT | VALUES.map(lambda v: yaml.safe_dump(v)), fmt=st.sampled_from(list(Format)))
def test_fuzz_through_the_cli(
    text: str, fmt: Format, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / SOURCE
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(app, ["compare", str(path), "--format", fmt.value])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        assert result.stdout
        if fmt is Format.json:
            json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    else:
        assert result.stdout == ""
        for line in result.stderr.splitlines():
            assert line.startswith(str(path)), line


def test_valid_mutations_still_render() -> None:
    """The seed itself passes through every renderer (the fuzz's starting point is valid)."""
    result = check(SMALL)
    assert result is not None
    for fmt in Format:
        assert render_comparison(result, fmt)


def test_fuzz_helpers_cover_the_seed() -> None:
    assert ("build", "chip", "die_area_mm2") in PATHS
    assert Path(SOURCE).suffix == ".yaml"
