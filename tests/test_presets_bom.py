"""Issue 15: presets an analyst can trust (dated sources, servers, today's accelerators and
sites) and a chip's bill of materials from its parts, checked against outside estimates."""

from __future__ import annotations

import contextlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from gpu_calc import presets
from gpu_calc.api import compare, load, simulate
from gpu_calc.cli import app
from gpu_calc.errors import InputError, InputErrors
from gpu_calc.inputs import ModelInputs
from gpu_calc.scenario import load_text

ROOT = Path(__file__).resolve().parent.parent

BASE: dict[str, Any] = {
    "version": 1,
    "horizon_years": 4,
    "demand": {"units": 1000},
    "site": {"electricity_usd_per_kwh": 0.08},
    "buy": {"accelerator": "h100-sxm"},
    "build": {"share": 0.5, "chip": {"accelerator": "mtia-v2"}, "nre": {"design_usd": 1}},
}


#: An H100 from its parts (the outside check of issue 15): its die, node, HBM and CoWoS-S.
H100_PARTS = {
    "die_area_mm2": 814,
    "node": "n4",
    "memory_gb": 80,
    "memory": "hbm3",
    "packaging": "cowos-s",
    "interposer_area_mm2": 2831,
    "power_w": 700,
}


def scenario(**changes: Any) -> str:
    """BASE with ``section__key`` changes (a value of None removes the key), as YAML."""
    data = json.loads(json.dumps(BASE))
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False)


def silicon(text: str) -> dict[str, float]:
    out = ModelInputs.from_scenario(load_text(text, "x.yaml")).evaluate()
    return {k: float(v) for k, v in out.silicon.items()}


def errors(text: str) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, "x.yaml")
    return [str(e) for e in info.value.errors]


# --------------------------------------------------------------------------- dated sources


@pytest.mark.parametrize("kind", presets.KINDS)
def test_every_preset_value_has_a_dated_source(kind: str) -> None:
    for preset in presets.load(kind).values():
        for key in preset.values:
            assert preset.sources.get(key, "").strip(), f"{kind} {preset.name}.{key}: no source"
            date = preset.as_of.get(key)
            assert date and presets.AS_OF.match(date), f"{kind} {preset.name}.{key}: as_of {date}"
            assert int(date[:4]) <= 2026


def test_reviewed_figures_are_fixed() -> None:
    nodes = presets.load("nodes")
    # N4 is an N5-family node: never cheaper than N5
    assert nodes["n4"].values["wafer_usd"] >= nodes["n5"].values["wafer_usd"]
    for site in presets.load("sites").values():
        # Li et al. (arXiv 2304.03271) Table 1: U.S. average off-site water 3.142 L/kWh
        assert site.values["water_source_l_per_kwh"] != 0.5
        # every site's grid carbon is on one basis (issue 15's carbon review)
        assert "generation-only" in site.sources["grid_kg_co2e_per_kwh"], site.name
    assert "419.84" in presets.get("accelerators", "mtia-v2").note  # 25.6 x 16.4
    wanted = {"h200", "b200", "gb200", "mi325x", "mi355x", "trainium2", "maia-100", "mtia-v1"}
    assert wanted <= set(presets.names("accelerators"))
    assert "unit_price_usd" in presets.get("accelerators", "h200").values
    assert {"us-virginia", "us-texas", "nordic-finland", "ireland"} <= set(presets.names("sites"))


def test_texas_water_is_its_own_row_of_li_et_al() -> None:
    """us-texas takes Table 1's Texas off-site intensity, 1.287 L/kWh (not the US 3.142):
    water = IT energy x on-site WUE 1.8 + facility energy x 1.287, from the plan's own
    energies."""
    out = compare(scenario(site={"preset": "us-texas"})).to_dict()["plans"]["buy"]
    want = out["energy_it_kwh"] * 1.8 + out["energy_facility_kwh"] * 1.287
    assert out["water_l"] == pytest.approx(want, rel=1e-12)
    texas = presets.get("sites", "us-texas")
    assert texas.values["water_source_l_per_kwh"] == 1.287
    assert "Texas row" in texas.sources["water_source_l_per_kwh"]


#: lb -> kg, exactly (the international pound); eGRID's rates are lb per MWh.
LB_PER_MWH = 0.45359237 / 1000

#: Each state and country site's grid carbon as its source publishes it, and the kg/kWh it
#: gives (rounded as the preset writes it). eGRID2023 summary tables (rev2), state total
#: output CO2 rates, 2023: Virginia 536.9, Texas 768.3, Oregon 364.2 lb/MWh. EEA 'Greenhouse
#: gas emission intensity of electricity generation', 2023: Finland 33, Ireland 255, Italy
#: 248 g CO2e/kWh.
SITE_CARBON = {
    # 536.9 x 0.45359237 / 1000 = 0.24353 -> 0.2435
    "us-virginia": ("536.9 lb", 536.9 * LB_PER_MWH, 0.2435),
    # 768.3 x 0.45359237 / 1000 = 0.34850 -> 0.3485
    "us-texas": ("768.3 lb", 768.3 * LB_PER_MWH, 0.3485),
    # 364.2 x 0.45359237 / 1000 = 0.16520 -> 0.1652
    "us-oregon": ("364.2 lb", 364.2 * LB_PER_MWH, 0.1652),
    # g/kWh / 1000 = kg/kWh
    "nordic-finland": ("33 g CO2e/kWh", 33 / 1000, 0.033),
    "ireland": ("255 g CO2e/kWh", 255 / 1000, 0.255),
    "italy": ("248 g CO2e/kWh", 248 / 1000, 0.248),
}


@pytest.mark.parametrize("name", sorted(SITE_CARBON))
def test_site_carbon_is_generation_only_and_its_source_arithmetic(name: str) -> None:
    published, exact, written = SITE_CARBON[name]
    site = presets.get("sites", name)
    source = site.sources["grid_kg_co2e_per_kwh"]
    assert "generation-only" in source
    assert published in source
    assert site.values["grid_kg_co2e_per_kwh"] == written
    assert written == pytest.approx(exact, abs=5e-5)  # rounding only
    # one year for every state and country, so that the sites compare
    assert site.as_of["grid_kg_co2e_per_kwh"] == "2023"
    low, high = site.ranges["grid_kg_co2e_per_kwh"]
    assert low <= written <= high


