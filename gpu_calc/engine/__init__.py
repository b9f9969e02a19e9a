"""The NumPy engine of MODEL.md sections 3 to 6: pure functions, no I/O.

Every function takes arrays that broadcast: a deterministic run passes 0-d arrays, a Monte
Carlo run arrays of shape ``(n,)``, a 2-D sweep arrays of shape ``(n1, 1)`` and ``(1, n2)``.
Inside the engine, quantities per year carry the years on their own, first axis (each year a
contiguous row of samples); :func:`evaluate` hands them back on the last axis, as the results
read them. One module per topic:
:mod:`.silicon` (dies, yield, unit price, NRE), :mod:`.fleet` (units over the years and
facility capacity), :mod:`.energy` (power, energy, water, carbon), :mod:`.finance` (discounting,
residual value, NPV, payback); :mod:`.model` ties them into the two plans.
"""

from gpu_calc.engine.model import (
    Outcome,
    PlanOutcome,
    PlanTotals,
    Totals,
    evaluate,
    evaluate_totals,
)

__all__ = ["Outcome", "PlanOutcome", "PlanTotals", "Totals", "evaluate", "evaluate_totals"]
