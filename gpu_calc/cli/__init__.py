"""The command line: parse arguments, call the library, hand the result to a renderer.

This package imports only typer at start-up; NumPy and the engine are imported inside the
commands, so ``gpucalc --help`` and ``gpucalc --version`` stay fast. Each command lives in
its own module and registers itself on :data:`app`.
"""

from gpu_calc.cli.app import app, main

__all__ = ["app", "main"]
