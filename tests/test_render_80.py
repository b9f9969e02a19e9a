"""Every table fits an 80-column terminal with each heading whole (no "Cumulati…")."""

from __future__ import annotations

import json
import re

import pytest

from gpu_calc.cli import app
from gpu_calc.render import table as table_module
from gpu_calc.render.rows import PERSPECTIVE_HEADER, YEARLY_HEADER
from tests.conftest import SCENARIOS, SEED
from tests.test_cli_color import run_on_tty

UNCERTAIN = SCENARIOS / "meta-2025-uncertain.yaml"
FULL = SCENARIOS / "meta-2024-full-stack.yaml"


@pytest.fixture
def narrow(monkeypatch):
    """Render as on an 80-column terminal."""
    monkeypatch.setattr(table_module, "table_width", lambda wanted=110: min(wanted, 80))


def _words(*headings: str) -> list[str]:
    return [w for h in headings for w in h.split()]


def _check(text: str, words: list[str], values: list[str]) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, text
    assert "…" not in text and "..." not in text, text
    tokens = set(re.findall(r"\S+", text))
    for word in words:
        assert word in tokens, f"heading word {word!r} not whole in\n{text}"
    for value in values:  # the last columns are not cropped
        assert value in tokens, f"{value!r} missing in\n{text}"


CASES = [
    (
        ["compare", str(SEED)],
        [*_words(*YEARLY_HEADER), *_words(*PERSPECTIVE_HEADER), "Build", "-", "Buy"],
        ["+$1.57B", "+$1.47B", "$475M", "2.1%", "25.3x", "80.0%"],
    ),
    (
        ["compare", str(FULL)],
        _words(*YEARLY_HEADER),
        ["+$6.63B", "-$544M", "$15.5B,"],
    ),
    (
        ["simulate", str(UNCERTAIN), "-n", "500"],
        ["Metric", "P5", "P50", "P95", "Mean"],
        ["samples"],
    ),
    (
        ["sensitivity", str(UNCERTAIN)],
        ["Parameter", "Low", "High", "Savings", "at", "low", "high", "Swing"],
        ["17.4%", "32.6%", "$2.55B", "$1.17B", "$25.5k", "$29.5k"],
    ),
    (
        [
            "sweep",
            str(SEED),
            "-p",
            "build.share",
            "-v",
            "0:1:3",
            "-p",
            "site.electricity_usd_per_kwh",
            "-v",
            "0.05,0.1",
        ],
        ["build.share", "site.", "electricity_usd_per_kwh", "Savings", "NPV", "Payback"],
        ["never", "start", "$2.49B", "$0.05/kWh", "50.0%"],
    ),
    # two long keys: they break after underscores too, and "Payback" stays whole ("Pay…")
    (
        [
            "sweep",
            str(SCENARIOS / "meta-roadmap.yaml"),
            "-p",
            "buy.generations[0].unit_price_usd[2]",
            "-v",
            "30000,35000",
            "-p",
            "build.nre.software_usd_per_year",
            "-v",
            "1e7,1e8",
        ],
        ["Savings", "NPV", "Payback", "software_usd_", "per_year"],
        ["$10.0M/yr", "$100M/yr", "+$1.94B", "2027", "2026"],
    ),
    (["batch", str(SCENARIOS)], ["File", "Cheaper", "Savings", "(NPV)", "Status"], ["ok"]),
    (
        ["presets"],
        # issue 15: more presets than fit side by side; the overview keeps the first figures
        ["name", "unit", "price", "defect", "density", "electricity", "lifetime"],
        ["$27.5k", "$0.0806/kWh", "$0.287/kWh", "$32.0k/server"],
    ),
    (["presets", "h100-sxm"], ["Key", "Value", "Range", "Source"], ["$27.5k"]),
    (["validate", str(SEED), "-f", "table"], ["File", "Status", "Message"], ["ok"]),
]


@pytest.mark.parametrize(("args", "words", "values"), CASES, ids=lambda x: None)
def test_tables_fit_80_columns(runner, narrow, args, words, values):
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    _check(result.stdout, words, values)


def test_compare_on_an_80_column_terminal():
    """The real thing: a pseudo-terminal 80 columns wide."""
    code, out = run_on_tty(["compare", str(SEED), "--no-color"], COLUMNS="80")
    assert code == 0
    text = out.decode().replace("\r\n", "\n")
    _check(text, _words(*YEARLY_HEADER, *PERSPECTIVE_HEADER), ["+$1.47B", "2.1%"])


