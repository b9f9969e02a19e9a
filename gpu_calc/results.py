"""A deterministic comparison of one scenario, and its JSON form (MODEL.md section 8).

>>> from gpu_calc.scenario import load_text
>>> text = '''
... horizon_years: 1
... demand: {units: 100}
... site: {electricity_usd_per_kwh: 0.1}
... buy: {unit_price_usd: 1000, power_w: 500}
... build:
...   share: 0
...   chip: {die_area_mm2: 100, node: n5, power_w: 100}
...   nre: {design_usd: 0}
... '''
>>> out = compare(load_text(text)).to_dict()
>>> out["plans"]["buy"]["capex_usd"], out["plans"]["buy"]["energy_it_kwh"]
(100000.0, 438000.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_calc.engine import Outcome, PlanOutcome
from gpu_calc.engine.model import YEARLY, FleetOutcome
from gpu_calc.inputs import ModelInputs
from gpu_calc.scenario import PLAN_METRICS, LoadedScenario

if TYPE_CHECKING:
    from gpu_calc.frames import ComparisonFrames

SCHEMA_VERSION = 1

#: Core per-plan keys of MODEL.md section 8, in output order.
PLAN_KEYS = PLAN_METRICS
SILICON_KEYS = (
    "dies_per_wafer",
    "die_yield",
    "die_usd",
    "unit_price_usd",
    "nre_usd",
    # added by issue 15 (docs/model.md, bill of materials): the unit price's other lines and
    # the chip's manufacturing carbon (from its parts, or the lump embodied_kg_co2e)
    "memory_usd",
    "packaging_usd",
    "test_assembly_usd",
    "embodied_kg_co2e",
    # added by issue 15's multi-die packages (docs/model.md): die_usd stays one good die's
    # cost; the unit price counts dies_usd = dies_per_package x die_usd
    "dies_per_package",
    "dies_usd",
)


def json_number(x: Any) -> float | None:
    """A plain float for JSON; None for NaN (``null``), never an infinity."""
    value = float(x)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return None
    return value


def _year(x: Any) -> int | None:
    """A year index for the JSON; None when there is none (NaN: never pays back) or it is
    past any number (a first silicon pushed back by 1e308 years of respins is infinite)."""
    value = float(x)
    return int(value) if math.isfinite(value) else None


def plan_metric(plan: PlanOutcome, key: str) -> np.ndarray:
    """A per-plan metric of section 8 as an array (a per-year list gives its first year)."""
    if key == "energy_it_kwh_per_year":
        return plan.yearly["energy_it_kwh"][..., 0]
    return np.asarray(getattr(plan, key))


def fleet_dict(f: FleetOutcome) -> dict[str, Any]:
    """One entry of ``plans.<plan>.fleets`` (MODEL.md 11.7)."""
    return {
        "side": f.side,
        "generation": f.generation,
        "label": f.label,
        "from_year": _year(f.from_year),
        "units_bought": json_number(f.units_bought),
        "units_bought_per_year": [json_number(v) for v in f.bought],
        "active_units_per_year": [json_number(v) for v in f.active],
    }


#: Outputs that need an input no default can stand for: the key of the output, and the
#: accelerator field it needs (given in the file, by ``--set`` or by a preset).
NEEDS = {"fleet_length_km": "length_mm"}


def plan_dict(plan: PlanOutcome, missing: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON of one plan: the core keys, the additions of MODEL.md 11.7, then its
    per-year series.

    The core keys keep MODEL.md's numbers (a length not given counts 0); ``missing_inputs``
    names the outputs an input they need was not given for (:data:`NEEDS`), which the
    views show as n/a.
    """
    out: dict[str, Any] = {}
    for key in PLAN_KEYS:
        if key == "energy_it_kwh_per_year":
            out[key] = [json_number(v) for v in plan.yearly["energy_it_kwh"]]
        else:
            out[key] = json_number(getattr(plan, key))
    out["tokens"] = json_number(plan.tokens)
    out["usd_per_million_tokens"] = json_number(plan.usd_per_million_tokens)
    out["fleets"] = [fleet_dict(f) for f in plan.fleets]
    out["missing_inputs"] = dict(missing or {})
    out["per_year"] = {key: [json_number(v) for v in plan.yearly[key]] for key in YEARLY}
    return out


def _money(x: float) -> str:
    from gpu_calc.render.human import usd

    return usd(x)


def verdict(outcome: Outcome, start_year: int | None = None) -> str:
    """One line saying which plan is cheaper, by how much, and when building pays back.

    ``start_year`` (the calendar year of t = 0, when the scenario gives one) makes the
    payback a calendar year; the wording is :func:`gpu_calc.render.human.payback`'s.
    """
    from gpu_calc.render.human import count, payback, payback_path, percent

    savings = float(outcome.savings_npv_usd)
    pct = float(outcome.savings_pct)
    h = outcome.horizon_years
    years = count(h, "year")
    pct_text = "" if not math.isfinite(pct) else f" ({percent(abs(pct))})"
    if not math.isfinite(savings):
        return f"No verdict: the savings over {years} are too large to compute (a figure overflows)"
    if savings > 0:
        pay = _year(outcome.payback_year)
        path = payback_path(np.asarray(outcome.yearly_savings_usd).tolist())
        when = f"; {payback(pay, h, start_year, path)}" if pay is not None else ""
        return f"Building saves {_money(savings)} NPV{pct_text} over {years}{when}"
    if savings == 0:
        return f"Building and buying cost the same NPV over {years}"
    return f"Buying is cheaper: building costs {_money(-savings)} more NPV{pct_text} over {years}"


