"""validate, schema, presets and init: output as data, errors one line each, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gpu_calc import presets
from gpu_calc.cli import app
from gpu_calc.scenario import load_text
from gpu_calc.starter import starter_text
from tests.conftest import ROOT, SEED, SMALL

BAD = "version: 1\nhorizon_years: 0\nsite: {pue: 0.5}\n"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


# --------------------------------------------------------------------------- validate


def test_validate_ok(runner, small_file):
    result = runner.invoke(app, ["validate", str(small_file), str(SEED)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # messages only: nothing on stdout
    assert f"{small_file}: ok" in result.stderr
    assert f"{SEED}: ok" in result.stderr
    assert "2 files: 2 valid, 0 invalid (0 errors)" in result.stderr


def test_validate_lists_every_error_one_per_line(runner, small_file, bad_file, tmp_path):
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["validate", str(bad_file), str(small_file), str(missing)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith((str(bad_file), str(missing)))]
    # hand-counted from BAD: horizon_years < 1, demand/buy/build missing, site price missing,
    # pue < 1; then the missing file
    assert f"{bad_file}:2:1: horizon_years: must be >= 1, got 0" in errors
    assert f"{bad_file}:3:8: site.pue: must be >= 1, got 0.5" in errors
    assert f"{missing}: no such file" in errors
    assert len(errors) == 7
    assert f"{small_file}: ok" in lines
    assert lines[-1] == "3 files: 1 valid, 2 invalid (7 errors)"
    assert "Traceback" not in result.output


def test_validate_json(runner, small_file, bad_file):
    result = runner.invoke(app, ["validate", str(small_file), str(bad_file), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [f["file"] for f in data["files"]] == [str(small_file), str(bad_file)]
    assert [f["valid"] for f in data["files"]] == [True, False]
    assert data["files"][0]["errors"] == []
    pue = [e for e in data["files"][1]["errors"] if e["path"] == "site.pue"]
    assert pue == [
        {
            "line": 3,
            "col": 8,
            "column": 8,  # batch's name for it; "col" stays for scripts that read it
            "path": "site.pue",
            "message": "must be >= 1, got 0.5",
            "text": f"{bad_file}:3:8: site.pue: must be >= 1, got 0.5",
        }
    ]


def test_validate_csv_and_markdown(runner, small_file, bad_file):
    result = runner.invoke(app, ["validate", str(small_file), str(bad_file), "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0] == {
        "file": str(small_file),
        "status": "ok",
        "line": "",
        "col": "",
        "path": "",
        "message": "",
    }
    assert len(rows) == 1 + 6
    assert all(r["status"] == "invalid" for r in rows[1:])
    md = runner.invoke(app, ["validate", str(bad_file), "-f", "markdown"]).stdout
    assert md.startswith("| File | Status | Line | Col | Path | Message |")


def test_validate_stdin_and_set(runner):
    result = runner.invoke(app, ["validate", "-"], input=SMALL)
    assert result.exit_code == 0 and "<stdin>: ok" in result.stderr
    result = runner.invoke(app, ["validate", "-", "--set", "site.pue=0.9"], input=SMALL)
    assert result.exit_code == 2
    assert "error: --set site.pue=0.9: site.pue: must be >= 1, got 0.9" in result.stderr
    result = runner.invoke(app, ["validate", "-", "-"], input=SMALL)
    assert result.exit_code == 2 and "more than once" in result.stderr


def test_validate_needs_a_file(runner):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- schema


def test_schema_command_matches_committed_file(runner):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    committed = (ROOT / "docs" / "scenario.schema.json").read_text()
    assert result.stdout == committed, "docs/scenario.schema.json is stale: run make schema"


def test_schema_is_usable_by_editors(runner):
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]
    assert schema["additionalProperties"] is False
    # every key of every object has a description (editor hover text)
    for name, node in [("Scenario", schema), *schema["$defs"].items()]:
        for key, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"
    # ranges from the same bounds the loader checks
    pue = schema["$defs"]["Site"]["properties"]["pue"]["anyOf"][0]
    assert pue == {"type": "number", "minimum": 1}
    share = schema["$defs"]["Build"]["properties"]["share"]["anyOf"][0]
    assert share == {"type": "number", "minimum": 0, "maximum": 1}
    perf = schema["$defs"]["Buy"]["properties"]["perf_vs_reference"]["anyOf"][0]
    assert perf == {"type": "number", "exclusiveMinimum": 0}
    horizon = schema["properties"]["horizon_years"]
    assert (horizon["minimum"], horizon["maximum"]) == (1, 100)
    # whole-number fields take a plain number, rounded (MODEL.md 11): an editor must not
    # flag horizon_years: 4.4, which compare accepts
    assert horizon["type"] == "number"
    start = schema["properties"]["start_year"]["anyOf"][0]
    assert start == {"type": "number", "minimum": 1, "maximum": 9999}
    # only JSON Schema's own keywords: pydantic's ge/le/gt/lt are words editors ignore
    text = json.dumps(schema)
    for short in ("ge", "le", "gt", "lt"):
        assert f'"{short}":' not in text
    # keys a preset can supply are not required (the seed relies on presets)
    assert "required" not in schema["$defs"]["Buy"]
    assert "required" not in schema["$defs"]["Site"]
    assert schema["$defs"]["Nre"]["required"] == ["design_usd"]


def _check(data, node, schema, where="") -> list[str]:
    """A small checker for the parts of JSON Schema editors flag most: unknown and
    missing keys (objects only; enough to show the seed file raises no false alarms)."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if "anyOf" in node or "oneOf" in node:
        branches = node.get("anyOf", node.get("oneOf"))
        results = [_check(data, b, schema, where) for b in branches]
        return [] if any(not r for r in results) else results[0]
    problems = []
    if node.get("type") == "object" and isinstance(data, dict):
        props = node.get("properties", {})
        for key in node.get("required", []):
            if key not in data:
                problems.append(f"{where}.{key} missing")
        extra = node.get("additionalProperties")
        for key, value in data.items():
            if key in props:
                problems += _check(value, props[key], schema, f"{where}.{key}")
            elif isinstance(extra, dict):  # a mapping of any keys to one shape (expect:)
                problems += _check(value, extra, schema, f"{where}.{key}")
            else:
                problems.append(f"{where}.{key} unknown")
    elif node.get("type") == "object":
        problems.append(f"{where}: not an object")
    elif node.get("type") == "array":
        if not isinstance(data, list):
            return [f"{where}: not a list"]
        for i, item in enumerate(data):
            problems += _check(item, node.get("items", {}), schema, f"{where}[{i}]")
    elif node.get("type") == "number" and not isinstance(data, int | float):
        problems.append(f"{where}: not a number")
    return problems


