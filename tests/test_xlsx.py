"""The Excel workbook (``--format xlsx -o FILE.xlsx``): read back with openpyxl, and its
formulas recalculated by a real engine (the ``formulas`` package) and compared with the JSON.

Numbers are stored with 16 significant digits (XlsxWriter's ``%.16g``; Excel itself shows 15),
so stored values are compared with a relative tolerance of 1e-15.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import gpu_calc
from gpu_calc.cli import app
from gpu_calc.render import Format, ResultFormat
from gpu_calc.render.xlsx import WorkbookData, data_of, render_workbook
from tests.conftest import ROOT, SEED, SMALL

openpyxl = pytest.importorskip("openpyxl", reason="reading workbooks needs openpyxl (dev extra)")

#: Relative agreement of a stored number with the JSON's (16 significant digits).
REL = 1e-15
FULL = ROOT / "scenarios" / "meta-2024-full-stack.yaml"
UNCERTAIN = ROOT / "scenarios" / "meta-2025-uncertain.yaml"


def _close(a: Any, b: Any, rtol: float = 1e-9) -> bool:
    if b is None:
        return a in (None, "")
    if isinstance(b, str):
        return a == b
    return isinstance(a, int | float) and math.isclose(a, b, rel_tol=rtol, abs_tol=1e-9)


def _write(runner, tmp_path: Path, args: list[str], name: str = "out.xlsx") -> Path:
    out = tmp_path / name
    result = runner.invoke(app, [*args, "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    return out


def _missing(out: dict[str, Any], key: str) -> bool:
    """True when some plan lacks an input of ``key`` (``plans.<plan>.missing_inputs``)."""
    return any(key in (p.get("missing_inputs") or {}) for p in out["plans"].values())


def _rows_by_key(ws: Any, key_col: int = 2) -> dict[str, int]:
    """Row number of each key written in column ``key_col`` (1-based, as openpyxl counts)."""
    out = {}
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        value = row[key_col - 1].value
        if isinstance(value, str) and value and " " not in value:
            out.setdefault(value, row[0].row)
    return out


def _recalculate(path: Path, inputs: dict[tuple[str, str], float] | None = None):
    """Every cell's value after the ``formulas`` engine recalculated the workbook:
    ``get(sheet, "C8")``."""
    formulas = pytest.importorskip("formulas", reason="recalculation needs formulas (dev extra)")
    model = formulas.ExcelModel().loads(str(path)).finish()
    book = path.name

    def ref(sheet: str, coord: str) -> str:
        return f"'[{book}]{sheet.upper()}'!{coord}"

    solution = model.calculate(
        inputs={ref(s, c): v for (s, c), v in (inputs or {}).items()} or None
    )

    def get(sheet: str, coord: str) -> Any:
        if ref(sheet, coord) not in solution:  # an empty cell (a null of the JSON)
            return None
        value = solution[ref(sheet, coord)]
        value = getattr(value, "value", value)[0][0]
        return value.item() if hasattr(value, "item") else value

    return get


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("command", ["compare", "simulate", "sweep"])
@pytest.mark.parametrize("output", [None, "-"])
def test_xlsx_without_a_file_is_refused(runner, command, output):
    args = [command, str(SEED), "--format", "xlsx"]
    if command == "sweep":
        args += ["-p", "build.share", "-v", "0:1:3"]
    if output:
        args += ["-o", output]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert (
        result.stderr == "error: --format xlsx writes a binary Excel workbook: give -o FILE.xlsx\n"
    )


def test_every_result_format_is_rendered_by_compare_simulate_and_sweep(runner, tmp_path):
    """Each member of ResultFormat has a renderer in the three commands that take it."""
    assert {f.value for f in ResultFormat} == {f.value for f in Format} | {"xlsx"}
    commands = {
        "compare": ["compare", str(SEED)],
        "simulate": ["simulate", str(UNCERTAIN), "-n", "200"],
        "sweep": ["sweep", str(SEED), "-p", "build.share", "-v", "0:1:3"],
    }
    for name, args in commands.items():
        for fmt in ResultFormat:
            out = tmp_path / f"{name}.{fmt.value}"
            result = runner.invoke(app, [*args, "--format", fmt.value, "-o", str(out)])
            assert result.exit_code == 0, (name, fmt, result.output)
            assert out.stat().st_size > 0, (name, fmt)
            if fmt is ResultFormat.xlsx:
                assert out.read_bytes()[:2] == b"PK"  # a zip container, as .xlsx files are
                openpyxl.load_workbook(out)
            elif fmt is ResultFormat.json:
                json.loads(out.read_text())


def test_an_invalid_scenario_writes_no_workbook(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("  pue: 1.5", "  pue: 0.5"))
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["compare", str(bad), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{bad}:10:3: site.pue: must be >= 1, got 0.5"
    assert not out.exists()


# ----------------------------------------------------------------------------- read back


def test_sheets_hold_the_json_numbers_with_number_formats(runner, tmp_path):
    path = _write(runner, tmp_path, ["compare", str(FULL)])
    out = gpu_calc.compare(FULL).to_dict()
    values = openpyxl.load_workbook(path, data_only=True)  # the values gpucalc stored
    formulas = openpyxl.load_workbook(path)  # the formulas themselves
    assert values.sheetnames == ["Summary", "Per year", "Silicon", "Inputs"]

    ws, wf = values["Summary"], formulas["Summary"]
    assert ws["A1"].value == out["scenario"]
    assert ws["B4"].value == out["discount_rate"] and ws["B4"].number_format == "0.00%"
    rows = _rows_by_key(ws)
    plan_keys = [k for k, v in out["plans"]["buy"].items() if not isinstance(v, list | dict)]
    assert [k for k in rows if k in plan_keys] == plan_keys  # every scalar key, in JSON order
    for key in plan_keys:
        r = rows[key]
        if _missing(out, key):  # n/a, as every human view (test_a_figure_with_a_missing_...)
            continue
        for col, plan in (("C", "buy"), ("D", "build")):
            assert _close(ws[f"{col}{r}"].value, out["plans"][plan][key]), (key, plan)
        buy, build = out["plans"]["buy"][key], out["plans"]["build"][key]
        assert _close(ws[f"E{r}"].value, None if None in (buy, build) else build - buy), key
    for key in ("savings_npv_usd", "savings_pct", "payback_year", "cheaper", "verdict"):
        assert _close(ws[f"C{rows[key]}"].value, out["comparison"][key]), key
    # totals and NPV are live formulas; inputs of the model (residual value) are numbers
    for key in ("capex_usd", "opex_usd", "tco_usd", "npv_usd", "energy_it_kwh", "co2e_kg"):
        assert str(wf[f"C{rows[key]}"].value).startswith("=SUM(") or key in ("tco_usd", "npv_usd")
        assert str(wf[f"D{rows[key]}"].value).startswith("="), key
    for key in ("savings_npv_usd", "payback_year", "cheaper"):
        assert str(wf[f"C{rows[key]}"].value).startswith("="), key
    assert not str(wf[f"C{rows['residual_usd']}"].value).startswith("=")
    # number formats by unit: USD, TWh from kWh, Mt CO2e from kg, GL from litres
    assert ws[f"C{rows['npv_usd']}"].number_format == "$#,##0;-$#,##0"
    assert ws[f"C{rows['energy_it_kwh']}"].number_format == '#,##0.00,,," TWh"'
    assert ws[f"C{rows['co2e_kg']}"].number_format == '#,##0.00,,," Mt CO2e"'
    assert ws[f"C{rows['water_l']}"].number_format == '#,##0.00,,," GL"'

    # Per year: every per-year series of each plan, generically, with the JSON's numbers
    wy = values["Per year"]
    h = out["horizon_years"]
    found = {}
    for row in wy.iter_rows(min_row=1, max_row=wy.max_row):
        key, plan = row[1].value, row[2].value
        if plan in ("buy", "build"):
            found[(plan, key)] = [c.value for c in row[3 : 3 + h]]
    for plan in ("buy", "build"):
        for key, series in out["plans"][plan]["per_year"].items():
            assert found[(plan, key)] == pytest.approx(series, rel=REL), (plan, key)

    # Silicon: the waterfall's steps equal the JSON's silicon block
    sil = _rows_by_key(values["Silicon"])
    for key, value in out["silicon"].items():
        assert _close(values["Silicon"][f"C{sil['silicon.' + key]}"].value, value), key
        assert str(formulas["Silicon"][f"C{sil['silicon.' + key]}"].value).startswith("="), key


def test_inputs_sheet_lists_every_input_with_its_source(runner, tmp_path):
    path = _write(runner, tmp_path, ["compare", str(SEED), "--set", "build.share=0.3"])
    ws = openpyxl.load_workbook(path, data_only=True)["Inputs"]
    rows = {r[0].value: (r[1].value, r[2].value, r[3].value) for r in ws.iter_rows(min_row=5)}
    from gpu_calc.inputs import ModelInputs

    loaded = gpu_calc.load(SEED, sets=["build.share=0.3"])
    fields = ModelInputs.from_scenario(loaded).fields
    assert set(fields) <= set(rows)
    from gpu_calc.report import not_used

    for key, field in fields.items():
        note = not_used(loaded, key)
        if note is not None:  # build.chip.yield_alpha beside the murphy model
            assert rows[key][1] == note, key
        else:
            assert rows[key][1] == pytest.approx(field.base, rel=REL), key
    line = next(i for i, t in enumerate(SEED.read_text().splitlines(), 1) if "unit_price_usd" in t)
    assert rows["buy.unit_price_usd"] == (28571.43, 28571.43, f"{SEED}, line {line}")
    assert rows["build.share"][2] == "--set build.share=0.3"
    assert rows["buy.power_w"][2].startswith("preset h100-sxm: ")
    assert rows["buy.accelerator"][0] == "h100-sxm"


def _inputs_sheet(path: Path) -> dict[str, tuple[Any, Any, Any, str]]:
    """Key -> (value, base value, source, value's number format) of the Inputs sheet."""
    ws = openpyxl.load_workbook(path, data_only=True)["Inputs"]
    return {
        r[0].value: (r[1].value, r[2].value, r[3].value, r[1].number_format)
        for r in ws.iter_rows(min_row=5)
        if r[0].value
    }


def test_inputs_sheet_lists_texts_choices_and_years_with_their_place(runner, tmp_path):
    """The roadmap: every input, texts and choices too, with its line or preset; the price
    the installed base's preset carries is marked as not used (sunk, MODEL.md 11.4)."""
    path = _write(runner, tmp_path, ["compare", str(ROADMAP)])
    rows = _inputs_sheet(path)
    lines = ROADMAP.read_text().splitlines()

    def line_of(text: str, after: str = "") -> str:
        start = next(i for i, t in enumerate(lines) if after in t) if after else 0
        n = next(i for i, t in enumerate(lines) if i >= start and text in t) + 1
        return f"{ROADMAP}, line {n}"

    want = {
        "start_year": (2024, line_of("start_year:")),
        "demand.reference": ("h100-sxm", line_of("reference: h100-sxm")),
        "buy.generations[0].accelerator": ("b200", line_of("accelerator: b200")),
        "installed[0].accelerator": ("a100", line_of("accelerator: a100")),
        "build.serves": ("inference", line_of("serves: [inference]")),
        "build.nre.timing": ("spread", line_of("timing: spread")),
        "build.generations[0].serves": (
            "inference, training",
            line_of("serves: [inference, training]"),
        ),
        "build.generations[0].chip.accelerator": (
            "mtia-v2",
            line_of("accelerator: mtia-v2", "from_year: 3"),
        ),
        "build.generations[0].chip.node": ("n3", line_of("node: n3")),
        "build.generations[0].nre.timing": ("spread", line_of("timing: spread", "respins: 0")),
    }
    for key, (value, source) in want.items():
        assert rows[key][0] == value and rows[key][2] == source, (key, rows.get(key))
    assert rows["build.chip.node"][0] == "n5"
    assert rows["build.chip.node"][2].startswith("preset mtia-v2: ")
    assert rows["build.chip.yield_model"][:3] == ("murphy", None, "default")
    # every input the file gives is listed: the walk covers what the scenario holds
    from gpu_calc.report import input_values

    assert [k for k, _, _ in input_values(gpu_calc.load(ROADMAP))] == list(rows)
    # the installed base is sunk: its preset price is listed, and marked as not used
    value, base, source, _ = rows["installed[0].unit_price_usd"]
    assert (value, base) == (12500, "not used (sunk)") and source.startswith("preset a100: ")
    assert rows["build.generations[0].nre.software_usd_per_year"][1].startswith("not used")


def test_inputs_sheet_number_formats_follow_the_units(runner, tmp_path):
    rows = _inputs_sheet(_write(runner, tmp_path, ["compare", str(ROADMAP)]))
    formats = {
        "site.wue_l_per_kwh": '0.00" L/kWh"',
        "site.water_source_l_per_kwh": '0.00" L/kWh"',
        "site.electricity_usd_per_kwh[0]": "$#,##0.0000",
        "site.grid_kg_co2e_per_kwh[0]": '0.000" kg/kWh"',
        "site.facility_capex_usd_per_mw": "$#,##0;-$#,##0",
        "buy.generations[0].unit_price_usd[0]": "$#,##0;-$#,##0",
        "build.share[1]": "0.0%",
        "start_year": "0",
        "installed[0].units": "#,##0",
        "installed[0].unit_price_usd": "$#,##0;-$#,##0",
    }
    for key, fmt in formats.items():
        assert rows[key][3] == fmt, (key, rows[key])
    # 0.0806 USD/kWh shows as $0.0806, not $0.08; 0.26 L/kWh as litres, not kWh
    from openpyxl.styles.numbers import is_date_format

    assert not is_date_format(rows["site.electricity_usd_per_kwh[0]"][3])
    assert 'kWh"' not in rows["site.wue_l_per_kwh"][3].replace("L/kWh", "")


def test_uncertainty_sheet_rounds_integer_fields_as_the_model_does(tmp_path):
    """P10 and P90 as the tornado takes them: an integer field's rounded (halves up)."""
    from gpu_calc.uncertainty.sensitivity import tornado

    text = SMALL + "  # respins uncertain\n"
    loaded = gpu_calc.load(
        text,
        sets={
            "build.nre.respins": {"dist": "uniform", "low": 0, "high": 3},
            "buy.lifetime_years": {"dist": "triangular", "low": 2, "mode": 4, "high": 6},
        },
    )
    data = data_of(loaded)
    rows = {r.key: r for r in data.inputs}
    respins = rows["build.nre.respins"]
    assert (respins.p10, respins.p90) == (0.0, 3.0)  # 0.3 and 2.7, rounded halves up
    bars = {b.param: (b.low_value, b.high_value) for b in tornado(loaded).bars}
    for key in ("build.nre.respins", "buy.lifetime_years"):
        assert (rows[key].p10, rows[key].p90) == bars[key], key
        assert float(rows[key].p10).is_integer() and float(rows[key].p90).is_integer()
    path = tmp_path / "u.xlsx"
    path.write_bytes(render_workbook(data))
    ws = openpyxl.load_workbook(path, data_only=True)["Uncertainty"]
    got = {r[0].value: (r[3].value, r[4].value) for r in ws.iter_rows() if r[0].value}
    assert got["build.nre.respins"] == (0, 3)


def test_uncertainty_sheet_of_compare_and_simulate(runner, tmp_path):
    compare_path = _write(runner, tmp_path, ["compare", str(UNCERTAIN)], "c.xlsx")
    book = openpyxl.load_workbook(compare_path, data_only=True)
    assert book.sheetnames[-1] == "Uncertainty"
    ws = book["Uncertainty"]
    dists = {r[0].value: r for r in ws.iter_rows(min_row=6) if r[0].value and "." in r[0].value}
    loaded = gpu_calc.load(UNCERTAIN)
    from gpu_calc.distributions import round_half_up
    from gpu_calc.inputs import ModelInputs
    from gpu_calc.uncertainty.sensitivity import tornado

    fields = ModelInputs.from_scenario(loaded).fields
    uncertain = [k for k, f in fields.items() if f.uncertain]
    assert uncertain and set(uncertain) <= set(dists)
    assert any(fields[k].bounds.integer for k in uncertain)  # build.nre.respins
    bars = {b.param: (b.low_value, b.high_value) for b in tornado(loaded).bars}
    for key in uncertain:
        _, text, base, p10, p90 = (c.value for c in dists[key][:5])
        assert text.startswith(fields[key].value.dist)
        assert base == pytest.approx(fields[key].base, rel=REL)
        # the values the model takes: the tornado's (integer fields rounded, halves up)
        assert (p10, p90) == pytest.approx(bars[key], rel=REL), key
        if fields[key].bounds.integer:
            dist = fields[key].value
            assert (p10, p90) == tuple(round_half_up([dist.ppf(0.1), dist.ppf(0.9)]))
        else:
            assert _close(p10, fields[key].value.ppf(0.1)) and _close(
                p90, fields[key].value.ppf(0.9)
            )
    assert "Monte Carlo:" not in " ".join(str(c.value) for r in ws.iter_rows() for c in r)

    sim_path = _write(
        runner, tmp_path, ["simulate", str(UNCERTAIN), "-n", "3000", "--seed", "5"], "s.xlsx"
    )
    sim = gpu_calc.simulate(UNCERTAIN, samples=3000, seed=5).to_dict()
    ws = openpyxl.load_workbook(sim_path, data_only=True)["Uncertainty"]
    by_key = _rows_by_key(ws)
    row = by_key["comparison.savings_npv_usd"]
    stats = [ws.cell(row, c).value for c in range(3, 7)]
    want = [sim["comparison"]["savings_npv_usd"][q] for q in ("p5", "p50", "p95", "mean")]
    assert stats == pytest.approx(want, rel=REL)
    row = by_key["plans.build.co2e_kg"]
    assert ws.cell(row, 4).value == pytest.approx(sim["plans"]["build"]["co2e_kg"]["p50"], rel=REL)
    row = by_key["comparison.probability_build_cheaper"]
    assert ws.cell(row, 3).value == sim["comparison"]["probability_build_cheaper"]
    counts = [
        r[2].value
        for r in ws.iter_rows()
        if isinstance(r[0].value, float) and isinstance(r[2].value, int)
    ]
    assert counts == sim["histogram"]["counts"]


def test_sweep_sheet_holds_the_grid(runner, tmp_path):
    args = ["sweep", str(SEED), "-p", "build.share", "-v", "0:1:3", "-p", "site.pue", "-v", "1,1.5"]
    path = _write(runner, tmp_path, args)
    grid = gpu_calc.sweep(SEED, {"build.share": "0:1:3", "site.pue": [1, 1.5]}).to_dict()
    book = openpyxl.load_workbook(path, data_only=True)
    assert book.sheetnames == ["Summary", "Per year", "Silicon", "Inputs", "Sweep"]
    ws = book["Sweep"]
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(cells) if r[0] == "savings_npv_usd")
    matrix = [r[1:3] for r in cells[start + 2 : start + 5]]
    assert [r[0] for r in cells[start + 2 : start + 5]] == grid["values"][0]
    for got, want in zip(matrix, grid["outputs"]["savings_npv_usd"], strict=True):
        assert got == pytest.approx(want, rel=REL)


