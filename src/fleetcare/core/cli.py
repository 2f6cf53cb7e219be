"""What every ``fleetcare`` command shares: its database session, its error lines, its stderr.

Machine-readable output (``--json``) goes to stdout; messages, tables meant for people and
progress to stderr (``err``) or the terminal. Exit status: 0 ok, 1 failure, 2 bad input.
A problem is printed as one line ``WHERE: FIELD: message`` — for a row of a file WHERE is
``FILE:ROW`` and the line reads ``FILE:ROW:FIELD: message`` (the import contract) — never
wrapped, so that tools can parse it.

The database, settings and Pydantic are imported when a command opens its session, not when
its module is loaded: a command that reads only files (``plan evaluate``) does without them.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from fleetcare.core.errors import FieldError, InvalidInput, NotFound, ParameterError
from fleetcare.core.i18n import _, ngettext

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.orm import Session

    from fleetcare.core.bulk import ProgressCallback

err = Console(stderr=True)
PROGRESS_FROM_ROWS = 5000  # inputs shorter than this get no progress bar


def operator() -> str:
    """Who runs the command, for the audit log: ``cli:`` and the shell user."""
    return f"cli:{getpass.getuser()}"


def database_url() -> str:
    """The configured database, migrated to the newest schema."""
    from fleetcare.core.config import get_settings
    from fleetcare.core.migrate import upgrade

    url = get_settings().resolved_database_url
    upgrade(url)
    return url


def error_line(error: FieldError, where: str | None = None) -> str:
    """One problem as ``WHERE: FIELD: message`` (``FILE:ROW:FIELD: message`` for a file's row)."""
    if error.file is not None:
        return str(error)
    place = where if error.row is None else f"{where or '-'}:{error.row}"
    return (
        f"{place}: {error.field}: {error.message}" if place else f"{error.field}: {error.message}"
    )


def bad_input(errors: Iterable[FieldError], where: str | None = None) -> typer.Exit:
    """Print each problem on a line of its own and a count; the command exits with status 2."""
    lines = [error_line(error, where) for error in errors]
    for line in lines:
        print(line, file=sys.stderr)
    count = ngettext(
        "{count} problem; nothing was written.",
        "{count} problems; nothing was written.",
        len(lines),
    ).format(count=len(lines))
    err.print(count, style="red")
    return typer.Exit(2)


def option(name: str) -> str:
    """A parameter's name as the command line spells it: ``target_availability`` →
    ``--target-availability``."""
    return "--" + name.replace("_", "-")


def refused(where: str | Path, exc: ParameterError) -> typer.Exit:
    """A parameter the command's work refused: ``WHERE: message`` with the parameters spelled
    as options; exit status 2."""
    return bad_file(where, [exc.text(option)])


def bad_file(where: str | Path, messages: Iterable[str]) -> typer.Exit:
    """Problems with a whole file (its messages name their place in it); exit status 2."""
    for message in messages:
        print(f"{where}: {message}", file=sys.stderr)
    return typer.Exit(2)


def option_day(moment: datetime | None, option: str) -> date | None:
    """The day an option names (Typer gives a ``datetime``), in the calendar (1900–2999), else
    bad input naming ``option`` (exit 2)."""
    from fleetcare.core.schemas import outside_calendar

    if moment is None:
        return None
    problem = outside_calendar(moment.date())
    if problem is not None:
        raise bad_input([FieldError(option, problem)])
    return moment.date()


def writable(path: Path) -> None:
    """Refuse (exit 2, before any work) an output path that cannot be written: its folder
    missing, or a folder itself."""
    if path.is_dir():
        raise bad_file(path, [_("cannot write the file: it is a folder")])
    if not path.parent.is_dir():
        raise bad_file(path, [_("cannot write the file: its folder does not exist")])


@contextmanager
def command_session(*, write: bool = False) -> Iterator[Session]:
    """The command's one transaction: committed when the block ends, rolled back on error.

    Bad input (a failed check, an unknown record) ends the command with status 2 and the
    problem on stderr; nothing was written.
    """
    from pydantic import ValidationError

    from fleetcare.core.db import transaction
    from fleetcare.core.tabular import validation_errors

    try:
        with transaction(database_url(), write=write) as session:
            yield session
    except ValidationError as exc:
        raise bad_input(validation_errors(exc)) from None
    except InvalidInput as exc:
        raise bad_input(exc.errors) from None
    except NotFound as exc:
        err.print(str(exc), style="red")
        raise typer.Exit(2) from None


def progress_bar(label: str) -> tuple[Progress, ProgressCallback]:
    """A Rich bar on stderr, shown only for inputs of at least ``PROGRESS_FROM_ROWS`` rows."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

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
