"""The ``fleetcare`` command. Machine-readable output (``--json``) goes to stdout; messages and
progress to stderr. Exit status: 0 ok, 1 failure, 2 bad input.

Each domain's commands are named here with their one-line help (``COMMANDS``) and imported
from the domain only when one of them runs (``LazyCommand``), so that ``fleetcare plan
evaluate`` loads the planning maths and not SciPy's statistics, FastAPI, the database or every
domain's tables; ``fleetcare --help`` lists them all and imports none.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from fleetcare.core.cli import (
    bad_file,
    bad_input,
    database_url,
    err,
    operator,
    progress_bar,
    writable,
)
from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _, environment_locale, ngettext, set_locale

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fleetcare.planning.rates import FittedRates

# Help, messages and errors in the terminal's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
# chosen before any help text below is translated.
set_locale(environment_locale(os.environ))


def _plan_rates(session: Session) -> FittedRates:
    """The plan's replacement rates from the reliability fits (analytics, imported when a
    plan is built from the database)."""
    from fleetcare.analytics.service import plan_rates

    return plan_rates(session)


def _use_fitted_rates() -> None:
    """``plan build`` and ``simulate --region`` take the fitted rates (planning imports no
    analytics: the command registers them)."""
    from fleetcare.planning.providers import use_rates

    use_rates(_plan_rates)


@dataclass(frozen=True)
class Lazy:
    """A sub-command named here and imported from its domain when it runs."""

    module: str
    attribute: str  # a typer.Typer (a group of commands) or a function (one command)
    help: str  # as ``fleetcare --help`` lists it: the sub-app's help, the function's docstring
    prepare: Callable[[], None] | None = None  # run when the module is loaded


COMMANDS: dict[str, Lazy] = {
    "simulate": Lazy(
        "fleetcare.simulation.cli",
        "simulate_command",
        _(
            "Replay years of fleet operation under a stock plan: availability with its 95 % CI, "
            "backorders per part-location, down time, emergency shipments, grey purchases."
        ),
        _use_fitted_rates,
    ),
    "import": Lazy(
        "fleetcare.exchange.cli",
        "import_command",
        _(
            "Import a CSV or JSON file: every row checked first, then all written (and audited) "
            "in one transaction."
        ),
    ),
    "export": Lazy(
        "fleetcare.exchange.cli",
        "export_command",
        _("Export a table with exactly the columns import reads, row by row as they are read."),
    ),
    "users": Lazy(
        "fleetcare.accounts.cli", "app", _("Accounts: add, list, disable, set a password.")
    ),
    "audit": Lazy(
        "fleetcare.accounts.cli",
        "audit_command",
        _("The audit log: every change, newest first, by table, record, who, action and time."),
    ),
    "stock": Lazy(
        "fleetcare.parts.cli", "app", _("Stock: receipts, moves, transfers, checks, proposals.")
    ),
    "plan": Lazy(
        "fleetcare.planning.cli",
        "app",
        _("Spare-parts planning: evaluation and optimisation, exact or VARI-METRIC."),
        _use_fitted_rates,
    ),
    "warranty": Lazy(
        "fleetcare.service.cli", "app", _("Warranty: what the maker owes for a defect.")
    ),
    "service": Lazy(
        "fleetcare.service.cli", "service_app", _("Service: maintenance, work orders.")
    ),
    "analytics": Lazy(
        "fleetcare.analytics.cli",
        "app",
        _("Reliability analytics: Weibull fits of life data and of the fleet, early warnings."),
    ),
    "workforce": Lazy(
        "fleetcare.workforce.cli",
        "app",
        _("Workforce: technicians, the certification ladder, dispatch."),
    ),
    "cooperation": Lazy(
        "fleetcare.cooperation.cli",
        "app",
        _("Regional cooperation: deals, trade against target, the dashboard and its report."),
    ),
    "dispatch": Lazy(
        "fleetcare.workforce.dispatch_cli",
        "app",
        _("Dispatch: crews and routes for a day's jobs."),
    ),
}
# the order of ``fleetcare --help``: the commands, then the groups
ORDER = (
    "simulate",
    "serve",
    "import",
    "export",
    "demo",
    "db",
    "users",
    "audit",
    "stock",
    "plan",
    "warranty",
    "service",
    "analytics",
    "workforce",
    "cooperation",
    "dispatch",
)


def on_screen(help_text: str) -> str:
    """A docstring as a terminal shows it: ``code`` without its backticks, and the lines of
    each paragraph joined (Typer keeps the docstring's line breaks, and the terminal wraps the
    lines again), except a paragraph that is a list ("- " items), whose lines stay."""
    paragraphs = []
    for paragraph in inspect.cleandoc(help_text).split("\n\n"):
        lines = paragraph.splitlines()
        if not any(line.lstrip().startswith("- ") for line in lines):
            paragraph = " ".join(line.strip() for line in lines)
        paragraphs.append(paragraph.replace("``", ""))
    return "\n\n".join(paragraphs)


def in_language(command: Any) -> Any:
    """``command`` (and the commands of a group) with its help in the reader's language: a
    command's help is its docstring, extracted for translation as it is
    (``core.i18n_extract``), and shown ``on_screen``."""
    if command.help:
        command.help = on_screen(_(command.help))
    for sub in getattr(command, "commands", {}).values():
        in_language(sub)
    return command


class LazyCommand(TyperCommand):
    """Stands in for a sub-command: its name and help for the listing and for completion;
    the command line it is given goes to the real command, imported on first use."""

    def __init__(self, name: str, spec: Lazy) -> None:
        super().__init__(name, help=on_screen(spec.help))
        self.spec = spec
        self._loaded: Any = None

    def load(self) -> Any:
        """The domain's command (a click group for a Typer app), imported once."""
        if self._loaded is None:
            from fleetcare.core.labels import learn_when_read
            from fleetcare.labels import use_every_label

            # a code any domain's message names reads in the reader's words
            learn_when_read(use_every_label)
            target = getattr(importlib.import_module(self.spec.module), self.spec.attribute)
            if self.spec.prepare is not None:
                self.spec.prepare()
            if isinstance(target, typer.Typer):
                command: Any = typer.main.get_group(target)
            else:
                single = typer.Typer(add_completion=False)
                # its help is the listing's, translated there (its docstring is for readers of
                # the code, and the test keeps the two saying the same)
                single.command(self.name, help=self.spec.help)(target)
                command = typer.main.get_command(single)
            command.name = self.name
            self._loaded = in_language(command)
        return self._loaded

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """The real command's context: it parses the arguments, shows its help, runs."""
        return self.load().make_context(*args, **kwargs)


