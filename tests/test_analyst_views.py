"""Said the way an analyst reads it: payback wording, one basis per cash-flow column, human
numbers in every view (sensitivity, breakeven, perspective)."""

from __future__ import annotations

import json

import pytest

from gpu_calc.cli import app
from gpu_calc.render import human
from gpu_calc.render.rows import YEARLY_HEADER, yearly_rows
from tests.conftest import ROOT, SCENARIOS, SEED

FULL = SCENARIOS / "meta-2024-full-stack.yaml"
UNCERTAIN = SCENARIOS / "meta-2025-uncertain.yaml"


def _json(runner, *args: str) -> dict:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- payback


@pytest.mark.parametrize(
    ("year", "horizon", "start", "text"),
    [
        (0, 4, None, "cheaper from the first year: no payback period"),
        (0, 4, 2024, "cheaper from the first year: no payback period"),
        (1, 6, None, "pays back in year 2 of 6"),
        (3, 4, None, "pays back in year 4 of 4"),
        (1, 6, 2024, "pays back in 2025"),
        (None, 5, None, "does not pay back within 5 years"),
    ],
)
def test_payback_phrase(year, horizon, start, text):
    assert human.payback(year, horizon, start) == text


@pytest.mark.parametrize(
    ("per_year", "year", "text"),
    [
        # cumulative 5, -5, 15 (start 2024): ahead in year 0, behind in 2025, ahead for good
        # from 2026
        ([5, -10, 20], 0, "pays back for good in 2026, after being ahead in the first year"),
        # cumulative 5, -5: ahead in year 1, behind at the end (buying is cheaper)
        ([5, -10], 0, "ahead in the first year but behind again by the end of the horizon"),
        # cumulative -1, 2, -1: first ahead in 2025
        ([-1, 3, -3], 1, "ahead in 2025 but behind again by the end of the horizon"),
        # cumulative -1, 2, 5: an ordinary payback
        ([-1, 3, 3], 1, "pays back in 2025"),
        # cumulative 0, -4, 5: a design that starts in year 1 spends nothing in year 0, so
        # MODEL.md's payback_year is 0 (0 >= 0); building is never ahead before 2026
        ([0, -4, 9], 0, "pays back for good in 2026, after being even in the first year"),
        # an exact tie every year (build.share 0, no NRE), and a tie then ahead
        ([0, 0, 0], 0, "even every year: the plans cost the same"),
        ([0, 3, 3], 0, "even in the first year, ahead from then on"),
    ],
)
def test_a_payback_that_does_not_last_is_not_called_one(per_year, year, text):
    path = human.payback_path(per_year)
    assert human.payback(year, len(per_year), 2024, path) == text


#: The seed with $1B a year of chip software: year 0's discounted savings are +$687M, so
#: payback_year is 0 (MODEL.md 6), but over 4 years building costs $1.68B more.
DEARER = ["--set", "build.nre.software_usd_per_year=1e9"]
#: The seed over 6 years with $500M a year of software: cumulative savings +1.15B, +0.73B,
#: +0.34B, -0.02B (year index 3), +1.17B, +0.20B (each year's from the JSON).
DIP = ["--set", "horizon_years=6", "--set", "build.nre.software_usd_per_year=5e8"]


def test_no_view_says_building_is_cheaper_when_buying_is(runner, tmp_path):
    out = _json(runner, "compare", str(SEED), *DEARER)
    assert out["comparison"]["payback_year"] == 0 and out["comparison"]["cheaper"] == "buy"
    assert out["comparison"]["verdict"].startswith("Buying is cheaper")
    page = tmp_path / "r.html"
    assert runner.invoke(app, ["report", str(SEED), *DEARER, "-o", str(page)]).exit_code == 0
    kpi = page.read_text(encoding="utf-8").split('data-key="payback"', 1)[1].split("</div>")[0]
    assert "<b>behind at end</b>" in kpi and "from the start" not in kpi
    assert "ahead in the first year but behind again by the end of the horizon" in kpi
    chart = runner.invoke(app, ["plot", str(SEED), *DEARER, "--kind", "cumulative"]).stdout
    assert "building: ahead in the first year but behind again" in chart
    assert "cheaper from the first year" not in chart
    swept = runner.invoke(
        app, ["sweep", str(SEED), "-p", "build.nre.software_usd_per_year", "-v", "0,1e9"]
    ).stdout
    rows = [line for line in swept.splitlines() if "/yr" in line]
    assert "from the start" in rows[0] and "behind at end" in rows[1]