def test_user_text_is_never_a_formula(runner, tmp_path):
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(SMALL.replace("name: small", 'name: "=HYPERLINK(\\"http://x\\",\\"y\\")"'))
    path = _write(runner, tmp_path, ["compare", str(scenario)])
    cell = openpyxl.load_workbook(path)["Summary"]["A1"]
    assert cell.value == '=HYPERLINK("http://x","y")'
    assert cell.data_type == "s"  # a string, not a formula


def test_new_json_keys_flow_in_generically(tmp_path):
    """A per-plan key and a per-year series the workbook has never heard of get their rows."""
    data = data_of(gpu_calc.load(SMALL))
    for plan in data.result["plans"].values():
        plan["tokens"] = 1.5e12
        plan["per_year"]["gpu_hours_h"] = [1.0, 2.0, 3.0]
    path = tmp_path / "new.xlsx"
    path.write_bytes(render_workbook(data))
    book = openpyxl.load_workbook(path, data_only=True)
    assert book["Summary"][f"C{_rows_by_key(book['Summary'])['tokens']}"].value == 1.5e12
    row = _rows_by_key(book["Per year"])["gpu_hours_h"]
    assert [book["Per year"].cell(row, c).value for c in (4, 5, 6, 7)] == [1.0, 2.0, 3.0, 6.0]


