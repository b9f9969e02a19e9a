"""What the docs show works as shown: every `Examples:` line of every command's --help runs
(exit 0) where a new user would run it, and the workbook formulas quoted in the README are
the workbook's own."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest

from gpu_calc.cli import app
from tests.conftest import ROOT, SCENARIOS, SEED
from tests.test_cli_help import COMMAND_ORDER, _help


def _examples(runner, command: str) -> list[str]:
    block = re.search(r"\n  Examples?:\n((?:    gpucalc .*\n)+)", _help(runner, command))
    assert block, command
    return [line.strip() for line in block.group(1).splitlines()]


def _run(runner, line: str, summary: Path) -> None:
    """One example line, as a shell would run it: ``a && b`` in turn, ``> FILE`` written
    from stdout, ``| jq ...`` left to jq (the JSON before it is checked to parse)."""
    for part in line.split("&&"):
        piped = part.split("|")[0]
        target = None
        if ">" in piped:
            piped, target = (x.strip() for x in piped.split(">", 1))
        words = shlex.split(piped.replace('"$GITHUB_STEP_SUMMARY"', str(summary)))
        args = [match for w in words for match in (sorted(glob.glob(w)) if "*" in w else [w])]
        assert args[0] == "gpucalc", line
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
        if target:
            Path(target).write_text(result.stdout)
        if "| jq" in part:
            import json

            json.loads(result.stdout)


@pytest.mark.parametrize("command", COMMAND_ORDER)
def test_every_help_example_runs(runner, command, tmp_path, monkeypatch):
    """Each line in a fresh folder with the project's scenarios and, but for `init`'s own
    examples (which write it), the starter `gpucalc init` writes (`my.yaml`): as the
    README's quick start leaves a new user."""
    pytest.importorskip("matplotlib")  # plot and report examples draw charts
    for i, line in enumerate(_examples(runner, command)):
        folder = tmp_path / str(i)
        shutil.copytree(SCENARIOS, folder / "scenarios")
        monkeypatch.chdir(folder)
        if command != "init":
            starter = runner.invoke(app, ["init", "-o", "my.yaml"])
            assert starter.exit_code == 0, starter.output
        _run(runner, line, folder / "step-summary.md")


def test_readme_workbook_formulas_are_the_workbooks(runner, tmp_path):
    """The README's table of Summary formulas (those written out whole) stands in the
    seed's workbook, at the row of the key it names."""
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "seed.xlsx"
    result = runner.invoke(app, ["compare", str(SEED), "-f", "xlsx", "-o", str(path)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path)["Summary"]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if str(c.value).startswith("=")}
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| Summary | Key | Buy | Build | Build - Buy |")[1].split("\n\n")[0]
    quoted = [f for f in re.findall(r"`(=[^`]+)`", table) if "..." not in f]
    assert len(quoted) >= 5, table
    missing = [f for f in quoted if f not in cells]
    assert not missing, missing
