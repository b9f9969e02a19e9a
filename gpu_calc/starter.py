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
from gpu_calc.scenario.merge import SILICON_ONLY

DEFAULT_PRESET = "h100-sxm"

#: Keys of an accelerator preset that describe silicon, not a bought accelerator.
_SILICON_KEYS = SILICON_ONLY

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
  units: [100000, 150000, 200000, 250000]  # reference-equivalents in service, one a year
                              # (or one number for every year): a growing fleet
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


#: The roadmap part of a starter (MODEL.md section 11), appended by ``--roadmap``.
_ROADMAP = """\
  respin_delay_years: 1       # years each respin delays its generation's first silicon
  serves: [inference]         # the workloads the chip serves (names under demand.workloads)
  generations:                # later chips, each with its own silicon and NRE
    - from_year: 3            # first year (0-based) on sale, after available_year
      chip: {{accelerator: mtia-v2, node: n3, die_area_mm2: 600, perf_vs_reference: 0.5}}
      nre: {{design_usd: 650000000, design_years: 2, timing: spread}}  # design from year 1

installed:                    # accelerators owned at year 0: sunk, serving until they retire
  - {{accelerator: a100, units: 20000, age_years: 2}}
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


def _roadmap(text: str) -> str:
    """The starter turned into a roadmap: calendar years, workloads with tokens, a later
    bought generation, a share ramp, design years, a chip generation and an installed base."""
    text = text.replace(
        "horizon_years: 4              # years compared (H)",
        "start_year: 2026              # calendar year of t = 0 (shown as 2026, 2027, ...)\n"
        "horizon_years: 5              # years compared (H)",
    )
    text = text.replace(
        "  units: [100000, 150000, 200000, 250000]  # reference-equivalents in service, one a "
        "year\n                              # (or one number for every year): a growing fleet\n",
        "  workloads:                  # reference-equivalents per workload, one a year\n"
        "    training: {units: [6000, 7000, 8000, 9000, 10000]}\n"
        "    inference:\n"
        "      units: [4000, 6000, 8000, 10000, 12000]\n"
        "      reference_tokens_per_s: 1800   # tokens a second one reference-equivalent serves\n",
    )
    text = text.replace(
        "\nbuild:\n",
        "  generations:                # later accelerators bought instead, nothing inherited\n"
        "    - {accelerator: b200, from_year: 2}\n\nbuild:\n",
    )
    text = text.replace(
        "  share: 0.25                 # share of demand moved to the in-house chip, in [0, 1]",
        "  share: [0, 0.1, 0.25, 0.4, 0.5]  # share of the served demand, a ramp (one a year)",
    )
    text = text.replace(
        "    software_usd_per_year: 50000000  # assumption: compiler, runtime and kernels team\n",
        "    software_usd_per_year: 50000000  # assumption: compiler, runtime and kernels team\n"
        "    design_years: 2           # design starts this many years before available_year\n",
    )
    return text + _ROADMAP.format()


def starter_text(preset: str = DEFAULT_PRESET, roadmap: bool = False) -> str:
    """The starter scenario text for buying the accelerator preset ``preset``; with
    ``roadmap``, a roadmap (MODEL.md section 11) to start from.

    Raises ``KeyError`` (with the known names) for an unknown preset. A preset with no
    sourced price leaves ``unit_price_usd`` to fill in: see :func:`missing_keys`.

    >>> "workloads:" in starter_text(roadmap=True)
    True
    """
    acc = presets.get("accelerators", preset)
    buy = [_line("accelerator", preset, f"{acc.title}; the keys below override the preset")]
    for key, value in acc.values.items():
        if key in _SILICON_KEYS:
            continue
        buy.append(_line(key, _yaml_scalar(value), f"source: {acc.cited(key)}"))
    if "power_w" not in acc.values:
        buy.append(
            "  # power_w: ...              # REQUIRED: no published TDP in this preset; set it in W"
        )
    if "unit_price_usd" not in acc.values:
        buy.append(
            "  # unit_price_usd: ...       # REQUIRED: no sourced price in this preset; "
            "set it in USD"
        )
    if "length_mm" not in acc.values:
        buy.append("  # length_mm: 267            # for the 'laid end to end' figure")
    text = _TEMPLATE.format(
        title=acc.title,
        name=_yaml_scalar(f"{acc.title}: buy vs build"),
        reference=_line(
            "reference", DEFAULT_PRESET, "the accelerator whose throughput is one unit"
        ),
        buy="\n".join(buy),
    )
    return _roadmap(text) if roadmap else text


def missing_keys(preset: str) -> list[str]:
    """Keys the starter for ``preset`` leaves for the user to fill in."""
    acc = presets.get("accelerators", preset)
    return [f"buy.{k}" for k in ("unit_price_usd", "power_w") if k not in acc.values]
