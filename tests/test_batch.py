"""``gpucalc batch``: discovery, expectations, outputs, JUnit XML and exit codes.

Scenario folders are generated in tmp_path from the SMALL scenario of conftest.py. Two
variants have answers worked by hand from MODEL.md sections 4-6:

* BUY_CHEAPER (``build.share: 0``): the build plan is the buy plan plus the chip's NRE and
  software. NRE = design 2,000,000 + IP 500,000 + masks 1,000,000 x (1 + 1 respin)
  = 4,500,000 at the start of year 0; software 100,000 at the end of years 0, 1, 2 at 10%:
  100,000 x (1/1.1 + 1/1.21 + 1/1.331) = 248,685.20. So savings_npv_usd = -4,748,685.20,
  cheaper = buy, and the cumulative savings never reach 0: payback_year = null.
  Buy IT energy in year 0: 100 units x (1000 W + 800 W / 8) x 0.5 x 8760 h = 481,800 kWh.
* BUILD_CHEAPER (a GPU at $1B, the whole demand on the chip from year 0): the buy plan
  spends 100 x $1B = $1e11 at the start of year 0, the build plan some millions; building
  is cheaper and pays back in year 0.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gpu_calc import batch, expect, junit
from gpu_calc.cli import app
from gpu_calc.errors import InputError
from gpu_calc.render import Format
from tests.conftest import SMALL

BUY_SAVINGS_USD = -(4_500_000 + 100_000 * (1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3))
BUY_ENERGY_IT_KWH_YEAR0 = 100 * (1000 + 800 / 8) * 0.5 * 8760 / 1000


def variant(*replacements: tuple[str, str], extra: str = "") -> str:
    """SMALL with whole lines replaced (each must be there), and ``extra`` appended."""
    text = SMALL
    for old, new in replacements:
        assert old + "\n" in text, old
        text = text.replace(old + "\n", new + "\n", 1)
    return text + extra


BUY_CHEAPER = variant(("  share: 0.5", "  share: 0"))
BUILD_CHEAPER = variant(
    ("  unit_price_usd: 10000", "  unit_price_usd: 1000000000"),
    ("  share: 0.5", "  share: 1"),
    ("  available_year: 1", "  available_year: 0"),
)
BAD_PUE = variant(("  pue: 1.5", "  pue: 0.5"))
PUE_LINE = BAD_PUE.splitlines().index("  pue: 0.5") + 1


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder of good, failing and invalid files in subfolders, plus files to ignore."""
    root = tmp_path / "scenarios"
    write(
        root / "b_buy.yml",
        BUY_CHEAPER
        + "expect:\n"
        + "  comparison.cheaper: {equals: buy}\n"
        + "  comparison.savings_npv_usd: {max: -4748000, min: -4749000}\n"
        + "  comparison.payback_year: {max: 3}\n",  # null: fails
    )
    write(
        root / "a_build.yaml",
        BUILD_CHEAPER
        + "expect:\n"
        + "  comparison.cheaper: {equals: build}\n"
        + "  comparison.payback_year: {max: 0}\n",
    )
    write(root / "sub" / "c_bad.yaml", BAD_PUE)
    write(root / "sub" / "deeper" / "d_ok.yaml", BUY_CHEAPER)
    write(root / "notes.txt", "not a scenario")
    write(root / ".hidden.yaml", "not: [a scenario")
    write(root / ".git" / "x.yaml", "not: [a scenario")
    return root


def run_json(runner, *args: str) -> tuple[dict, object]:
    result = runner.invoke(app, ["batch", *args, "--format", "json"])
    return json.loads(result.stdout), result


# --------------------------------------------------------------------------- discovery


def test_discovery_is_sorted_by_path_components(tmp_path: Path) -> None:
    names = ["b.yaml", "a.yml", "sub/z.yaml", "sub-x.yaml", "B.yaml", "sub/a/y.yml", "c.json"]
    for name in names:  # created in this (unsorted) order
        write(tmp_path / name, "")
    found = batch.discover([str(tmp_path)])
    got = [Path(p).relative_to(tmp_path).as_posix() for p in found.files]
    wanted = sorted((n for n in names if n.endswith((".yaml", ".yml"))), key=lambda n: n.split("/"))
    assert got == wanted
    assert found.warnings == []


