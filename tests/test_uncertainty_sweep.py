"""Sweeps against single compares with --set, and their input errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from numpy.testing import assert_allclose

from gpu_calc.cli import app
from gpu_calc.errors import InputError, InputErrors
from gpu_calc.results import compare
from gpu_calc.scenario import load_file, load_text
from gpu_calc.uncertainty.params import parse_values
from gpu_calc.uncertainty.sweep import sweep
from tests.conftest import SMALL


def _single(sets: list[str]) -> dict:
    return compare(load_text(SMALL, sets=sets)).to_dict()


def test_2d_sweep_matches_single_compares(runner, small_file):
    result = runner.invoke(
        app,
        [
            "sweep", str(small_file),
            "--param", "build.share", "--values", "0:1:3",
            "--param", "site.electricity_usd_per_kwh", "--values", "0.05,0.2",
            "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["params"] == ["build.share", "site.electricity_usd_per_kwh"]
    assert out["values"] == [[0.0, 0.5, 1.0], [0.05, 0.2]]
    for i, share in enumerate(out["values"][0]):
        for j, price in enumerate(out["values"][1]):
            one = _single([f"build.share={share}", f"site.electricity_usd_per_kwh={price}"])
            o = out["outputs"]
            assert_allclose(o["savings_npv_usd"][i][j], one["comparison"]["savings_npv_usd"])
            assert_allclose(o["npv_usd_buy"][i][j], one["plans"]["buy"]["npv_usd"])
            assert_allclose(o["npv_usd_build"][i][j], one["plans"]["build"]["npv_usd"])
            assert o["payback_year"][i][j] == one["comparison"]["payback_year"]


def test_integer_sweep_matches_single_compares():
    out = sweep(load_text(SMALL), [("build.available_year", parse_values("0:3:4"))]).to_dict()
    for i, year in enumerate([0, 1, 2, 3]):
        one = _single([f"build.available_year={year}"])
        assert_allclose(out["outputs"]["savings_npv_usd"][i], one["comparison"]["savings_npv_usd"])


#: SMALL with an installed entry: 4-year a100s, 2 years old (they serve years 0 and 1)
INSTALLED = SMALL + "installed:\n  - {accelerator: a100, units: 50, age_years: 2}\n"


@pytest.mark.parametrize(
    ("params", "message", "point"),
    [
        # compare refuses age 2 with lifetime 2; the sweep refuses the value, not clips it
        (
            [("installed[0].lifetime_years", [2.0, 3.0])],
            "installed[0].lifetime_years: must be >= 3 (above installed[0].age_years, 2), got 2",
            ["installed[0].lifetime_years=2"],
        ),
        (
            [("installed[0].age_years", [0.0, 4.0])],
            "installed[0].age_years: must be <= 3 (below installed[0].lifetime_years, 4), got 4",
            ["installed[0].age_years=4"],
        ),
        # each value alone is valid against the other's base; the point (age 3, life 3) is not
        (
            [("installed[0].lifetime_years", [3.0, 5.0]), ("installed[0].age_years", [0.0, 3.0])],
            "installed[0].age_years reaches installed[0].lifetime_years at some grid point",
            ["installed[0].lifetime_years=3", "installed[0].age_years=3"],
        ),
    ],
)
def test_an_installed_entry_past_its_life_is_refused_as_compare_refuses_it(params, message, point):
    with pytest.raises(InputError, match=re.escape(message)):
        sweep(load_text(INSTALLED), params)
    # the offending point through compare: refused too (exit 2 on the command line)
    with pytest.raises(InputErrors, match="must be below lifetime_years"):
        load_text(INSTALLED, sets=point)


ROADMAP = "scenarios/meta-roadmap.yaml"  # horizon 6; available_year 1; chip gen 0 from 3


@pytest.mark.parametrize(
    ("params", "message", "point"),
    [
        (
            [("build.generations[0].from_year", [1.0, 3.0])],
            "build.generations[0].from_year: must be >= 2 (after build.available_year, 1), got 1",
            ["build.generations[0].from_year=1"],
        ),
        (
            [("build.available_year", [0.0, 3.0])],
            "build.available_year: must be <= 2 (before build.generations[0].from_year, 3), got 3",
            ["build.available_year=3"],
        ),
        (
            [("buy.generations[0].from_year", [0.0, 1.0])],
            "must be >= 1 (year 0 is buy's own), got 0",
            ["buy.generations[0].from_year=0"],
        ),
        # each value valid against the other's base; the point (available 2, gen 2) is not
        (
            [("build.available_year", [0.0, 2.0]), ("build.generations[0].from_year", [2.0, 4.0])],
            "build.generations[0].from_year is not after build.available_year at some grid point",
            ["build.available_year=2", "build.generations[0].from_year=2"],
        ),
    ],
)
def test_a_start_year_compare_refuses_is_refused(params, message, point):
    loaded = load_file(ROADMAP)
    with pytest.raises(InputError, match=re.escape(message)):
        sweep(loaded, params)
    with pytest.raises(InputErrors, match="from_year: must be >= "):
        load_file(ROADMAP, sets=point)


def test_two_fields_that_limit_each_other_are_checked_point_by_point():
    """meta-roadmap's a100s are 2 years old: a lifetime of 2 alone is refused, but swept with
    ages 0 and 1 every point is valid (compare accepts age 1 with lifetime 2)."""
    params = [("installed[0].age_years", [0.0, 1.0]), ("installed[0].lifetime_years", [2.0, 5.0])]
    out = sweep(load_file(ROADMAP), params).to_dict()["outputs"]["savings_npv_usd"]
    for i, age in enumerate([0, 1]):
        for j, life in enumerate([2, 5]):
            sets = [f"installed[0].age_years={age}", f"installed[0].lifetime_years={life}"]
            one = compare(load_file(ROADMAP, sets=sets)).to_dict()["comparison"]
            assert_allclose(out[i][j], one["savings_npv_usd"], rtol=1e-12)


def test_demand_zero_in_every_year_is_refused():
    with pytest.raises(InputError, match="demand is 0 in every year at some grid point"):
        sweep(load_text(SMALL), [("demand.units", [0.0, 100.0])])
    with pytest.raises(InputErrors, match="must be above 0 in at least one year"):
        load_text(SMALL, sets=["demand.units=0"])


def test_a_start_year_sweep_inside_the_rules_matches_compares():
    out = sweep(load_file(ROADMAP), [("build.generations[0].from_year", [2.0, 4.0, 6.0])])
    for i, year in enumerate([2, 4, 6]):
        one = compare(load_file(ROADMAP, sets=[f"build.generations[0].from_year={year}"]))
        assert_allclose(
            out.to_dict()["outputs"]["savings_npv_usd"][i],
            one.to_dict()["comparison"]["savings_npv_usd"],
            rtol=1e-12,
        )


def test_an_installed_sweep_inside_the_life_matches_compares():
    out = sweep(
        load_text(INSTALLED),
        [("installed[0].lifetime_years", [3.0, 6.0]), ("installed[0].age_years", [0.0, 2.0])],
    ).to_dict()
    for i, life in enumerate([3, 6]):
        for j, age in enumerate([0, 2]):
            one = compare(
                load_text(
                    INSTALLED,
                    sets=[f"installed[0].lifetime_years={life}", f"installed[0].age_years={age}"],
                )
            ).to_dict()
            got = out["outputs"]["savings_npv_usd"][i][j]
            assert_allclose(got, one["comparison"]["savings_npv_usd"], rtol=1e-12)


def test_csv_one_row_per_point(runner, small_file):
    result = runner.invoke(
        app, ["sweep", str(small_file), "-p", "build.share", "-v", "0,1", "-f", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["build.share"] for r in rows] == ["0.0", "1.0"]
    one = _single(["build.share=1"])
    assert_allclose(float(rows[1]["savings_npv_usd"]), one["comparison"]["savings_npv_usd"])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_people_formats(runner, small_file, fmt):
    args = ["sweep", str(small_file), "-p", "build.share", "-v", "0:1:3"]
    result = runner.invoke(app, [*args, "-p", "site.pue", "-v", "1,2", "-f", fmt])
    assert result.exit_code == 0, result.output
    assert "build.share" in result.stdout and "site.pue" in result.stdout


def test_parse_values():
    assert parse_values("0:1:21")[1] == pytest.approx(0.05)
    assert len(parse_values("0:1:21")) == 21
    with pytest.raises(InputError, match="START:STOP:COUNT"):
        parse_values("0:1")
    with pytest.raises(InputError, match="COUNT must be >= 2"):
        parse_values("0:1:1")


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (
            ["-p", "build.shar", "-v", "0,1"],
            "error: --param build.shar: unknown numeric parameter 'build.shar' "
            "(did you mean build.share",
        ),
        (
            ["-p", "build.share", "-v", "0,1.5"],
            "error: --values build.share: must be <= 1, got 1.5",
        ),
        (
            ["-p", "build.available_year", "-v", "0.5"],
            "error: --values build.available_year: must be a whole number, got 0.5",
        ),
        (
            ["-p", "build.available_year", "-v", "4"],
            "error: --values build.available_year: must be <= 3 (horizon_years is 3), got 4",
        ),
        (
            ["-p", "build.share", "-v", "0,1", "-p", "site.pue"],
            "error: give one --values per --param (got 2 --param, 1 --values)",
        ),
        (["-p", "build.share", "-v", "a,b"], "error: --values build.share: a,b: expected"),
        (
            ["-p", "build.chip.die_area_mm2", "-v", "100,90000"],
            "does not fit on the wafer",
        ),
    ],
)
def test_errors_one_line_exit_2(runner, small_file, args, wanted):
    result = runner.invoke(app, ["sweep", str(small_file), *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert wanted in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_values_are_bounded():
    """A typo such as 0:1:100000000 must not allocate a grid that takes the machine down."""
    assert len(parse_values("0:1:1000")) == 1000
    with pytest.raises(InputError, match="at most 1000 values per parameter"):
        parse_values("0:1:1001")
    with pytest.raises(InputError, match="at most 1000 values per parameter"):
        parse_values("0:1:1e9")
    with pytest.raises(InputError, match="at most 1000 values per parameter, got 1001"):
        parse_values(",".join(["1"] * 1001))


# --------------------------------------------------------------- the human views (issue 11, 12)


def _synthetic(n0: int, n1: int) -> dict:
    """A sweep's JSON of an n0 x n1 grid, built without running the engine."""
    row = [1e9] * n1
    return {
        "schema_version": 1,
        "params": ["build.share", "site.pue"],
        "values": [[i / n0 for i in range(n0)], [1 + i / n1 for i in range(n1)]],
        "outputs": {
            "savings_npv_usd": [row] * n0,
            "npv_usd_buy": [row] * n0,
            "npv_usd_build": [row] * n0,
            "payback_year": [[2.0] * n1] * n0,
        },
        "start_year": None,
    }


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_huge_grid_is_drawn_bounded(fmt):
    """A 1,000 x 1,000 grid: no matrix, the first 1,000 points, and notes saying how to get
    every point (drawing it all took minutes and gigabytes)."""
    import time

    from gpu_calc.render import Format
    from gpu_calc.render.uncertainty import MAX_TABLE_POINTS, render_sweep

    started = time.perf_counter()
    text = render_sweep(_synthetic(1000, 1000), Format(fmt))
    assert time.perf_counter() - started < 20
    assert "matrix is drawn up to 50 x 50 values; this grid is 1,000 x 1,000" in " ".join(
        text.split()
    )
    assert f"The first {MAX_TABLE_POINTS:,} of 1,000,000 grid points are listed" in " ".join(
        text.split()
    )
    assert "--format csv or json" in text
    assert text.count("+$1.00B") == MAX_TABLE_POINTS
    assert len(text.splitlines()) < MAX_TABLE_POINTS + 40


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_readable_grid_has_its_matrix(fmt):
    from gpu_calc.render import Format
    from gpu_calc.render.uncertainty import render_sweep

    text = render_sweep(_synthetic(50, 20), Format(fmt))
    assert "rows build.share, columns site.pue" in text
    assert "drawn up to" not in text and "are listed" not in text
    assert text.count("+$1.00B") == 50 * 20 * 2  # the matrix and the table