def test_a_formula_that_would_disagree_is_written_as_a_value(tmp_path):
    data: WorkbookData = data_of(gpu_calc.load(SMALL))
    data.result["plans"]["buy"]["opex_usd"] += 1.0  # no longer the sum of its years
    path = tmp_path / "x.xlsx"
    path.write_bytes(render_workbook(data))
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = _rows_by_key(ws)
    assert ws[f"C{rows['opex_usd']}"].value == data.result["plans"]["buy"]["opex_usd"]
    assert str(ws[f"D{rows['opex_usd']}"].value).startswith("=SUM(")


# ----------------------------------------------------------------------------- recalculated


ROADMAP = ROOT / "scenarios" / "meta-roadmap.yaml"


@pytest.mark.parametrize(
    "scenario",
    [FULL, SMALL, ROADMAP],
    ids=["full-stack", "small", "roadmap"],
)
def test_recalculated_formulas_give_the_json(runner, tmp_path, scenario):
    if scenario is SMALL:
        small = tmp_path / "small.yaml"
        small.write_text(SMALL)
        scenario = small
    path = _write(runner, tmp_path, ["compare", str(scenario)])
    out = gpu_calc.compare(scenario).to_dict()
    get = _recalculate(path)
    book = openpyxl.load_workbook(path)
    rows = _rows_by_key(book["Summary"])
    checked = 0
    for key in (k for k, v in out["plans"]["buy"].items() if not isinstance(v, list | dict)):
        if _missing(out, key):
            continue
        for col, plan in (("C", "buy"), ("D", "build")):
            assert _close(get("Summary", f"{col}{rows[key]}"), out["plans"][plan][key]), (key, plan)
            checked += str(book["Summary"][f"{col}{rows[key]}"].value).startswith("=")
    for key in ("savings_npv_usd", "savings_pct", "payback_year", "cheaper"):
        assert _close(get("Summary", f"C{rows[key]}"), out["comparison"][key]), key
    sil = _rows_by_key(book["Silicon"])
    for key, value in out["silicon"].items():
        assert _close(get("Silicon", f"C{sil['silicon.' + key]}"), value), key
    years = _rows_by_key(book["Per year"])["savings_npv_usd_per_year"]
    h = out["horizon_years"]
    recalculated = [get("Per year", f"{chr(ord('D') + t)}{years}") for t in range(h)]
    for got, want in zip(recalculated, out["comparison"]["savings_npv_usd_per_year"], strict=True):
        assert _close(got, want)
    assert checked >= 20  # most totals were formulas, not values
    if out["plans"]["buy"].get("tokens") is not None:
        # tokens are the total of the per-year tokens row, their cost a formula over the TCO
        for key in ("tokens", "usd_per_million_tokens", "usd_per_reference_hour"):
            for col in ("C", "D"):
                text = str(book["Summary"][f"{col}{rows[key]}"].value)
                assert text.startswith("="), (key, col, text)
        assert book["Summary"][f"C{rows['usd_per_million_tokens']}"].value == (
            f"=C{rows['tco_usd']}*1000000/C{rows['tokens']}"
        )
        assert "'Per year'!" in book["Summary"][f"C{rows['tokens']}"].value