def test_symlink_loop_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.yaml", "")
    (tmp_path / "sub" / "loop").symlink_to("..", target_is_directory=True)
    found = batch.discover([str(tmp_path)])
    assert found.files == [str(tmp_path / "sub" / "a.yaml")]
    assert len(found.warnings) == 1 and "symlink loop" in found.warnings[0]


def test_same_file_given_twice_is_checked_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "")
    found = batch.discover([str(tmp_path), str(tmp_path / "a.yaml")])
    assert found.files == [str(tmp_path / "a.yaml")]


def test_missing_path_is_an_invalid_entry(tmp_path: Path) -> None:
    found = batch.discover([str(tmp_path / "nope")])
    (path, error), *_ = found.entries
    assert str(error) == f"{tmp_path / 'nope'}: no such file or directory"


def _unreadable(path: Path) -> Path:
    path.chmod(0)
    if os.access(path, os.R_OK):
        path.chmod(0o755)
        pytest.skip("running as root: chmod 0 does not make a file unreadable")
    return path


def test_unreadable_file_is_reported_and_the_batch_goes_on(runner, tmp_path: Path) -> None:
    good = write(tmp_path / "a.yaml", BUY_CHEAPER)
    bad = _unreadable(write(tmp_path / "b.yaml", BUY_CHEAPER))
    try:
        out, result = run_json(runner, str(tmp_path))
    finally:
        bad.chmod(0o644)
    assert result.exit_code == 2, result.output
    assert [(r["file"], r["status"]) for r in out["results"]] == [
        (str(good), "ok"),
        (str(bad), "invalid"),
    ]
    assert f"{bad}: permission denied: cannot read the file" in result.stderr.splitlines()


def test_unreadable_directory_is_reported(runner, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BUY_CHEAPER)
    locked = tmp_path / "locked"
    write(locked / "b.yaml", BUY_CHEAPER)
    _unreadable(locked)
    try:
        out, result = run_json(runner, str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert [r["status"] for r in out["results"]] == ["ok", "invalid"]
    assert out["results"][1]["errors"][0]["text"] == (
        f"{locked}: permission denied: cannot list the directory"
    )


# --------------------------------------------------------------------------- the mixed folder


def test_mixed_folder_json(runner, mixed: Path) -> None:
    out, result = run_json(runner, str(mixed))
    assert result.exit_code == 2, result.output
    files = [str(mixed / n) for n in ("a_build.yaml", "b_buy.yml", "sub/c_bad.yaml")]
    files.append(str(mixed / "sub/deeper/d_ok.yaml"))
    assert [r["file"] for r in out["results"]] == files
    statuses = [r["status"] for r in out["results"]]
    assert statuses == ["ok", "failed", "invalid", "ok"]
    assert out["summary"] == {
        "files": 4,
        "ok": 2,
        "failed": 1,
        "invalid": 1,
        "expectations_checked": 5,
        "expectations_failed": 1,
        "exit_code": 2,
    }

    build, buy, bad, ok = out["results"]
    assert build["result"]["comparison"]["cheaper"] == "build"
    assert build["result"]["comparison"]["payback_year"] == 0
    assert buy["result"]["comparison"]["savings_npv_usd"] == pytest.approx(BUY_SAVINGS_USD)
    assert buy["result"]["comparison"]["payback_year"] is None
    held = [x["passed"] for x in buy["expectations"]]
    assert held == [True, True, False]
    assert "null" in buy["expectations"][2]["reason"]
    assert bad["result"] is None and bad["expectations"] == []
    assert bad["errors"][0]["line"] == PUE_LINE
    assert bad["errors"][0]["path"] == "site.pue"


def test_result_is_the_full_compare_output(runner, mixed: Path) -> None:
    out, _ = run_json(runner, str(mixed / "sub"))
    target = str(mixed / "sub/deeper/d_ok.yaml")
    compared = runner.invoke(app, ["compare", target, "--format", "json"])
    assert compared.exit_code == 0, compared.output
    (entry,) = [r for r in out["results"] if r["file"] == target]
    assert entry["result"] == json.loads(compared.stdout)


def test_errors_are_listed_at_the_end_on_stderr(runner, mixed: Path) -> None:
    result = runner.invoke(app, ["batch", str(mixed)])
    lines = result.stderr.splitlines()
    bad = str(mixed / "sub" / "c_bad.yaml")
    assert any(line.startswith(f"{bad}:{PUE_LINE}:3: site.pue: ") for line in lines), lines
    expect_line = SMALL.count("\n") + 4  # BUY_CHEAPER, "expect:", then its third entry
    assert any(
        line.startswith(f"{mixed / 'b_buy.yml'}:{expect_line}:3: expect.comparison.payback_year:")
        for line in lines
    ), lines
    assert "a_build.yaml" not in result.stderr
    # the data stays on stdout, every problem on stderr
    assert "site.pue" not in result.stdout


def test_table_shows_each_file(runner, mixed: Path, monkeypatch) -> None:
    monkeypatch.chdir(mixed.parent)
    result = runner.invoke(app, ["batch", "scenarios", "--no-color"])
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if "/" in line}
    assert rows["scenarios/a_build.yaml"][0] == "build"
    assert rows["scenarios/a_build.yaml"][-4:] == ["from", "the", "start", "ok"]
    assert rows["scenarios/b_buy.yml"][0] == "buy"
    assert rows["scenarios/b_buy.yml"][1].startswith("-$4.7")
    assert rows["scenarios/b_buy.yml"][-2:] == ["never", "failed"]
    assert rows["scenarios/sub/c_bad.yaml"][-1] == "invalid"
    assert "4 files: 2 ok, 1 failed, 1 invalid; 4 of 5 expectations held" in result.stdout
    assert "\x1b[" not in result.stdout


