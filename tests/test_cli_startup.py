"""Fast start: --version and --help import neither NumPy nor pydantic nor the engine."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("numpy", "pydantic", "pydantic_core", "gpu_calc.engine", "gpu_calc.scenario", "rich")


def _imported(stderr: str) -> set[str]:
    """Module names from ``python -X importtime`` output."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_no_heavy_imports(flag):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gpu_calc", flag],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = _imported(proc.stderr)
    assert "gpu_calc.cli.app" in names  # the parse worked
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY or n.startswith(HEAVY))
    assert heavy == [], f"{flag} imports {heavy}"


#: What a command's --help must not import. pydantic is allowed there: typer (0.29) itself
#: imports it to build parameter converters once a subcommand is parsed.
COMMAND_HEAVY = ("numpy", "gpu_calc.engine", "gpu_calc.scenario", "gpu_calc.inputs", "rich")


def test_every_command_help_is_light():
    """One subprocess: the --help of every registered command, then sys.modules."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from gpu_calc.cli import app\n"
        "from gpu_calc.docgen import command_names\n"
        "r = CliRunner()\n"
        "for name in command_names():\n"
        "    assert r.invoke(app, [name, '--help']).exit_code == 0, name\n"
        f"heavy = {COMMAND_HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"