def test_changing_the_discount_rate_in_the_workbook_matches_gpucalc(runner, tmp_path):
    path = _write(runner, tmp_path, ["compare", str(FULL)])
    rows = _rows_by_key(openpyxl.load_workbook(path)["Summary"])
    for rate in (0.0, 0.25):
        get = _recalculate(path, {("Summary", "B4"): rate})
        out = gpu_calc.compare(FULL, sets={"discount_rate": rate}).to_dict()
        for col, plan in (("C", "buy"), ("D", "build")):
            assert _close(get("Summary", f"{col}{rows['npv_usd']}"), out["plans"][plan]["npv_usd"])
        for key in ("savings_npv_usd", "savings_pct", "payback_year", "cheaper"):
            assert _close(get("Summary", f"C{rows[key]}"), out["comparison"][key]), (rate, key)
    # at a zero rate the NPV is the TCO: nothing is discounted
    get = _recalculate(path, {("Summary", "B4"): 0.0})
    assert _close(get("Summary", f"C{rows['npv_usd']}"), get("Summary", f"C{rows['tco_usd']}"))


@pytest.mark.parametrize(
    ("scenario", "sets", "words"),
    [
        # the seed is cheaper from its first year (payback_year 0 in the JSON)
        (SEED, [], "cheaper from the first year: no payback period"),
        # a dearer chip design: savings turn positive later; 2024 + the 0-based index
        (ROADMAP, [], None),
        # no chip share and a design cost: building never pays back over 4 years
        (SEED, ["build.share=0"], "does not pay back within 4 years"),
        # ahead in year 0 only: buying is cheaper over 4 years (tests/test_analyst_views.py)
        (
            SEED,
            ["build.nre.software_usd_per_year=1e9"],
            "ahead in the first year but behind again by the end of the horizon",
        ),
        # ahead in year 0, behind in year index 3, ahead at the end
        (
            SEED,
            ["horizon_years=6", "build.nre.software_usd_per_year=5e8"],
            "pays back for good in year 5 of 6, after being ahead in the first year",
        ),
    ],
)
def test_payback_is_said_beside_its_0_based_index(runner, tmp_path, scenario, sets, words):
    """The Summary's payback row keeps the JSON's 0-based index and says beside it, as a
    live formula, what compare's verdict says (issue 12: no 'year 0' for an analyst)."""
    args = ["compare", str(scenario)] + [x for s in sets for x in ("--set", s)]
    path = _write(runner, tmp_path, args)
    out = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    index = out["comparison"]["payback_year"]
    if words is None:
        assert index is not None and index > 0
        words = f"pays back in {out['start_year'] + index}"
    ws = openpyxl.load_workbook(path)["Summary"]
    row = _rows_by_key(ws)["payback_year"]
    assert str(ws[f"D{row}"].value).startswith("=IF(")
    get = _recalculate(path)
    assert get("Summary", f"D{row}") == words