def test_csv(runner, mixed: Path) -> None:
    result = runner.invoke(app, ["batch", str(mixed), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["status"] for r in rows] == ["ok", "failed", "invalid", "ok"]
    assert float(rows[1]["savings_npv_usd"]) == pytest.approx(BUY_SAVINGS_USD)
    assert rows[1]["expectations_failed"] == "1"
    assert rows[2]["problems"].startswith(f"{mixed / 'sub/c_bad.yaml'}:{PUE_LINE}:3: site.pue")


def test_jobs_give_the_same_json_as_serial(runner, mixed: Path) -> None:
    serial, _ = run_json(runner, str(mixed))
    parallel, result = run_json(runner, str(mixed), "--jobs", "2")
    assert result.exit_code == 2
    assert parallel == serial


# --------------------------------------------------------------------------- JUnit, summary


def test_junit_shape_and_counts(runner, mixed: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    result = runner.invoke(app, ["batch", str(mixed), "--junit", str(report)])
    assert result.exit_code == 2, result.output
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == (
            "4",
            "1",
            "1",
        )
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        str(mixed / n)
        for n in ("a_build.yaml", "b_buy.yml", "sub/c_bad.yaml", "sub/deeper/d_ok.yaml")
    ]
    kinds = [[child.tag for child in c if child.tag in ("error", "failure")] for c in cases]
    assert kinds == [[], ["failure"], ["error"], []]
    assert "comparison.payback_year" in cases[1].find("failure").get("message")
    assert cases[2].find("error").get("message").startswith(f"{mixed / 'sub/c_bad.yaml'}:")
    assert all(float(c.get("time")) >= 0 for c in cases)


def test_junit_all_passing(runner, tmp_path: Path) -> None:
    write(tmp_path / "s" / "a.yaml", BUY_CHEAPER)
    report = tmp_path / "report.xml"
    result = runner.invoke(app, ["batch", str(tmp_path / "s"), "--junit", str(report)])
    assert result.exit_code == 0, result.output
    suite = ET.parse(report).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")


def test_summary_is_appended_markdown(runner, mixed: Path, tmp_path: Path) -> None:
    summary = write(tmp_path / "step-summary.md", "earlier step\n")
    runner.invoke(app, ["batch", str(mixed), "--summary", str(summary)])
    text = summary.read_text()
    assert text.startswith("earlier step\n## gpucalc batch")
    assert "| File | Cheaper | Savings (NPV) | Payback | Status |" in text
    assert f"`{mixed / 'sub/c_bad.yaml'}:{PUE_LINE}:3: site.pue:" in text


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_every_expectation_holds(runner, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BUILD_CHEAPER)
    write(tmp_path / "b.yaml", BUY_CHEAPER)
    out, result = run_json(
        runner,
        str(tmp_path),
        "--expect",
        f"plans.buy.energy_it_kwh_per_year[0]={{min: {BUY_ENERGY_IT_KWH_YEAR0 - 1e-6}, "
        f"max: {BUY_ENERGY_IT_KWH_YEAR0 + 1e-6}}}",
        "--expect",
        "silicon.nre_usd={equals: 4500000}",
    )
    assert result.exit_code == 0, result.output
    assert out["summary"]["expectations_checked"] == 4
    assert all(x["origin"] == "cli" for r in out["results"] for x in r["expectations"])


def test_exit_1_when_a_cli_expectation_fails(runner, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BUILD_CHEAPER)
    write(tmp_path / "b.yaml", BUY_CHEAPER)
    out, result = run_json(runner, str(tmp_path), "--expect", "comparison.cheaper={equals: build}")
    assert result.exit_code == 1, result.output
    assert [r["status"] for r in out["results"]] == ["ok", "failed"]
    b = tmp_path / "b.yaml"
    wanted = f"{b}: comparison.cheaper: expected 'build', got 'buy' "
    wanted += "(--expect comparison.cheaper={equals: build})"
    assert wanted in result.stderr.splitlines()


def test_exit_2_for_an_invalid_file(runner, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BUY_CHEAPER)
    write(tmp_path / "b.yaml", "horizon_years: [\n")
    _, result = run_json(runner, str(tmp_path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_exit_2_beats_exit_1(runner, mixed: Path) -> None:
    result = runner.invoke(app, ["batch", str(mixed / "b_buy.yml"), str(mixed / "sub")])
    assert result.exit_code == 2, result.output
    result = runner.invoke(app, ["batch", str(mixed / "b_buy.yml")])
    assert result.exit_code == 1, result.output


def test_exit_2_when_nothing_to_check(runner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: no *.yaml or *.yml files under {tmp_path}"


@pytest.mark.parametrize(
    ("option", "wanted"),
    [
        ("comparison.payback={max: 3}", "unknown output path 'comparison.payback' (did you mean"),
        ("comparison.cheaper", "expected PATH=BOUNDS"),
        ("comparison.cheaper={equals: [", "BOUNDS: YAML syntax error"),
        ("comparison.cheaper=buy", "BOUNDS must be a YAML mapping"),
        ("comparison.cheaper={equal: buy}", "unknown bound 'equal' (did you mean 'equals'?)"),
        ("comparison.savings_pct={min: 5, max: 1}", "min (5) is above max (1)"),
        ("comparison.savings_pct={}", "give at least one bound"),
    ],
)
def test_exit_2_for_a_bad_expect_option(runner, small_file: Path, option: str, wanted: str) -> None:
    result = runner.invoke(app, ["batch", str(small_file), "--expect", option])
    assert result.exit_code == 2, result.output
    assert wanted in result.stderr
    assert "Traceback" not in result.output


def test_unknown_expect_path_in_a_file_is_an_input_error(runner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.yaml", BUY_CHEAPER + "expect:\n  comparison.saving_npv_usd: {min: 0}\n"
    )
    out, result = run_json(runner, str(path))
    assert result.exit_code == 2
    (error,) = out["results"][0]["errors"]
    assert error["text"] == (
        f"{path}:{SMALL.count(chr(10)) + 2}:3: expect.comparison.saving_npv_usd: unknown output "
        "path 'comparison.saving_npv_usd' (did you mean 'comparison.savings_npv_usd'?)"
    )
    assert out["results"][0]["result"] is not None


def test_file_and_cli_expectations_together(runner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.yaml", BUILD_CHEAPER + "expect:\n  comparison.cheaper: {equals: build}\n"
    )
    out, result = run_json(runner, str(path), "--expect", "comparison.payback_year={max: 0}")
    assert result.exit_code == 0, result.output
    assert [(x["path"], x["origin"], x["passed"]) for x in out["results"][0]["expectations"]] == [
        ("comparison.cheaper", "file", True),
        ("comparison.payback_year", "cli", True),
    ]


def test_set_applies_to_every_file(runner, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BUY_CHEAPER)
    out, result = run_json(runner, str(tmp_path), "--set", "site.pue=0.5")
    assert result.exit_code == 2
    assert out["results"][0]["errors"][0]["file"] == "--set site.pue=0.5"


def test_refuses_to_write_the_report_over_a_directory(runner, small_file: Path) -> None:
    result = runner.invoke(app, ["batch", str(small_file), "--junit", str(small_file.parent)])
    assert result.exit_code == 2
    assert "--junit" in result.stderr


# --------------------------------------------------------------------------- expect.py


RESULT = {
    "comparison": {"payback_year": None, "cheaper": "buy", "savings_npv_usd": -5.0},
    "plans": {"buy": {"energy_it_kwh_per_year": [10.0, 20.0]}},
    "flag": True,
}


def outcome(text: str) -> expect.Outcome:
    return expect.check(RESULT, expect.Expectation.parse(text))


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("comparison.savings_npv_usd={max: -5}", True),  # inclusive
        ("comparison.savings_npv_usd={min: -5}", True),
        ("comparison.savings_npv_usd={min: -4.9}", False),
        ("comparison.savings_npv_usd={equals: -5}", True),
        ("plans.buy.energy_it_kwh_per_year[1]={min: 20, max: 20}", True),
        ("plans.buy.energy_it_kwh_per_year[0]={max: 9.99}", False),
        ("comparison.cheaper={equals: buy}", True),
        ("flag={equals: true}", True),
        ("flag={equals: 1}", False),  # a boolean is not the number 1
        ("comparison.payback_year={max: 3}", False),  # null
    ],
)
def test_bounds(text: str, passed: bool) -> None:
    assert outcome(text).passed is passed


def test_null_against_min_says_why() -> None:
    assert outcome("comparison.payback_year={min: 0, max: 3}").reason == (
        "is null (building never pays back), so it cannot be checked against min 0 and max 3"
    )


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("comparison.cheaper={min: 0}", "not a number: min and max cannot apply (use equals)"),
        ("plans.buy.energy_it_kwh_per_year[2]={min: 0}", "index [2] is out of range"),
        ("plans.buy.energy_it_kwh_per_year={min: 0}", "is a list of 2 values; index it"),
        ("plans.buy={min: 0}", "is a mapping, not a value; name one of its keys"),
        ("plans.bye.co2e_kg={min: 0}", "(did you mean"),
        ("nothing_like_it={min: 0}", "keys at the top level: comparison, plans, flag"),
    ],
)
def test_paths_that_name_no_value_are_input_errors(text: str, wanted: str) -> None:
    with pytest.raises(InputError) as info:
        outcome(text)
    assert wanted in str(info.value)
    assert str(info.value).startswith(f"--expect {text.split('=')[0]}=")


