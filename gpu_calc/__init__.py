"""gpucalc: build-vs-buy calculator for AI accelerator fleets.

The package is a library first: :mod:`gpu_calc.scenario` reads and validates a scenario
file, :mod:`gpu_calc.inputs` turns it into arrays, :mod:`gpu_calc.engine` computes both plans
and :mod:`gpu_calc.render` formats the result. The command line (:mod:`gpu_calc.cli`) is a
thin layer on top.

The Python API (:mod:`gpu_calc.api`, documented in ``docs/api.md``) is available here:
``gpu_calc.load``, ``compare``, ``simulate``, ``sweep``, ``sensitivity``, ``breakeven`` and
the exception ``InputErrors``. They are imported on first use, so importing this package
imports nothing heavy and ``gpucalc --version`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from gpu_calc.api import breakeven, compare, load, sensitivity, simulate, sweep
    from gpu_calc.errors import InputErrors

#: Names of the API, and the module each comes from (imported on first use).
_API = {
    "load": "gpu_calc.api",
    "compare": "gpu_calc.api",
    "simulate": "gpu_calc.api",
    "sweep": "gpu_calc.api",
    "sensitivity": "gpu_calc.api",
    "breakeven": "gpu_calc.api",
    "InputErrors": "gpu_calc.errors",
}

__all__ = ["InputErrors", "__version__", "breakeven", "compare", "load", "sensitivity"]
__all__ += ["simulate", "sweep"]


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gpu_calc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
