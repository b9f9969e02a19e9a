"""Docs that cannot drift: the README's CLI reference and the committed JSON Schema."""

from __future__ import annotations

import os
import re
import shlex

import pytest

from gpu_calc import docgen
from gpu_calc.cli import app
from tests.conftest import ROOT

README = ROOT / "README.md"


def test_readme_cli_reference_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert docgen.update(text) == text, "README.md's CLI reference is out of date: run make readme"


def test_reference_covers_every_command_and_exit_codes():
    ref = docgen.reference()
    assert "### gpucalc\n" in ref
    for name in docgen.command_names():
        assert f"### gpucalc {name}\n" in ref
        assert f"Usage: gpucalc {name} " in ref
    assert "Exit codes: 0 ok" in ref


def test_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = docgen.reference()
    monkeypatch.setenv("COLUMNS", "200")
    assert docgen.reference() == narrow
    assert max(len(line) for line in narrow.splitlines()) <= docgen.WIDTH + 2


def test_help_matches_the_cli(runner):
    """The generated text is what users see with -h at the same width."""
    result = runner.invoke(app, ["validate", "-h"], terminal_width=docgen.WIDTH)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == docgen.help_text("validate").splitlines()[0]


def test_docgen_check_mode(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n\n{docgen.START}\nold\n{docgen.END}\n")
    assert docgen.main(["--check", str(stale)]) == 1
    assert "old" in stale.read_text()
    assert docgen.main([str(stale)]) == 0
    assert docgen.main(["--check", str(stale)]) == 0
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    assert docgen.main([str(bare)]) == 2


def test_readme_documents_exit_codes_and_schema_line():
    text = README.read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" in text
    for code in ("`0`", "`1`", "`2`"):
        assert code in text
    assert os.path.exists(ROOT / "docs" / "scenario.schema.json")


# ----------------------------------------------------------------------------- scenario headers


def _try_commands() -> list[tuple[str, str, int]]:
    """Every command a scenario's header comment suggests after ``# Try:`` (continued on the
    comment lines below it that start with ``gpucalc``): (file, command, expected exit code).
    A command documented to exit 1 says so after it: ``gpucalc ...  # exits 1``."""
    found = []
    for path in sorted((ROOT / "scenarios").glob("*.y*ml")):
        in_try = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break  # the header ends at the first line of YAML
            text = line.lstrip("#").strip()
            if text.startswith("Try:"):
                in_try, text = True, text.removeprefix("Try:").strip()
            if in_try and text.startswith("gpucalc "):
                command, _, note = text.partition("  # ")
                code = 1 if re.search(r"\bexits? 1\b", note) else 0
                found.append((path.name, command.strip(), code))
    return found


TRY = _try_commands()


def test_scenario_headers_suggest_commands():
    files = {name for name, _, _ in TRY}
    assert {"meta-roadmap.yaml", "meta-2025-uncertain.yaml"} <= files
    assert len(TRY) >= 5


@pytest.mark.parametrize(("name", "command", "code"), TRY, ids=[f"{n}: {c}" for n, c, _ in TRY])
def test_every_try_command_in_a_scenario_header_works(runner, monkeypatch, name, command, code):
    """Run as written, from the repository's root (the paths are relative to it)."""
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    assert args[0] == "gpucalc" and args[1] != "-o" and "-o" not in args, command
    result = runner.invoke(app, args[1:])
    assert result.exit_code == code, f"{name}: {command}\n{result.output}"
    assert result.stdout.strip()