H100_PARTS = """\
version: 1
horizon_years: 4
demand: {units: 1000}
site: {electricity_usd_per_kwh: 0.08}
buy: {accelerator: h100-sxm}
build:
  share: 0.5
  chip: {die_area_mm2: 814, node: n4, memory_gb: 80, memory: hbm3, packaging: cowos-s,
         interposer_area_mm2: 2831, power_w: 700}
  nre: {design_usd: 1}
"""


def test_silicon_waterfall_adds_up_over_the_bill_of_materials(runner, tmp_path):
    """Issue 15 audit: the Silicon sheet prices memory, packaging and test from their parts
    with live formulas, and the unit price is a formula over those lines.

    By hand: memory 80 x 15 = 1,200; packaging 497 + 0.0893 x 2,831 = 749.8083; test 920;
    die 16,988 / (63 x 0.468094) = 576.06; unit price 3,445.87. Carbon 8.14 x 2.431 /
    0.468094 + 80 x 0.065 + 0.15 = 47.624 kg. With the price per GB typed as 20 instead of
    15 in the workbook, memory is 1,600 and the unit price 3,445.87 + 400 = 3,845.87."""
    scenario = tmp_path / "h100.yaml"
    scenario.write_text(H100_PARTS)
    path = _write(runner, tmp_path, ["compare", str(scenario)])
    out = gpu_calc.compare(scenario).to_dict()["silicon"]
    ws = openpyxl.load_workbook(path)["Silicon"]
    rows = _rows_by_key(ws)
    get = _recalculate(path)
    expected = {
        "silicon.memory_usd": 1200.0,
        "silicon.packaging_usd": 749.8083,
        "silicon.test_assembly_usd": 920.0,
        "silicon.embodied_kg_co2e": 47.6242544573225,
        "silicon.unit_price_usd": 3445.869064339637,
    }
    for key, value in expected.items():
        assert _close(get("Silicon", f"C{rows[key]}"), value, 1e-9), key
        assert str(ws[f"C{rows[key]}"].value).startswith("="), key
        assert _close(out[key.split(".")[1]], value, 1e-9), key
    # the waterfall adds up: die + memory + packaging + test = unit price (no markup)
    total = sum(
        get("Silicon", f"C{rows['silicon.' + k]}")
        for k in ("die_usd", "memory_usd", "packaging_usd", "test_assembly_usd")
    )
    assert _close(total, out["unit_price_usd"], 1e-12)
    price = str(ws[f"C{rows['silicon.unit_price_usd']}"].value)
    for k in ("memory_usd", "packaging_usd", "test_assembly_usd"):
        assert f"C{rows['silicon.' + k]}" in price, (k, price)
    # its "How" text says what the formula does
    assert "test and assembly" in ws[f"D{rows['silicon.unit_price_usd']}"].value
    # the parts are inputs of the sheet: change one and the price follows
    per_gb = rows["build.chip.memory_usd_per_gb"]
    changed = _recalculate(path, {("Silicon", f"C{per_gb}"): 20.0})
    assert _close(changed("Silicon", f"C{rows['silicon.memory_usd']}"), 1600.0)
    assert _close(changed("Silicon", f"C{rows['silicon.unit_price_usd']}"), 3445.869064339637 + 400)
    # no lump sum the parts replaced is listed
    assert "build.chip.memory_usd" not in rows and "build.chip.packaging_usd" not in rows


