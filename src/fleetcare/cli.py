"""The ``fleetcare`` command. Machine-readable output (``--json``) goes to stdout; messages and
progress to stderr. Exit status: 0 ok, 1 failure, 2 bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from fleetcare.accounts import cli as users_cli
from fleetcare.catalog import TABLES, TableName
from fleetcare.core import audit
from fleetcare.core.bulk import ProgressCallback, export_file, import_file
from fleetcare.core.config import get_settings
from fleetcare.core.db import transaction
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.migrate import upgrade
from fleetcare.parts import cli as stock_cli
from fleetcare.planning import cli as plan_cli
from fleetcare.simulation import cli as simulate_cli

app = typer.Typer(no_args_is_help=True, help=_("fleetcare: keep exported machine fleets running."))
db_app = typer.Typer(no_args_is_help=True, help=_("The database: migrations."))
app.add_typer(db_app, name="db")
app.add_typer(users_cli.app, name="users")
app.add_typer(stock_cli.app, name="stock")
app.add_typer(plan_cli.app, name="plan")
app.command("simulate")(simulate_cli.simulate_command)
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


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the database FLEETCARE_DATABASE_URL names."""
    url = get_settings().resolved_database_url
    upgrade(url)
    err.print(_("Database is up to date."))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help=_("address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("port"))] = 8000,
) -> None:
    """Serve the web UI and the REST API (migrations are applied first)."""
    import uvicorn

    from fleetcare.web.app import create_app

    settings = get_settings()
    upgrade(settings.resolved_database_url)
    err.print(_("fleetcare on http://{host}:{port}").format(host=host, port=port))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command("import")
def import_command(
    kind: Annotated[TableName, typer.Argument(help=_("what the file holds"))],
    file: Annotated[Path, typer.Argument(help=_("a .csv or .json file"))],
    as_json: Annotated[bool, typer.Option("--json", help=_("print the counts as JSON"))] = False,
) -> None:
    """Import a CSV or JSON file: every row checked first, then all written in one transaction."""
    url = get_settings().resolved_database_url
    upgrade(url)
    bar, on_progress = progress_bar(_("checking {name}").format(name=file.name))
    try:
        with transaction(url, write=True) as session:
            result = import_file(session, TABLES[kind.value], file, on_progress)
            counts = {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
            audit.record(
                session,
                actor=users_cli.operator(),
                action="import",
                entity=kind.value,
                key=str(file),
                after=counts,
            )
    except InvalidInput as exc:
        raise fail_bad_input(exc) from None
    finally:
        bar.stop()
    if as_json:
        print(json.dumps(counts))
    err.print(
        _("{kind}: {created} created, {updated} updated, {unchanged} unchanged.").format(
            kind=kind.value, **counts
        )
    )


@app.command()
def export(
    kind: Annotated[TableName, typer.Argument(help=_("what to export"))],
    fmt: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help=_("file to write (default: stdout)"))
    ] = None,
) -> None:
    """Export a table with exactly the columns import reads."""
    if fmt not in ("csv", "json"):
        err.print(_("--format must be csv or json"), style="red")
        raise typer.Exit(2)
    url = get_settings().resolved_database_url
    upgrade(url)
    with transaction(url) as session:
        if out is None:
            count = export_file(session, TABLES[kind.value], fmt, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = export_file(session, TABLES[kind.value], fmt, handle)
    err.print(_("{count} {kind} exported.").format(count=count, kind=kind.value))


@app.command()
def demo(
    units: Annotated[int, typer.Option(min=10, max=200_000, help=_("how many machines"))] = 2000,
    seed: Annotated[
        int, typer.Option(help=_("random seed: the same seed builds the same scenario"))
    ] = 7,
    parts_per_family: Annotated[
        int, typer.Option(min=9, max=2000, help=_("spare parts in each family's catalogue"))
    ] = 140,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help=_("do nothing when units exist already"))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the counts as JSON"))] = False,
) -> None:
    """Build the demo scenario (idempotent: the same options write nothing new)."""
    from fleetcare.demo import build_demo, demo_users, has_units

    url = get_settings().resolved_database_url
    upgrade(url)
    with transaction(url) as session:
        if if_empty and has_units(session):
            err.print(_("The database holds units already; the demo was not rebuilt."))
            return
    bar, on_progress = progress_bar(_("building the demo"))
    try:
        with transaction(url, write=True) as session:
            counts = build_demo(
                session,
                units=units,
                seed=seed,
                parts_per_family=parts_per_family,
                on_progress=on_progress,
            )
            users = demo_users(session)
            audit.record(
                session,
                actor=users_cli.operator(),
                action="demo",
                entity="demo",
                key=f"units={units} seed={seed}",
                after=counts,
            )
    finally:
        bar.stop()
    if as_json:
        print(
            json.dumps(
                {
                    **counts,
                    "users": {n: {"role": r.value, "password": p} for n, (r, p) in users.items()},
                }
            )
        )
    err.print(
        _("Demo scenario: {summary}.").format(
            summary=", ".join(f"{v} {k}" for k, v in counts.items())
        )
    )
    if users:
        table = Table(
            _("username"), _("role"), _("password"), title=_("Demo users (shown only this once)")
        )
        for name, (role, password) in users.items():
            table.add_row(name, role.value, password)
        err.print(table)
    else:
        err.print(
            _("Demo users exist already; `fleetcare users password NAME` sets a new password.")
        )


if __name__ == "__main__":
    app()
