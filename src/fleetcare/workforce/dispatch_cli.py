"""``fleetcare dispatch solve PROBLEM.json``: crews and routes for a day's jobs; ``fleetcare
dispatch plan --region R --date D``: the same for a region's day built from the database, and
with ``--publish`` its assignments written.

``solve`` reads a ``fleetcare-dispatch/1`` problem (``docs/workforce.md``), prints the plan as
JSON with ``--json`` and a summary on stderr. Exit status 2 on bad input, each problem on a
line ``PROBLEM.json: FIELD: message`` (``jobs[3].window``); it reads and writes no database.

``plan`` builds the problem (``service.dispatch_problem``) in one read transaction, solves it
outside any transaction, prints the plan (JSON on stdout with ``--json``, else tables on
stderr) and, with ``--publish``, publishes it in a second transaction that re-checks
everything (``service.publish_plan``): a double booking exits 1 naming it, nothing written.
An unknown region or a day already over exits 2 naming ``--region`` or ``--date``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from fleetcare.core.cli import bad_file, bad_input, command_session, err, operator
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import system
from fleetcare.core.schemas import JsonDocument
from fleetcare.core.tabular import NotJson, parse_json
from fleetcare.core.validation import refusal_words
from fleetcare.workforce.day_plan import plan_rows

app = typer.Typer(no_args_is_help=True, help=_("Dispatch: crews and routes for a day's jobs."))
MAX_SECONDS = 3600.0  # the command may think longer than a request (30 s)


def _read(path: Path) -> Any:
    """The file's JSON; its text valid Unicode (no lone surrogate from a ``\\ud800`` escape),
    as the REST route's ``JsonDocument`` requires; else exit 2 naming the file."""
    try:
        document = parse_json(path.read_text(encoding="utf-8"))
        if isinstance(document, dict):
            TypeAdapter(JsonDocument).validate_python(document)
        return document
    except ValidationError as exc:
        raise bad_file(path, [refusal_words(e) for e in exc.errors()]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_file(path, [_("cannot read the file: {error}").format(error=exc)]) from None
    except NotJson as exc:
        message = (
            _("not JSON: {error}").format(error=exc.reason)
            if exc.line is None
            else _("not JSON: line {line}: {error}").format(line=exc.line, error=exc.reason)
        )
        raise bad_file(path, [message]) from None


@app.command("solve")
def solve_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-dispatch/1 problem file"))
    ],
    seconds: Annotated[
        float,
        typer.Option(min=0.1, max=MAX_SECONDS, help=_("time allowed for the search, seconds")),
    ] = 5.0,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help=_("random seed"))] = 1,
    baseline: Annotated[
        bool, typer.Option("--baseline", help=_("answer the greedy baseline instead"))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the plan as JSON"))] = False,
) -> None:
    """Form crews (trainees with certified colleagues where that costs no job) and route them:
    as many jobs as possible, then as little travel."""
    from fleetcare.workforce.routing import SolveOptions, baseline_document, solve_document

    document = _read(problem_file)
    try:
        if baseline:
            plan = baseline_document(document)
        else:
            plan = solve_document(document, SolveOptions(seconds=seconds, seed=seed))
    except InvalidInput as exc:
        raise bad_input(exc.errors, where=str(problem_file)) from None
    if as_json:
        print(json.dumps(plan))
    _summary(plan)


def _summary(plan: dict[str, Any]) -> None:
    served = sum(len(route["stops"]) for route in plan["routes"])
    err.print(
        _(
            "Jobs served: {served}; left out: {left}; crews on the road: {crews}; "
            "travel: {minutes:,.1f} minutes."
        ).format(
            served=served,
            crews=len(plan["routes"]),
            left=len(plan["unassigned"]),
            minutes=plan["travel_minutes"],
        )
    )


Seconds = Annotated[
    float, typer.Option(min=0.1, max=MAX_SECONDS, help=_("time allowed for the search, seconds"))
]


def _tables(problem: dict[str, Any], plan: dict[str, Any]) -> None:
    """The plan for people: one row per stop, then the jobs left out with why (stderr)."""
    routes = Table(
        _("crew"), _("job"), _("family"), _("arrive"), _("start"), _("end"), _("travel min")
    )
    for row in plan_rows(problem, plan):
        routes.add_row(
            row.crew, row.job, row.family, row.arrive, row.start, row.end, f"{row.travel:.1f}"
        )
    err.print(routes)
    if plan["unassigned"]:
        left = Table(_("job"), _("why it is left out"))
        for item in plan["unassigned"]:
            left.add_row(item["job"], item["reason"])
        err.print(left)


@app.command("plan")
def plan_command(
    region: Annotated[str, typer.Option(help=_("the region's name"))],
    day: Annotated[
        datetime, typer.Option("--date", formats=["%Y-%m-%d"], help=_("the day to dispatch"))
    ],
    seconds: Seconds = 5.0,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help=_("random seed"))] = 1,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the plan as JSON"))] = False,
    publish: Annotated[
        bool, typer.Option("--publish", help=_("write the plan's assignments (all or nothing)"))
    ] = False,
) -> None:
    """Plan a region's day from the database (open work orders, technicians on shift) and,
    with --publish, write its assignments."""
    from fleetcare.workforce import schemas, service
    from fleetcare.workforce.routing import SolveOptions, solve_document

    principal = system(operator())
    with command_session() as session:
        try:
            problem = service.dispatch_problem(session, principal, region, day.date())
        except NotFound as exc:
            raise bad_input([FieldError("--region", str(exc))]) from None
        except InvalidInput as exc:
            raise bad_input([FieldError("--" + e.field, e.message) for e in exc.errors]) from None
    plan = solve_document(problem, SolveOptions(seconds=seconds, seed=seed))
    if as_json:
        print(json.dumps(plan))
    else:
        _tables(problem, plan)
    _summary(plan)
    if not publish:
        return
    if not plan["routes"]:
        err.print(_("Nothing to publish: no job is served."))
        return
    document = schemas.PlanDocument.model_validate(plan)
    try:
        with command_session(write=True) as session:
            published = service.publish_plan(session, principal, document, day.date())
    except service.Conflict as exc:
        err.print(str(exc), style="red")
        raise typer.Exit(1) from None
    err.print(
        _("Published: {n} assignment(s); work orders scheduled: {orders}.").format(
            n=len(published.assignments),
            orders=", ".join(str(i) for i in published.work_orders),
        )
    )
