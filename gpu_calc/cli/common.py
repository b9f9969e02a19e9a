"""What every command shares: options, colour, errors and writing output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from gpu_calc import errors
from gpu_calc.errors import EXIT_INPUT_ERROR, InputError
from gpu_calc.render import Format

if TYPE_CHECKING:
    from gpu_calc.scenario import LoadedScenario

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
SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples",
        "-n",
        min=1,
        max=10_000_000,
        metavar="N",
        help="Monte Carlo samples (draws of the uncertain fields).",
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
    """Print one line per problem on stderr and exit (2: invalid input)."""
    items = [problems] if isinstance(problems, str | InputError) else problems
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
        return load_file(path, sets or [])
    except InputErrors as exc:
        fail(exc.errors)


def check_output_path(output: str | None, inputs: list[str], option: str = "-o") -> None:
    """Refuse an output file that is an input (nothing the user had is lost) or a directory,
    naming the option that gave it (``-o``, ``--junit``, ...)."""
    if output in (None, "-"):
        return
    target = Path(output).resolve()
    for item in inputs:
        if item != "-" and Path(item).resolve() == target:
            fail(f"{option} {output}: refusing to overwrite an input; choose another file")
    if target.is_dir():
        fail(f"{option} {output}: is a directory; give a file name")


def emit(
    render: Callable[..., str], result: Any, fmt: Format, output: str | None, no_color: bool
) -> None:
    """Render ``result`` in ``fmt`` (coloured only when stdout is a terminal) and write it."""
    color = use_color(no_color) and output in (None, "-")
    write_output(render(result, fmt, color=color), output)


def write_output(text: str | bytes, output: str | None) -> None:
    """Data to stdout, or to ``output`` (written whole via a temporary file, then renamed)."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.gpucalc-tmp")
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{output}: cannot write: {exc.strerror or exc}")