def test_payback_is_a_calendar_year_with_start_year(runner):
    """As compare, batch and the report say it: "2026", not "year 3" (JSON stays 0-based)."""
    from tests.conftest import SCENARIOS

    args = ["sweep", str(SCENARIOS / "meta-roadmap.yaml"), "-p", "build.share", "-v", "0.1,0.5"]
    for fmt in ("table", "markdown"):
        result = runner.invoke(app, [*args, "-f", fmt])
        assert result.exit_code == 0, result.output
        assert "2026" in result.stdout and "year 3" not in result.stdout
    data = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert data["outputs"]["payback_year"] == [None, 2.0]
    assert data["start_year"] == 2024
    one = json.loads(
        runner.invoke(
            app,
            [
                "compare",
                str(SCENARIOS / "meta-roadmap.yaml"),
                "--set",
                "build.share=0.5",
                "-f",
                "json",
            ],
        ).stdout
    )
    assert one["comparison"]["verdict"].endswith("pays back in 2026")


def test_points_that_overflow_are_na_not_an_error(runner):
    """Absurd but valid values: compare shows each point (n/a), so the sweep computes too."""
    from tests.conftest import SEED

    args = ["sweep", str(SEED), "-p", "buy.unit_price_usd", "-v", "28000,1e306"]
    data = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    out = data["outputs"]
    assert out["savings_npv_usd"][0] > 0 and out["savings_npv_usd"][1] is None
    assert out["npv_usd_buy"][1] is None and out["payback_year"][1] is None
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    last = table.stdout.strip().splitlines()[-1].split()
    assert last[-4:] == ["n/a"] * 4, table.stdout
    assert "$1.00 × 10^306" in table.stdout
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).stdout)))
    assert rows[1]["savings_npv_usd"] == ""


