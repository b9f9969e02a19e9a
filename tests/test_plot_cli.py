"""``gpucalc plot``: every kind of chart for every scenario, output formats and errors."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.errors import InputError
from gpu_calc.uncertainty.params import parse_values
from tests.conftest import SCENARIOS

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
DETERMINISTIC = ["cumulative", "breakdown", "resources", "silicon"]
#: kind -> the module of the uncertainty package it needs (built in parallel: issue 5)
UNCERTAIN = {"tornado": "sensitivity", "histogram": "montecarlo", "sweep": "sweep"}


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(f"gpu_calc.uncertainty.{module}") is not None
    except ModuleNotFoundError:
        return False


def _run(runner: CliRunner, *args: str) -> tuple[int, str, bytes]:
    result = runner.invoke(app, ["plot", *args])
    return result.exit_code, result.stderr, result.stdout_bytes


@pytest.mark.parametrize("scenario", SCENARIO_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", DETERMINISTIC + list(UNCERTAIN))
def test_every_kind_for_every_scenario(
    runner: CliRunner, tmp_path: Path, scenario: Path, kind: str
) -> None:
    if kind in UNCERTAIN and not _has(UNCERTAIN[kind]):
        pytest.skip(f"gpu_calc.uncertainty.{UNCERTAIN[kind]} is not in this build yet")
    extra = ["--samples", "2000"] if kind == "histogram" else []
    svg, png = tmp_path / "chart.svg", tmp_path / "chart.png"
    if kind == "histogram" and "dist:" not in scenario.read_text(encoding="utf-8"):
        code, err, _ = _run(runner, str(scenario), "--kind", kind, "-o", str(svg), *extra)
        assert code == 2 and "has no uncertain input to draw" in err, err
        assert not svg.exists()
        return
    code, err, _ = _run(runner, str(scenario), "--kind", kind, "-o", str(svg), *extra)
    assert code == 0, err
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    code, err, _ = _run(runner, str(scenario), "--kind", kind, "-o", str(png), *extra)
    assert code == 0, err
    assert png.read_bytes().startswith(PNG_SIGNATURE)


def test_svg_to_stdout_without_output(runner: CliRunner, small_file: Path) -> None:
    code, err, out = _run(runner, str(small_file), "--kind", "cumulative")
    assert code == 0, err
    assert ET.fromstring(out).tag.endswith("svg")


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.svg.gz"])
def test_unknown_suffix_is_refused(
    runner: CliRunner, small_file: Path, tmp_path: Path, name: str
) -> None:
    code, err, _ = _run(runner, str(small_file), "--kind", "silicon", "-o", str(tmp_path / name))
    assert code == 2
    assert "end the name in .svg or .png" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()


def test_suffix_is_case_insensitive(runner: CliRunner, small_file: Path, tmp_path: Path) -> None:
    code, err, _ = _run(runner, str(small_file), "--kind", "silicon", "-o", str(tmp_path / "C.PNG"))
    assert code == 0, err
    assert (tmp_path / "C.PNG").read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--values", "0:1"], "START:STOP:COUNT"),
        (["--values", "a,b"], "START:STOP:COUNT"),
        (["--values", "0:1:1e9"], "at most 1000"),
        (["--param", "build.share", "--param", "site.pue"], "one --values per --param"),
        (
            [
                "--param",
                "a",
                "--param",
                "b",
                "--param",
                "c",
                "--values",
                "1",
                "--values",
                "2",
                "--values",
                "3",
            ],
            "one or two parameters",
        ),
    ],
)
def test_bad_sweep_arguments(
    runner: CliRunner, small_file: Path, args: list[str], message: str
) -> None:
    code, err, _ = _run(runner, str(small_file), "--kind", "sweep", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_scenario_is_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon_years: 0\n")
    code, err, _ = _run(runner, str(bad), "--kind", "cumulative")
    assert code == 2
    assert err.startswith("error: ") or str(bad) in err


def test_values_syntax() -> None:
    assert parse_values("0:1:21")[:3] == [0.0, 0.05, 0.1]
    assert len(parse_values("0:1:21")) == 21
    assert parse_values("0.3:0.3:1") == [0.3]
    assert parse_values("1,2, 3") == [1.0, 2.0, 3.0]
    for bad in ("", "1:2:0", "1:2:2.5", "nan", "inf,1"):
        with pytest.raises(InputError):
            parse_values(bad)


@pytest.mark.parametrize("command", ["plot", "report"])
def test_missing_matplotlib(
    runner: CliRunner,
    small_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    out = tmp_path / "out.svg"
    args = [command, str(small_file), "-o", str(out)]
    if command == "plot":
        args += ["--kind", "cumulative"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "error: charts need matplotlib, which is not installed: pip install 'gpucalc[plot]'\n"
    )
    assert not out.exists()


def test_readme_shows_a_chart_and_docs_name_every_kind() -> None:
    root = SCENARIOS.parent
    readme = (root / "README.md").read_text()
    assert "## Charts and reports" in readme
    assert "](docs/img/cumulative.svg)" in readme
    assert ET.parse(root / "docs" / "img" / "cumulative.svg").getroot().tag.endswith("svg")
    docs = (root / "docs" / "report.md").read_text()
    from gpu_calc.cli.plot import ChartKind

    for kind in ChartKind:
        assert f"`{kind.value}`" in docs, kind