def test_a_long_path_wraps_instead_of_being_cut(runner, narrow, tmp_path):
    """CI checks the project out under a deep folder: the File column wraps, never "…"."""
    deep = tmp_path / ("a" * 30) / ("b" * 30)
    deep.mkdir(parents=True)
    scenario = deep / "meta-2024.yaml"
    scenario.write_bytes(SEED.read_bytes())
    for args in (["validate", str(scenario), "-f", "table"], ["batch", str(deep)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        _check(result.stdout, ["File", "Status"], ["ok"])
        assert result.stdout.count("b") >= 30  # the path is all there, wrapped


@pytest.mark.parametrize(
    ("scenario", "second", "values", "heads"),
    [
        (
            SEED,
            "site.electricity_usd_per_kwh",
            "0.05,0.06,0.07,0.08,0.09,0.1,0.11",
            ["$0.05/kWh", "$0.1/kWh", "$0.11/kWh"],
        ),
        (
            SCENARIOS / "meta-roadmap.yaml",
            "buy.generations[0].perf_vs_reference",
            "0.5,1,1.5,2,2.5,3,3.5,4,5,6,7",
            ["0.500", "3.50", "7.00", "generations[0].", "perf_vs_reference"],
        ),
    ],
    ids=["electricity", "roadmap-list-path"],
)
def test_a_wide_sweep_matrix_is_split_whole(runner, narrow, scenario, second, values, heads):
    """A 2-D sweep's matrix wider than 80 columns is split into column blocks, each with the
    row values: every header and figure whole ("build.…", "$0.05/…", "+$1.4…" before)."""
    args = ["sweep", str(scenario), "-p", "build.share", "-v", "0:1:5", "-p", second, "-v", values]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    _check(result.stdout, ["build.share", *heads, "Savings", "NPV", "Payback"], [])
    assert "(columns 1-" in result.stdout
    data = runner.invoke(app, [*args, "-f", "json"])
    import json

    savings = json.loads(data.stdout)["outputs"]["savings_npv_usd"]
    from gpu_calc.render.uncertainty import _signed_usd

    tokens = set(result.stdout.split())
    for row in savings:  # every cell of the matrix is there, whole
        for x in row:
            assert _signed_usd(x) in tokens


def test_a_tornado_never_breaks_a_key_inside_a_word(runner, narrow):
    """The roadmap's tornado has long keys and values with units (1,483 tokens/s): no table
    of it fits 80 columns with every key broken at dots or underscores only, so each bar
    takes two lines, the key whole on the first (it broke "perf_vs_refer / ence" before)."""
    result = runner.invoke(app, ["sensitivity", str(SCENARIOS / "meta-roadmap-uncertain.yaml")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    out = runner.invoke(
        app, ["sensitivity", str(SCENARIOS / "meta-roadmap-uncertain.yaml"), "-f", "json"]
    )
    for bar in json.loads(out.stdout)["bars"]:
        assert bar["param"] in lines  # whole, on a line of its own
    assert "    low 0.499: +$1.26B    high 0.701: +$2.36B    swing $1.09B" in lines


def test_presets_say_which_columns_a_narrow_terminal_leaves_out(runner, narrow):
    result = runner.invoke(app, ["presets", "--kind", "sites"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Not shown at this width: title, grid, facility capex, facility lifetime" in text
    wide = runner.invoke(app, ["presets", "--kind", "sites", "-f", "markdown"]).stdout
    assert "grid" in wide and "Not shown" not in wide


def test_a_tornado_of_short_keys_keeps_its_heading_whole(runner, narrow, tmp_path):
    scenario = tmp_path / "pue.yaml"
    # one uncertain field with a key shorter than "Parameter"
    text = SEED.read_text().replace(
        "  facility_capex_usd_per_mw: 0",
        "  facility_capex_usd_per_mw: 0\n  pue: {dist: uniform, low: 1.1, high: 1.5}",
    )
    assert "pue: {dist" in text
    scenario.write_text(text)
    result = runner.invoke(app, ["sensitivity", str(scenario)])
    assert result.exit_code == 0, result.output
    _check(result.stdout, ["Parameter", "Low", "High", "Swing"], ["site.pue"])


def test_a_sweep_key_too_long_to_break_takes_a_line_a_point(runner, narrow, tmp_path):
    """A workload named in one 60-letter word: no table of the sweep fits 80 columns with
    its figures whole, so each point takes a line (the numbers were cut to "+$1…")."""
    long = "i" + "n" * 60 + "ference"
    scenario = tmp_path / "long.yaml"
    scenario.write_text((SCENARIOS / "meta-roadmap.yaml").read_text().replace("inference", long))
    key = f"demand.workloads.{long}.units[2]"
    result = runner.invoke(app, ["sweep", str(scenario), "-p", key, "-v", "1e5,2e5"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "Savings NPV +$" in text and "Payback 2027" in text