def test_virginia_range_reaches_its_subregion() -> None:
    """Virginia imports a third of its power: the range's high end is eGRID2023's SRVC
    subregion, 593.4 lb CO2/MWh x 0.45359237 / 1000 = 0.26916 -> 0.2692."""
    site = presets.get("sites", "us-virginia")
    assert site.ranges["grid_kg_co2e_per_kwh"][1] == pytest.approx(593.4 * LB_PER_MWH, abs=5e-5)
    assert "imports" in site.note


def test_italy_seed_scenario_carbon_by_hand() -> None:
    """scenarios/italy-leonardo-scale.yaml takes the italy preset, so its carbon follows the
    preset's new 0.248 kg/kWh (it was 0.34). The bought H100 fleet carries no embodied carbon,
    so its carbon is its facility energy times the grid: 13,824 GPUs = 1,728 DGX servers of
    8 x 700 W + 4,600 W host = 10.2 kW, at load factor 0.75 and PUE 1.25 for 8,760 h a year
    over 5 years: 1,728 x 10.2 x 0.75 x 1.25 x 8,760 x 5 = 723,751,200 kWh, x 0.248 =
    179,490,297.6 kg CO2e (it was 246,075,408 at 0.34)."""
    out = compare(ROOT / "scenarios/italy-leonardo-scale.yaml").to_dict()
    buy = out["plans"]["buy"]
    assert buy["energy_facility_kwh"] == pytest.approx(723_751_200)
    assert buy["co2e_kg"] == pytest.approx(179_490_297.6)


def test_presets_command_shows_the_date(runner) -> None:
    result = runner.invoke(app, ["presets", "hgx-h100", "--format", "json"])
    assert result.exit_code == 0, result.output
    fields = {f["key"]: f for f in json.loads(result.stdout)["fields"]}
    # NVIDIA DGX H100 datasheet, 10.2 kW max - 8 x 700 W = 4,600 W (March 2022)
    assert fields["host_power_w_per_server"]["value"] == 4600
    assert fields["host_power_w_per_server"]["as_of"] == "2022-03"
    table = runner.invoke(app, ["presets", "hbm3"]).stdout
    assert "(as of 2024)" in table
    csv = runner.invoke(app, ["presets", "--kind", "packaging", "--format", "csv"]).stdout
    assert csv.splitlines()[0].endswith(",source,as_of")


def test_report_inputs_show_the_date() -> None:
    loaded = load_text(scenario(buy__server="hgx-h100"), "x.yaml")
    assert loaded.preset_sources[("buy", "host_usd_per_server")].endswith("(as of 2023-05)")


# --------------------------------------------------------------------------- servers


def test_server_preset_fills_the_whole_system() -> None:
    loaded = load_text(scenario(buy__server="hgx-h100"), "x.yaml")
    buy = loaded.scenario.buy
    assert (buy.chips_per_server, buy.host_usd_per_server) == (8, 32010)
    assert (buy.host_power_w_per_server, buy.network_usd_per_unit) == (4600, 7389)
    # the GPU itself stays the accelerator preset's
    assert (buy.unit_price_usd, buy.power_w) == (27500, 700)
    plain = compare(scenario()).to_dict()["plans"]["buy"]
    server = compare(scenario(buy__server="hgx-h100")).to_dict()["plans"]["buy"]
    # per GPU: 32,010 / 8 + 7,389 = 11,390.25 USD more, and 4,600 / 8 = 575 W more peak
    assert server["capex_usd"] - plain["capex_usd"] == pytest.approx(1000 * 11390.25)
    assert server["peak_it_mw"] - plain["peak_it_mw"] == pytest.approx(1000 * 575 / 1e6)


def test_a_given_field_overrides_the_server_and_the_server_the_chip_preset() -> None:
    text = scenario(
        buy__accelerator="gb200",
        buy__unit_price_usd=35000,
        buy__server="gb200-nvl72",
        buy__host_usd_per_server=100,
    )
    buy = load_text(text, "x.yaml").scenario.buy
    assert buy.host_usd_per_server == 100
    assert buy.chips_per_server == 72  # the rack's, not the gb200 tray's 4


@pytest.mark.parametrize(
    "where",
    ["buy", "build__chip", "buy__generations", "installed", "build__generations"],
)
def test_server_everywhere_an_accelerator_is(where: str) -> None:
    if where == "buy__generations":
        text = scenario(
            buy__generations=[{"accelerator": "b200", "from_year": 2, "server": "hgx-b200"}]
        )
        got = load_text(text, "x.yaml").scenario.buy.generations[0]
    elif where == "installed":
        text = scenario(installed=[{"accelerator": "a100", "units": 10, "server": "hgx-h100"}])
        got = load_text(text, "x.yaml").scenario.installed[0]
    elif where == "build__generations":
        gen = {
            "from_year": 2,
            "chip": {"accelerator": "mtia-v2", "server": "mtia-v2-rack"},
            "nre": {"design_usd": 1},
        }
        got = (
            load_text(scenario(build__generations=[gen]), "x.yaml")
            .scenario.build.generations[0]
            .chip
        )
    else:
        server = "mtia-v2-rack" if where == "build__chip" else "hgx-h100"
        loaded = load_text(scenario(**{f"{where}__server": server}), "x.yaml")
        got = loaded.scenario.build.chip if where == "build__chip" else loaded.scenario.buy
    assert got.host_usd_per_server > 0


# --------------------------------------------------------------------------- bill of materials


