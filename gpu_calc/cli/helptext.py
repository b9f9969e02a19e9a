"""How ``--help`` reads: no Python types, whole summaries, commands in the order people use them.

typer prints ``FILE <str>``, ``PATH <list[str]>`` and ``{FILE}`` for arguments and cuts each
command's summary with ``...`` to fit one line. :class:`Command` and :class:`Group` print
arguments as their metavar (``FILE``, ``PATH...``, ``[NAME]``), and the command list with whole
summaries, wrapped, in :data:`COMMAND_ORDER`. :class:`App` makes every command of the app a
:class:`Command`, so a command added later gets the same help without asking for it.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: Commands in the order people use them: a first comparison, then uncertainty, then
#: sharing, then CI. Commands not listed come after these, by name.
COMMAND_ORDER = (
    "compare",
    "validate",
    "init",
    "presets",
    "schema",
    "simulate",
    "sweep",
    "sensitivity",
    "breakeven",
    "report",
    "plot",
    "batch",
)


def argument_name(param: Any) -> str:
    """An argument as help shows it: ``FILE``, ``PATH...``, or ``[NAME]`` when optional."""
    name = param.metavar or (param.name or "").upper()
    if param.nargs != 1:
        name += "..."
    return name if param.required else f"[{name}]"


def summary(command: Any) -> str:
    """A command's summary: its ``short_help``, else the first paragraph of its help, whole."""
    text = command.short_help or (command.help or "")
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


class Command(TyperCommand):
    """A command whose help names arguments by their metavar, without Python types."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(argument_name(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                if getattr(param, "hidden", False):
                    continue
                extra = "  [required]" if param.required else ""
                text = getattr(param, "help", None) or ""
                args.append((argument_name(param).strip("[]"), text + extra))
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)


class Group(TyperGroup):
    """The ``gpucalc`` group: commands in :data:`COMMAND_ORDER`, summaries never cut."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(self.commands)
        known = [n for n in COMMAND_ORDER if n in names]
        return known + sorted(n for n in names if n not in COMMAND_ORDER)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, summary(cmd)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class App(typer.Typer):
    """A typer app whose commands are :class:`Command` unless told otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