def test_silicon_sheet_with_harvesting_and_two_dies(runner, tmp_path):
    """The yield formula takes the critical area, die area x (1 - harvestable share), and
    the package's dies are a formula over the die's cost; every silicon figure recalculates
    to the JSON. By hand (H100 parts, harvestable share 0.56, two dies): yield 0.706465,
    die 381.69, dies 2 x 381.69 = 763.38, unit price 763.38 + 1,200 + 749.81 + 920 =
    3,633.19; carbon 2 x 8.14 x 2.431 / 0.706465 + 5.2 + 0.15 = 61.37 kg. With the share
    typed as 0 in the workbook, the yield is 0.468094 (the whole die kills)."""
    scenario = tmp_path / "harvest.yaml"
    scenario.write_text(
        H100_PARTS.replace(
            "power_w: 700}",
            "power_w: 700,\n         harvest_area_fraction: 0.56, dies_per_package: 2}",
        )
    )
    path = _write(runner, tmp_path, ["compare", str(scenario)])
    out = gpu_calc.compare(scenario).to_dict()["silicon"]
    ws = openpyxl.load_workbook(path)["Silicon"]
    rows = _rows_by_key(ws)
    get = _recalculate(path)
    for key, value in out.items():
        assert _close(get("Silicon", f"C{rows['silicon.' + key]}"), value, 1e-9), key
    for key in ("die_yield", "dies_per_package", "dies_usd", "unit_price_usd", "embodied_kg_co2e"):
        assert str(ws[f"C{rows['silicon.' + key]}"].value).startswith("="), key
    assert _close(out["dies_usd"], 763.380401714616, 1e-9)
    assert _close(out["unit_price_usd"], 3633.188701714616, 1e-9)
    assert _close(out["embodied_kg_co2e"], 61.37071751373442, 1e-9)
    harvest = rows["build.chip.harvest_area_fraction"]
    changed = _recalculate(path, {("Silicon", f"C{harvest}"): 0.0})
    assert _close(changed("Silicon", f"C{rows['silicon.die_yield']}"), 0.4680943579969482, 1e-9)