# --------------------------------------------------------------------------- views, progress


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_has_a_batch_view(runner, mixed: Path, fmt: Format) -> None:
    result = runner.invoke(app, ["batch", str(mixed), "--format", fmt.value])
    assert result.exit_code == 2, result.output
    assert "c_bad.yaml" in result.stdout


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "term", "ci", "shown"),
    [
        (True, "xterm", None, True),
        (True, "dumb", None, False),
        (False, "xterm", None, False),
        # a CI runner's pseudo-terminal gets no bar; CI=false or 0 means no CI
        (True, "xterm", "true", False),
        (True, "xterm", "1", False),
        (True, "xterm", "false", True),
        (True, "xterm", "0", True),
    ],
)
def test_progress_bar_only_on_a_terminal(
    monkeypatch, tty: bool, term: str, ci: str | None, shown: bool
) -> None:
    from gpu_calc.cli import progress

    monkeypatch.setattr("sys.stderr", _Stream(tty))
    monkeypatch.setenv("TERM", term)
    # the runner's own CI variable must not decide the case (CI machines set CI=true)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert progress.show_progress() is shown


def test_no_progress_or_colour_in_pipes(runner, mixed: Path) -> None:
    result = runner.invoke(app, ["batch", str(mixed)])
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr


def test_junit_survives_control_characters_and_gives_times() -> None:
    report = batch.BatchReport(
        [batch.FileResult("odd\x01.yaml", errors=[InputError("bad \x02 byte", "odd\x01.yaml")])],
        time_s=1.23456,
    )
    root = ET.fromstring(junit.render(report))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "odd\ufffd.yaml"
    # the file name as printed (escaped), the message's control character replaced
    assert case.find("error").text == "odd\\x01.yaml: bad \ufffd byte"
    assert root.get("time") == "1.235"


