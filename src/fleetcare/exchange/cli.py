"""``fleetcare import`` and ``fleetcare export``: record files in and out of any table.

The root ``fleetcare`` command registers both; the argument naming the table is ``KIND``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from fleetcare.core.bulk import export_file, import_file
from fleetcare.core.cli import command_session, err, operator, progress_bar, writable
from fleetcare.core.i18n import _, ngettext
from fleetcare.exchange.registry import TABLES, TableName


def import_command(
    kind: Annotated[TableName, typer.Argument(help=_("what the file holds"))],
    file: Annotated[Path, typer.Argument(help=_("a .csv or .json file"))],
    as_json: Annotated[bool, typer.Option("--json", help=_("print the counts as JSON"))] = False,
) -> None:
    """Import a CSV or JSON file: every row checked first, then all written (and audited) in one
    transaction."""
    bar, on_progress = progress_bar(_("checking {name}").format(name=file.name))
    try:
        with command_session(write=True) as session:
            result = import_file(session, TABLES[kind.value], file, on_progress, actor=operator())
            counts = result.counts()
    finally:
        bar.stop()
    if as_json:
        print(json.dumps(counts))
    err.print(
        _("{kind}: {created} created, {updated} updated, {unchanged} unchanged.").format(
            kind=kind.value, **counts
        )
    )


def export_command(
    kind: Annotated[TableName, typer.Argument(help=_("what to export"))],
    fmt: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help=_("file to write (default: stdout)"))
    ] = None,
) -> None:
    """Export a table with exactly the columns import reads, row by row as they are read."""
    if fmt not in ("csv", "json"):
        err.print(_("--format must be csv or json"), style="red")
        raise typer.Exit(2)
    with command_session() as session:
        if out is None:
            count = export_file(session, TABLES[kind.value], fmt, sys.stdout)
        else:
            writable(out)
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = export_file(session, TABLES[kind.value], fmt, handle)
    message = ngettext("{count} row of {kind} exported.", "{count} rows of {kind} exported.", count)
    err.print(message.format(count=count, kind=kind.value))