def test_a_preset_fact_no_figure_uses_is_not_offered():
    """The seed's chip (mtia-v2 preset) states 128 GB of memory but is priced with the
    preset's lump memory_usd: sweeping memory_gb would move nothing, while compare --set
    writes it into the file and so prices memory from parts (docs/model.md). Refused, saying
    how to make it count; the tornado has no bar for it."""
    with pytest.raises(InputError, match="no figure here uses it: a preset's fact"):
        sweep(load_file("scenarios/meta-2024.yaml"), [("build.chip.memory_gb", [100.0, 128.0])])
    from gpu_calc.uncertainty.sensitivity import tornado

    bars = tornado(load_file("scenarios/meta-2024.yaml")).bars
    assert bars and not any(b.param.endswith("memory_gb") for b in bars)
    # once the file asks for parts, it is swept as compare --set computes it
    parts = ["build.chip.memory=lpddr5"]
    out = sweep(
        load_file("scenarios/meta-2024.yaml", sets=parts), [("build.chip.memory_gb", [100.0])]
    )
    one = compare(load_file("scenarios/meta-2024.yaml", sets=[*parts, "build.chip.memory_gb=100"]))
    assert_allclose(
        out.to_dict()["outputs"]["savings_npv_usd"][0],
        one.to_dict()["comparison"]["savings_npv_usd"],
        rtol=1e-12,
    )


