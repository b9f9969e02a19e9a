"""What every command shares: help, exit codes, formats, -o, stdin, --set, human numbers.

The checks over commands discover them from the typer app, so commands added later are
covered without editing this file.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer.main

from gpu_calc.cli import app
from gpu_calc.docgen import command_names
from gpu_calc.render import Format
from tests.conftest import SEED, SMALL

COMMANDS = command_names()
GROUP = typer.main.get_command(app)


def test_the_issue_commands_are_registered():
    assert {"compare", "validate", "schema", "presets", "init"} <= set(COMMANDS)


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_root_help_lists_commands_and_exit_codes(runner, flag):
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout
    assert "Exit codes: 0 ok; 1" in result.stdout and "2 invalid input" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(runner, name):
    for flag in ("-h", "--help"):
        result = runner.invoke(app, [name, flag])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Usage: gpucalc {name} ")
    cmd = GROUP.commands[name]  # type: ignore[attr-defined]
    assert cmd.help and cmd.help.strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", COMMANDS)
def test_format_option_offers_every_format(runner, name):
    text = runner.invoke(app, [name, "--help"]).stdout
    if "--format" not in text:
        pytest.skip(f"{name} prints no results")
    assert "|".join(f.value for f in Format) in text
    assert "-o, --output FILE" in text, f"{name} has --format but no -o"


def test_version(runner):
    from gpu_calc import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"gpucalc {__version__}\n"


def test_usage_errors_exit_2(runner):
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["compare", str(SEED), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["compare", str(SEED), "--bogus"]).exit_code == 2


# --------------------------------------------------------------------------- numbers

# The seed (scenarios/meta-2024.yaml), buy plan, worked by hand: 350,000 H100 bought in
# year 0 at 28,571.43 USD (no host, network or facility): capex 350,000 x 28,571.43 =
# 10,000,000,500 USD. IT energy per year: 350,000 x 0.7 kW x 0.61 x 8,760 h = 1,309,182,000 kWh.
CAPEX = 350_000 * 28_571.43
ENERGY_YEAR = 350_000 * 0.7 * 0.61 * 8_760


def test_table_shows_human_numbers(runner):
    out = runner.invoke(app, ["compare", str(SEED)]).stdout
    row = next(line for line in out.splitlines() if "Capex (hardware + facility)" in line)
    assert row.split()[4] == "$10.0B"
    bought = next(line for line in out.splitlines() if "Accelerators bought" in line)
    assert "350,000" in bought.split()
    energy = next(line for line in out.splitlines() if line.strip().startswith("IT energy"))
    assert energy.split()[2:4] == ["5.24", "TWh"]  # 4 x 1.309 TWh


def test_json_and_csv_carry_exact_numbers(runner):
    data = json.loads(runner.invoke(app, ["compare", str(SEED), "-f", "json"]).stdout)
    buy = data["plans"]["buy"]
    assert buy["capex_usd"] == pytest.approx(CAPEX, rel=1e-12)
    assert buy["bought_units"] == 350_000
    assert buy["energy_it_kwh_per_year"] == pytest.approx([ENERGY_YEAR] * 4, rel=1e-12)
    rows = {
        (r["plan"], r["metric"], r["year"]): r["value"]
        for r in csv.DictReader(
            io.StringIO(runner.invoke(app, ["compare", str(SEED), "-f", "csv"]).stdout)
        )
    }
    assert float(rows["buy", "capex_usd", ""]) == pytest.approx(CAPEX, rel=1e-12)
    assert rows["buy", "bought_units", ""] == "350000.0"
    assert float(rows["buy", "energy_it_kwh", "0"]) == pytest.approx(ENERGY_YEAR, rel=1e-12)


def test_markdown_is_a_table(runner):
    out = runner.invoke(app, ["compare", str(SEED), "-f", "markdown"]).stdout
    assert "| Capex (hardware + facility) | $10.0B |" in out


# --------------------------------------------------------------------------- streams


def test_stdin_and_output_file(runner, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["compare", "-", "-f", "json", "-o", str(out)], input=SMALL)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(out.read_text())["scenario"] == "small"


def test_output_not_written_when_the_work_fails(runner, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["compare", "-", "-f", "json", "-o", str(out), "--set", "site.pue=0"], input=SMALL
    )
    assert result.exit_code == 2
    assert not out.exists()
    assert result.stdout == ""


def test_output_dash_is_stdout(runner, small_file):
    result = runner.invoke(app, ["compare", str(small_file), "-f", "json", "-o", "-"])
    assert json.loads(result.stdout)["scenario"] == "small"


# --------------------------------------------------------------------------- --set


def test_set_overrides_a_value(runner, small_file):
    # SMALL: 100 units, buy lifetime 2 years, horizon 3, build share 0.5 from year 1.
    # With share 0 the build plan buys exactly what the buy plan buys.
    base = json.loads(runner.invoke(app, ["compare", str(small_file), "-f", "json"]).stdout)
    result = runner.invoke(
        app, ["compare", str(small_file), "-f", "json", "--set", "build.share=0", "--set", "name=x"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "x"
    assert data["plans"]["build"]["bought_units"] == data["plans"]["buy"]["bought_units"]
    assert data["plans"]["build"]["chip_units"] == 0
    assert base["plans"]["build"]["chip_units"] > 0


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("site.pue=0.5", "error: --set site.pue=0.5: site.pue: must be >= 1, got 0.5"),
        (
            "site.pue=abc",
            "error: --set site.pue=abc: site.pue: expected a number, got the text 'abc'",
        ),
        (
            "site.pu=1.2",
            "error: --set site.pu=1.2: site.pu: unknown key 'pu' (did you mean 'pue'?)",
        ),
        ("sitepue", "error: --set sitepue: expected KEY.PATH=VALUE, e.g. site.pue=1.3"),
    ],
)
def test_bad_set_names_the_flag(runner, small_file, item, expected):
    result = runner.invoke(app, ["compare", str(small_file), "--set", item])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [expected]
    assert result.stdout == ""


@pytest.mark.parametrize(("written", "samples"), [("1e3", 1000), ("1_500", 1500), ("700", 700)])
def test_samples_as_people_write_them(runner, written, samples):
    """--samples takes a whole number in any form Python reads (1e3, 1_500)."""
    from tests.conftest import SCENARIOS

    path = str(SCENARIOS / "meta-2025-uncertain.yaml")
    result = runner.invoke(app, ["simulate", path, "-n", written, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["samples"] == samples


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1.5", "'1.5' is not a whole number (write e.g. 100000 or 1e5)"),
        ("abc", "'abc' is not a whole number (write e.g. 100000 or 1e5)"),
        ("1e400", "'1e400' is not a whole number (write e.g. 100000 or 1e5)"),
        ("0", "0 is below 1"),
        ("-2", "-2 is below 1"),
    ],
)
def test_samples_that_are_no_count_are_usage_errors(runner, written, message):
    result = runner.invoke(app, ["simulate", str(SEED), "-n", written])
    assert result.exit_code == 2
    assert f"Invalid value for '--samples' / '-n': {message}" in result.stderr