class LazyGroup(TyperGroup):
    """The root group: the commands defined in this module and a ``LazyCommand`` for each of
    ``COMMANDS``, in the order of ``ORDER``."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        own = {name: in_language(command) for name, command in self.commands.items()}
        known = {**own, **{n: LazyCommand(n, s) for n, s in COMMANDS.items()}}
        names = [n for n in ORDER if n in known] + [n for n in known if n not in ORDER]
        self.commands = {name: known[name] for name in names}


# At exit the interpreter's last collections walk every object the process made, NumPy's,
# SciPy's and Numba's included (about 0.15 s of a command that loaded the planning kernels);
# frozen objects are left to the process's end instead.
atexit.register(gc.freeze)

app = typer.Typer(
    cls=LazyGroup, no_args_is_help=True, help=_("fleetcare: keep exported machine fleets running.")
)
db_app = typer.Typer(no_args_is_help=True, help=_("The database: migrations and backups."))
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the database FLEETCARE_DATABASE_URL names."""
    from fleetcare.core.config import get_settings
    from fleetcare.core.migrate import upgrade

    url = get_settings().resolved_database_url
    upgrade(url)
    err.print(_("Database is up to date."))


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help=_("the file to write"))],
    force: Annotated[
        bool, typer.Option("--force", help=_("replace the file if it exists"))
    ] = False,
) -> None:
    """Copy the whole database into a file while the server runs (SQLite: the file itself;
    PostgreSQL: pg_dump's custom format, for pg_restore). Audited."""
    from fleetcare.core import audit
    from fleetcare.core.backup import BackupError, backup
    from fleetcare.core.config import get_settings
    from fleetcare.core.db import transaction

    writable(target)
    if target.exists() and not force:
        raise bad_file(target, [_("the file exists; --force replaces it")])
    url = get_settings().resolved_database_url
    try:
        copy = backup(url, target)
    except BackupError as exc:
        raise bad_file(target, [str(exc)]) from None
    with transaction(url, write=True) as session:
        after = {"bytes": copy.size, "sha256": copy.sha256}
        audit.record(
            session,
            actor=operator(),
            action="backup",
            entity="database",
            key=str(target),
            after=after,
        )
    err.print(
        _("Backup written: {path} ({size} bytes, SHA-256 {digest}).").format(
            path=target, size=copy.size, digest=copy.sha256
        )
    )


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

    Several ``--workers`` are separate processes sharing the listening socket; each sizes its
    database pool for all of them (docs/deployment.md).
    """
    from fleetcare.core.config import get_settings
    from fleetcare.core.migrate import upgrade
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


@app.command()
def demo(
    units: Annotated[int, typer.Option(min=10, max=200_000, help=_("how many machines"))] = 2000,
    seed: Annotated[
        int, typer.Option(min=0, help=_("random seed: the same seed builds the same scenario"))
    ] = 7,
    parts_per_family: Annotated[
        int, typer.Option(min=9, max=2000, help=_("spare parts in each family's catalogue"))
    ] = 140,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help=_("do nothing when units exist already"))
    ] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help=_(
                "the scenario's today (default: the day this database's demo was built, else today)"
            ),
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the counts as JSON"))] = False,
) -> None:
    """Build the demo scenario (idempotent: the same options write nothing new)."""
    from rich.table import Table

    from fleetcare.core import audit
    from fleetcare.core.clock import today
    from fleetcare.core.db import transaction
    from fleetcare.core.statistics import refresh_statistics
    from fleetcare.demo import build_demo, demo_users, has_units, scenario_day

    url = database_url()
    with transaction(url) as session:
        if if_empty and has_units(session):
            err.print(_("The database holds units already; the demo was not rebuilt."))
            return
        day = as_of.date() if as_of is not None else scenario_day(session)
    if as_of is not None and (day > today() or day.year < 2000):
        raise bad_input([FieldError("--as-of", _("a day from 2000 to today is needed"))])
    bar, on_progress = progress_bar(_("building the demo"))
    try:
        with transaction(url, write=True) as session:
            counts = build_demo(
                session,
                units=units,
                seed=seed,
                as_of=day,
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
                after={**counts, "as_of": day.isoformat()},
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
