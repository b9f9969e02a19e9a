"""Uncertainty: Monte Carlo, sweeps, a tornado and break-even, all through the one engine.

Every analysis here replaces some of :meth:`gpu_calc.inputs.ModelInputs.base`'s 0-d arrays
with arrays of another shape and calls :func:`gpu_calc.engine.evaluate` once per batch:

- :mod:`.montecarlo`: draws of shape ``(n,)`` per uncertain field, in chunks;
- :mod:`.sweep`: a grid, one axis per parameter (``(n1, 1)`` and ``(1, n2)``);
- :mod:`.sensitivity`: the tornado, every bar's low and high run in one call of ``(2k,)``;
- :mod:`.breakeven`: a vectorised scan, then bisection, for the root of savings.

:mod:`.params` holds what they share: finding a parameter by key, clipping values into a
field's range, and keeping the die on the wafer.
"""

#: Monte Carlo samples when none are asked for: ``simulate``, ``plot`` and ``report`` alike.
DEFAULT_SAMPLES = 10_000
#: Monte Carlo seed when none is given.
DEFAULT_SEED = 0
#: Samples drawn at a time in one thread by default (``--chunk-size``): one draw block of
#: :data:`gpu_calc.uncertainty.montecarlo.DRAW_BLOCK`, so that no field's draws are cut and
#: joined again.
DEFAULT_CHUNK_SIZE = 65_536
