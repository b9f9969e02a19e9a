"""``gpucalc report``: sections, no network loads, numbers that match ``compare``, escaping."""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gpu_calc.cli import app
from gpu_calc.errors import InputError, InputErrors
from gpu_calc.report import write_report_dir
from gpu_calc.scenario import load_file, load_text
from tests.conftest import SCENARIOS, SMALL

pytest.importorskip("matplotlib")

SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
SECTIONS = ["verdict", "plans", "cumulative", "breakdown", "resources", "silicon", "inputs"]
HAS_UNCERTAINTY = importlib.util.find_spec("gpu_calc.uncertainty") is not None


class Page(HTMLParser):
    """What the tests read from a report: ids, links, data cells, the embedded JSON."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.urls: list[str] = []  # any attribute value naming a URL (namespaces aside)
        self.cells: dict[str, str] = {}  # data-key -> data-value
        self.data_json = ""
        self._in_data = False
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href", "xlink:href", "data", "action", "poster", "srcset"):
            if key in a:
                self.links.append((tag, key, a[key]))
        self.urls += [v for k, v in a.items() if "://" in v and not k.startswith("xmlns")]
        if "data-key" in a and "data-value" in a:
            self.cells[a["data-key"]] = a["data-value"]
        self._in_data = tag == "script" and a.get("id") == "gpucalc-data"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data_json += data
        else:
            self.text.append(data)


def _report(runner: CliRunner, path: Path, out: Path, *extra: str) -> Page:
    result = runner.invoke(app, ["report", str(path), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return Page(out.read_text(encoding="utf-8"))


def _compare_json(runner: CliRunner, path: Path, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["compare", str(path), "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("scenario", SCENARIO_FILES, ids=lambda p: p.stem)
def test_report_of_every_scenario(runner: CliRunner, tmp_path: Path, scenario: Path) -> None:
    out = tmp_path / "report.html"
    page = _report(runner, scenario, out, "--samples", "2000")
    for section in SECTIONS:
        assert section in page.ids, section
    assert page.ids.count("verdict") == 1
    assert len(set(page.ids)) == len(page.ids), "ids must be unique across inline SVGs"
    assert page.tags.count("svg") >= 4
    loaded = load_file(str(scenario))
    if loaded.scenario.perspective:
        assert "perspective" in page.ids


def _assert_offline(text: str, page: Page) -> None:
    """Nothing in the page loads from the network (links to sibling files are allowed)."""
    for tag, attribute, value in page.links:
        if tag == "a" and attribute == "href":
            assert not re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I), value
        else:
            assert value.startswith("#"), f"<{tag} {attribute}={value!r}> loads something"
    assert page.urls == []
    for tag in ("link", "img", "iframe", "object", "embed", "audio", "video", "image"):
        assert tag not in page.tags, tag
    assert all(src == "" for src in re.findall(r"<script[^>]*src=([^>]*)>", text))
    lowered = text.lower()
    assert "@import" not in lowered
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", lowered)


def test_report_loads_nothing_from_the_network(
    runner: CliRunner, small_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    page = _report(runner, small_file, out)
    _assert_offline(out.read_text(), page)


def test_report_numbers_match_compare_json(
    runner: CliRunner, small_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    page = _report(runner, small_file, out)
    expected = _compare_json(runner, small_file)
    assert json.loads(page.data_json) == expected
    checked = 0
    for name in ("buy", "build"):
        for key in ("npv_usd", "tco_usd", "capex_usd", "opex_usd", "energy_it_kwh", "water_l"):
            assert float(page.cells[f"{name}.{key}"]) == expected["plans"][name][key]
            checked += 1
    for key in ("unit_price_usd", "die_yield", "dies_per_wafer"):
        assert float(page.cells[f"silicon.{key}"]) == expected["silicon"][key]
    text = " ".join(page.text)
    assert expected["comparison"]["verdict"] in text
    assert checked == 12


def test_report_of_the_seed_shows_its_figures(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "meta.html"
    page = _report(runner, SCENARIOS / "meta-2024.yaml", out)
    text = " ".join(page.text)
    # the seed articles: $10B for 350,000 H100s, 100 km laid end to end (MODEL.md section 9)
    assert "$10.0B" in text and "350,000" in text and "100.0" in text
    # preset sources are shown: the H100's TDP comes from the h100-sxm preset
    assert "preset h100-sxm" in text
    assert "preset n5" in text
    for ratio in ("25.3×", "80.0%", "2.1%"):
        assert ratio in text


def test_user_text_is_escaped(runner: CliRunner, tmp_path: Path) -> None:
    hostile = SMALL.replace("name: small", 'name: "<script>alert(1)</script> & co"') + (
        'description: "<img src=http://evil.example/x.png>"\n'
        "perspective:\n"
        '  - {label: "</td><iframe src=https://evil.example>", metric: bought_units, value: 10}\n'
    )
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile)
    out = tmp_path / "h.html"
    page = _report(runner, path, out)
    text = out.read_text()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "<img" not in text and "<iframe" not in text
    assert "</script> & co" not in page.data_json  # the JSON block cannot be closed early
    assert json.loads(page.data_json)["scenario"] == "<script>alert(1)</script> & co"
    _assert_offline(text, page)


def test_uncertain_scenario(runner: CliRunner, small_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "u.html"
    page = _report(
        runner,
        small_file,
        out,
        "--set",
        "build.share={dist: uniform, low: 0.3, high: 0.7}",
        "--samples",
        "2000",
    )
    assert "uncertainty" in page.ids
    text = " ".join(page.text)
    if HAS_UNCERTAINTY:
        assert "2,000 samples, seed 0" in text
        assert page.tags.count("svg") >= 6
    else:
        assert "no uncertainty module" in text
    assert "--set build.share=" in text  # the input's source


def test_certain_scenario_has_no_uncertainty_section(
    runner: CliRunner, small_file: Path, tmp_path: Path
) -> None:
    page = _report(runner, small_file, tmp_path / "c.html")
    assert "uncertainty" not in page.ids


def test_report_to_stdout(runner: CliRunner, small_file: Path) -> None:
    result = runner.invoke(app, ["report", str(small_file)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")


def test_report_refuses_to_overwrite_its_input(runner: CliRunner, small_file: Path) -> None:
    result = runner.invoke(app, ["report", str(small_file), "-o", str(small_file)])
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.stderr
    assert small_file.read_text() == SMALL


def test_write_report_dir(tmp_path: Path) -> None:
    good = load_text(SMALL, "a/small.yaml")
    again = load_text(SMALL.replace("name: small", "name: small two"), "b/small.yaml")
    try:
        load_text("horizon_years: x\n", "bad.yaml")
    except InputErrors as exc:
        error = exc
    written = write_report_dir(
        [
            ("a/small.yaml", good),
            ("b/small.yaml", again),
            ("bad.yaml", error),
            ("worse.yaml", [InputError("cannot read", "worse.yaml")]),
        ],
        tmp_path / "out",
    )
    names = [p.name for p in written]
    assert names == ["small.html", "small-2.html", "index.html"]
    index = (tmp_path / "out" / "index.html").read_text()
    page = Page(index)
    assert [v for _t, k, v in page.links if k == "href"] == ["small.html", "small-2.html"]
    assert "small two" in index
    assert "bad.yaml" in index and "horizon_years" in index  # the error lines are listed
    assert "worse.yaml: cannot read" in index
    _assert_offline(index, page)
    assert "verdict" in Page((tmp_path / "out" / "small-2.html").read_text()).ids
