"""The ``fleetcare`` command. Machine-readable output (``--json``) goes to stdout; messages and
progress to stderr. Exit status: 0 ok, 1 failure, 2 bad input."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from fleetcare.accounts import cli as users_cli
from fleetcare.analytics import cli as analytics_cli
from fleetcare.analytics import service as analytics_service
from fleetcare.cooperation import cli as cooperation_cli
from fleetcare.core import audit
from fleetcare.core.cli import database_url, err, operator, progress_bar
from fleetcare.core.config import get_settings
from fleetcare.core.db import transaction
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.migrate import upgrade
from fleetcare.core.statistics import refresh_statistics
from fleetcare.exchange import cli as exchange_cli
from fleetcare.parts import cli as stock_cli
from fleetcare.planning import cli as plan_cli
from fleetcare.planning import service as planning_service
from fleetcare.service import cli as warranty_cli
from fleetcare.simulation import cli as simulate_cli
from fleetcare.workforce import cli as workforce_cli
from fleetcare.workforce import dispatch_cli

# the plan's replacement rates come from the reliability fits (planning imports no analytics)
planning_service.use_rates(analytics_service.plan_rates)

app = typer.Typer(no_args_is_help=True, help=_("fleetcare: keep exported machine fleets running."))
db_app = typer.Typer(no_args_is_help=True, help=_("The database: migrations."))
app.add_typer(db_app, name="db")
app.add_typer(users_cli.app, name="users")
app.add_typer(stock_cli.app, name="stock")
app.add_typer(plan_cli.app, name="plan")
app.add_typer(warranty_cli.app, name="warranty")
app.add_typer(warranty_cli.service_app, name="service")
app.add_typer(analytics_cli.app, name="analytics")
app.add_typer(workforce_cli.app, name="workforce")
app.add_typer(cooperation_cli.app, name="cooperation")
app.command("simulate")(simulate_cli.simulate_command)
app.add_typer(dispatch_cli.app, name="dispatch")


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
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=256, help=_("server processes (default: one per CPU, as many as fit)")
        ),
    ] = None,
) -> None:
    """Serve the web UI and the REST API (migrations are applied first).

    Several ``--workers`` are separate processes sharing the listening socket
    (``web.server``); each sizes its database pool for all of them (``core.pool``).
    """
    from fleetcare.core.pool import default_workers, max_workers
    from fleetcare.core.security import secret_key
    from fleetcare.web.server import run

    settings = get_settings()
    url = settings.resolved_database_url
    count = workers or default_workers(settings.db_max_connections)
    most = max_workers(settings.db_max_connections)
    if count > most and not url.startswith("sqlite"):
        err.print(
            _(
                "--workers {count}: PostgreSQL's max_connections = {limit} "
                "(FLEETCARE_DB_MAX_CONNECTIONS) fits at most {most} server processes"
            ).format(count=count, limit=settings.db_max_connections, most=most)
        )
        raise typer.Exit(2)
    upgrade(url)
    secret_key(settings)  # generated once here, before the processes that read it start
    err.print(
        ngettext(
            "fleetcare on http://{host}:{port} ({count} process)",
            "fleetcare on http://{host}:{port} ({count} processes)",
            count,
        ).format(host=host, port=port, count=count)
    )
    run(host=host, port=port, workers=count)


# record files in and out of any table (fleetcare.exchange)
app.command("import")(exchange_cli.import_command)
app.command("export")(exchange_cli.export_command)


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

    url = database_url()
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
            refresh_statistics(session)  # plan the demo's lists from its rows, not from none
            audit.record(
                session,
                actor=operator(),
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
