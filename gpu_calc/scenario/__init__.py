"""The scenario file (MODEL.md sections 2 and 11): models, presets, and loading.

Data flows one way: YAML text -> :func:`~gpu_calc.yamlio.parse_yaml` -> ``--set`` overrides
(:mod:`.load`) -> presets merged (:mod:`.merge`) -> validated :class:`Scenario` (:mod:`.model`,
its numeric fields from :mod:`.fields`) -> rules across fields (:mod:`.checks`). Every problem
on the way is an :class:`~gpu_calc.errors.InputError` naming the file, line, column and key
path; pydantic's own errors are rewritten by :mod:`.messages`.
"""

from gpu_calc.scenario.fields import (
    MAX_GENERATIONS,
    MAX_HORIZON_YEARS,
    MAX_INSTALLED,
    MAX_WORKLOADS,
)
from gpu_calc.scenario.load import apply_sets, load_file, load_text, parse_key_path, validate_data
from gpu_calc.scenario.merge import apply_presets
from gpu_calc.scenario.messages import _unwrap_model
from gpu_calc.scenario.model import (
    PLAN_METRICS,
    LoadedScenario,
    Scenario,
    input_leaves,
    numeric_fields,
)

__all__ = [
    "MAX_GENERATIONS",
    "MAX_HORIZON_YEARS",
    "MAX_INSTALLED",
    "MAX_WORKLOADS",
    "PLAN_METRICS",
    "LoadedScenario",
    "Scenario",
    "_unwrap_model",
    "apply_presets",
    "apply_sets",
    "input_leaves",
    "load_file",
    "load_text",
    "numeric_fields",
    "parse_key_path",
    "validate_data",
]