def test_a_chip_without_the_new_keys_keeps_its_lump_sums() -> None:
    # mtia-v2 names lpddr5 and organic, but its memory_usd (307) is its figure, and nothing
    # in the file asks for parts: no test and assembly line, no carbon from parts (the
    # silicon block shows the chip's lump embodied_kg_co2e, 0 by default)
    s = silicon(scenario())
    assert s["memory_usd"] == 307 and s["packaging_usd"] == 0 and s["test_assembly_usd"] == 0
    assert s["embodied_kg_co2e"] == 0


def test_memory_from_its_capacity() -> None:
    # 128 GB x 2.4 USD/GB (lpddr5 preset) = 307.2 USD; the preset's lump 307 is replaced
    s = silicon(scenario(build__chip__memory="lpddr5"))
    assert s["memory_usd"] == pytest.approx(307.2)
    # memory_gb in the file with the preset's type: 256 x 2.4 = 614.4
    assert silicon(scenario(build__chip__memory_gb=256))["memory_usd"] == pytest.approx(614.4)


def test_h100_built_from_its_parts_matches_the_analysts() -> None:
    """Outside check (issue 15). Raymond James estimated the H100's manufacturing cost at
    ~3,320 USD, HBM included (reported by Tae Kim, Barron's, Aug 2023; quoted in Epoch AI's
    github.com/epoch-research/training-cost-trends notebook). siliconanalysts.com/tools/
    cost-bridge (Feb 2026) splits it: logic die ~300, HBM ~1,350-1,400, CoWoS packaging
    ~750, test and assembly ~920.

    By hand: 814 mm2 on a 300 mm wafer: 70,685.8/814 - 942.48/sqrt(1,628) = 86.84 - 23.36
    -> 63 dies; Murphy at D0 0.1: x = 0.814, ((1 - e^-0.814)/0.814)^2 = 0.6841^2 = 0.4681;
    die = 16,988 / (63 x 0.4681) = 576.06. HBM 80 x 15 = 1,200. CoWoS-S 497 + 2,831 x
    0.0893 = 749.81. Test 920. Sum 3,445.87 (+3.8% on 3,320).
    """
    text = scenario(build__chip=H100_PARTS)
    s = silicon(text)
    assert s["dies_per_wafer"] == 63
    assert s["die_usd"] == pytest.approx(576.06, abs=0.01)
    assert s["unit_price_usd"] == pytest.approx(3445.87, abs=0.01)
    assert s["unit_price_usd"] == pytest.approx(3320, rel=0.15)
    assert s["memory_usd"] == pytest.approx(1350, rel=0.15)
    # the packaging and test lines of cowos-s are fitted to this same estimate (see the
    # preset's sources): these two only check the arithmetic
    assert s["packaging_usd"] == pytest.approx(750, rel=0.15)
    assert s["test_assembly_usd"] == pytest.approx(920, rel=0.15)
    # The logic die does NOT come within 15% of the analysts' ~300 USD: with N4 at N5's
    # wafer price and every defect fatal it is 576, 63 x 0.4681 = 29.5 good dies a wafer;
    # the analysts' 300 implies 16,988 / 300 = 57 sellable dies a wafer. GH100 is sold
    # harvested (132 of its 144 SMs enabled on the H100 SXM5), which the chip's
    # harvest_area_fraction models (see test_h100_with_harvesting_and_its_gap), but no
    # source for GH100's harvestable share was found, so the preset gives none.
    # TrendForce's "~28 H100 per wafer" (2024-03-18), which the ai_futures_model notes
    # read as usable dies per logic wafer, counts H100 packages from one CoWoS wafer
    # (70,686 mm2 of wafer / ~2,500 mm2 of interposer = 28.3): a packaging figure that
    # says nothing about good dies per N4 wafer, so it neither confirms 29.5 nor
    # contradicts the analysts' 57.
    assert s["dies_per_wafer"] * s["die_yield"] == pytest.approx(29.49, abs=0.01)
    assert s["die_usd"] > 300 * 1.15  # the gap, recorded: not within 15%


def test_h100_embodied_carbon_from_its_parts() -> None:
    """ACT (Gupta et al., ISCA 2022): 8.14 cm2 x 2.431 kg/cm2 (N5 row) / 0.4681 = 42.27;
    80 GB x 0.065 = 5.2; one package 0.15: 47.62 kg CO2e a chip."""
    text = scenario(build__chip=H100_PARTS)
    assert silicon(text)["embodied_kg_co2e"] == pytest.approx(47.62, abs=0.01)


def test_mtia_v2_price_and_carbon_are_of_a_plausible_order() -> None:
    """MTIA v2 from its parts: 421 mm2 on N5 -> 135 dies, Murphy yield 0.6662, die
    16,988 / (135 x 0.6662) = 188.9; memory 128 x 2.4 = 307.2; organic 150 + test 50:
    696 USD, a fifth of an H100's ~3,320 build cost (Raymond James) for a 90 W chip with
    LPDDR5 instead of HBM. Carbon 4.21 x 2.431 / 0.6662 + 128 x 0.048 + 0.15 = 21.66 kg,
    under half the H100's 47.6 from the same model."""
    s = silicon(scenario(build__chip__memory="lpddr5", build__chip__packaging="organic"))
    assert s["unit_price_usd"] == pytest.approx(696.1, abs=0.5)
    assert 300 < s["unit_price_usd"] < 3320
    assert s["embodied_kg_co2e"] == pytest.approx(21.66, abs=0.01)
    assert 5 < s["embodied_kg_co2e"] < 47.62


def test_embodied_carbon_reaches_the_build_plan() -> None:
    plain = compare(scenario()).to_dict()
    parts = compare(scenario(build__chip__packaging="organic")).to_dict()
    chips = parts["plans"]["build"]["chip_units"]
    # naming a packaging preset asks for the carbon from parts, which follow the priced
    # parts: 4.21 x 2.431 / 0.66615 for the die and 0.15 for the package; no memory carbon,
    # as the memory cost stays mtia-v2's lump sum (307 USD), not lpddr5's parts
    carbon = 4.21 * 2.431 / 0.666152 + 0.15
    extra = parts["plans"]["build"]["co2e_kg"] - plain["plans"]["build"]["co2e_kg"]
    assert extra == pytest.approx(chips * carbon, rel=1e-4)