def test_a_dip_after_the_first_year_is_said(runner):
    out = _json(runner, "compare", str(SEED), *DIP)
    assert out["comparison"]["payback_year"] == 0 and out["comparison"]["cheaper"] == "build"
    assert out["comparison"]["verdict"].endswith(
        "; pays back for good in year 5 of 6, after being ahead in the first year"
    )


def test_seed_verdict_says_no_payback_period(runner):
    out = _json(runner, "compare", str(SEED))
    assert out["comparison"]["payback_year"] == 0  # the JSON keeps its 0-based index
    assert out["comparison"]["verdict"] == (
        "Building saves $1.47B NPV (14.1%) over 4 years; "
        "cheaper from the first year: no payback period"
    )
    table = runner.invoke(app, ["compare", str(SEED)]).stdout
    assert "year 0" not in table and "no payback period" in table


def test_full_stack_pays_back_in_its_second_year(runner):
    # cumulative discounted savings: -$544M in year index 0, +$2.40B in index 1
    out = _json(runner, "compare", str(FULL))
    assert out["comparison"]["payback_year"] == 1
    assert out["comparison"]["verdict"].endswith("; pays back in year 2 of 6")


def test_start_year_gives_calendar_years(runner):
    """With the roadmaps' start_year (calendar year of t = 0), views say 2025, not year 2."""
    from gpu_calc.render.rows import yearly_cells

    out = _json(runner, "compare", str(FULL))
    out["start_year"] = 2024
    assert [row[0] for row in yearly_cells(out)] == [str(y) for y in range(2024, 2030)]
    assert human.payback_short(out["comparison"]["payback_year"], 2024) == "2025"


def test_readme_shows_the_new_verdict():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "pays back in year 0" not in text
    assert "over 4 years; cheaper from the first year: no payback period" in text


def test_report_kpi_and_chart_say_it_too(runner, tmp_path):
    pytest.importorskip("matplotlib")
    page = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(SEED), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "year 0" not in html
    kpi = html.split('data-key="payback"', 1)[1].split("</div>", 1)[0]
    assert "<b>from the start</b>" in kpi
    assert "building is cheaper from the first year: no payback period" in kpi
    chart = runner.invoke(app, ["plot", str(SEED), "--kind", "cumulative"])
    assert chart.exit_code == 0
    # the SVG draws text as paths and keeps each string in a comment
    assert "building is cheaper from the first year: no payback period" in chart.stdout
    full = runner.invoke(app, ["plot", str(FULL), "--kind", "cumulative"])
    assert "building pays back in year 2 of 6" in full.stdout


# --------------------------------------------------------------------------- cash flows


def test_cash_flow_columns_have_one_basis_and_nre_apart(runner):
    out = _json(runner, "compare", str(SEED))
    rows = yearly_rows(out)
    build = out["plans"]["build"]
    # capex as paid = the plans table's capex (hardware + facility, no NRE): $7.92B
    assert sum(r["build_capex_usd"] for r in rows) == pytest.approx(build["capex_usd"])
    assert sum(r["build_nre_usd"] for r in rows) == pytest.approx(build["nre_usd"])
    assert sum(r["build_opex_usd"] for r in rows) == pytest.approx(build["opex_usd"])
    # savings at present value: year index 1's opex gap of $42M, discounted twice at 8%
    gap = rows[1]["build_opex_usd"] - rows[1]["buy_opex_usd"]
    assert rows[1]["savings_pv_usd"] == pytest.approx(-gap / 1.08**2)
    assert rows[-1]["cumulative_savings_pv_usd"] == pytest.approx(
        out["comparison"]["savings_npv_usd"]
    )
    table = runner.invoke(app, ["compare", str(SEED)]).stdout
    flat = " ".join(table.split())  # the title wraps at the table's width
    assert "Cash flows by year: spending as paid, savings at present value (PV)" in flat
    year1 = next(line for line in table.splitlines() if line.split()[:1] == ["1"])
    assert year1.split() == [
        "1", "$10.0B", "$114M", "$7.92B", "$475M", "$156M", "+$1.57B", "+$1.57B",
    ]  # fmt: skip
    assert "$8.39B" not in table  # capex with NRE folded in, the old mixed figure


def test_markdown_cash_flows_say_their_basis(runner):
    text = runner.invoke(app, ["compare", str(SEED), "-f", "markdown"]).stdout
    assert "| " + " | ".join(YEARLY_HEADER) + " |" in text
    assert "Spending as paid, savings at present value (PV)." in text


def test_residual_values_are_named_under_the_cash_flows(runner):
    table = " ".join(runner.invoke(app, ["compare", str(FULL)]).stdout.split())
    assert "residual value at the end (buy $15.5B, build $12.0B), discounted" in table


# --------------------------------------------------------------------------- human numbers