@pytest.mark.parametrize(
    ("entry", "key", "wanted"),
    [
        ("{mx: 2}", "mx", "savings_npv_usd.mx: unknown key 'mx' (did you mean 'max'?)"),
        (
            '{min: "3"}',
            "min",
            "savings_npv_usd.min: expected a number, got the text '3' "
            "(remove the quotes: numbers are written bare)",
        ),
        (
            "{min: true}",
            "min",
            "savings_npv_usd.min: expected a number, got the boolean true "
            "(write a number; true and false are not numbers)",
        ),
        (
            "{min: 2, max: 1}",
            "comparison",
            "savings_npv_usd: min (2) is above max (1): nothing can pass",
        ),
    ],
)
def test_bad_expect_blocks_exact_errors(
    runner, tmp_path: Path, entry: str, key: str, wanted: str
) -> None:
    entry_line = f"  comparison.savings_npv_usd: {entry}"
    path = write(tmp_path / "a.yaml", BUY_CHEAPER + f"expect:\n{entry_line}\n")
    result = runner.invoke(app, ["batch", str(path)])
    assert result.exit_code == 2, result.output
    line = SMALL.count("\n") + 2  # after SMALL and "expect:"
    col = entry_line.index(key) + 1
    assert f"{path}:{line}:{col}: expect.comparison.{wanted}" in result.stderr.splitlines()


