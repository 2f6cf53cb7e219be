"""The dispatch board: ``GET /dispatch?region=&date=`` — pick a region and a day, "Plan the
day" (``POST /dispatch/plan``, HTMX with the anti-forgery header; the problem is read on the
request thread, the solve runs in the app's heavy pool), see the routes on a plot of
coordinates, a timeline per technician (with the assignments it already holds that day), the
jobs left out with why, and publish the plan (``POST /dispatch/publish``, a form carrying the
plan as a hidden JSON field and the session's token).

Publishing re-checks everything (``service.publish_plan``, one transaction): a forged plan is
422 with every path on the page, a double booking 409 with its sentence, nothing written
either way; success redirects (303) to the board, which then shows the day's assignments
from the database. Permission ``dispatch.plan``; a region the caller may not see is 404.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.api import DbSession, reads_only
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.clock import today
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.heavy import Heavy
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.query import MAX_LIMIT, every_item
from fleetcare.core.schemas import CalendarDay
from fleetcare.core.tabular import NotJson, parse_json
from fleetcare.core.templating import problems_of, render
from fleetcare.fleet import service as fleet_service
from fleetcare.workforce import schemas, service
from fleetcare.workforce.assignments import naive
from fleetcare.workforce.day_plan import Bar, plan_bars, plan_rows, routes_figure, timeline_figure
from fleetcare.workforce.plan_problem import visible_region
from fleetcare.workforce.routing import SolveOptions, solve_document

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Dispatcher = Annotated[Principal, Depends(require(Permission.dispatch_plan))]
RegionName = Annotated[str, Form(min_length=1, max_length=120)]
Day = Annotated[CalendarDay, Form(alias="date")]
PAGE_SECONDS = 5.0  # the search's time on the board
MAX_PLAN_CHARS = 900_000  # the hidden plan field (the body limit holds the request anyway)


def _booked(session: DbSession, principal: Principal, region: str, day: date) -> list[Bar]:
    """The day's assignments of the region's technicians, as timeline bars."""
    scope = principal.scope
    technicians = every_item(
        lambda cursor: service.list_technicians(
            session, scope=scope, region=region, limit=MAX_LIMIT, cursor=cursor
        )
    )
    codes = {t.code for t in technicians}
    held = every_item(
        lambda cursor: service.list_assignments(
            session, scope=scope, day=day, limit=MAX_LIMIT, cursor=cursor
        )
    )
    return [
        Bar(a.technician, "booked", f"WO-{a.work_order}", naive(a.start), naive(a.end))
        for a in held
        if a.technician in codes
    ]


def _board(
    session: DbSession, principal: Principal, region: str | None, day: date
) -> dict[str, Any]:
    """The page's context without a plan: regions, the choice, the day's assignments."""
    context: dict[str, Any] = {
        "regions": fleet_service.region_names(session, scope=principal.scope),
        "region": region,
        "day": day,
        "problems": [],
        "booked": [],
        "booked_figure": None,
        "planned": None,
    }
    if region:
        visible_region(session, region, principal)  # 404 outside the caller's scope
        booked = _booked(session, principal, region, day)
        context["booked"] = booked
        context["booked_figure"] = timeline_figure(booked) if booked else None
    return context


def _planned(problem: dict[str, Any], plan: dict[str, Any], booked: list[Bar]) -> dict[str, Any]:
    """What the board shows of a plan (computed in the heavy pool)."""
    return {
        "problem": problem,
        "plan": plan,
        "rows": plan_rows(problem, plan),
        "served": sum(len(r["stops"]) for r in plan["routes"]),
        "routes_figure": routes_figure(problem, plan),
        "timeline_figure": timeline_figure([*booked, *plan_bars(problem, plan)]),
        "plan_json": json.dumps(plan, separators=(",", ":")),
    }


def _solve_and_show(
    problem: dict[str, Any], options: SolveOptions, booked: list[Bar]
) -> dict[str, Any]:
    return _planned(problem, solve_document(problem, options), booked)


@router.get("/dispatch")
def dispatch_page(
    request: Request,
    session: DbSession,
    principal: Dispatcher,
    region: Annotated[str | None, Query(max_length=120)] = None,
    day: Annotated[CalendarDay | None, Query(alias="date")] = None,
    published: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The board: the region's day with its assignments; "Plan the day" and publish."""
    context = _board(session, principal, region or None, day or today() + timedelta(days=1))
    context["published"] = published
    return render(request, "workforce/dispatch.html", context)


@router.post("/dispatch/plan")
@reads_only
def plan_fragment(
    request: Request,
    session: DbSession,
    principal: Dispatcher,
    pool: Heavy,
    region: RegionName,
    day: Day,
) -> Response:
    """The region's day planned: routes, timeline, jobs left out and the publish form (HTMX
    swaps the ``plan`` block; a day already over is 422 with its message)."""
    context = _board(session, principal, region, day)
    status_code = 200
    try:
        problem = service.dispatch_problem(session, principal, region, day)
    except InvalidInput as exc:
        status_code, context["problems"] = 422, problems_of(exc)
    else:
        options = SolveOptions(seconds=PAGE_SECONDS, seed=1)
        context["planned"] = pool.call(_solve_and_show, problem, options, context["booked"])
    return render(
        request, "workforce/dispatch.html", context, block="plan", status_code=status_code
    )


@router.post("/dispatch/publish")
def publish_page(
    request: Request,
    session: DbSession,
    principal: Dispatcher,
    region: RegionName,
    day: Day,
    plan: Annotated[str, Form(max_length=MAX_PLAN_CHARS)],
) -> Response:
    """Publish the plan carried by the form: all or nothing; 422 with every path, or 409 with
    the conflict, on the board; success redirects to the board and its assignments."""
    visible_region(session, region, principal)
    status_code, problems = 303, []
    try:
        try:
            parsed = parse_json(plan)
        except NotJson:
            raise InvalidInput([FieldError("plan", _("not JSON"))]) from None
        document = schemas.PlanDocument.model_validate(parsed)
        published = service.publish_plan(session, principal, document, day)
    except (ValidationError, InvalidInput) as exc:
        status_code, problems = 422, problems_of(exc)
    except service.Conflict as exc:
        status_code, problems = 409, [str(exc)]
    if status_code == 303:
        query = urlencode(
            {"region": region, "date": day.isoformat(), "published": len(published.assignments)}
        )
        return RedirectResponse(f"/dispatch?{query}", status_code=303)
    context = _board(session, principal, region, day)
    context["problems"] = problems
    context["published"] = 0
    return render(request, "workforce/dispatch.html", context, status_code=status_code)
