"""Workforce pages: the technicians list, a technician's page (what it may do today, its
supervised jobs, what falls due, its grants and assignments, and the grant form), and the
training calendar (sessions by month and region).

Every page declares its permission with ``require(...)``; reads go through the facade, narrowed
to the caller's scope (a technician outside it is 404). The grant form carries the session's
anti-forgery token and is audited like the API's grant.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.api import Choice, Day, DbSession, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.clock import today
from fleetcare.core.errors import InvalidInput
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import problems_of, render, render_list
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import ProductFamily
from fleetcare.workforce import board, crew_pages, schemas, service, training_pages
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import TechnicianKind
from fleetcare.workforce.shifts import WEEKDAYS
from fleetcare.workforce.views import CodePath

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.workforce_read))]
Certifier = Annotated[Principal, Depends(require(Permission.certify))]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
PAGE_SIZE = 50
router.include_router(board.router)  # the dispatch board (/dispatch)
router.include_router(crew_pages.router)  # a work order's crew and countersigning
router.include_router(training_pages.router)  # the training calendar and its forms


@router.get("/workforce")
def technicians_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: SearchText = None,
    kind: Choice[TechnicianKind] = None,
    q: SearchText = None,
    offset: Offset = 0,
) -> Response:
    """Technicians by code, filtered by region, kind and part of the code or name."""
    page = service.list_technicians(
        session,
        scope=principal.scope,
        region=region,
        kind=kind,
        q=q,
        limit=PAGE_SIZE,
        offset=offset,
    )
    return render_list(
        request,
        "workforce/technicians.html",
        path="/workforce",
        page=page,
        filters={"region": region, "kind": kind, "q": q},
        offset=offset,
        limit=PAGE_SIZE,
        context={
            "regions": fleet_service.region_names(session, scope=principal.scope),
            "kinds": [k.value for k in TechnicianKind],
            "weekdays": WEEKDAYS,
        },
    )


def _technician_context(session: DbSession, principal: Principal, code: str) -> dict[str, Any]:
    technician = service.technician_read(session, code, principal.scope)
    on = today()
    return {
        "technician": technician,
        "ladder": service.ladder_read(session, code, principal.scope, on),
        "assignments": service.list_assignments(
            session, scope=principal.scope, technician=code, limit=20
        ).items,
        "weekdays": WEEKDAYS,
        "families": [f.value for f in ProductFamily],
        "levels": [lv.value for lv in Level],
        "can_certify": principal.can(Permission.certify),
        "today": on,
        "problems": [],
        "form": {},
    }


@router.get("/workforce/me")
def my_work_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    first: Annotated[Day, Query(alias="from")] = None,
) -> Response:
    """The reader's own week: shift and assignments day by day (404 page when no technician
    is linked to its account)."""
    start = first or today()
    work = service.my_work(session, principal, start)
    week = timedelta(days=service.DAYS_AHEAD)
    context = {
        "work": work,
        "earlier": start - week,
        "later": start + week,
        "today": today(),
        "weekdays": WEEKDAYS,
    }
    return render(request, "workforce/my_work.html", context)


@router.get("/workforce/technicians/{code}")
def technician_page(
    request: Request, session: DbSession, principal: Reader, code: CodePath
) -> Response:
    """One technician: what it may do today (families × level), its supervised jobs and
    eligibility per family, grants falling due within 60 days, its grants and assignments."""
    return render(
        request, "workforce/technician.html", _technician_context(session, principal, code)
    )


@router.post("/workforce/technicians/{code}/grants")
def grant_page(
    request: Request,
    session: DbSession,
    principal: Certifier,
    code: CodePath,
    family: Annotated[str, Form(max_length=40)],
    level: Annotated[str, Form(max_length=20)],
    expires_on: Annotated[str, Form(max_length=10)],
    trainer: Annotated[str, Form(max_length=40)] = "",
    granted_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Grant a level (audited); a refusal shows on the page with 422 or 409."""
    form = {"family": family, "level": level, "expires_on": expires_on, "trainer": trainer}
    status_code, problems = 303, []
    try:
        body = schemas.GrantCreate.model_validate(
            {
                "family": family,
                "level": level,
                "expires_on": expires_on,
                "trainer": trainer or None,
                "granted_on": granted_on or None,
            }
        )
        with session.begin_nested():  # a refused form leaves no row behind
            service.grant(session, code, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        status_code, problems = 422, problems_of(exc)
    except service.Conflict as exc:
        status_code, problems = 409, [str(exc)]
    if status_code == 303:
        return RedirectResponse(f"/workforce/technicians/{code}", status_code=303)
    context = _technician_context(session, principal, code)
    context["problems"] = problems
    context["form"] = form
    return render(request, "workforce/technician.html", context, status_code=status_code)