def test_permission_errors_when_running_as_root(runner, tmp_path: Path, monkeypatch) -> None:
    """The same paths as the chmod tests above, forced, so they run even as root."""
    good = write(tmp_path / "a.yaml", BUY_CHEAPER)
    bad = write(tmp_path / "b.yaml", BUY_CHEAPER)
    locked = write(tmp_path / "locked" / "c.yaml", BUY_CHEAPER).parent
    real_open, real_scandir = os.open, os.scandir

    def fake_open(file, *args, **kwargs):
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    def fake_scandir(path):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)  # how gpu_calc.files opens a scenario
    monkeypatch.setattr(os, "scandir", fake_scandir)
    out, result = run_json(runner, str(tmp_path))
    assert result.exit_code == 2, result.output
    assert [(r["file"], r["status"]) for r in out["results"]] == [
        (str(good), "ok"),
        (str(bad), "invalid"),
        (str(locked), "invalid"),
    ]
    assert [r["errors"][0]["text"] for r in out["results"][1:]] == [
        f"{bad}: permission denied: cannot read the file",
        f"{locked}: permission denied: cannot list the directory",
    ]


def test_report_dir_writes_a_report_per_scenario_and_an_index(runner, tmp_path):
    """Two good files and a bad one: two reports, and an index naming all three."""
    from gpu_calc.cli import app as cli_app

    folder = tmp_path / "scen"
    folder.mkdir()
    (folder / "a.yaml").write_text(SMALL)
    (folder / "b.yaml").write_text(SMALL.replace("name: small", "name: other"))
    (folder / "bad.yaml").write_text("horizon_years: 0\n")
    out = tmp_path / "reports"
    result = runner.invoke(cli_app, ["batch", str(folder), "--report-dir", str(out)])
    assert result.exit_code == 2, result.output
    pages = sorted(p.name for p in out.iterdir())
    assert pages == ["a.html", "b.html", "index.html"]
    index = (out / "index.html").read_text()
    assert "a.html" in index and "b.html" in index and "bad.yaml" in index
    assert "<h1" in (out / "a.html").read_text()


