"""``fleetcare workforce ...``: technicians, their ladder, grants, countersigning and a region's
dispatch problem from the server's shell (acting as the operator, audited)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from fleetcare.core.cli import command_session, err, operator
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import EVERYTHING, system
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import ProductFamily
from fleetcare.service.service import Conflict
from fleetcare.workforce import schemas, service
from fleetcare.workforce.ladder import Level

app = typer.Typer(
    no_args_is_help=True, help=_("Workforce: technicians, the certification ladder, dispatch.")
)
Day = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help=_("the day (default: today)"))
]
AsJson = Annotated[bool, typer.Option("--json", help=_("print JSON"))]


def _refused(exc: Conflict) -> typer.Exit:
    err.print(str(exc), style="red")
    return typer.Exit(1)


@app.command("technicians")
def technicians(
    region: Annotated[str | None, typer.Option(help=_("only this region's"))] = None,
    as_json: AsJson = False,
) -> None:
    """List the technicians."""
    with command_session() as session:
        fleet_service.known_region(session, region)
        page = service.list_technicians(session, scope=EVERYTHING, region=region, limit=500)
    if as_json:
        print(json.dumps([t.model_dump(mode="json") for t in page.items]))
        return
    table = Table(_("code"), _("name"), _("kind"), _("region"), _("employer"))
    for t in page.items:
        table.add_row(t.code, t.name, t.kind.value, t.region, t.employer or "")
    err.print(table)
    err.print(_("{n} technician(s)").format(n=page.total))


@app.command("technician")
def technician(
    code: Annotated[str, typer.Argument(help=_("the technician's code"))],
    on: Day = None,
    as_json: AsJson = False,
) -> None:
    """A technician's standing on the ladder: what it may do, supervised jobs, what falls due."""
    with command_session() as session:
        ladder = service.ladder_read(session, code, EVERYTHING, on.date() if on else None)
    if as_json:
        print(json.dumps(ladder.model_dump(mode="json")))
        return
    err.print(_("{code} on {day}").format(code=ladder.technician, day=ladder.on.isoformat()))
    table = Table(
        _("family"), _("level"), _("supervised jobs"), _("practical"), _("towards certified")
    )
    for f in ladder.families:
        towards = _("eligible") if f.eligible else "; ".join(f.missing)
        table.add_row(
            f.family.value,
            f.level.value if f.level else _("none"),
            f"{f.supervised_jobs}/{f.needed_jobs}",
            _("passed") if f.practical_passed else "",
            towards,
        )
    err.print(table)
    for g in ladder.falling_due:
        err.print(
            _("due: {family} {level} expires {day}").format(
                family=named(g.family), level=named(g.level), day=g.expires_on.isoformat()
            )
        )


@app.command("grant")
def grant(
    code: Annotated[str, typer.Argument(help=_("the technician's code"))],
    family: Annotated[ProductFamily, typer.Option(help=_("the product family"))],
    level: Annotated[Level, typer.Option(help=_("the level granted"))],
    expires: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help=_("the expiry day"))],
    trainer: Annotated[str | None, typer.Option(help=_("the granting trainer's code"))] = None,
    on: Day = None,
) -> None:
    """Grant a level of the ladder (the rules of the API apply; exit 1 when not eligible)."""
    try:
        with command_session(write=True) as session:  # a bad option: exit 2 naming it
            body = schemas.GrantCreate(
                family=family,
                level=level,
                granted_on=on.date() if on else None,
                expires_on=expires.date(),
                trainer=trainer,
            )
            made = service.grant(session, code, body, by=system(operator()))
    except Conflict as exc:
        raise _refused(exc) from None
    err.print(
        _("{code}: {level} for {family} until {day}").format(
            code=code,
            level=named(made.level),
            family=named(made.family),
            day=made.expires_on.isoformat(),
        )
    )


@app.command("countersign")
def countersign(
    assignment: Annotated[
        int, typer.Argument(min=1, max=2**63 - 1, help=_("the trainee's assignment id"))
    ],
    by: Annotated[str, typer.Option(help=_("the certified crew member's code"))],
) -> None:
    """Countersign a trainee's job on a done work order: one supervised job on its ladder."""
    try:
        with command_session(write=True) as session:
            signed = service.countersign(
                session, assignment, schemas.Countersign(by=by), by=system(operator())
            )
    except Conflict as exc:
        raise _refused(exc) from None
    err.print(
        _("assignment {id} of {code} countersigned by {by}").format(
            id=signed.id, code=signed.technician, by=by
        )
    )


@app.command("dispatch-problem")
def dispatch_problem(
    region: Annotated[str, typer.Option(help=_("the region's name"))],
    day: Annotated[
        datetime, typer.Option("--date", formats=["%Y-%m-%d"], help=_("the day to dispatch"))
    ],
) -> None:
    """Print the region's fleetcare-dispatch/1 document for the day (JSON on stdout)."""
    with command_session() as session:
        document = service.dispatch_problem(session, system(operator()), region, day.date())
    print(json.dumps(document, indent=1))
    err.print(
        _("{jobs} job(s), {techs} technician(s) on shift").format(
            jobs=len(document["jobs"]), techs=len(document["technicians"])
        )
    )
