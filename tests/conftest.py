"""Shared test helpers: scenario texts written out in full, and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

# CI must be repeatable: there, hypothesis draws the same examples every run (locally it
# keeps exploring new ones). A failure found locally is replayed from .hypothesis/.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SEED = SCENARIOS / "meta-2024.yaml"

#: A small scenario with every field inline and round numbers, for hand-worked tests.
#: Worked figures are in tests/test_engine.py.
SMALL = """\
version: 1
name: small
horizon_years: 3
discount_rate: 0.1
demand:
  units: 100
  load_factor: 0.5
site:
  electricity_usd_per_kwh: 0.1
  pue: 1.5
  wue_l_per_kwh: 1.0
  water_source_l_per_kwh: 2.0
  grid_kg_co2e_per_kwh: 0.4
  facility_capex_usd_per_mw: 1000000
  facility_lifetime_years: 10
buy:
  unit_price_usd: 10000
  perf_vs_reference: 1.0
  power_w: 1000
  chips_per_server: 8
  host_usd_per_server: 8000
  host_power_w_per_server: 800
  network_usd_per_unit: 500
  opex_usd_per_unit_year: 100
  lifetime_years: 2
  length_mm: 250
  embodied_kg_co2e: 1000
build:
  share: 0.5
  available_year: 1
  chip:
    perf_vs_reference: 0.5
    power_w: 200
    chips_per_server: 8
    lifetime_years: 4
    die_area_mm2: 100
    node: n5
    wafer_usd: 10000
    defect_density_per_cm2: 0.1
    mask_set_usd: 1000000
    wafer_diameter_mm: 300
    memory_usd: 100
    packaging_usd: 50
    package_yield: 0.9
    board_usd: 40
    partner_markup: 0.1
  nre:
    design_usd: 2000000
    ip_usd: 500000
    respins: 1
    software_usd_per_year: 100000
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path
