"""Charts: the data behind them, worked by hand, and every figure drawn from hand-made data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from numpy.testing import assert_allclose

from gpu_calc import charts
from gpu_calc.render.rows import yearly_rows
from gpu_calc.results import compare
from gpu_calc.scenario import load_text
from tests.conftest import SMALL

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _result(**plans: Any) -> dict[str, Any]:
    """A compare-JSON-shaped dict with only what the charts read."""
    return {
        "horizon_years": 2,
        "discount_rate": 0.1,
        "plans": plans,
        "comparison": {"payback_year": 1, "savings_npv_usd": 1.0},
        "silicon": {},
    }


def _plan(hw: list[float], opex: list[float], residual: float, **totals: float) -> dict[str, Any]:
    zeros = [0.0] * len(hw)
    return {
        "per_year": {
            "hw_capex_usd": hw,
            "facility_capex_usd": zeros,
            "nre_usd": zeros,
            "opex_usd": opex,
            "energy_facility_kwh": [1e9, 1e9],
            "water_l": [2e8, 2e8],
            "co2e_kg": [3e8, 3e8],
        },
        "residual_usd": residual,
        **totals,
    }


def test_cumulative_worked_by_hand() -> None:
    # r = 10%: year 0 capex 100 at 1, opex 10 at 1/1.1; year 1 opex 10 at 1/1.21, residual
    # 50 at 1/1.21 (end of the horizon): 109.0909, then 109.0909 + 8.2645 - 41.3223.
    result = _result(buy=_plan([100, 0], [10, 10], 50), build=_plan([60, 0], [20, 20], 0))
    series = charts.cumulative_discounted_usd(result)
    assert_allclose(series["buy"], [100 + 10 / 1.1, 100 + 10 / 1.1 + 10 / 1.21 - 50 / 1.21])
    assert_allclose(series["build"], [60 + 20 / 1.1, 60 + 20 / 1.1 + 20 / 1.21])


def test_cumulative_ends_at_npv_and_matches_cumulative_savings() -> None:
    result = compare(load_text(SMALL)).to_dict()
    series = charts.cumulative_discounted_usd(result)
    for name in ("buy", "build"):
        assert_allclose(series[name][-1], result["plans"][name]["npv_usd"], rtol=1e-12)
    savings = [r["cumulative_savings_pv_usd"] for r in yearly_rows(result)]
    gap = [b - d for b, d in zip(series["buy"], series["build"], strict=True)]
    assert_allclose(gap, savings, rtol=1e-9, atol=1e-6)


def test_breakdown_sums_to_tco() -> None:
    comparison = compare(load_text(SMALL))
    result = comparison.to_dict()
    parts = charts.cost_breakdown_usd(result, charts.software_usd_per_year(comparison))
    # SMALL pays 100,000 a year of software for 3 years in the build plan only
    assert parts["build"]["software_usd"] == 300_000
    assert parts["buy"]["software_usd"] == 0
    assert parts["buy"]["nre_usd"] == 0
    for name in ("buy", "build"):
        assert_allclose(sum(parts[name].values()), result["plans"][name]["tco_usd"], rtol=1e-12)
        assert parts[name]["residual_usd"] == -result["plans"][name]["residual_usd"]


def test_silicon_steps_of_small_worked_by_hand() -> None:
    # SMALL: 100 mm2 on a 300 mm wafer: 640 dies; Murphy yield at 0.1/cm2: 0.905592;
    # wafer 10,000 -> 15.625 a die, 17.2539 a good die; +100 memory +50 packaging = 167.2539,
    # / 0.9 package yield = 185.8377, +40 board = 225.8377, x 1.1 markup = 248.4215.
    comparison = compare(load_text(SMALL))
    result = comparison.to_dict()
    steps = dict(charts.silicon_steps_usd(charts.chip_inputs(comparison), result["silicon"]))
    assert_allclose(steps["Wafer share per die"], 10_000 / 640)
    assert_allclose(steps["= Good die"], 10_000 / 640 / 0.905592, rtol=1e-6)
    assert_allclose(steps["= Unit price"], 248.4215, rtol=1e-6)
    assert_allclose(steps["= Unit price"], result["silicon"]["unit_price_usd"], rtol=1e-12)
    pieces = [
        v
        for k, v in charts.silicon_steps_usd(charts.chip_inputs(comparison), result["silicon"])
        if not k.startswith("=")
    ]
    assert_allclose(sum(pieces), steps["= Unit price"], rtol=1e-12)


def test_silicon_steps_of_a_two_die_package() -> None:
    # SMALL's chip in a package of two dies (docs/model.md): the second die adds 17.2539,
    # so (2 x 17.2539 + 100 + 50) / 0.9 + 40 = 245.0087, x 1.1 = 269.5095
    comparison = compare(load_text(SMALL, sets=["build.chip.dies_per_package=2"]))
    result = comparison.to_dict()
    steps = charts.silicon_steps_usd(charts.chip_inputs(comparison), result["silicon"])
    found = dict(steps)
    assert_allclose(found["Second die"], found["= Good die"], rtol=1e-12)
    assert_allclose(found["= Unit price"], 269.5095, rtol=1e-6)
    assert_allclose(found["= Unit price"], result["silicon"]["unit_price_usd"], rtol=1e-12)
    assert_allclose(sum(v for k, v in steps if not k.startswith("=")), found["= Unit price"])
    assert charts.silicon_note(comparison).endswith(", 2 dies per package")


@pytest.mark.parametrize(
    ("x", "top", "text"),
    [
        (2.5e9, None, "$2.5B"),
        (-4e8, None, "-$400M"),
        (0, None, "$0"),
        (5e8, 2e9, "$0.5B"),
        (28_571.4, None, "$28.6k"),
        (850, None, "$850"),
    ],
)
def test_usd_tick(x: float, top: float | None, text: str) -> None:
    assert charts.usd_tick(x, top) == text


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_plans_differ_in_greyscale_and_by_pattern() -> None:
    buy, build = charts.PALETTE["buy"], charts.PALETTE["build"]
    assert abs(_luminance(buy.color) - _luminance(build.color)) > 0.2
    assert buy.hatch != build.hatch
    assert buy.marker != build.marker
    assert buy.linestyle != build.linestyle


TORNADO = {
    "metric": "savings_npv_usd",
    "base_usd": 1.0e9,
    "method": "p10_p90",
    "bars": [
        {
            "param": "build.share",
            "low_value": 0.1,
            "high_value": 0.4,
            "low_usd": 2e8,
            "high_usd": 2e9,
            "swing_usd": 1.8e9,
        },
        {
            "param": "buy.unit_price_usd",
            "low_value": 25_000,
            "high_value": 32_000,
            "low_usd": 8e8,
            "high_usd": 1.3e9,
            "swing_usd": 5e8,
        },
    ],
}
HISTOGRAM = {
    "samples": 1000,
    "seed": 0,
    "comparison": {
        "savings_npv_usd": {"p5": -1e8, "p50": 5e8, "p95": 1.1e9, "mean": 5e8},
        "probability_build_cheaper": 0.8,
    },
    "plans": {},
    "clipped": {},
    "histogram": {
        "metric": "savings_npv_usd",
        "edges_usd": [-4e8 + 5e7 * i for i in range(41)],
        "counts": [i * (40 - i) for i in range(40)],
    },
}
SWEEP_1 = {
    "params": ["build.share"],
    "values": [[0.0, 0.5, 1.0]],
    "outputs": {
        "savings_npv_usd": [-1e8, 2e8, 5e8],
        "npv_usd_buy": [1e9, 1e9, 1e9],
        "npv_usd_build": [1.1e9, 8e8, 5e8],
        "payback_year": [None, 1, 0],
    },
}
SWEEP_2 = {
    "params": ["build.share", "site.pue"],
    "values": [[0.0, 0.5, 1.0], [1.0, 1.5]],
    "outputs": {
        "savings_npv_usd": [[-1e8, -2e8], [2e8, 1e8], [5e8, 4e8]],
        "npv_usd_buy": [[1e9, 1e9]] * 3,
        "npv_usd_build": [[1e9, 1e9]] * 3,
        "payback_year": [[None, None], [1, 1], [0, 0]],
    },
}


def _figures() -> dict[str, Any]:
    comparison = compare(load_text(SMALL))
    out = {
        kind: (lambda k=kind: charts.comparison_figure(k, comparison))
        for kind in ("cumulative", "breakdown", "resources", "silicon")
    }
    out["tornado"] = lambda: charts.tornado_figure(TORNADO)
    out["tornado-empty"] = lambda: charts.tornado_figure({**TORNADO, "bars": []})
    out["histogram"] = lambda: charts.histogram_figure(HISTOGRAM)
    flat = {"p5": 1.47e9, "p50": 1.47e9, "p95": 1.47e9, "mean": 1.47e9}
    out["histogram-flat"] = lambda: charts.histogram_figure(
        {
            **HISTOGRAM,
            "comparison": {"savings_npv_usd": flat, "probability_build_cheaper": 1.0},
            "histogram": {"edges_usd": [1.47e9] * 41, "counts": [20000] + [0] * 39},
        }
    )
    out["sweep-1"] = lambda: charts.sweep_figure(SWEEP_1)
    out["sweep-2"] = lambda: charts.sweep_figure(SWEEP_2)
    return out


@pytest.mark.parametrize("name", list(_figures()))
def test_every_figure_as_svg_and_png(name: str) -> None:
    svg = charts.figure_bytes(_figures()[name](), "svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"<text" not in svg  # text drawn as paths: no font needed to show it
    png = charts.figure_bytes(_figures()[name](), "png")
    assert png.startswith(PNG_SIGNATURE)


def test_svg_is_reproducible() -> None:
    first = charts.figure_bytes(charts.tornado_figure(TORNADO), "svg")
    assert first == charts.figure_bytes(charts.tornado_figure(TORNADO), "svg")


def test_sweep_of_three_params_refused() -> None:
    with pytest.raises(ValueError, match="1 or 2 parameters"):
        charts.sweep_figure({**SWEEP_1, "params": ["a", "b", "c"]})


def test_inline_svg_prefixes_ids_and_references() -> None:
    svg = charts.figure_bytes(charts.tornado_figure(TORNADO), "svg")
    inline = charts.inline_svg(svg, "t1", 'a "label" <x>')
    assert inline.startswith("<svg")
    assert "<?xml" not in inline
    root = ET.fromstring(inline)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert ids and all(i.startswith("t1-") for i in ids)
    refs = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    assert refs and all(r.startswith("#t1-") and r[1:] in ids for r in refs)
    assert root.get("aria-label") == 'a "label" <x>'
    assert root.get("width") is None and root.get("viewBox")


def test_missing_matplotlib_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(charts.ChartsUnavailable, match=r"pip install 'gpucalc\[plot\]'"):
        charts.require_matplotlib()