def test_sweep_sheet_money_columns_read_as_money(runner, tmp_path):
    """A one-parameter sweep lists npv_usd_buy and npv_usd_build per value: the plan's name
    at the end of the key is not a unit, so they take the money format as npv_usd does."""
    path = _write(runner, tmp_path, ["sweep", str(SEED), "-p", "build.share", "-v", "0.1,0.2"])
    ws = openpyxl.load_workbook(path)["Sweep"]
    rows = list(ws.iter_rows())
    header = next(r for r in rows if any(c.value == "npv_usd_buy" for c in r))
    first = rows[rows.index(header) + 1]
    for cell, name in zip(first, [c.value for c in header], strict=True):
        if name in ("savings_npv_usd", "npv_usd_buy", "npv_usd_build"):
            assert cell.number_format == "$#,##0;-$#,##0", name


def test_a_figure_with_a_missing_input_is_na_as_in_every_human_view(runner, tmp_path):
    """The seed's chip has no length_mm: the JSON keeps MODEL.md's number for the build
    plan (74.99625 km: the GPUs it still buys, the chip counted at 0 mm), the table says
    n/a, and so does the workbook, with what is missing beside it. The buy plan's
    350,000 x 285.7 mm = 99.995 km stays a number."""
    path = _write(runner, tmp_path, ["compare", str(SEED)])
    ws = openpyxl.load_workbook(path)["Summary"]
    row = _rows_by_key(ws)["fleet_length_km"]
    assert ws[f"C{row}"].value == pytest.approx(99.995)
    assert ws[f"D{row}"].value == "n/a"
    assert ws[f"E{row}"].value is None  # no Build - Buy of a figure that is not there
    assert ws[f"F{row}"].value == "n/a: not given (build: mtia-v2 (chip 0): length_mm)"


