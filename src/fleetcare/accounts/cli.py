"""``fleetcare users ...``: accounts from the server's shell (an operator with database access);
``fleetcare audit``: the audit log."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fleetcare.accounts import service
from fleetcare.accounts.schemas import RoleChange, UserCreate
from fleetcare.core.cli import bad_input, command_session, err, operator
from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Role, system
from fleetcare.core.schemas import outside_calendar

app = typer.Typer(no_args_is_help=True, help=_("Accounts: add, list, disable, set a password."))


# The role and its binding, as `users add` and `users role` take them.
RoleOption = Annotated[Role, typer.Option(help=_("what the user may do"))]
CustomerOption = Annotated[str | None, typer.Option(help=_("customer code (customer users)"))]
RegionsOption = Annotated[
    list[str] | None, typer.Option(help=_("region name (regional managers; repeat)"))
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help=_("the username"))],
    role: RoleOption,
    customer: CustomerOption = None,
    region: RegionsOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=_("read the password from stdin"))
    ] = False,
) -> None:
    """Add a user; the password is read from stdin (or asked for), never from the command line."""
    password = _password(password_stdin)
    with command_session(write=True) as session:
        new = UserCreate(
            username=name, role=role, password=password, customer=customer, regions=region or []
        )
        service.add_user(session, new, by=system(operator()))
    err.print(_("User {name} added ({role}).").format(name=name, role=named(role)))


@app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help=_("print JSON"))] = False,
) -> None:
    """List the users."""
    with command_session() as session:
        users = service.list_users(session)
    if as_json:
        print(json.dumps([u.model_dump(mode="json") for u in users]))
        return
    table = Table(_("username"), _("role"), _("customer"), _("regions"), _("active"))
    for user in users:
        table.add_row(
            user.username,
            user.role.value,
            user.customer or "",
            ", ".join(user.regions),
            _("yes") if user.active else _("no"),
        )
    Console().print(table)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help=_("the username"))]) -> None:
    """Disable a user: no more sign-ins; existing tokens and sessions stop working."""
    with command_session(write=True) as session:
        service.disable_user(session, name, by=system(operator()))
    err.print(_("User {name} disabled.").format(name=name))


@app.command("role")
def role_command(
    name: Annotated[str, typer.Argument(help=_("the username"))],
    role: RoleOption,
    customer: CustomerOption = None,
    region: RegionsOption = None,
) -> None:
    """Give a user another role; the user's tokens and sessions end."""
    with command_session(write=True) as session:
        change = RoleChange(role=role, customer=customer, regions=region or [])
        service.set_role(session, name, change, by=system(operator()))
    err.print(_("User {name} is now {role}.").format(name=name, role=named(role)))


@app.command("password")
def password(
    name: Annotated[str, typer.Argument(help=_("the username"))],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=_("read the password from stdin"))
    ] = False,
) -> None:
    """Set a user's password."""
    new_password = _password(password_stdin)
    with command_session(write=True) as session:
        service.set_password(session, name, new_password, by=system(operator()))
    err.print(_("Password of {name} set.").format(name=name))


MomentOption = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"],
        help=_("a day or a moment (UTC); --since ≤ time < --until"),
    ),
]
AUDIT_BATCH = 500  # entries read at a time with --all


def _in_calendar(moment: datetime | None, option: str) -> datetime | None:
    problem = None if moment is None else outside_calendar(moment.date())
    if problem is not None:
        raise bad_input([FieldError(option, problem)])
    return moment


def audit_command(
    entity: Annotated[str | None, typer.Option(help=_("the table, e.g. units"))] = None,
    key: Annotated[str | None, typer.Option(help=_("the record's key, e.g. BUS-001"))] = None,
    actor: Annotated[str | None, typer.Option(help=_("who made the change"))] = None,
    action: Annotated[str | None, typer.Option(help=_("what was done, e.g. update"))] = None,
    since: MomentOption = None,
    until: MomentOption = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help=_("entries to show"))] = 50,
    every: Annotated[bool, typer.Option("--all", help=_("every matching entry"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("one JSON entry a line"))] = False,
) -> None:
    """The audit log: every change, newest first, by table, record, who, action and time."""
    where = service.AuditFilter(
        entity,
        key,
        actor,
        action,
        _in_calendar(since, "--since"),
        _in_calendar(until, "--until"),
    )
    table = Table(_("when (UTC)"), _("who"), _("action"), _("what"), _("changed"))
    cursor: str | None = None
    with command_session() as session:
        while True:
            page = service.list_audit(
                session, where, limit=AUDIT_BATCH if every else limit, cursor=cursor
            )
            for entry in page.items:
                if as_json:
                    print(entry.model_dump_json())
                else:
                    table.add_row(
                        entry.at.isoformat(" ", "seconds"),
                        entry.actor,
                        entry.action,
                        f"{entry.entity} {entry.key}",
                        ", ".join(entry.changed),
                    )
            cursor = page.next_cursor
            if not every or cursor is None:
                break
    if not as_json:
        Console().print(table)
        if not every and page.next_cursor is not None:
            err.print(
                _("{shown} of {total} entries; --all shows every one.").format(
                    shown=len(page.items), total=page.total
                )
            )
