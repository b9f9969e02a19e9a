"""Valid YAML read as the user wrote it, and messages that say the truth (issue 11).

The invalid cases are files in ``tests/assets/invalid/`` (their exact lines are checked by
``tests/test_invalid.py``); the valid ones are in ``tests/assets/valid/``. Cases a file
cannot hold well (a 150,000-item list, odd file names, ``--set``) are built here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.scenario import load_file, load_text
from tests.conftest import SMALL

VALID = Path(__file__).resolve().parent / "assets" / "valid"


def _compare(runner: CliRunner, *args: str) -> dict:
    """The JSON of ``compare``, without the file it came from."""
    result = runner.invoke(app, ["compare", *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    out.pop("source", None)
    return out


def test_text_written_as_numbers_is_text(runner: CliRunner) -> None:
    loaded = load_file(str(VALID / "text_as_numbers.yaml"))
    s = loaded.scenario
    assert (s.name, s.description, s.demand.reference) == ("2024", "true", "1e3")
    assert [p.label for p in s.perspective] == ["2023", "0x1F"]
    out = _compare(runner, str(VALID / "text_as_numbers.yaml"))
    assert out["scenario"] == "2024"
    assert [p["label"] for p in out["perspective"]] == ["2023", "0x1F"]


def test_text_set_as_a_number_is_text(runner: CliRunner, small_file: Path) -> None:
    out = _compare(runner, str(small_file), "--set", "name=2024")
    assert out["scenario"] == "2024"


def test_x_keys_are_ignored_and_hold_anchors(runner: CliRunner, small_file: Path) -> None:
    assert _compare(runner, str(VALID / "x_anchors.yaml")) == _compare(runner, str(small_file))


def test_tabs_before_comments(runner: CliRunner, small_file: Path) -> None:
    out = _compare(runner, str(VALID / "tab_before_comment.yaml"))
    assert out == _compare(runner, str(small_file))


def test_yaml_12_line_breaks_are_characters() -> None:
    s = load_file(str(VALID / "yaml12_line_breaks.yaml")).scenario
    assert s.name == "one\u2028two\u2029three\u0085four"
    assert s.description == "plain\u2028text"


def test_line_numbers_after_yaml_12_line_breaks() -> None:
    """The error below three of them is on its own line (was three lines too far)."""
    text = 'name: "a\u2028b\u2029c\u0085d"\nhorizon_years: 0\n'
    with pytest.raises(Exception) as info:
        load_text(text, "x.yaml")
    assert str(info.value.errors[0]).startswith("x.yaml:2:1: horizon_years:")


def test_integer_fields_take_rounded_values(runner: CliRunner, small_file: Path) -> None:
    rounded = SMALL.replace("    lifetime_years: 4", "    lifetime_years: 4")
    rounded = rounded.replace("  lifetime_years: 2", "  lifetime_years: 2")
    rounded = rounded.replace("  available_year: 1", "  available_year: 1")
    rounded = rounded.replace("    respins: 1", "    respins: 0")
    small_file.write_text(rounded)
    # 3.5 -> 4, 1.5 -> 2, 0.5 -> 1, 0.4 -> 0: halves up
    out = _compare(runner, str(VALID / "integer_rounding.yaml"))
    expected = _compare(runner, str(small_file))
    assert out["comparison"] == expected["comparison"]
    assert out["plans"] == expected["plans"]


def test_a_long_plain_list_is_no_alias_bomb(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(SMALL.replace("  units: 100", "  units: [" + "1, " * 150_000 + "1]"))
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:6:3: demand.units: has 150001 values but horizon_years is 3 (give one "
        "number per year, or a single number for every year)\n"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("bad\x1b]0;owned\x07.yaml", "bad\\x1b]0;owned\\x07.yaml"),
        ("tab\there.yaml", "tab\\there.yaml"),
    ],
)
def test_file_names_are_printed_escaped(
    name: str, shown: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text("horizon_years: 0\n")
    for command in (["compare", name], ["validate", name], ["batch", name]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr
        assert f"{shown}:1:1: horizon_years:" in result.stderr


ODD_NAMES = [
    ("ok\x1b]0;t\x07.yaml", "ok\\x1b]0;t\\x07.yaml"),
    ("a\x1b[2Jb.yaml", "a\\x1b[2Jb.yaml"),
    ("new\nline.yaml", "new\\nline.yaml"),
    ("[red]markup.yaml", "[red]markup.yaml"),
]


def test_valid_files_with_odd_names_are_escaped_in_every_human_view(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only error lines: validate's ok lines and its table and Markdown, batch's table,
    Markdown, --summary and problem lines, all through errors.printable."""
    monkeypatch.chdir(tmp_path)
    Path("odd").mkdir()
    for name, _shown in ODD_NAMES:
        (Path("odd") / name).write_text(
            SMALL + "expect:\n  comparison.savings_npv_usd: {min: 1e30}\n"
        )
    names = [str(Path("odd") / name) for name, _ in ODD_NAMES]
    views = [
        runner.invoke(app, ["validate", *names]),
        runner.invoke(app, ["validate", *names, "-f", "table"]),
        runner.invoke(app, ["validate", *names, "-f", "markdown"]),
        runner.invoke(app, ["batch", "odd", "--summary", "s.md"]),
        runner.invoke(app, ["batch", "odd", "-f", "markdown"]),
    ]
    summary = Path("s.md").read_text()
    for result in views:
        assert result.exit_code in (0, 1), result.output
        for text in (result.stdout, result.stderr):
            assert "\x1b" not in text and "\x07" not in text
            assert "new\nline" not in text and "[red]" not in text.replace("[red]markup", "")
        for _name, shown in ODD_NAMES:
            assert f"odd/{shown}" in result.stdout + result.stderr, result.output
    assert "\x1b" not in summary and "\x07" not in summary and "new\nline" not in summary
    for _name, shown in ODD_NAMES:
        assert f"odd/{shown}" in summary
        assert f"odd/{shown}:53:3: expect.comparison.savings_npv_usd:" in views[3].stderr