def cheaper(savings_npv_usd: float) -> str | None:
    """``comparison.cheaper`` (MODEL.md section 8): ``"build"`` when the savings are
    positive, else ``"buy"``; ``None`` (JSON ``null``) when they cannot be computed (a figure
    overflows), as ``savings_npv_usd`` is then null and the verdict says "No verdict".

    >>> cheaper(1.0), cheaper(0.0), cheaper(float("nan")), cheaper(float("inf"))
    ('build', 'buy', None, None)
    """
    if not math.isfinite(savings_npv_usd):
        return None
    return "build" if savings_npv_usd > 0 else "buy"


@dataclass
class Comparison:
    """A scenario and the engine's outcome for its base values."""

    loaded: LoadedScenario
    inputs: ModelInputs
    outcome: Outcome

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def to_pandas(self) -> ComparisonFrames:
        """``(metrics, per_year)`` DataFrames of :meth:`to_dict` (needs ``gpucalc[pandas]``)."""
        from gpu_calc.frames import comparison_frames

        return comparison_frames(self)

    def missing(self, plan: str) -> dict[str, str]:
        """Outputs of ``plan`` whose inputs were not all given, and the field each lacks: an
        accelerator the plan buys (any generation) has no such field, in the file or its
        preset. A field given as 0 is known; installed units are never counted."""
        from gpu_calc.render.roadmap import fleet_name

        s = self.loaded.scenario
        accelerators = {
            ("bought", 0): s.buy,
            **{("bought", i + 1): g for i, g in enumerate(s.buy.generations)},
            ("chip", 0): s.build.chip,
            **{("chip", i + 1): g.chip for i, g in enumerate(s.build.generations)},
        }
        out = {}
        for f in self.outcome.plans[plan].fleets:
            accelerator = accelerators.get((f.side, f.generation))
            if accelerator is None or not float(f.units_bought) > 0:
                continue
            for key, field in NEEDS.items():
                if field not in accelerator.model_fields_set:
                    out[key] = f"{fleet_name(fleet_dict(f))}: {field}"
        return out

    def perspective(self) -> list[dict[str, Any]]:
        rows = []
        for p in self.loaded.scenario.perspective:
            plan = self.outcome.plans[p.plan]
            metric_value = json_number(float(plan_metric(plan, p.metric)))
            rows.append(
                {
                    "label": p.label,
                    "metric": p.metric,
                    "plan": p.plan,
                    "value": p.value,
                    "metric_value": metric_value,
                    "ratio": None if metric_value is None else json_number(metric_value / p.value),
                }
            )
        return rows

    def nre_timeline(self) -> list[dict[str, Any]]:
        """Each chip generation's NRE and when it is paid, with its first silicon."""
        o = self.outcome
        chips = [f for f in o.build.fleets if f.side == "chip"]
        return [
            {
                "generation": f.generation,
                "label": f.label,
                "first_silicon_year": _year(f.from_year),
                "nre_usd": json_number(sil["nre_usd"]),
                "nre_usd_per_year": [json_number(v) for v in paid],
            }
            for f, sil, paid in zip(chips, o.silicon_generations, o.nre_per_generation, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON output: the core keys of MODEL.md section 8, then extras."""
        o = self.outcome
        s = self.loaded.scenario
        savings = float(o.savings_npv_usd)
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": s.name,
            "plans": {name: plan_dict(plan, self.missing(name)) for name, plan in o.plans.items()},
            "silicon": {key: json_number(o.silicon[key]) for key in SILICON_KEYS},
            "start_year": s.start_year,
            "silicon_generations": [
                {key: json_number(sil[key]) for key in SILICON_KEYS}
                for sil in o.silicon_generations
            ],
            "nre_timeline": self.nre_timeline(),
            "comparison": {
                "savings_npv_usd": json_number(savings),
                "savings_pct": json_number(o.savings_pct),
                "payback_year": _year(o.payback_year),
                "cheaper": cheaper(savings),
                "verdict": verdict(o, getattr(s, "start_year", None)),
                "savings_npv_usd_per_year": [json_number(v) for v in o.yearly_savings_usd],
                # beyond the contract: the first year from which building stays ahead
                "lasting_payback_year": (
                    _year(o.lasting_payback_year) if math.isfinite(float(savings)) else None
                ),
            },
            "perspective": self.perspective(),
            "horizon_years": o.horizon_years,
            "discount_rate": float(self.inputs.fields["discount_rate"].base),
            "demand_units_per_year": [json_number(v) for v in o.demand_units],
            "source": self.loaded.source,
            # what computes but deserves a look (a die above the reticle), located
            "warnings": [w.to_dict() for w in self.loaded.warnings],
        }


def compare(loaded: LoadedScenario) -> Comparison:
    """Evaluate a validated scenario at its base values."""
    inputs = ModelInputs.from_scenario(loaded)
    outcome = inputs.evaluate()
    return Comparison(loaded, inputs, outcome)
