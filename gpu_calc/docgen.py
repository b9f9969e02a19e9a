"""Write the README's command-line reference from ``--help``, so the two never drift.

``python -m gpu_calc.docgen README.md`` (``make readme``) replaces the text between
``<!-- cli-reference:start -->`` and ``<!-- cli-reference:end -->`` with the help of
``gpucalc`` and of every registered command, in the order ``--help`` lists them, at a fixed width of
:data:`WIDTH` columns whatever the terminal. ``--check`` changes nothing and exits 1 when
the file is out of date (a test does the same).
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
#: Width of the help text in the README, independent of the terminal (and of COLUMNS).
WIDTH = 88


def command_names() -> list[str]:
    """Every visible command registered on the app, in the order ``--help`` lists them."""
    import typer.main

    from gpu_calc.cli import app

    group = typer.main.get_command(app)
    commands = getattr(group, "commands", {})
    ctx = group.context_class(group, info_name="gpucalc")
    return [name for name in group.list_commands(ctx) if not commands[name].hidden]  # type: ignore[attr-defined]


def help_text(command: str | None = None) -> str:
    """The plain ``--help`` of ``gpucalc`` or of ``gpucalc COMMAND``, at :data:`WIDTH`."""
    import typer.main

    from gpu_calc.cli import app

    group = typer.main.get_command(app)
    # typer ships its own copy of click: build contexts with the command's own class
    settings = {**group.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = group.context_class(group, info_name="gpucalc", **settings)
    if command is None:
        return group.get_help(ctx)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    sub = cmd.context_class(
        cmd,
        info_name=command,
        parent=ctx,
        **{**cmd.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH},
    )
    return str(cmd.get_help(sub))


def reference() -> str:
    """The generated Markdown: one section per command, the help as a text block."""
    parts = [
        "Generated from `--help` by `make readme` (do not edit by hand).",
        "",
        "### gpucalc",
        "",
        "```text",
        help_text().rstrip(),
        "```",
    ]
    for name in command_names():
        parts += ["", f"### gpucalc {name}", "", "```text", help_text(name).rstrip(), "```"]
    return "\n".join(parts)


def update(text: str) -> str:
    """``text`` with the reference between the markers replaced by a fresh one."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START} and {END} are missing or out of order")
    return text[: start + len(START)] + "\n" + reference() + "\n" + text[end:]


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    if len(args) != 1:
        sys.stderr.write("usage: python -m gpu_calc.docgen [--check] README.md\n")
        return 2
    path = Path(args[0])
    try:
        old = path.read_text(encoding="utf-8")
        new = update(old)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: {path}: {exc}\n")
        return 2
    if new == old:
        return 0
    if "--check" in argv:
        sys.stderr.write(f"{path}: the CLI reference is out of date; run 'make readme'\n")
        return 1
    path.write_text(new, encoding="utf-8")
    sys.stderr.write(f"{path}: CLI reference updated\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
