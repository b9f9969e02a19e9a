"""A commented starter scenario (``gpucalc init``), filled from an accelerator preset.

The bought accelerator's figures are written out with their sources as comments, so the
file says where every number comes from and each can be edited in place.

>>> text = starter_text("h100-sxm")
>>> "unit_price_usd: 27500" in text
True
"""

from __future__ import annotations

from typing import Any

from gpu_calc import presets

DEFAULT_PRESET = "h100-sxm"

#: Keys of an accelerator preset that describe silicon, not a bought accelerator.
_SILICON_KEYS = ("die_area_mm2", "node", "memory_usd", "packaging_usd", "board_usd")

_TEMPLATE = """\
# yaml-language-server: $schema=scenario.schema.json
# A gpucalc scenario: buy {title} for the whole fleet, or build part of it in-house?
# Editor completion: 'gpucalc schema -o scenario.schema.json' next to this file.
# Check it with 'gpucalc validate FILE'; run it with 'gpucalc compare FILE'.
# Every number may also be a distribution, e.g. {{dist: pert, low: 1, mode: 2, high: 4}}.
version: 1
name: {name}
horizon_years: 4              # years compared (H)
discount_rate: 0.08           # yearly, as a decimal: 0.08 = 8%

demand:
{reference}
  units: 10000                # reference-equivalents in service each year (or a list, one a year)
  load_factor: 0.6            # average power / peak power, in (0, 1]

site:
  preset: us-average          # see 'gpucalc presets --kind sites'; any key below overrides it
  # electricity_usd_per_kwh: 0.08
  # pue: 1.25

buy:
{buy}

build:
  share: 0.25                 # share of demand moved to the in-house chip, in [0, 1]
  available_year: 1           # first year (0-based) the chip serves demand
  chip:
    accelerator: mtia-v2      # base figures: 421 mm2 on N5, 90 W (see 'gpucalc presets mtia-v2')
    node: n5                  # wafer price, defect density, mask cost (see 'gpucalc presets n5')
    packaging_usd: 150        # assumption
    package_yield: 0.98       # assumption
    board_usd: 200            # assumption
  nre:
    design_usd: 436000000     # revised IBS estimate for a 5 nm design
    ip_usd: 2640000           # licensed IP
    respins: 1                # extra tape-outs, one mask set each
    software_usd_per_year: 50000000  # assumption: compiler, runtime and kernels team
"""


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(key: str, value: str, comment: str, indent: str = "  ") -> str:
    text = f"{indent}{key}: {value}"
    comment = " ".join(comment.split())
    return f"{text:<29} # {comment}" if comment else text


def starter_text(preset: str = DEFAULT_PRESET) -> str:
    """The starter scenario text for buying the accelerator preset ``preset``.

    Raises ``KeyError`` (with the known names) for an unknown preset. A preset with no
    sourced price leaves ``unit_price_usd`` to fill in: see :func:`missing_keys`.
    """
    acc = presets.get("accelerators", preset)
    buy = [_line("accelerator", preset, f"{acc.title}; the keys below override the preset")]
    for key, value in acc.values.items():
        if key in _SILICON_KEYS:
            continue
        buy.append(_line(key, _yaml_scalar(value), f"source: {acc.sources.get(key, '')}"))
    if "unit_price_usd" not in acc.values:
        buy.append(
            "  # unit_price_usd: ...       # REQUIRED: no sourced price in this preset; "
            "set it in USD"
        )
    if "length_mm" not in acc.values:
        buy.append("  # length_mm: 267            # for the 'laid end to end' figure")
    return _TEMPLATE.format(
        title=acc.title,
        name=_yaml_scalar(f"{acc.title}: buy vs build"),
        reference=_line(
            "reference", DEFAULT_PRESET, "the accelerator whose throughput is one unit"
        ),
        buy="\n".join(buy),
    )


def missing_keys(preset: str) -> list[str]:
    """Keys the starter for ``preset`` leaves for the user to fill in."""
    acc = presets.get("accelerators", preset)
    return [] if "unit_price_usd" in acc.values else ["buy.unit_price_usd"]