#: Two years of demand, 100 units each; a chip with no NRE (tests of the demand rule).
TWO_YEARS = """\
version: 1
horizon_years: 2
demand: {units: [100, 100], load_factor: 1}
site: {electricity_usd_per_kwh: 0.1}
buy: {unit_price_usd: 1000, power_w: 1000, lifetime_years: 2}
build:
  share: 0.5
  chip: {die_area_mm2: 100, node: n5, power_w: 100, mask_set_usd: 0}
  nre: {design_usd: 0}
"""


def test_demand_swept_whole_over_a_per_year_list_is_refused_at_0():
    """demand.units swept whole replaces both years: 0 is demand 0 in every year, which
    compare refuses; breakeven's range is open at 0 (its search starts just above)."""
    from gpu_calc.uncertainty.breakeven import breakeven

    loaded = load_text(TWO_YEARS)
    with pytest.raises(InputError, match="demand is 0 in every year"):
        sweep(loaded, [("demand.units", [0.0, 100.0])])
    with pytest.raises(InputErrors, match="must be above 0 in at least one year"):
        load_text(TWO_YEARS, sets=["demand.units=[0, 0]"])
    # savings scale with demand here (no NRE): no root, and the search starts above 0
    with pytest.raises(InputError, match="does not reach zero"):
        breakeven(loaded, "demand.units")
    # one year's demand at 0 is fine while the other has some
    out = sweep(loaded, [("demand.units[0]", [0.0, 50.0])]).to_dict()
    one = compare(load_text(TWO_YEARS, sets=["demand.units=[0, 100]"])).to_dict()
    assert_allclose(
        out["outputs"]["savings_npv_usd"][0], one["comparison"]["savings_npv_usd"], rtol=1e-12
    )


