"""gpucalc: build-vs-buy calculator for AI accelerator fleets.

The package is a library first: :mod:`gpu_calc.scenario` reads and validates a scenario
file, :mod:`gpu_calc.inputs` turns it into arrays, :mod:`gpu_calc.engine` computes both plans
and :mod:`gpu_calc.render` formats the result. The command line (:mod:`gpu_calc.cli`) is a
thin layer on top. Importing this package imports nothing heavy, so ``gpucalc --version``
stays fast.
"""

__version__ = "0.1.0"