def test_seed_and_starter_pass_the_schema(runner):
    from gpu_calc.yamlio import parse_yaml

    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    for text in (SEED.read_text(), SMALL, starter_text("b200")):
        assert _check(parse_yaml(text, "x").data, schema, schema) == []
    assert _check({"horizon_years": 1, "sitee": {}}, schema, schema) != []


def test_schema_to_file(runner, tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["title"] == "gpucalc scenario"


# --------------------------------------------------------------------------- presets


def test_presets_table_lists_every_preset(runner):
    result = runner.invoke(app, ["presets"])
    assert result.exit_code == 0, result.output
    for kind in presets.KINDS:
        for name in presets.names(kind):
            assert name in result.stdout
    assert "$27.5k" in result.stdout  # h100-sxm unit_price_usd 27500, human form
    assert "\x1b[" not in result.stdout


def test_presets_json_is_exact(runner):
    data = json.loads(runner.invoke(app, ["presets", "--format", "json"]).stdout)
    names = [(p["kind"], p["name"]) for p in data["presets"]]
    assert sorted(names) == sorted((k, n) for k in presets.KINDS for n in presets.names(k))
    h100 = next(p for p in data["presets"] if p["name"] == "h100-sxm")
    price = next(f for f in h100["fields"] if f["key"] == "unit_price_usd")
    # from gpu_calc/presets/accelerators.yaml
    assert (price["value"], price["low"], price["high"]) == (27500, 25000, 30000)
    assert "techspot" in price["source"]


def test_presets_kind_filter(runner):
    result = runner.invoke(app, ["presets", "--kind", "nodes", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["kind"] for r in rows} == {"nodes"}
    assert {r["name"] for r in rows} == set(presets.names("nodes"))
    n5 = {r["key"]: r for r in rows if r["name"] == "n5"}
    assert n5["wafer_usd"]["value"] == "16988" and n5["mask_set_usd"]["value"] == "18100000"


def test_one_preset_has_every_value_source_and_range(runner):
    result = runner.invoke(app, ["presets", "h100-sxm"])
    assert result.exit_code == 0
    out = result.stdout
    for key in presets.get("accelerators", "h100-sxm").values:
        assert key in out
    assert "700 W" in out and "$25.0k - $30.0k" in out and "glennklockwood" in out
    md = runner.invoke(app, ["presets", "n5", "-f", "markdown"]).stdout
    assert md.startswith("## n5: TSMC N5 (node)")
    assert "| wafer_usd | $17.0k | $16.0k - $17.0k |" in md


def test_unknown_preset(runner):
    result = runner.invoke(app, ["presets", "h100-sx"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: unknown preset 'h100-sx' (did you mean 'h100-sxm'?); "
        "list them with 'gpucalc presets'"
    )
    result = runner.invoke(app, ["presets", "n5", "--kind", "sites"])
    assert result.exit_code == 2 and "unknown site preset 'n5'" in result.stderr
    result = runner.invoke(app, ["presets", "--kind", "gpus"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- init

PRICED = [
    n
    for n in presets.names("accelerators")
    if "unit_price_usd" in presets.get("accelerators", n).values
]
UNPRICED = [n for n in presets.names("accelerators") if n not in PRICED]


def test_there_are_priced_and_unpriced_presets():
    assert "h100-sxm" in PRICED and UNPRICED  # the test below covers both branches


@pytest.mark.parametrize("name", PRICED)
def test_init_validates_for_every_priced_preset(runner, name):
    result = runner.invoke(app, ["init", "--preset", name])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    loaded = load_text(result.stdout, f"init-{name}.yaml")
    acc = presets.get("accelerators", name)
    assert loaded.scenario.buy.accelerator == name
    assert loaded.scenario.buy.unit_price_usd == acc.values["unit_price_usd"]
    assert loaded.scenario.buy.power_w == acc.values["power_w"]


@pytest.mark.parametrize("name", UNPRICED)
def test_init_without_a_price_says_what_to_fill_in(runner, name):
    from gpu_calc.errors import InputErrors

    result = runner.invoke(app, ["init", "--preset", name])
    assert result.exit_code == 0
    assert "set buy.unit_price_usd" in result.stderr
    with pytest.raises(InputErrors) as info:
        load_text(result.stdout, "x.yaml")
    # a preset without a published TDP (tpu-v5p) leaves power_w to fill in too
    missing = ["unit_price_usd"] + (
        [] if "power_w" in presets.get("accelerators", name).values else ["power_w"]
    )
    # keys missing from one mapping are said in one line
    assert [e.message for e in info.value.errors] == [
        "missing required key 'unit_price_usd' (add it under buy)"
        if len(missing) == 1
        else "missing required keys 'power_w' and 'unit_price_usd' (add them under buy)"
    ]
    filled = result.stdout.replace("  # unit_price_usd: ...", "  unit_price_usd: 20000 #")
    filled = filled.replace("  # power_w: ...", "  power_w: 450 #")
    load_text(filled, "x.yaml")


def test_init_is_commented_and_default_is_h100(runner):
    out = runner.invoke(app, ["init"]).stdout
    assert out.startswith("# yaml-language-server: $schema=")
    assert "accelerator: h100-sxm" in out
    assert sum(line.lstrip().startswith("#") for line in out.splitlines()) >= 5
    assert "source: techspot" in out


def test_init_unknown_preset_and_no_overwrite(runner, tmp_path):
    result = runner.invoke(app, ["init", "--preset", "h100"])
    assert result.exit_code == 2 and "--preset h100: unknown accelerator preset" in result.stderr
    target = tmp_path / "new.yaml"
    assert runner.invoke(app, ["init", "-o", str(target)]).exit_code == 0
    assert load_text(target.read_text()).scenario.buy.accelerator == "h100-sxm"
    again = runner.invoke(app, ["init", "-o", str(target)])
    assert again.exit_code == 2 and "already exists" in again.stderr