def test_perspective_ratio_reads_as_share_or_multiple(runner):
    table = runner.invoke(app, ["compare", str(SEED)]).stdout
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line[:3] == "  L"}
    assert rows["Lombardy,"][-1] == "2.1%"
    assert rows["Leonardo"][-1] == "25.3x"
    assert "0.0207x" not in table


def test_breakeven_in_per_cent(runner):
    text = runner.invoke(app, ["breakeven", str(SEED), "-p", "build.share"]).stdout
    assert text == "Savings NPV is zero at build.share = 7.6% (searched 0.0% to 100.0%)\n"
    assert _json(runner, "breakeven", str(SEED), "-p", "build.share")["value"] == pytest.approx(
        0.0760033, rel=1e-5
    )


def test_sensitivity_values_carry_their_units(runner):
    text = runner.invoke(app, ["sensitivity", str(UNCERTAIN)]).stdout
    rows = {line.split()[0]: line.split()[1:3] for line in text.splitlines() if "." in line[:40]}
    assert rows["build.share"] == ["17.4%", "32.6%"]
    assert rows["buy.unit_price_usd"] == ["$25.5k", "$29.5k"]
    assert rows["build.nre.design_usd"] == ["$446M", "$530M"]
    assert rows["build.chip.wafer_usd"] == ["$16.1k", "$16.9k"]
    assert rows["demand.units[4]"] == ["700,000", "977,526"]
    for raw in ("25500", "446,400,000", "16098.8", "0.173991"):
        assert raw not in text


def test_sweep_values_and_payback_for_people(runner):
    args = ["sweep", str(SEED), "-p", "build.share", "-v", "0,0.5"]
    lines = runner.invoke(app, args).stdout.splitlines()
    assert lines[-3].split() == ["0.0%", "-$640M", "$10.4B", "$11.0B", "never"]
    assert lines[-2].split()[0] == "50.0%" and lines[-2].split()[-3:] == ["from", "the", "start"]


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("build.share", 0.0760033, "7.6%"),
        ("site.electricity_usd_per_kwh", 0.0806, "$0.0806/kWh"),
        ("site.facility_capex_usd_per_mw", 10_469_615, "$10.5M/MW"),
        ("build.nre.software_usd_per_year", 50e6, "$50.0M/yr"),
        ("buy.power_w", 700, "700 W"),
        ("build.chip.die_area_mm2", 421, "421 mm2"),
        ("site.pue", 1.08, "1.08"),
        ("buy.lifetime_years", 4, "4 yr"),
        ("demand.units[0]", 350_000, "350,000"),
        ("energy_it_kwh_per_year", 1.309e9, "1.31 TWh"),
        ("fleet_length_km", 100.0, "100 km"),
    ],
)
def test_one_formatter_by_unit(key, value, text):
    assert human.quantity(key, value) == text


# --------------------------------------------------------------------------- missing inputs


def test_fleet_length_is_na_when_no_length_is_known(runner):
    # b200 and the custom N3 chip: neither the file nor a preset gives length_mm. The JSON
    # keeps MODEL.md's number for this core key (a length not given counts 0: v1 outputs are
    # unchanged) and names what is missing; every human view says n/a.
    path = SCENARIOS / "b200-vs-custom-n3.yaml"
    out = _json(runner, "compare", str(path))
    assert out["plans"]["buy"]["bought_units"] > 0
    assert out["plans"]["buy"]["fleet_length_km"] == 0.0
    assert out["plans"]["buy"]["missing_inputs"] == {
        "fleet_length_km": "b200 (bought 0): length_mm"
    }
    assert "fleet_length_km" in out["plans"]["build"]["missing_inputs"]
    row = next(
        line for line in runner.invoke(app, ["compare", str(path)]).stdout.splitlines()
        if "Fleet laid end to end" in line
    )  # fmt: skip
    assert row.split()[-3:] == ["n/a", "n/a", "n/a"]
    markdown = runner.invoke(app, ["compare", str(path), "-f", "markdown"]).stdout
    assert "| Fleet laid end to end (km) | n/a | n/a | n/a |" in markdown


def test_fleet_length_given_as_zero_is_zero(runner):
    path = SCENARIOS / "b200-vs-custom-n3.yaml"
    sets = ["--set", "buy.length_mm=0", "--set", "build.chip.length_mm=0"]
    out = _json(runner, "compare", str(path), *sets)
    assert out["plans"]["buy"]["fleet_length_km"] == 0.0
    assert out["plans"]["build"]["fleet_length_km"] == 0.0
    assert out["plans"]["buy"]["missing_inputs"] == out["plans"]["build"]["missing_inputs"] == {}


