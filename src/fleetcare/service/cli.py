"""``fleetcare warranty ...``: the warranty decision from the server's shell."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import typer

from fleetcare.core.cli import command_session, err
from fleetcare.core.clock import today
from fleetcare.core.i18n import _
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import service

app = typer.Typer(no_args_is_help=True, help=_("Warranty: what the maker owes for a defect."))


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
        typer.Option(min=0, help=_("engine hours (default: the latest reading, ≤ 90 days old)")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the decision as JSON"))] = False,
) -> None:
    """Decide warranty for SERIAL's component group on a day, with the reasons (nothing is
    recorded)."""
    day: date = on.date() if on is not None else today()
    with command_session() as session:
        answer = service.check_warranty(session, serial, component, day, hours=hours)
    if as_json:
        print(json.dumps(answer.model_dump(mode="json")))
    err.print(
        _("{serial} {group} on {day}: {decision}").format(
            serial=answer.serial,
            group=answer.component_group.value,
            day=day.isoformat(),
            decision=answer.decision.value,
        )
    )
    for reason in answer.reasons:
        err.print(f"  - {reason}")
