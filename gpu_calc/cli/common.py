"""What every command shares: options, colour, errors and writing output."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from gpu_calc import errors
from gpu_calc.errors import EXIT_INPUT_ERROR, InputError
from gpu_calc.render import Format

if TYPE_CHECKING:
    from gpu_calc.files import Inputs
    from gpu_calc.scenario import LoadedScenario

#: The scenario argument of every command that reads one file.
FileArgument = Annotated[str, typer.Argument(metavar="FILE", help="Scenario file ('-': stdin).")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the output to FILE (written only once the work succeeded); "
        "'-' or nothing is stdout.",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY.PATH=VALUE",
        help="Override a scenario field, validated like the file "
        "(repeatable), e.g. --set site.pue=1.3.",
    ),
]


def whole_count(text: str) -> int:
    """A count of at least 1 as people write it: ``100000``, ``1e5``, ``100_000``.

    >>> whole_count("1e6"), whole_count("250_000"), whole_count("12")
    (1000000, 250000, 12)
    """
    if isinstance(text, int):  # a default, already a number
        return text
    written = text.strip()
    try:
        value = int(written)
    except ValueError:
        try:
            number = float(written)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number == int(number)):
            raise typer.BadParameter(
                f"'{written[:40]}' is not a whole number (write e.g. 100000 or 1e5)"
            ) from None
        value = int(number)
    if value < 1:
        raise typer.BadParameter(f"{value} is below 1")
    return value


SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples",
        "-n",
        parser=whole_count,
        metavar="N",
        help="Monte Carlo samples (draws of the uncertain fields; 100000 or 1e5); bounded "
        "by the memory they need (docs/errors.md).",
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(
        "--seed", "-s", min=0, metavar="SEED", help="Random seed; same seed, same output."
    ),
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="No colour, even on a terminal.")]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show a traceback on unexpected errors.", hidden=True)
]


def use_color(no_color: bool, stream: object = None) -> bool:
    """Colour only on a terminal, and never with NO_COLOR, TERM=dumb or --no-color."""
    stream = stream if stream is not None else sys.stdout
    if no_color or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_ANSI = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "magenta": "35", "bold": "1"}


def paint(text: str, style: str, enabled: bool) -> str:
    r"""``text`` in an ANSI colour (red, green, yellow, cyan, magenta, bold) when ``enabled``.

    Decide ``enabled`` with :func:`use_color` for the stream the text goes to.

    >>> paint("ok", "green", False), paint("ok", "green", True)
    ('ok', '\x1b[32mok\x1b[0m')
    """
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if enabled else text


def message(text: str) -> None:
    """A message for the person: always on stderr."""
    sys.stderr.write(text.rstrip("\n") + "\n")


def problem_line(problem: str | InputError) -> str:
    """How one problem is printed: an input error in a file as ``FILE:LINE:COL: key.path:
    message`` (the form editors and CI annotators read); anything else, such as a bad
    ``--set`` or ``--param``, after ``error:``."""
    return errors.problem_line(problem)


def fail(
    problems: Sequence[str | InputError] | str | InputError, code: int = EXIT_INPUT_ERROR
) -> NoReturn:
    """Print one line per problem on stderr (the first few of each file, then how many
    more) and exit (2: invalid input)."""
    from gpu_calc.errors import first_problems

    items = [problems] if isinstance(problems, str | InputError) else problems
    errors = [item for item in items if isinstance(item, InputError)]
    if len(errors) == len(items):
        items = first_problems(errors)
    for item in items:
        message(problem_line(item))
    raise typer.Exit(code)


def load(path: str, sets: list[str] | None = None, output: str | None = None) -> LoadedScenario:
    """Load a scenario; on bad input print every problem and exit 2.

    ``output`` is the ``-o`` of the command: refused first when it would overwrite the
    scenario or is a directory, before any work is done.
    """
    check_output_path(output, [path])
    from gpu_calc.errors import InputErrors
    from gpu_calc.scenario import load_file

    try:
        loaded = load_file(path, sets or [])
    except InputErrors as exc:
        fail(exc.errors)
    warn(loaded.warnings)
    return loaded


def warning_line(item: str | InputError) -> str:
    """How one warning is printed: ``warning: FILE:LINE:COL: key.path: message`` (or
    ``warning: --set ...: key.path: message``)."""
    return f"warning: {problem_line(item).removeprefix('error: ')}"


def warn(warnings: Sequence[str | InputError]) -> None:
    """One :func:`warning_line` per warning on stderr: the scenario computes (the exit code
    is not changed), but something in it deserves a look."""
    for item in warnings:
        message(warning_line(item))


def shown(text: str, limit: int = 200) -> str:
    """``text`` fit for a one-line message (see :func:`gpu_calc.yamlio.shown`)."""
    from gpu_calc.yamlio import shown as _shown

    return _shown(text, limit)


_READ: Inputs | None = None


def _read_by_this_run(paths: Sequence[str] | Inputs = ()) -> Inputs:
    """Every input this run has named so far (``paths`` added): no output may be one."""
    global _READ
    from gpu_calc.files import Inputs

    if _READ is None:
        _READ = Inputs()
    if isinstance(paths, Inputs):
        _READ.merge(paths)
    else:
        for path in paths:
            _READ.add(path)
    return _READ


def forget_inputs() -> None:
    """Start a command with no inputs read."""
    global _READ
    _READ = None


def check_output_path(
    output: str | None, inputs: Sequence[str] | Inputs, option: str = "-o"
) -> None:
    """Refuse, before any work, an output that is an input (nothing the user had is lost),
    a directory, or anything else :func:`gpu_calc.files.check_target` refuses, naming the
    option that gave it (``-o``, ``--junit``, ...)."""
    known = _read_by_this_run(inputs)
    if output in (None, "-"):
        return
    from gpu_calc.files import OutputError, check_target

    try:
        check_target(output, known)
    except OutputError as exc:
        fail(f"{option} {shown(output, 200) or repr('')}: {exc}")


def emit(
    render: Callable[..., str], result: Any, fmt: Format, output: str | None, no_color: bool
) -> None:
    """Render ``result`` in ``fmt`` (coloured only when stdout is a terminal) and write it."""
    color = use_color(no_color) and output in (None, "-")
    write_output(render(result, fmt, color=color), output)


def write_output(
    text: str | bytes,
    output: str | None,
    option: str = "-o",
    inputs: Sequence[str] | Inputs = (),
) -> None:
    """Data to stdout, or to ``output`` through :func:`gpu_calc.files.write_file` (written
    whole; a device or FIFO in place; a symlink's target, said so), never onto any input
    this run has read (``inputs`` and every file named to :func:`check_output_path`)."""
    if output in (None, "-"):
        write_stdout(text)
        return
    from gpu_calc.files import OutputError, write_file

    known = _read_by_this_run(inputs)
    try:
        target = write_file(output, text, known)
    except OutputError as exc:
        fail(f"{option} {shown(output, 200) or repr('')}: {exc}")
    if target.note:
        message(f"note: {option} {shown(target.note, 400)}")


def write_stdout(text: str | bytes) -> None:
    """Data to stdout; a closed or full stdout is a one-line error (exit 2); a reader that
    went away (``| head -1``) is quiet: the rest of the output is dropped and the command
    goes on to its own exit code."""
    stream = sys.stdout
    try:
        if stream is None:
            raise ValueError("closed")
        if isinstance(text, bytes):
            stream.flush()
            stream.buffer.write(text)
            stream.buffer.flush()
        else:
            stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _discard_stdout()
    except (OSError, ValueError, AttributeError) as exc:
        _discard_stdout()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is closed"
        fail(f"cannot write to standard output: {reason}")


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that exiting does not try (and fail) to flush it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:  # pragma: no cover - no /dev/null
        pass
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives to the exit