def test_seed_build_plan_length_unknown_because_the_chip_has_none(runner):
    out = _json(runner, "compare", str(SEED))
    # 350,000 H100s of the article's 285.7 mm: 100.0 km; MTIA v2 has no sourced length
    assert out["plans"]["buy"]["fleet_length_km"] == pytest.approx(99.995)
    assert out["plans"]["build"]["missing_inputs"] == {
        "fleet_length_km": "mtia-v2 (chip 0): length_mm"
    }
    # MODEL.md's number: the H100s only, 262,500 x 285.7 mm
    assert out["plans"]["build"]["fleet_length_km"] == pytest.approx(262_500 * 285.7 / 1e6)
    # a length for the chip makes it known: 262,500 x 285.7 mm + 488,827 x 100 mm
    out = _json(runner, "compare", str(SEED), "--set", "build.chip.length_mm=100")
    expected = (262_500 * 285.7 + 488_826.8156424581 * 100) / 1e6
    assert out["plans"]["build"]["fleet_length_km"] == pytest.approx(expected)


def test_perspective_of_an_unknown_length_is_na(runner):
    args = ["--set", "perspective=[{label: A4, metric: fleet_length_km, plan: build, value: 125}]"]
    out = _json(runner, "compare", str(SEED), *args)
    assert out["perspective"][0]["metric_value"] == pytest.approx(262_500 * 285.7 / 1e6)
    markdown = runner.invoke(app, ["compare", str(SEED), "-f", "markdown", *args]).stdout
    row = next(line for line in markdown.splitlines() if line.startswith("| A4 |"))
    assert row.count("n/a") == 2, row


def test_perspective_on_the_buy_plans_chip_units_computes_with_a_warning(runner):
    """chip_units is a per-plan key of MODEL.md section 8, so a perspective may take it from
    the buy plan (the default): it is 0 there, ratio 0 / 10 = 0, exit 0, and a located
    warning suggests plan: build."""
    args = ["--set", "perspective=[{label: chips, metric: chip_units, value: 10}]"]
    result = runner.invoke(app, ["compare", str(SEED), "-f", "json", *args])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["perspective"][0] == {
        "label": "chips",
        "metric": "chip_units",
        "plan": "buy",
        "value": 10.0,
        "metric_value": 0.0,
        "ratio": 0.0,
    }
    (warning,) = out["warnings"]
    assert warning["path"] == "perspective[0].metric"
    assert "chip_units is 0 (set plan: build" in warning["message"]
    assert result.stderr.count("warning: ") == 1
    # on the build plan it is the seed's chips, and no warning
    built = _json(
        runner, "compare", str(SEED), "--set", args[1].replace("value", "plan: build, value")
    )
    assert built["warnings"] == []
    assert built["perspective"][0]["metric_value"] == built["plans"]["build"]["chip_units"] > 0


# --------------------------------------------------------------------------- tidy CSV


