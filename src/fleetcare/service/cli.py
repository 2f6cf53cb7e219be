"""``fleetcare warranty ...``: the warranty decision from the server's shell."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from fleetcare.core.cli import command_session, err, option_day
from fleetcare.core.clock import today
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.schemas import MAX_ENGINE_HOURS
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import service

app = typer.Typer(no_args_is_help=True, help=_("Warranty: what the maker owes for a defect."))
service_app = typer.Typer(no_args_is_help=True, help=_("Service: maintenance, work orders."))


@app.command("check")
def check(
    serial: Annotated[str, typer.Argument(help=_("the unit's serial"))],
    component: Annotated[ComponentGroup, typer.Option(help=_("the component group"))],
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help=_("the day of the defect (default: today)")),
    ] = None,
    hours: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=MAX_ENGINE_HOURS,
            help=_("engine hours (default: the latest reading, ≤ 90 days old)"),
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the decision as JSON"))] = False,
) -> None:
    """Decide warranty for SERIAL's component group on a day, with the reasons (nothing is
    recorded)."""
    day = option_day(on, "--on") or today()
    with command_session() as session:
        answer = service.check_warranty(session, serial, component, day, hours=hours)
    if as_json:
        print(json.dumps(answer.model_dump(mode="json")))
    err.print(
        _("{serial} {group} on {day}: {decision}").format(
            serial=answer.serial,
            group=component.value,
            day=day.isoformat(),
            decision=answer.decision.value,
        )
    )
    for reason in answer.reasons:
        err.print(f"  - {reason}")


@service_app.command("overdue")
def overdue(
    region: Annotated[str | None, typer.Option(help=_("only this region's units"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the units as JSON"))] = False,
) -> None:
    """Units whose scheduled maintenance is overdue today (by calendar or by engine hours)."""
    with command_session() as session:
        fleet_service.known_region(session, region)
        units = service.overdue(session, EVERYTHING, today=today(), region=region)
    if as_json:
        print(json.dumps([u.model_dump(mode="json") for u in units]))
        return
    for u in units:
        due = [
            _("due {day}").format(day=u.due_on.isoformat()) if u.due_on else "",
            _("due at {hours:g} h (now {now:g} h)").format(hours=u.due_hours, now=u.hours)
            if u.due_hours is not None and u.hours is not None
            else "",
        ]
        print(f"{u.serial}\t{u.model}\t{u.region}\t" + "; ".join(d for d in due if d))
    err.print(_("{n} unit(s) overdue").format(n=len(units)))