def test_keys_missing_from_one_mapping_are_one_line(runner: CliRunner, tmp_path: Path) -> None:
    """The fuzzer's case: a chip naming gb200, an accelerator preset with no silicon
    figures, lacks five keys: one problem, one line at the chip, which says that a process
    node preset gives three of them."""
    path = tmp_path / "gpu-as-chip.yaml"
    path.write_text(
        "version: 1\nname: m\nhorizon_years: 1\ndiscount_rate: 0\n"
        "demand: {reference: h100-sxm, units: 1}\nsite: {electricity_usd_per_kwh: 0.1}\n"
        "buy: {accelerator: h100-sxm}\nbuild:\n  share: 1\n  available_year: 0\n"
        "  chip: {accelerator: gb200}\n  nre: {design_usd: 1}\n"
    )
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:11:3: build.chip: missing required keys 'die_area_mm2', 'node', 'wafer_usd', "
        "'defect_density_per_cm2' and 'mask_set_usd' (add them under build.chip; a process "
        "node, e.g. node: n5 ('gpucalc presets'), gives wafer_usd, defect_density_per_cm2 and "
        "mask_set_usd)\n"
    )


@pytest.mark.parametrize("name", ['""', "' '"])
def test_a_blank_workload_name_is_refused(runner: CliRunner, tmp_path: Path, name: str) -> None:
    """No key path (--set, --param, a tornado row) could name it: one line at the key."""
    path = tmp_path / "blank.yaml"
    path.write_text(
        "version: 1\nname: b\nhorizon_years: 1\n"
        f"demand:\n  workloads:\n    {name}: {{units: 10}}\n    chat: {{units: 5}}\n"
        "site: {electricity_usd_per_kwh: 0.1}\nbuy: {accelerator: h100-sxm}\n"
        "build: {share: 0.5, chip: {accelerator: mtia-v2}, nre: {design_usd: 1}}\n"
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:6:5: " in result.stderr
    assert "a workload needs a name, not blank" in result.stderr