def _tidy(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_tidy_csv_has_only_numbers_in_numeric_columns(runner):
    rows = _tidy(runner.invoke(app, ["compare", str(SEED), "-f", "csv"]).stdout)
    assert list(rows[0]) == ["plan", "metric", "year", "value"]
    for row in rows:
        assert row["plan"] in ("buy", "build", "comparison", "scenario"), row
        assert row["year"] == "" or row["year"].isdigit(), row
        if row["value"] != "":
            float(row["value"])  # raises on text such as "build"
    # the build plan's fleet length keeps MODEL.md's number (its missing input is in JSON)
    row = {"plan": "build", "metric": "fleet_length_km", "year": ""}
    assert any(r.items() >= row.items() and float(r["value"]) > 0 for r in rows)


def test_tidy_csv_years_add_up_to_the_totals(runner):
    rows = _tidy(runner.invoke(app, ["compare", str(FULL), "-f", "csv"]).stdout)

    def value(plan, metric, year=""):
        return next(
            float(r["value"])
            for r in rows
            if (r["plan"], r["metric"], r["year"]) == (plan, metric, year)
        )

    def yearly(plan, metric):
        return [float(r["value"]) for r in rows if (r["plan"], r["metric"]) == (plan, metric)
                and r["year"] != ""]  # fmt: skip

    for plan in ("buy", "build"):
        for metric in ("opex_usd", "energy_it_kwh", "water_l", "co2e_kg", "nre_usd"):
            assert len(yearly(plan, metric)) == 6
            assert sum(yearly(plan, metric)) == pytest.approx(value(plan, metric)), metric
        capex = sum(yearly(plan, "hw_capex_usd")) + sum(yearly(plan, "facility_capex_usd"))
        assert capex == pytest.approx(value(plan, "capex_usd"))
    assert sum(yearly("comparison", "savings_npv_usd")) == pytest.approx(
        value("comparison", "savings_npv_usd")
    )
    assert value("comparison", "payback_year") == 1
    assert yearly("scenario", "demand_units")[-1] == pytest.approx(600_000)


def test_tidy_csv_takes_new_keys_as_they_come(runner):
    """Keys added to the JSON later (tokens, per-generation series) flow into the CSV."""
    from gpu_calc.render.csv import render

    out = _json(runner, "compare", str(SEED))
    out["plans"]["buy"]["tokens"] = 1.5e15
    out["plans"]["build"]["per_year"]["tokens"] = [1.0, 2.0, 3.0, 4.0]
    out["start_year"] = 2024
    rows = _tidy(render(out))
    assert {"plan": "buy", "metric": "tokens", "year": "", "value": "1500000000000000.0"} in rows
    assert {"plan": "build", "metric": "tokens", "year": "3", "value": "4.0"} in rows
    assert {"plan": "scenario", "metric": "start_year", "year": "", "value": "2024"} in rows


# --------------------------------------------------------------------------- schema_version


@pytest.mark.parametrize(
    "args",
    [
        ["compare", str(SEED)],
        ["simulate", str(UNCERTAIN), "-n", "200"],
        ["sweep", str(SEED), "-p", "build.share", "-v", "0,1"],
        ["sensitivity", str(SEED)],
        ["breakeven", str(SEED), "-p", "build.share"],
        ["validate", str(SEED)],
        ["presets"],
        ["presets", "h100-sxm"],
        ["batch", str(SEED)],
    ],
    ids=lambda a: " ".join(a[:2]).replace(str(SCENARIOS) + "/", ""),
)
def test_every_json_output_has_a_schema_version(runner, args):
    out = _json(runner, *args)
    assert next(iter(out)) == "schema_version" and out["schema_version"] == 1


def test_readme_documents_each_json_shape():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    uncertainty = (ROOT / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    assert '`validate` is `{"schema_version", "files"' in " ".join(readme.split())
    assert '`presets` is `{"schema_version", "presets"' in " ".join(readme.split())
    assert uncertainty.count('"schema_version": 1') >= 4


def test_readme_shows_what_breakeven_prints(runner):
    text = runner.invoke(app, ["breakeven", str(SEED), "--param", "build.share"]).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "$ gpucalc breakeven scenarios/meta-2024.yaml --param build.share\n" + text in readme


def test_tokens_read_in_words_in_every_view(runner, tmp_path):
    """ "Tokens served 1.99e17" was not a human number: 199 quadrillion in the table,
    Markdown and the report alike (render.roadmap.tokens)."""
    from tests.conftest import SCENARIOS

    roadmap_file = str(SCENARIOS / "meta-roadmap.yaml")
    for fmt in ("table", "markdown"):
        out = runner.invoke(app, ["compare", roadmap_file, "-f", fmt]).stdout
        assert "199 quadrillion" in out and "e17" not in out
    pytest.importorskip("matplotlib")
    page = tmp_path / "r.html"
    assert runner.invoke(app, ["report", roadmap_file, "-o", str(page)]).exit_code == 0
    assert "199 quadrillion" in page.read_text()


def test_a_missing_perspective_figure_is_just_na(runner):
    """ "n/a km" before: a missing figure has no unit."""
    from gpu_calc.render.rows import perspective_cells

    row = {
        "label": "x",
        "metric": "fleet_length_km",
        "plan": "buy",
        "value": 125.0,
        "metric_value": None,
        "ratio": None,
    }
    assert perspective_cells({"perspective": [row]}) == [
        ["x", "fleet_length_km (buy)", "n/a", "125 km", "n/a"]
    ]


def test_compare_gives_the_lasting_payback_beside_the_contract_one(runner):
    """DIP: the seed over 6 years, $500M a year of software. Cumulative savings (the sums of
    savings_npv_usd_per_year) +1.15B, +0.73B, +0.34B, -0.02B, +1.17B, +0.20B: the contract's
    payback_year is 0, the lasting one 4 (behind last in year index 3); the CSV has both."""
    out = _json(runner, "compare", str(SEED), *DIP)["comparison"]
    assert (out["payback_year"], out["lasting_payback_year"]) == (0, 4)
    csv_text = runner.invoke(app, ["compare", str(SEED), *DIP, "-f", "csv"]).stdout
    assert "comparison,lasting_payback_year,,4\n" in csv_text
    assert _json(runner, "compare", str(SEED))["comparison"]["lasting_payback_year"] == 0
