"""`gpucalc compare` through typer's CliRunner: JSON parsed and compared as data."""

from __future__ import annotations

import csv
import io
import json

from numpy.testing import assert_allclose

from gpu_calc.cli import app
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from tests.conftest import SMALL


def test_json_matches_library(runner, small_file):
    result = runner.invoke(app, ["compare", str(small_file), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    lib = compare(load_text(SMALL, str(small_file))).to_dict()
    assert out == json.loads(json.dumps(lib))
    # hand-worked in tests/test_engine.py
    assert_allclose(out["plans"]["buy"]["npv_usd"], 1_925_149.28, rtol=1e-6)


def test_table_shows_human_numbers_and_verdict(runner, small_file):
    result = runner.invoke(app, ["compare", str(small_file)])
    assert result.exit_code == 0, result.output
    assert "Buying is cheaper: building costs $4.46M more NPV (231.6%) over 3 years" in (
        result.stdout
    )
    assert "$2.41M" in result.stdout  # buy capex 2,410,000
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_csv_one_row_per_number(runner, small_file):
    result = runner.invoke(app, ["compare", str(small_file), "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = {
        (r["plan"], r["metric"], r["year"]): r["value"]
        for r in csv.DictReader(io.StringIO(result.stdout))
    }
    assert float(rows["buy", "capex_usd", ""]) == 2_410_000
    assert_allclose(float(rows["build", "capex_usd", ""]), 1_859_842.15)


def test_markdown(runner, small_file):
    result = runner.invoke(app, ["compare", str(small_file), "-f", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## small")
    assert "| Metric | Buy | Build | Build - Buy |" in result.stdout


def test_bad_input_one_line_exit_2(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("  pue: 1.5", "  pue: 0.5"))
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}:10:3: site.pue: must be >= 1, got 0.5"
    assert result.stdout == ""


def test_output_file_written_only_on_success(runner, small_file, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["compare", str(small_file), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["scenario"] == "small"
    assert result.stdout == ""
    out.write_text("keep me")
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon_years: 0\n")
    result = runner.invoke(app, ["compare", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text() == "keep me"


def test_set_overrides_a_field(runner, small_file):
    base = json.loads(runner.invoke(app, ["compare", str(small_file), "-f", "json"]).stdout)
    result = runner.invoke(
        app,
        [
            "compare",
            str(small_file),
            "-f",
            "json",
            "--set",
            "build.share=0",
            "--set",
            "build.nre.respins=0",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["plans"]["build"]["chip_units"] == 0
    # one mask set (1,000,000) fewer
    assert out["silicon"]["nre_usd"] == base["silicon"]["nre_usd"] - 1_000_000


def test_every_format_has_a_renderer(small_file, runner):
    """Each member of the Format enum renders the comparison (pip-audit's check)."""
    from gpu_calc.render import Format

    for fmt in Format:
        result = runner.invoke(app, ["compare", str(small_file), "--format", fmt.value])
        assert result.exit_code == 0, (fmt, result.output)
        assert result.stdout.strip(), fmt


def test_unnamed_scenario_is_called_after_its_file(runner, tmp_path):
    path = tmp_path / "no-name.yaml"
    path.write_text(SMALL.replace("name: small\n", ""))
    out = json.loads(runner.invoke(app, ["compare", str(path), "-f", "json"]).stdout)
    assert out["scenario"] == "no-name"
    piped = runner.invoke(app, ["compare", "-", "-f", "json"], input=path.read_text())
    assert json.loads(piped.stdout)["scenario"] == "unnamed scenario"


def test_output_never_overwrites_the_scenario(runner, small_file, tmp_path):
    before = small_file.read_text()
    result = runner.invoke(app, ["compare", str(small_file), "-o", str(small_file)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: -o {small_file}: refusing to overwrite an input; choose another file"
    )
    assert small_file.read_text() == before
    result = runner.invoke(app, ["batch", str(small_file), "--junit", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: --junit {tmp_path}: is a directory; give a file name"
