"""What every command shares: the stderr console, bad-input reports and a progress bar."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fleetcare.core.bulk import ProgressCallback
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import _

err = Console(stderr=True)
PROGRESS_FROM_ROWS = 5000


def fail_bad_input(exc: InvalidInput) -> typer.Exit:
    """Print every problem, one ``FILE:ROW:FIELD: message`` line each; exit status 2."""
    for error in exc.errors:
        print(error, file=sys.stderr)  # one line each, never wrapped: tools parse these
    err.print(
        _("{count} problem(s); nothing was written.").format(count=len(exc.errors)), style="red"
    )
    return typer.Exit(2)


def progress_bar(label: str) -> tuple[Progress, ProgressCallback]:
    """A Rich bar on stderr, shown only for inputs of at least ``PROGRESS_FROM_ROWS`` rows."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if total < PROGRESS_FROM_ROWS:
            return
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return bar, update
