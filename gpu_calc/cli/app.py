"""The typer application, its global options, and ``main()``."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated, Any

import typer

from gpu_calc import __version__
from gpu_calc.cli.helptext import App, Group

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 an expectation or check failed (batch); 2 invalid input or usage; "
    "70 internal error (a bug: rerun with --debug and report it); 130 interrupted."
)
#: Exit code of an unexpected exception (BSD sysexits EX_SOFTWARE).
EXIT_INTERNAL_ERROR = 70
#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Exit code when whoever reads our output stops reading (``gpucalc ... | head -1``): the
#: output was wanted no further, which is no failure. Data written through
#: :func:`gpu_calc.cli.common.write_stdout` carries on to the command's own exit code.
EXIT_BROKEN_PIPE = 0

#: Show tracebacks of unexpected errors (``--debug`` or ``GPUCALC_DEBUG=1``).
_debug = False

app = App(
    name="gpucalc",
    cls=Group,
    help="Build-vs-buy calculator for AI accelerator fleets: keep buying GPUs, or build part "
    "of the fleet on in-house silicon? Reads a YAML scenario, computes both plans.",
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gpucalc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an unexpected error (also GPUCALC_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Build-vs-buy calculator for AI accelerator fleets."""
    global _debug
    _debug = _debug or debug
    from gpu_calc.cli import common

    common.forget_inputs()  # each command starts with no inputs read (tests run many)


# Commands register themselves on import (one module per command; keep them light:
# heavy imports belong inside the command functions).
from gpu_calc.cli import batch as _batch  # noqa: E402,F401
from gpu_calc.cli import breakeven as _breakeven  # noqa: E402,F401
from gpu_calc.cli import compare as _compare  # noqa: E402,F401
from gpu_calc.cli import init as _init  # noqa: E402,F401
from gpu_calc.cli import plot as _plot  # noqa: E402,F401
from gpu_calc.cli import presets as _presets  # noqa: E402,F401
from gpu_calc.cli import report as _report  # noqa: E402,F401
from gpu_calc.cli import schema as _schema  # noqa: E402,F401
from gpu_calc.cli import sensitivity as _sensitivity  # noqa: E402,F401
from gpu_calc.cli import simulate as _simulate  # noqa: E402,F401
from gpu_calc.cli import sweep as _sweep  # noqa: E402,F401
from gpu_calc.cli import validate as _validate  # noqa: E402,F401


def _debug_wanted(argv: list[str]) -> bool:
    env = os.environ.get("GPUCALC_DEBUG", "").strip().lower()
    return _debug or env not in ("", "0", "false", "no") or "--debug" in argv


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that exiting does not fail flushing a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
        pass


def _reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (poll reports an error on it)."""
    try:
        import select

        poller = select.poll()
        poller.register(1, select.POLLOUT)
        return any(event & select.POLLERR for _fd, event in poller.poll(0))
    except (OSError, AttributeError, ValueError):  # pragma: no cover - no poll()
        return False


def _guard_stderr() -> None:
    """With stderr closed (``2>&-``), point descriptor 2 at /dev/null: messages go nowhere,
    exit codes keep their meaning (2 for bad input, not 1 from a failed write), and no file
    the command opens later can take descriptor 2 and receive them."""
    try:
        os.fstat(2)
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            if devnull != 2:
                os.dup2(devnull, 2)
                os.close(devnull)
        except OSError:  # pragma: no cover - no /dev/null
            pass
    if sys.stderr is None:
        try:
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        except OSError:  # pragma: no cover - no descriptor 2 at all
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def usage_line(exc: Any, command: str | None = None) -> str:
    """A usage error (an unknown option, a bad or missing value) as one line, like every
    other error: what is wrong, then where the help is. Click's own four lines (usage, a
    hint, a blank line, then the error) put the error last. ``command`` names the command
    run when click's error carries no context (an option given no value).

    >>> usage_line(typer.BadParameter("'x' is not a number."))
    "error: invalid value: 'x' is not a number (see 'gpucalc -h')"
    """
    text = " ".join(exc.format_message().split())
    # "Invalid value for '-n': Value error, 'x' is ...": the type's wording says it all
    text = text.replace(": Value error, ", ": ").rstrip(".")
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    where = f"gpucalc {command}" if command else "gpucalc"
    if ctx is not None:
        where = ctx.command_path
    return f"error: {text} (see '{where} -h')"


def _command_names() -> set[str]:
    """The names of gpucalc's commands."""
    return {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


def _run(args: list[str]) -> int:
    """Run the command line; the exit code. Click's usage errors become one line (exit 2);
    ``gpucalc`` alone still prints the help."""
    # click's classes, found through typer's public BadParameter: typer carries its own copy
    # of click in some releases (typer._click) and uses click itself in others
    bases = typer.BadParameter.__mro__
    usage_error = next(c for c in bases if c.__name__ == "UsageError")
    click_exception: type[Exception] = next(c for c in bases if c.__name__ == "ClickException")
    try:
        returned = app(args=args, prog_name="gpucalc", standalone_mode=False)
    except click_exception as exc:
        if isinstance(exc, usage_error) and type(exc).__name__ != "NoArgsIsHelpError":
            # the command, for an error click raises without its context (`compare -f`)
            command = next((a for a in args if not a.startswith("-")), None)
            known = command in _command_names()
            sys.stderr.write(usage_line(exc, command if known else None) + "\n")
        else:  # `gpucalc` alone: the help (NoArgsIsHelpError), exit 2
            getattr(exc, "show")()  # noqa: B009 - click's method, not on Exception
        return int(getattr(exc, "exit_code", 2))
    except typer.Abort:  # pragma: no cover - gpucalc never prompts
        sys.stderr.write("Aborted!\n")
        return 1
    # a command's typer.Exit(code) comes back as its code; a command that ends returns None
    return returned if isinstance(returned, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``gpucalc`` console script.

    Input errors are reported by the commands (exit 2). Anything else that escapes is a bug:
    one line on stderr and exit 70, or the traceback with ``--debug``. Ctrl-C exits 130; a
    closed output pipe (``gpucalc ... | head -1``) is quiet and leaves the command's own exit
    code (0 when all went well), whatever the size of the output; a closed stderr changes no
    exit code.
    """
    _guard_stderr()
    args = sys.argv[1:] if argv is None else list(argv)
    if not _debug_wanted(args):
        import warnings

        # A library's warning (NumPy's overflow, matplotlib's layout) is no message for the
        # person: it names source files and lines. Results carry their own notes; --debug
        # shows the warnings.
        warnings.simplefilter("ignore")
    # gpucalc uses no pydantic plugin; looking for them reads every installed package's
    # entry points (about 10 ms of each start). Set the variable to use one anyway.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if hasattr(signal, "SIGPIPE"):
        # A reader that goes away is a BrokenPipeError (write_stdout: quiet), never a death
        # by signal whose status (141) would depend on how much output the pipe took first.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        code = _run(args)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        # click exits 1 when its own output (--help, usage) meets a closed pipe: the same
        # quiet exit as a command's data
        if exc.code == 1 and _reader_gone():
            _quiet_stdout()
            sys.exit(EXIT_BROKEN_PIPE)
        raise
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as exc:
        if _debug_wanted(args):
            raise
        from gpu_calc.yamlio import shown

        what = shown(f"{type(exc).__name__}: {exc}", 300)
        sys.stderr.write(
            f"gpucalc: internal error: {what} (a bug in gpucalc: rerun with --debug "
            "for the traceback, and report it)\n"
        )
        sys.exit(EXIT_INTERNAL_ERROR)
    sys.exit(code)