def test_a_preset_memory_size_unused_beside_carbon_parts_is_not_offered():
    """Carbon from parts (the node's wafer carbon) does not make memory_gb count: only a
    price or a carbon per GB multiplies it, and this chip has neither."""
    text = TWO_YEARS.replace(
        "chip: {die_area_mm2: 100, node: n5, power_w: 100, mask_set_usd: 0}",
        "chip: {accelerator: mtia-v2, packaging: cowos-s, interposer_area_mm2: 900}",
    )
    with pytest.raises(InputError, match="no figure here uses it: a preset's fact"):
        sweep(load_text(text), [("build.chip.memory_gb", [64.0, 128.0])])


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("installed[0].unit_price_usd", "the installed base is sunk"),
        ("build.generations[0].nre.software_usd_per_year", "the build plan pays build"),
    ],
)
def test_inputs_no_figure_uses_are_not_offered(key, why):
    loaded = load_file(ROADMAP, sets=[f"{key}=1000"])  # given, so that the key exists
    with pytest.raises(InputError, match=f"no figure here uses it: {why}"):
        sweep(loaded, [(key, [1.0, 2.0])])
    from gpu_calc.uncertainty.sensitivity import tornado

    assert key not in {b.param for b in tornado(loaded).bars}


def test_the_payback_cell_gives_the_year_building_stays_ahead(runner):
    """The seed over 6 years with software at $0, $500M and $1B a year. At $500M the
    cumulative discounted savings (compare --format json, summed) are +1.15B, +0.73B, +0.34B,
    -0.02B, +1.17B, +0.20B: MODEL.md's payback year is 0 (the first >= 0), but building is
    behind in year index 3 and ahead for good from index 4, "year 5" as batch and the report
    say it. At $1B the NPV is negative: behind at the end. At $0 it is never behind."""
    from tests.conftest import SEED

    args = ["sweep", str(SEED), "--set", "horizon_years=6"]
    args += ["-p", "build.nre.software_usd_per_year", "-v", "0,5e8,1e9"]
    out = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert out["outputs"]["payback_year"] == [0.0, 0.0, 0.0]
    assert out["outputs"]["lasting_payback_year"] == [0.0, 4.0, None]
    rows = [line for line in runner.invoke(app, args).stdout.splitlines() if "/yr" in line]
    assert [row.split()[-1] for row in rows[1:]] == ["5", "end"]
    assert "from the start" in rows[0] and "year 5" in rows[1] and "behind at end" in rows[2]
    csv_rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).stdout)))
    assert [r["lasting_payback_year"] for r in csv_rows] == ["0.0", "4.0", ""]
