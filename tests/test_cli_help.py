"""The first hour: getting gpucalc on PATH, shell completion, and help that reads well at 80
columns (no Python types, whole summaries, an example in every command, a sensible order)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from gpu_calc import docgen
from gpu_calc.cli import app
from gpu_calc.cli.helptext import COMMAND_ORDER
from tests.conftest import ROOT

README = ROOT / "README.md"
WIDTH = 80


def _help(runner, *args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- PATH


def _commands_in_order(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line of a README code block that runs gpucalc."""
    out, in_block = [], False
    for i, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_block = not in_block
            continue
        indented = line.startswith("    ") and not in_block
        body = line.strip().removeprefix("$ ")
        if (in_block or indented) and re.match(r"gpucalc\b", body):
            out.append((i, body))
    return out


def test_readme_puts_gpucalc_on_path_before_first_use():
    """A newcomer reading top to bottom activates .venv before the first gpucalc command."""
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    activate = next(i for i, line in enumerate(lines) if ". .venv/bin/activate" in line)
    make_run = next(i for i, line in enumerate(lines) if line.strip().startswith("make run"))
    first_use = _commands_in_order(text)[0][0]
    assert make_run < activate < first_use, (make_run, activate, first_use)
    assert "pipx install ." in text


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_prints_the_activation_hint():
    dry = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    run_lines = dry.splitlines()
    compare = next(i for i, line in enumerate(run_lines) if "gpucalc compare" in line)
    hint = "\n".join(run_lines[compare:])
    assert ". .venv/bin/activate" in hint and "pipx install ." in hint and ">&2" in hint


# --------------------------------------------------------------------------- completion


def test_completion_options_are_offered(runner):
    text = _help(runner)
    assert "--install-completion" in text and "--show-completion" in text


def test_show_completion_prints_a_bash_script(runner, monkeypatch):
    # --show-completion is a flag: typer finds the shell from the process tree, which under
    # CI or `timeout` may be no shell at all; this test is about gpucalc's part, so bash.
    import typer.completion

    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    result = runner.invoke(app, ["--show-completion"], prog_name="gpucalc")
    assert result.exit_code == 0, result.output
    assert "_GPUCALC_COMPLETE=complete_bash" in result.stdout


def test_completion_completes_command_names():
    env = {
        **os.environ,
        "_GPUCALC_COMPLETE": "complete_bash",
        "COMP_WORDS": "gpucalc sim",
        "COMP_CWORD": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "gpu_calc"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.stdout.split() == ["simulate"], (proc.stdout, proc.stderr)


def test_readme_documents_completion():
    assert "gpucalc --install-completion" in README.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- help text


@pytest.mark.parametrize("command", [None, *COMMAND_ORDER])
def test_help_shows_no_python_types(runner, command):
    text = _help(runner, *([command] if command else []))
    for bad in ("<str>", "<int>", "<float>", "list[", "int range", "float range", "{FILE}"):
        assert bad not in text, f"{command}: {bad!r} in\n{text}"
    assert not re.search(r"\{[A-Z]+\}", text), text
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_usage_names_arguments_plainly(runner):
    assert _help(runner, "compare").startswith("Usage: gpucalc compare [OPTIONS] FILE\n")
    assert _help(runner, "batch").startswith("Usage: gpucalc batch [OPTIONS] PATH...\n")
    assert _help(runner, "presets").startswith("Usage: gpucalc presets [OPTIONS] [NAME]\n")
    assert "\n  FILE...  Scenario files" in _help(runner, "validate")


def test_command_list_in_the_order_people_use_them(runner):
    text = _help(runner)
    listed = re.findall(r"^  ([a-z]+) {2,}\S", text.split("Commands:")[1], re.M)
    assert listed == list(COMMAND_ORDER)
    assert docgen.command_names() == list(COMMAND_ORDER)


def test_summaries_are_whole_at_80_columns(runner):
    text = _help(runner).split("Commands:")[1].split("Exit codes")[0]
    assert "..." not in text
    # every summary fits on one line and ends its sentence
    rows = [line for line in text.splitlines() if line.strip()]
    assert len(rows) == len(COMMAND_ORDER), text
    assert all(row.rstrip().endswith((".", ")")) for row in rows), text


@pytest.mark.parametrize("command", COMMAND_ORDER)
def test_every_command_has_an_example(runner, command):
    text = _help(runner, command)
    block = re.search(r"\n  Examples?:\n((?:    gpucalc .*\n)+)", text)
    assert block, f"{command} --help has no example:\n{text}"
    for line in block.group(1).splitlines():
        assert f"{line.strip()} ".startswith(f"gpucalc {command} "), line


def test_one_default_sample_count_for_simulate_plot_and_report():
    import typer.main

    from gpu_calc import report
    from gpu_calc.uncertainty import DEFAULT_SAMPLES

    group = typer.main.get_command(app)
    defaults = {
        name: next(p.default for p in group.commands[name].params if p.name == "samples")  # type: ignore[attr-defined]
        for name in ("simulate", "plot", "report")
    }
    assert defaults == dict.fromkeys(defaults, 10_000)
    assert DEFAULT_SAMPLES == report.REPORT_SAMPLES == 10_000