def test_report_dir_with_a_trailing_slash_is_created(runner, tmp_path, monkeypatch):
    """`--report-dir reports/` (as the README writes it) makes the folder, as without the
    slash: its parent is the current folder, which exists."""
    pytest.importorskip("matplotlib")
    (tmp_path / "a.yaml").write_text(SMALL)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["batch", "a.yaml", "--report-dir", "reports/"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["a.html", "index.html"]
    deeper = runner.invoke(app, ["batch", "a.yaml", "--report-dir", "no/such/"])
    assert deeper.exit_code == 2
    assert "--report-dir no/such/: cannot write: the folder no does not exist" in deeper.stderr


def test_an_empty_output_name_is_refused_before_anything_is_written(runner, tmp_path):
    """`--summary "$GITHUB_STEP_SUMMARY"` outside GitHub Actions gives an empty name: refused
    up front, exit 2, and the JUnit file of the same run is not written either."""
    (tmp_path / "a.yaml").write_text(SMALL)
    junit_path = tmp_path / "report.xml"
    result = runner.invoke(
        app, ["batch", str(tmp_path / "a.yaml"), "--junit", str(junit_path), "--summary", ""]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --summary '': cannot write: the file name is empty (an unset variable?)\n"
    )
    assert not junit_path.exists()
    compare = runner.invoke(app, ["compare", str(tmp_path / "a.yaml"), "-o", ""])
    assert compare.exit_code == 2 and "error: -o '': cannot write" in compare.stderr


@pytest.mark.parametrize(
    ("entry", "wanted"),
    [
        (
            "comparison.verdict: {min: 1}",
            "expect.comparison.verdict: 'comparison.verdict' is 'Buying is cheaper",
        ),
        (
            "comparison.cheaper: {max: 3}",
            "expect.comparison.cheaper: 'comparison.cheaper' is 'buy', not a number: min and "
            "max cannot apply (use equals)",
        ),
        (
            "comparison.savings_npv_usd: {equals: .nan}",
            "expect.comparison.savings_npv_usd: equals must be a finite number, got .nan",
        ),
        (
            "comparison.savings_npv_usd: {equals: -.inf}",
            "expect.comparison.savings_npv_usd: equals must be a finite number, got -.inf",
        ),
        (
            "comparison.savings_npv_usd: {min: .nan}",
            "expect.comparison.savings_npv_usd: min must be a number, got NaN",
        ),
    ],
)
@pytest.mark.parametrize("command", ["batch", "compare", "validate"])
def test_one_expect_check_for_batch_compare_and_validate(
    runner, tmp_path: Path, command: str, entry: str, wanted: str
) -> None:
    """An expect: block batch rejects is rejected by compare and validate too, with the
    same line (expect.applicable and expect.from_mapping, shared)."""
    path = write(tmp_path / "a.yaml", BUY_CHEAPER + f"expect:\n  {entry}\n")
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.output
    line = SMALL.count("\n") + 2
    assert f"{path}:{line}:3: {wanted}" in result.stderr, result.stderr


def test_equals_null_expects_no_value(runner, tmp_path):
    """`{equals: null}` holds on a null output (payback_year when building never pays back)
    and fails on a number; it cannot go with min or max."""
    never = tmp_path / "never.yaml"  # SMALL: building costs more and never pays back
    never.write_text(SMALL + "expect:\n  comparison.payback_year: {equals: null}\n")
    result = runner.invoke(app, ["batch", str(never), "-f", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["results"][0]["expectations"]
    assert entry["equals_null"] is True and entry["passed"] is True and entry["value"] is None
    from tests.conftest import SCENARIOS

    pays = SCENARIOS / "meta-2024-full-stack.yaml"  # pays back in year 1
    failed = runner.invoke(
        app, ["batch", str(pays), "--expect", "comparison.payback_year={equals: null}"]
    )
    assert failed.exit_code == 1
    assert "comparison.payback_year: expected null, got 1 (--expect" in failed.stderr
    both = runner.invoke(
        app, ["batch", str(pays), "--expect", "comparison.payback_year={equals: null, max: 3}"]
    )
    assert both.exit_code == 2
    assert "equals: null expects no value: min and max cannot go with it" in both.stderr


def test_a_file_reached_twice_by_a_link_is_checked_once(tmp_path: Path) -> None:
    """A symlink, a hard link and a path written another way are the same file: checked
    once, at its first place in the sorted order (docs/ci.md)."""
    write(tmp_path / "b.yaml", "")
    (tmp_path / "a-link.yaml").symlink_to("b.yaml")
    os.link(tmp_path / "b.yaml", tmp_path / "c-hard.yaml")
    other = os.path.relpath(tmp_path / "b.yaml")
    found = batch.discover([str(tmp_path), other])
    assert found.files == [str(tmp_path / "a-link.yaml")]


def test_report_dir_refused_before_any_work_and_nothing_is_written(runner, tmp_path):
    """A file gpucalc did not write where a report would go: exit 2 before any scenario is
    computed, and no -o, --junit or --summary saying the run passed."""
    pytest.importorskip("matplotlib")
    (tmp_path / "a.yaml").write_text(SMALL)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.html").write_text("mine")
    outs = {name: tmp_path / name for name in ("o.json", "j.xml", "s.md")}
    result = runner.invoke(
        app,
        [
            "batch", str(tmp_path / "a.yaml"), "--report-dir", str(reports), "-f", "json",
            "-o", str(outs["o.json"]), "--junit", str(outs["j.xml"]), "--summary",
            str(outs["s.md"]),
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "refusing to replace files gpucalc did not write: a.html" in result.stderr
    assert not any(p.exists() for p in outs.values())
    assert (reports / "a.html").read_text() == "mine"


def test_a_name_too_long_for_a_report_file_is_shortened(runner, tmp_path):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / ("m" * 251 + ".yml")).write_text(SMALL)  # a 255-byte name, as allowed
    result = runner.invoke(app, ["batch", str(folder), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    [report] = [p.name for p in (tmp_path / "r").iterdir() if p.name != "index.html"]
    assert len(report.encode()) < 255 and report.startswith("m" * 100)
    assert report in (tmp_path / "r" / "index.html").read_text()


@pytest.mark.parametrize("option", ["-o", "--junit", "--summary"])
def test_a_yaml_output_is_refused(runner, tmp_path, option):
    """The next batch would read it as a scenario."""
    (tmp_path / "a.yaml").write_text(SMALL)
    result = runner.invoke(app, ["batch", str(tmp_path), option, str(tmp_path / "out.yaml")])
    assert result.exit_code == 2
    assert "batch writes no YAML" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_a_set_that_does_not_fit_a_file_names_the_file(runner, tmp_path):
    (tmp_path / "a.yaml").write_text(SMALL)
    (tmp_path / "b.yaml").write_text(SMALL)
    result = runner.invoke(app, ["batch", str(tmp_path), "--set", "site.pue=0.5"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    for name in ("a.yaml", "b.yaml"):
        assert f"{tmp_path / name}: --set site.pue=0.5: site.pue: must be >= 1, got 0.5" in lines


def test_the_report_index_says_which_files_failed(runner, tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "a.yaml").write_text(SMALL)
    out = tmp_path / "r"
    result = runner.invoke(
        app,
        ["batch", str(tmp_path / "a.yaml"), "--report-dir", str(out), "--expect",
         "comparison.savings_npv_usd={min: 1e12}"],
    )  # fmt: skip
    assert result.exit_code == 1
    index = (out / "index.html").read_text()
    assert "<th>Status</th>" in index and 'class="status bad">failed' in index
    assert "comparison.savings_npv_usd: expected &gt;= 1e+12" in index


def test_an_empty_folder_given_is_said(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.yaml").write_text(SMALL)
    result = runner.invoke(app, ["batch", str(tmp_path / "empty"), str(tmp_path / "a.yaml")])
    assert result.exit_code == 0, result.output
    assert f"warning: {tmp_path / 'empty'}: no *.yaml or *.yml file under it" in result.stderr


def test_summary_starts_on_a_line_of_its_own(runner, tmp_path):
    """Appended to a file whose last line has no newline, the heading is still a heading."""
    (tmp_path / "a.yaml").write_text(SMALL)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step, no newline at the end")
    result = runner.invoke(app, ["batch", str(tmp_path / "a.yaml"), "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    lines = summary.read_text().splitlines()
    assert lines[0] == "earlier step, no newline at the end"
    assert lines[1].startswith("## gpucalc batch")


def test_summary_into_a_fifo_does_not_wait_for_a_writer(tmp_path):
    """Checking the summary's last byte must not open a FIFO to read (that waits for a
    writer forever): the batch writes into it while a reader drains it."""
    import subprocess
    import sys
    import threading

    (tmp_path / "a.yaml").write_text(SMALL)
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "gpu_calc", "batch", str(tmp_path / "a.yaml"), "--summary",
         str(fifo)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    reader.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert got and got[0].startswith(b"## gpucalc batch")


def test_a_folder_whose_files_were_all_read_is_said(tmp_path: Path) -> None:
    write(tmp_path / "d1" / "x.yaml", "")
    (tmp_path / "dup").mkdir()
    os.link(tmp_path / "d1" / "x.yaml", tmp_path / "dup" / "h.yaml")
    found = batch.discover([str(tmp_path / "d1"), str(tmp_path / "dup")])
    assert found.files == [str(tmp_path / "d1" / "x.yaml")]
    assert found.warnings == [f"{tmp_path / 'dup'}: no *.yaml or *.yml file under it, or all "
                              "read already"]  # fmt: skip


def test_the_batch_payback_cell_gives_the_year_building_stays_ahead(runner, tmp_path):
    """The seed over 6 years with $500M a year of software (tests/test_analyst_views.py):
    ahead in year 1, behind in year 4, ahead for good from year 5."""
    from tests.conftest import SEED

    args = ["--set", "horizon_years=6", "--set", "build.nre.software_usd_per_year=5e8"]
    result = runner.invoke(app, ["batch", str(SEED), *args])
    row = next(line for line in result.stdout.splitlines() if "meta-2024" in line)
    assert "year 5" in row and "from the start" not in row