@pytest.mark.parametrize(
    ("chip", "message"),
    [
        (
            {"memory_usd": 100, "memory": "hbm3", "memory_gb": 8},
            "build.chip.memory_usd: give memory_usd or its parts (memory_gb, memory, "
            "memory_usd_per_gb), not both; remove memory_usd or memory_gb, memory",
        ),
        (
            {"packaging_usd": 100, "packaging": "cowos-s"},
            "build.chip.packaging_usd: give packaging_usd or its parts (packaging, "
            "packaging_base_usd, packaging_usd_per_mm2, interposer_area_mm2), not both; "
            "remove packaging_usd or packaging",
        ),
        (
            {"embodied_kg_co2e": 10, "package_kg_co2e": 0.2},
            "build.chip.embodied_kg_co2e: give embodied_kg_co2e or its parts "
            "(wafer_kg_co2e_per_cm2, memory_kg_co2e_per_gb, package_kg_co2e), not both; "
            "remove embodied_kg_co2e or package_kg_co2e",
        ),
        ({"memory": "hbm9"}, "build.chip.memory: unknown memory preset 'hbm9' (did you mean"),
        ({"packaging": "cowos"}, "build.chip.packaging: unknown packaging preset 'cowos'"),
        ({"memory_gb": -1}, "build.chip.memory_gb: must be >= 0, got -1"),
        ({"interposer_area_mm2": "big"}, "build.chip.interposer_area_mm2: expected a number"),
    ],
)
def test_bill_of_materials_errors(chip: dict[str, Any], message: str) -> None:
    full = {"accelerator": "mtia-v2", **chip}
    found = errors(scenario(build__chip=full))
    assert len(found) == 1 and re.match(r"x\.yaml:\d+:\d+: ", found[0]), found
    assert message in found[0], found


def test_memory_preset_needs_a_capacity() -> None:
    chip = {"die_area_mm2": 100, "node": "n5", "power_w": 10, "memory": "hbm3"}
    (found,) = errors(scenario(build__chip=chip))
    assert "build.chip.memory: needs memory_gb" in found


def test_unknown_server_exits_2_with_a_located_message(runner, tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario(buy__server="hgx-h1000"))
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.stderr
    assert (
        "buy.server: unknown server preset 'hgx-h1000' (did you mean 'hgx-h100'?" in result.stderr
    )
    assert "Traceback" not in result.output


def test_bill_of_materials_under_uncertainty() -> None:
    text = scenario(
        build__chip__memory="lpddr5",
        build__chip__memory_usd_per_gb={"dist": "triangular", "low": 2, "mode": 2.4, "high": 4},
        build__chip__packaging="organic",
        build__chip__package_kg_co2e={"dist": "uniform", "low": 0.1, "high": 0.3},
    )
    sim = simulate(text, samples=400, seed=5).to_dict()
    assert sorted(sim["uncertain"]) == [
        "build.chip.memory_usd_per_gb",
        "build.chip.package_kg_co2e",
    ]
    stats = sim["comparison"]["savings_npv_usd"]
    assert all(math.isfinite(v) for v in stats.values())


def test_new_presets_compute() -> None:
    """Every new accelerator, server and site computes in a plain comparison."""
    for name in ("h200", "mi325x", "mi355x", "trainium2", "maia-100", "gb200"):
        text = scenario(buy__accelerator=name, buy__unit_price_usd=30000)
        assert np.isfinite(compare(text).to_dict()["comparison"]["savings_npv_usd"])
    for server in presets.names("servers"):
        assert compare(scenario(buy__server=server)).to_dict()["plans"]["buy"]["capex_usd"] > 0
    for site in presets.names("sites"):
        text = scenario(site={"preset": site})
        assert compare(text).to_dict()["plans"]["buy"]["co2e_kg"] > 0


def test_tpu_without_a_tdp_asks_for_power() -> None:
    (found,) = errors(scenario(buy__accelerator="tpu-v5p", buy__unit_price_usd=1))
    assert "buy.power_w: missing required key 'power_w'" in found


def test_loading_a_scenario_with_server_and_bom_via_load() -> None:
    loaded = load(scenario(buy__server="hgx-h100", build__chip__packaging="organic"))
    assert loaded.scenario.build.chip.packaging_base_usd == 150


def test_report_inputs_table_names_server_and_parts_with_dates() -> None:
    from gpu_calc.report import input_values

    text = scenario(buy__server="hgx-h100", build__chip__packaging="organic")
    rows = {key: (value, source) for key, value, source in input_values(load_text(text, "x.yaml"))}
    assert rows["buy.server"][0] == "hgx-h100"
    assert rows["build.chip.packaging"][0] == "organic"
    assert "build.chip.memory" not in rows  # mtia-v2's lpddr5 prices nothing here
    assert rows["buy.host_power_w_per_server"][1].endswith("(as of 2022-03)")
    assert rows["build.chip.test_assembly_usd"][1].startswith("preset organic: ")


# --------------------------------------------------------------------------- audit fixes