def test_build_minus_buy_has_its_own_scale(runner, tmp_path):
    """Both plans' energy is in TWh, their difference far smaller: the Build - Buy cell is
    scaled by its own size (not -0.00 TWh), and emissions say CO2e."""
    path = _write(runner, tmp_path, ["compare", str(ROADMAP)])
    out = gpu_calc.compare(ROADMAP).to_dict()["plans"]
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = _rows_by_key(ws)
    diff = out["build"]["energy_it_kwh"] - out["buy"]["energy_it_kwh"]
    assert abs(diff) < 1e9 <= out["buy"]["energy_it_kwh"]  # below a TWh, the plans above
    fmt = ws[f"E{rows['energy_it_kwh']}"].number_format
    assert "TWh" not in fmt and ("GWh" in fmt or "MWh" in fmt)
    assert "CO2e" in ws[f"C{rows['co2e_kg']}"].number_format


#: A design that starts in year 1 (available 2, design_years 1): nothing is spent on the
#: chip in year 0, so year 0's savings are exactly 0 and MODEL.md's payback_year is 0 (0 >=
#: 0); the cumulative savings then go to -437M and are >= 0 from year index 2 on.
LATE_DESIGN = """\
version: 1
horizon_years: 5
discount_rate: 0.08
demand: {reference: h100-sxm, units: [100000, 150000, 200000, 250000, 300000], load_factor: 0.6}
site: {electricity_usd_per_kwh: 0.1}
buy: {accelerator: h100-sxm, unit_price_usd: 27500}
build:
  share: 0.5
  available_year: 2
  chip: {accelerator: mtia-v2, packaging_usd: 150}
  nre: {design_usd: 436000000, respins: 1, design_years: 1}
"""


TIE = """\
version: 1
horizon_years: 4
discount_rate: 0
demand: {units: 5000, load_factor: 0.5}
site: {electricity_usd_per_kwh: 0.1}
buy: {unit_price_usd: 5000, power_w: 700, lifetime_years: 1}
build:
  share: 0
  chip: {node: n5, mask_set_usd: 0, die_area_mm2: 400, memory_usd: 100, power_w: 200}
  nre: {design_usd: 0}
"""


@pytest.mark.parametrize(
    ("text", "sets", "words"),
    [
        (LATE_DESIGN, [], "pays back for good in year 3 of 5, after being even in the first year"),
        # no chip share, no NRE, no discounting: the plans tie in every year
        (TIE, [], "even every year: the plans cost the same"),
    ],
)
def test_a_tie_is_not_called_ahead(runner, tmp_path, text, sets, words):
    """Python and the workbook's live formula (recalculated) say the same words, and the
    verdict, for savings that are exactly 0 in year 0."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    args = ["compare", str(scenario)] + [x for s in sets for x in ("--set", s)]
    out = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert out["comparison"]["payback_year"] == 0
    assert out["comparison"]["savings_npv_usd_per_year"][0] == 0
    path = _write(runner, tmp_path, args)
    row = _rows_by_key(openpyxl.load_workbook(path)["Summary"])["payback_year"]
    assert _recalculate(path)("Summary", f"D{row}") == words
