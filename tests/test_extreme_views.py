"""Valid scenarios whose figures overflow, through the secondary views (workbook, charts,
report): every one computes, nothing exits 70 ("internal error").

A cached workbook value that overflows or divides by zero is an empty cell; a chart leaves
out (n/a) what is too large to draw; a chart with nothing left to draw is a note in the
report and, from ``plot``, one ``error:`` line and exit 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from gpu_calc.cli import app

pytest.importorskip("matplotlib")

_HEAD = """\
horizon_years: 2
demand: {units: 1000}
site: {electricity_usd_per_kwh: 0.08}
buy: {accelerator: h100-sxm, unit_price_usd: 28000}
"""

#: name -> scenario text, all valid.
SCENARIOS = {
    # Poisson yield of a 200 /cm2 defect density underflows to 0: no good die
    "yield_zero": _HEAD
    + "build:\n  share: 0.5\n"
    + "  chip: {accelerator: mtia-v2, yield_model: poisson, defect_density_per_cm2: 200}\n"
    + "  nre: {design_usd: 4.0e+8}\n",
    # the wafer's area overflows
    "wafer_huge": _HEAD
    + "build:\n  share: 0.5\n  chip: {accelerator: mtia-v2, wafer_diameter_mm: 1.0e+300}\n"
    + "  nre: {design_usd: 4.0e+8}\n",
    # dies per wafer is infinite
    "die_tiny": _HEAD
    + "build:\n  share: 0.5\n"
    + "  chip: {accelerator: mtia-v2, yield_model: poisson, defect_density_per_cm2: 200,"
    + " die_area_mm2: 5.0e-324}\n"
    + "  nre: {design_usd: 4.0e+8}\n",
    # the per-year software cost sums past the largest float
    "software_huge": _HEAD
    + "build:\n  share: 0.5\n  chip: {accelerator: mtia-v2}\n"
    + "  nre: {design_usd: 4.0e+8, software_usd_per_year: 1.0e+308}\n",
    # a lognormal whose P90 is beyond the largest float
    "lognormal_wide": _HEAD.replace(
        "unit_price_usd: 28000", "unit_price_usd: {dist: lognormal, median: 28000, sigma: 1000}"
    )
    + "build: {share: 0.25, chip: {accelerator: mtia-v2}, nre: {design_usd: 4.0e+8}}\n",
    # every fleet's capacity is too large to draw
    "demand_huge": _HEAD.replace("units: 1000", "units: 1.0e+308")
    + "build: {share: 0.5, chip: {accelerator: mtia-v2}, nre: {design_usd: 4.0e+8}}\n",
    # the build plan's NPV is near the largest float, with and without a distribution
    "design_huge": _HEAD
    + "build: {share: 0.5, chip: {accelerator: mtia-v2}, nre: {design_usd: 1.7e+308}}\n",
    "design_huge_uncertain": _HEAD.replace(
        "electricity_usd_per_kwh: 0.08",
        "electricity_usd_per_kwh: 0.08, pue: {dist: uniform, low: 1.1, high: 1.3}",
    )
    + "build: {share: 0.5, chip: {accelerator: mtia-v2}, nre: {design_usd: 1.7e+308}}\n",
}

TOO_LARGE = "its figures are too large to draw"


@pytest.fixture
def scenario(tmp_path: Path) -> Callable[[str], str]:
    def write(name: str) -> str:
        path = tmp_path / f"{name}.yaml"
        path.write_text(SCENARIOS[name])
        return str(path)

    return write


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize(
    "name", ["yield_zero", "wafer_huge", "die_tiny", "software_huge", "lognormal_wide"]
)
def test_workbook_of_overflowing_figures(
    name: str, scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "x.xlsx"
    _ok(runner.invoke(app, ["compare", scenario(name), "-f", "xlsx", "-o", str(out)]))
    assert out.read_bytes()[:2] == b"PK"


def test_sweep_and_simulate_workbooks(
    scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    sweep = ["sweep", scenario("wafer_huge"), "-p", "build.share", "-v", "0:1:3", "-f", "xlsx"]
    _ok(runner.invoke(app, [*sweep, "-o", str(tmp_path / "s.xlsx")]))
    simulate = ["simulate", scenario("die_tiny"), "-n", "100", "-f", "xlsx"]
    _ok(runner.invoke(app, [*simulate, "-o", str(tmp_path / "m.xlsx")]))


def test_a_die_cost_that_divides_by_zero_is_an_empty_cell(
    scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "x.xlsx"
    _ok(runner.invoke(app, ["compare", scenario("yield_zero"), "-f", "xlsx", "-o", str(out)]))
    sheet = openpyxl.load_workbook(out)["Silicon"]
    row = next(r for r in sheet.iter_rows() if r[1].value == "silicon.die_usd")
    assert row[2].value is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("yield_zero", "silicon"),  # the steps after the yield say n/a
        ("design_huge", "sweep"),  # the buy plan's line is drawn, the savings say n/a
        ("design_huge", "cumulative"),
        ("design_huge", "breakdown"),
    ],
)
def test_a_chart_draws_what_is_finite(
    name: str, kind: str, scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "c.svg"
    args = ["plot", scenario(name), "-k", kind, "-o", str(out)]
    if kind == "sweep":
        args += ["--param", "build.share", "--values", "0:1:3"]
    _ok(runner.invoke(app, args))
    assert out.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("demand_huge", "fleet"),
        ("design_huge_uncertain", "histogram"),
        ("design_huge_uncertain", "tornado"),
    ],
)
def test_a_chart_with_nothing_to_draw_exits_2(
    name: str, kind: str, scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    path = scenario(name)
    out = tmp_path / "c.svg"
    result = runner.invoke(app, ["plot", path, "-k", kind, "-n", "200", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --kind {kind}: nothing to draw for {path}: ")
    assert TOO_LARGE in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("name", ["yield_zero", "demand_huge", "design_huge_uncertain"])
def test_report_says_what_it_cannot_draw(
    name: str, scenario: Callable[[str], str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    _ok(runner.invoke(app, ["report", scenario(name), "-n", "200", "-o", str(out)]))
    page = out.read_text()
    if name != "yield_zero":
        assert f"No chart: {TOO_LARGE}" in page


def test_a_difference_that_rounds_to_nothing_has_no_sign(runner, tmp_path):
    """Demand of 1e-12 units (the fuzzer's case): both plans buy about 1e-12 accelerators,
    shown as 0, and their difference as 0, never -0 or +0; a money row with no difference
    is $0, as its plans' columns write it."""
    from tests.conftest import SMALL

    path = tmp_path / "tiny.yaml"
    path.write_text(SMALL.replace("units: 100", "units: 1.0e-12"))
    out = runner.invoke(app, ["compare", str(path)]).stdout
    for label in ("Accelerators bought", "In-house chips built"):
        row = next(line for line in out.splitlines() if label in line)
        assert row.split()[-3:] == ["0", "0", "0"], row
    facility = next(line for line in out.splitlines() if "of which facility" in line)
    cells = out.split()
    assert not {"-0", "+0", "-$0", "+$0"} & set(cells)
    assert facility.split()[-1].startswith(("$", "+$", "-$"))


def test_a_huge_savings_share_is_a_power_of_ten_in_the_verdict(runner, tmp_path):
    """The fuzzer's case: a GPU at $1e-30 against a chip with a $1B design, 1 unit, 1 year.
    Buy NPV: the unit's residual, 1e-30 x 3/4 years left = 2.5e-31 (no power cost); build
    NPV about $1.02B; savings_pct = -1.02e9 / 2.5e-31 x 100 = -4.07e41. The verdict said it
    with 42 digits; now as a power of ten."""
    path = tmp_path / "free-gpu.yaml"
    path.write_text(
        "version: 1\nname: p\nhorizon_years: 1\ndiscount_rate: 0\n"
        "demand: {reference: h100-sxm, units: 1}\nsite: {electricity_usd_per_kwh: 0}\n"
        "buy: {accelerator: h100-sxm, unit_price_usd: 1e-30}\n"
        "build: {share: 1, available_year: 0, chip: {accelerator: mtia-v2}, "
        "nre: {design_usd: 1e9}}\n"
    )
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(
        "Buying is cheaper: building costs $1.02B more NPV (4.07 × 10^41%) over 1 year"
    )