def test_bill_of_materials_lines_reach_the_json() -> None:
    """The silicon block ADDS memory_usd, packaging_usd, test_assembly_usd and
    embodied_kg_co2e (MODEL.md section 8's five keys unchanged).

    By hand: die 16,988 / (63 x 0.468094) = 576.06; memory 80 x 15 = 1,200; packaging
    497 + 2,831 x 0.0893 = 497 + 252.8083 = 749.8083; test 920; with package yield 1, no
    board and no markup the unit price is their sum, 3,445.87. Carbon: 8.14 cm2 x 2.431 /
    0.468094 = 42.274, + 80 x 0.065 = 5.2, + 0.15 = 47.624 kg."""
    out = compare(scenario(build__chip=H100_PARTS)).to_dict()
    sil = out["silicon"]
    assert list(sil)[:5] == ["dies_per_wafer", "die_yield", "die_usd", "unit_price_usd", "nre_usd"]
    assert sil["memory_usd"] == pytest.approx(1200)
    assert sil["packaging_usd"] == pytest.approx(749.8083)
    assert sil["test_assembly_usd"] == 920
    assert sil["embodied_kg_co2e"] == pytest.approx(47.624, abs=1e-3)
    parts = sil["die_usd"] + sil["memory_usd"] + sil["packaging_usd"] + sil["test_assembly_usd"]
    assert parts == pytest.approx(sil["unit_price_usd"], rel=1e-12)
    assert out["silicon_generations"][0] == sil


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_bill_of_materials_lines_in_table_and_markdown(runner, tmp_path, fmt: str) -> None:
    path = tmp_path / "h100.yaml"
    path.write_text(scenario(build__chip=H100_PARTS))
    result = runner.invoke(app, ["compare", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    text = result.stdout
    # the same figures as above, as people read them
    for label, value in [
        ("Cost of a good die", "$576"),
        ("Memory", "$1.20k"),
        ("Packaging", "$750"),
        ("Test and assembly", "$920"),
        ("Unit price of the chip", "$3.45k"),
        ("Manufacturing emissions per chip", "47.6 kg CO2e"),  # 47.62, three figures
    ]:
        line = next(ln for ln in text.splitlines() if label in ln and "$" in ln or "CO2e" in ln)
        assert any(label in ln and value in ln for ln in text.splitlines()), (label, line)


def test_a_chip_without_parts_shows_no_test_or_carbon_line(runner, tmp_path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(scenario())
    text = runner.invoke(app, ["compare", str(path)]).stdout
    assert "Memory" in text and "Packaging" in text  # MODEL.md section 4's own lines
    assert "Test and assembly" not in text and "Manufacturing emissions" not in text


def test_report_shows_the_parts_and_lists_no_replaced_lump() -> None:
    from gpu_calc.report import input_values, render_report

    text = scenario(build__chip=H100_PARTS)
    html = render_report(load_text(text, "x.yaml"), samples=50)
    for key, value in [
        ("memory_usd", "1200"),
        ("packaging_usd", "749.808"),
        ("test_assembly_usd", "920"),
    ]:
        assert re.search(rf'data-key="silicon\.{key}" data-value="{value}', html), key
    assert 'data-key="silicon.embodied_kg_co2e"' in html
    rows = {key: src for key, _value, src in input_values(load_text(text, "x.yaml"))}
    # the parts are listed; the lump sums they replaced are not
    assert {"build.chip.memory_gb", "build.chip.memory_usd_per_gb"} <= set(rows)
    assert {"build.chip.interposer_area_mm2", "build.chip.packaging_base_usd"} <= set(rows)
    assert "build.chip.memory_usd" not in rows
    assert "build.chip.packaging_usd" not in rows
    assert "build.chip.embodied_kg_co2e" not in rows
    # a chip without parts still lists its lump sums
    plain = {key for key, _v, _s in input_values(load_text(scenario(), "x.yaml"))}
    assert {"build.chip.memory_usd", "build.chip.packaging_usd"} <= plain


def test_memory_gb_with_a_lump_sum_is_an_input_error(runner, tmp_path) -> None:
    path = tmp_path / "s.yaml"
    chip = {k: v for k, v in H100_PARTS.items() if k != "memory"}
    path.write_text(scenario(build__chip={**chip, "memory_usd": 1000}))
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: build\.chip\.memory_usd: ", line), line
    assert "give memory_usd or its parts (memory_gb, memory, memory_usd_per_gb)" in line


def test_a_written_carbon_lump_is_the_whole_carbon() -> None:
    """embodied_kg_co2e written in the file is the chip's carbon: memory priced from the
    hbm3 preset adds no carbon part (and a carbon part written beside it is an error, see
    test_bill_of_materials_errors)."""
    chip = {k: v for k, v in H100_PARTS.items() if k not in ("packaging", "interposer_area_mm2")}
    s = silicon(scenario(build__chip={**chip, "embodied_kg_co2e": 5}))
    assert s["memory_usd"] == 1200  # 80 x 15, from the parts
    assert s["embodied_kg_co2e"] == 5


@pytest.mark.parametrize(
    ("chip", "message"),
    [
        (
            {"memory_gb": 80},
            "build.chip.memory_gb: memory_gb needs a price per GB: name a memory preset "
            "(memory: hbm3e",
        ),
        (
            {"interposer_area_mm2": 2000},
            "build.chip.interposer_area_mm2: interposer_area_mm2 needs a packaging preset "
            "(packaging: cowos-s",
        ),
        (
            {"interposer_area_mm2": 2000, "packaging_base_usd": 100},
            "build.chip.interposer_area_mm2: interposer_area_mm2 needs packaging_usd_per_mm2",
        ),
        (
            {"packaging": "cowos-s"},
            "build.chip.packaging: packaging cowos-s has an interposer: add interposer_area_mm2",
        ),
        (
            {"packaging": "cowos-l", "memory_gb": 10, "memory": "hbm3e"},
            "build.chip.packaging: packaging cowos-l has an interposer: add interposer_area_mm2",
        ),
        (
            {"packaging_usd_per_mm2": 0.1},
            "build.chip.packaging_usd_per_mm2: packaging_usd_per_mm2 prices an interposer: add "
            "interposer_area_mm2",
        ),
    ],
)
def test_parts_that_would_be_free_are_input_errors(chip: dict[str, Any], message: str) -> None:
    full = {"die_area_mm2": 100, "node": "n5", "power_w": 10, **chip}
    found = errors(scenario(build__chip=full))
    assert len(found) == 1 and re.match(r"x\.yaml:\d+:\d+: ", found[0]), found
    assert message in found[0], found


def test_organic_packaging_needs_no_interposer() -> None:
    # organic: 150 base + 0 per mm2, test 50; no interposer asked for
    s = silicon(
        scenario(
            build__chip={"die_area_mm2": 100, "node": "n5", "power_w": 10, "packaging": "organic"}
        )
    )
    assert (s["packaging_usd"], s["test_assembly_usd"]) == (150, 50)


def test_carbon_follows_the_priced_parts() -> None:
    """h100-sxm base, only packaging named: memory stays the (absent, 0) lump sum, so its 80
    GB of HBM carry no carbon either. Price: die 576.06 + memory 0 + packaging 749.8083 +
    test 920 = 2,245.87. Carbon: 8.14 x 2.431 / 0.468094 = 42.274, + package 0.15 = 42.424
    (47.624 less the 5.2 of HBM)."""
    s = silicon(scenario(build__chip={"accelerator": "h100-sxm", "packaging": "cowos-s"}))
    assert s["memory_usd"] == 0
    assert s["unit_price_usd"] == pytest.approx(2245.87, abs=0.01)
    assert s["embodied_kg_co2e"] == pytest.approx(42.424, abs=1e-3)
    # naming the memory too adds both its price (80 x 15) and its carbon (80 x 0.065)
    both = silicon(
        scenario(build__chip={"accelerator": "h100-sxm", "packaging": "cowos-s", "memory": "hbm3"})
    )
    assert both["unit_price_usd"] - s["unit_price_usd"] == pytest.approx(1200)
    assert both["embodied_kg_co2e"] - s["embodied_kg_co2e"] == pytest.approx(5.2)


def _chip_presets() -> list[str]:
    return [
        name
        for name, p in presets.load("accelerators").items()
        if {"die_area_mm2", "node", "power_w"} <= set(p.values)
    ]


@pytest.mark.parametrize("name", _chip_presets())
def test_every_chip_preset_computes_or_says_what_to_add(name: str) -> None:
    """A preset-only chip, and one whose file names its own memory, always computes; naming
    its packaging computes or, for a CoWoS package without a sourced interposer area, is an
    input error naming interposer_area_mm2 (never an internal error)."""
    values = presets.get("accelerators", name).values
    asks = [{}]
    if "memory" in values:
        asks.append({"memory": values["memory"]})
    for extra in asks:
        out = compare(scenario(build__chip={"accelerator": name, **extra})).to_dict()
        assert np.isfinite(out["silicon"]["unit_price_usd"]), (name, extra)
    if "packaging" in values:
        text = scenario(build__chip={"accelerator": name, "packaging": values["packaging"]})
        if "interposer_area_mm2" in values or values["packaging"] == "organic":
            assert np.isfinite(compare(text).to_dict()["silicon"]["packaging_usd"])
        else:
            (found,) = errors(text)
            assert "add interposer_area_mm2" in found


def test_presets_show_units_from_the_key(runner) -> None:
    table = runner.invoke(app, ["presets", "cowos-s"]).stdout
    assert "$0.0893/mm2" in table  # USD per mm2 of interposer, not an area
    assert "$15/GB" in runner.invoke(app, ["presets", "hbm3"]).stdout
    md = runner.invoke(app, ["presets", "--kind", "memory", "--format", "markdown"]).stdout
    header = next(ln for ln in md.splitlines() if ln.startswith("| name"))
    cells = [c.strip() for c in header.strip("|").split("|")]
    assert cells == ["name", "title", "memory cost", "memory carbon"]
    assert "0.0650 kg CO2e/GB" in md


def test_h200_manufacturing_cost_agrees_with_the_reference_data() -> None:
    # shared/REFERENCE_DATA.md (H200 SXM row): "mfg cost ~4,250 est."
    source = presets.get("accelerators", "h200").sources["unit_price_usd"]
    assert "4,250" in source and "4,800" not in source


# --------------------------------------------------------------------------- silicon gaps


def test_harvesting_absent_or_zero_changes_nothing() -> None:
    """harvest_area_fraction 0 (and dies_per_package 1) give the numbers of a chip that
    names neither, to the last bit: the yield model sees 814 x (1 - 0) = 814 mm2."""
    plain = silicon(scenario(build__chip=H100_PARTS))
    chip = {**H100_PARTS, "harvest_area_fraction": 0, "dies_per_package": 1}
    assert silicon(scenario(build__chip=chip)) == plain


def test_h100_with_harvesting_and_its_gap() -> None:
    """Die harvesting: only the critical area, die_area_mm2 x (1 - harvest_area_fraction),
    can kill a die. GH100 is sold with spares (144 SMs, 132 enabled on the H100 SXM5:
    NVIDIA's H100 whitepaper, Chips and Cheese 2023-07-02), but no die-shot share of its area
    in SMs (or in its other spare units) was found. The closest figure found is of its
    predecessor: GA100's SMs take 476.25 of its 826 mm2 (0.577), from annotated die photos
    (LLMCompass, Zhang et al., ISCA 2024, artifact ae/figure6/real_hardware/die_area.csv,
    "A100" column). Used here only as a stand-in, written in the file, not in the preset.

    By hand: 814 x (1 - 0.577) = 344.322 mm2; x = 0.344322; (1 - e^-x)/x = 0.846008,
    squared 0.715730; die 16,988 / (63 x 0.715730) = 376.75; unit price 376.75 + 1,200 +
    749.81 + 920 = 3,246.56 (-2.2% on Raymond James's 3,320). The die stays 26% above the
    analysts' ~300, outside 15%: not tuned. 300 needs a harvestable share of ~0.87 (a
    critical area of ~108 mm2), within 15% (345) one of ~0.69; no source supports either.
    """
    s = silicon(scenario(build__chip={**H100_PARTS, "harvest_area_fraction": 0.577}))
    assert s["dies_per_wafer"] == 63  # the die keeps its area on the wafer
    assert s["die_yield"] == pytest.approx(0.715730, abs=1e-6)
    assert s["die_usd"] == pytest.approx(376.75, abs=0.01)
    assert s["unit_price_usd"] == pytest.approx(3246.56, abs=0.01)
    assert s["unit_price_usd"] == pytest.approx(3320, rel=0.15)
    assert s["die_usd"] > 300 * 1.15  # the gap, recorded: 376.75 / 300 = 1.256
    # ACT's carbon divides by the harvested yield: 8.14 x 2.431 / 0.715730 = 27.648,
    # + 80 x 0.065 + 0.15 = 33.00 (47.62 without harvesting)
    assert s["embodied_kg_co2e"] == pytest.approx(33.00, abs=0.01)


@pytest.mark.parametrize(
    ("model", "expected"),
    # x = 344.322 / 100 x 0.1 = 0.344322: Poisson e^-x = 0.708701; negative binomial
    # (alpha 3) (1 + x/3)^-3 = 1.114774^-3 = 1/1.385353 = 0.721838
    [("poisson", 0.708701), ("negative_binomial", 0.721838)],
)
def test_every_yield_model_sees_the_critical_area(model: str, expected: float) -> None:
    chip = {**H100_PARTS, "harvest_area_fraction": 0.577, "yield_model": model}
    assert silicon(scenario(build__chip=chip))["die_yield"] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "build.chip.harvest_area_fraction: must be < 1, got 1"),
        (-0.1, "build.chip.harvest_area_fraction: must be >= 0, got -0.1"),
        ("half", "build.chip.harvest_area_fraction: expected a number, got the text 'half'"),
        (0.4, "build.chip.dies_per_package: must be >= 1, got 0.4 (0.4 rounds to 0)"),
        (-2, "build.chip.dies_per_package: must be >= 1, got -2"),
    ],
)
def test_harvest_and_dies_per_package_errors(value: Any, message: str) -> None:
    key = message.split(":")[0].removeprefix("build.chip.")
    (found,) = errors(scenario(build__chip={**H100_PARTS, key: value}))
    assert re.match(r"x\.yaml:\d+:\d+: ", found), found
    assert message in found, found


