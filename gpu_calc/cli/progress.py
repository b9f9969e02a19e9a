"""Progress of long work: a bar on stderr, only when stderr is a terminal.

Pipes, files, CI logs and ``TERM=dumb`` get nothing, so that ``gpucalc ... --format json | jq``
and redirected stderr stay clean. The bar is transient: it disappears once the work is done.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

#: ``advance(done, total)``: how the work reports how far it got.
Advance = Callable[[int, int], None]


def show_progress() -> bool:
    """A progress bar only when stderr is a terminal (and not a dumb one), and not in CI
    (``CI`` set, as GitHub Actions, GitLab and most runners set it: some run jobs on a
    pseudo-terminal, whose log would keep every frame of the bar)."""
    isatty = getattr(sys.stderr, "isatty", None)
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb" and not in_ci


def progress_bar(what: str) -> tuple[AbstractContextManager[Any], Advance | None]:
    """A rich progress bar on stderr counting ``what`` and the callback that advances it, or
    a context that does nothing and ``None`` when stderr is not a terminal."""
    if not show_progress():
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(what, total=None)

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, advance