def test_harvest_as_a_percentage_says_how_to_write_it() -> None:
    (found,) = errors(scenario(build__chip={**H100_PARTS, "harvest_area_fraction": 56}))
    assert "must be < 1, got 56 (a share: write 56% as 0.56)" in found


def test_b200_is_two_dies_of_800_mm2() -> None:
    """b200 as a build chip: two 800 mm2 dies (siliconanalysts' 2 x 800 estimate), not one
    1,600 mm2 die that no reticle prints. One die: 70,685.8/800 - 942.48/sqrt(1,600) =
    88.357 - 23.562 -> 64 dies a wafer; x = 0.8, ((1 - e^-0.8)/0.8)^2 = 0.688339^2 =
    0.473810; die 16,988 / (64 x 0.473810) = 560.22; the package's dies 2 x 560.22 =
    1,120.44, which the unit price counts (no memory or packaging parts asked for). Priced
    as one 1,600 mm2 die it was 16,988 / (27 x 0.248816) = 2,528.72."""
    s = silicon(scenario(build__chip={"accelerator": "b200"}))
    assert (s["dies_per_wafer"], s["dies_per_package"]) == (64, 2)
    assert s["die_usd"] == pytest.approx(560.22, abs=0.01)
    assert s["dies_usd"] == pytest.approx(1120.44, abs=0.01)
    assert s["dies_usd"] == 2 * s["die_usd"]
    assert s["unit_price_usd"] == pytest.approx(s["dies_usd"], rel=1e-12)


def test_carbon_counts_every_die_of_the_package() -> None:
    """b200 with its HBM3e from parts: 2 x 8.00 cm2 x 2.431 / 0.473810 = 82.092, + 192 GB
    x 0.065 = 12.48: 94.572 kg CO2e (no package carbon: packaging is not priced by parts)."""
    s = silicon(scenario(build__chip={"accelerator": "b200", "memory": "hbm3e"}))
    assert s["embodied_kg_co2e"] == pytest.approx(94.572, abs=1e-3)
    assert s["memory_usd"] == pytest.approx(192 * 16.5)


def test_dies_per_package_rounds_like_every_integer_field() -> None:
    """1.5 rounds up to 2 (halves up, MODEL.md section 7), 2.4 down to 2."""
    chip = {"accelerator": "b200"}
    two = silicon(scenario(build__chip=chip))
    for written in (1.5, 2.4):
        assert silicon(scenario(build__chip={**chip, "dies_per_package": written})) == two


def test_a_die_larger_than_the_reticle_computes_with_a_warning(runner, tmp_path) -> None:
    """One 1,600 mm2 die cannot be exposed (the reticle is 26 x 33 = 858 mm2): the file is
    valid and computes, exit 0, with one located warning on stderr; stdout stays JSON."""
    path = tmp_path / "big.yaml"
    path.write_text(scenario(build__chip={"accelerator": "b200", "die_area_mm2": 1600}))
    result = runner.invoke(app, ["compare", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.strip().splitlines()
    assert re.match(rf"warning: {re.escape(str(path))}:\d+:\d+: build\.chip\.die_area_mm2: ", line)
    assert "a 1,600 mm2 die is larger than one lithography exposure field (858 mm2" in line
    assert "no single exposure prints it, and it is priced as given" in line
    assert "die_area_mm2 is the area of one die of the package" in line  # b200 has 2
    # the result carries it too (warnings are data): compare's JSON and the Python API
    (warning,) = json.loads(result.stdout)["warnings"]
    assert warning["path"] == "build.chip.die_area_mm2" and warning["text"] in line
    assert compare(path).to_dict()["warnings"][0]["message"] == warning["message"]
    valid = runner.invoke(app, ["validate", str(path)])
    assert valid.exit_code == 0, valid.output
    assert "warning:" in valid.stderr and f"{path}: ok" in valid.stderr
    report = runner.invoke(app, ["validate", str(path), "--format", "json"])
    (entry,) = json.loads(report.stdout)["files"]
    assert entry["valid"] and entry["warnings"][0]["path"] == "build.chip.die_area_mm2"
    csv = runner.invoke(app, ["validate", str(path), "--format", "csv"]).stdout.splitlines()
    assert [row.split(",")[1] for row in csv[1:]] == ["ok", "warning"]
    batch = runner.invoke(app, ["batch", str(path), "--format", "json"])
    assert batch.exit_code == 0, batch.output
    data = json.loads(batch.stdout)
    assert data["results"][0]["warnings"][0]["path"] == "build.chip.die_area_mm2"
    # the batch's own warnings say what was skipped: nothing here
    assert data["warnings"] == []
    assert batch.stderr.count("warning: ") == 1
    summary = runner.invoke(app, ["batch", str(path), "--format", "markdown"]).stdout
    assert "Skipped" not in summary
    # a warning on a --set value is located at the option, once prefixed
    at_set = runner.invoke(
        app, ["validate", str(path), "--set", "build.chip.die_area_mm2=1500"]
    ).stderr
    assert "warning: --set build.chip.die_area_mm2=1500: " in at_set
    assert "error:" not in at_set


def test_no_warning_up_to_the_reticle(runner, tmp_path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(scenario(build__chip={"die_area_mm2": 858, "node": "n4", "power_w": 700}))
    result = runner.invoke(app, ["compare", str(path), "--format", "json"])
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert json.loads(result.stdout)["warnings"] == []
    assert load_text(path.read_text(), "x.yaml").warnings == []
    big = scenario(build__chip={"die_area_mm2": 859, "node": "n4", "power_w": 700})
    (warning,) = load_text(big, "x.yaml").warnings
    assert "give one die's area and dies_per_package" in warning.message


def test_silicon_json_adds_the_package_keys() -> None:
    """dies_per_package and dies_usd are added after the existing keys (none renamed):
    die_usd stays the cost of one good die. A chip without the field: 1 and die_usd."""
    sil = compare(scenario()).to_dict()["silicon"]
    assert list(sil)[-2:] == ["dies_per_package", "dies_usd"]
    assert sil["dies_per_package"] == 1 and sil["dies_usd"] == sil["die_usd"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_package_rows_only_for_several_dies(runner, tmp_path, fmt: str) -> None:
    path = tmp_path / "b200.yaml"
    path.write_text(scenario(build__chip={"accelerator": "b200"}))
    text = runner.invoke(app, ["compare", str(path), "--format", fmt]).stdout
    assert any("Dies per package" in ln and "2" in ln for ln in text.splitlines())
    assert any("Cost of the package's dies" in ln and "$1.12k" in ln for ln in text.splitlines())
    path.write_text(scenario())
    plain = runner.invoke(app, ["compare", str(path), "--format", fmt]).stdout
    assert "Dies per package" not in plain and "package's dies" not in plain


def test_harvest_and_dies_under_uncertainty_and_sweeps() -> None:
    """Both are numeric fields: a distribution draws, a sweep sets them (whole dies)."""
    from gpu_calc.api import sweep

    chip = {
        **H100_PARTS,
        "harvest_area_fraction": {"dist": "uniform", "low": 0.3, "high": 0.7},
        "dies_per_package": {"dist": "triangular", "low": 1, "mode": 1, "high": 3},
    }
    sim = simulate(scenario(build__chip=chip), samples=400, seed=5).to_dict()
    assert sorted(sim["uncertain"]) == [
        "build.chip.dies_per_package",
        "build.chip.harvest_area_fraction",
    ]
    assert all(math.isfinite(v) for v in sim["comparison"]["savings_npv_usd"].values())
    # optional fields are swept once the file gives them (as the bill of materials' parts)
    text = scenario(build__chip={**H100_PARTS, "harvest_area_fraction": 0.5, "dies_per_package": 1})
    out = sweep(text, {"build.chip.harvest_area_fraction": [0.0, 0.5, 0.9]}).to_dict()
    savings = out["outputs"]["savings_npv_usd"]
    assert savings[0] < savings[1] < savings[2]  # fewer dies lost, a cheaper chip
    dies = sweep(text, {"build.chip.dies_per_package": [1, 2]}).to_dict()
    assert dies["outputs"]["savings_npv_usd"][1] < dies["outputs"]["savings_npv_usd"][0]


def test_breakeven_never_scans_a_whole_harvestable_die(monkeypatch) -> None:
    """harvest_area_fraction is < 1: break-even's default range [0, 1] stops at the largest
    float below 1 (a share of 1 is refused as an input), never at 1 itself."""
    from gpu_calc.uncertainty import breakeven as module

    scanned: list[float] = []
    evaluate = module._evaluate

    def recording(inputs: Any, field: Any, values: Any) -> Any:
        scanned.extend(np.asarray(values, dtype=float).ravel().tolist())
        return evaluate(inputs, field, values)

    monkeypatch.setattr(module, "_evaluate", recording)
    text = scenario(build__chip={**H100_PARTS, "harvest_area_fraction": 0.5})
    with contextlib.suppress(InputError):  # no root in the range is an answer too
        module.breakeven(load_text(text, "x.yaml"), "build.chip.harvest_area_fraction")
    assert scanned and max(scanned) == np.nextafter(1.0, 0.0)


def test_a_bought_b200_ignores_its_dies() -> None:
    """dies_per_package is a silicon fact: a bought b200 (whose model has no such key)
    loads and computes."""
    text = scenario(buy__accelerator="b200")
    assert np.isfinite(compare(text).to_dict()["plans"]["buy"]["capex_usd"])
    assert not hasattr(load_text(text, "x.yaml").scenario.buy, "dies_per_package")


def test_presets_show_the_b200_dies(runner) -> None:
    result = runner.invoke(app, ["presets", "b200", "--format", "json"])
    assert result.exit_code == 0, result.output
    fields = {f["key"]: f for f in json.loads(result.stdout)["fields"]}
    assert (fields["die_area_mm2"]["value"], fields["dies_per_package"]["value"]) == (800, 2)
    assert "2 x 800" in fields["dies_per_package"]["source"]
    assert fields["dies_per_package"]["as_of"] == "2026-02"
    table = runner.invoke(app, ["presets", "b200"]).stdout
    assert any(ln.split()[:3] == ["die_area_mm2", "800", "mm2"] for ln in table.splitlines())
