"""The workforce as JSON: technicians, courses and sessions, grants, assignments
(``/api/workforce/...``), and the dispatch problem and publishing (``/api/dispatch/...``).

Each route names its permission in its decorator; reads are narrowed to the caller's scope (a
regional manager its regions' technicians and sessions, a customer the technicians it
employs and its region's sessions); a row outside the scope is 404, a body naming one is 422.
A conflict with stored state (a double booking, a trainee alone, a non-eligible promotion) is
409, answered by the service domain's handler of ``Conflict``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from fleetcare.core.api import Choice, Cursor, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.clock import today
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import CalendarDay, Page
from fleetcare.fleet.models import ProductFamily
from fleetcare.workforce import schemas, service
from fleetcare.workforce.models import TechnicianKind

router = APIRouter(prefix="/api/workforce", tags=["workforce"])
dispatch_router = APIRouter(prefix="/api/dispatch", tags=["dispatch"])
READ = rule(Permission.workforce_read)
WRITE = rule(Permission.workforce_write)
TRAIN = rule(Permission.training_write)
CERTIFY = rule(Permission.certify)
COUNTERSIGN = rule(Permission.service_transition)
PLAN = rule(Permission.dispatch_plan)
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "conflicts with stored state"}}
CodePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f/]+$")]


# --- technicians -----------------------------------------------------------------------------
@router.get("/technicians", **READ)
def list_technicians(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    kind: Choice[TechnicianKind] = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.TechnicianRead]:
    """Technicians by code; ``q`` matches part of the code or name."""
    return service.list_technicians(
        session,
        scope=principal.scope,
        region=region,
        kind=kind,
        q=q,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get(
    "/me", responses={404: {"description": "no technician is linked to the account"}}, **READ
)
def read_my_work(
    session: DbSession,
    principal: CurrentPrincipal,
    first: Annotated[CalendarDay | None, Query(alias="from", description="default: today")] = None,
    last: Annotated[
        CalendarDay | None,
        Query(alias="to", description="default: a week from `from`; 31 days at most"),
    ] = None,
) -> schemas.MyWork:
    """The caller's own work: the technician linked to its account and, day by day, its shift
    and its assignments with what each is for and who else is on it."""
    return service.my_work(session, principal, first or today(), last)


@router.get("/technicians/{code}", **READ)
def read_technician(
    session: DbSession, principal: CurrentPrincipal, code: CodePath
) -> schemas.TechnicianRead:
    """One technician."""
    return service.technician_read(session, code, principal.scope)


@router.post("/technicians", status_code=201, **WRITE)
def create_technician(
    session: DbSession, principal: CurrentPrincipal, body: schemas.TechnicianRecord
) -> schemas.TechnicianRead:
    """Add a technician; its code must be new (a regional manager: in its regions)."""
    return service.create_technician(session, body, by=principal)


@router.patch("/technicians/{code}", responses=CONFLICT, **WRITE)
def update_technician(
    session: DbSession,
    principal: CurrentPrincipal,
    code: CodePath,
    body: schemas.TechnicianUpdate,
) -> schemas.TechnicianRead:
    """Change a technician (its shifts, home, region …); 409 when a new shift would leave one
    of its assignments from today on outside it."""
    return service.update_technician(session, code, body, by=principal)


@router.post("/technicians/{code}/days-off", status_code=201, responses=CONFLICT, **WRITE)
def add_day_off(
    session: DbSession, principal: CurrentPrincipal, code: CodePath, body: schemas.DayOffCreate
) -> schemas.DayOffRecord:
    """Record a day the technician does not work (422 when it is recorded already, 409 when
    it holds an assignment that day)."""
    service.add_day_off(session, code, body.day, by=principal)
    return schemas.DayOffRecord(technician=code, day=body.day)


@router.get("/technicians/{code}/ladder", **READ)
def read_ladder(
    session: DbSession,
    principal: CurrentPrincipal,
    code: CodePath,
    on: Annotated[date | None, Query(description="the day (default: today)")] = None,
) -> schemas.LadderRead:
    """What the technician may do on the day, its supervised jobs and eligibility per family,
    grants falling due within 60 days, and every grant."""
    return service.ladder_read(session, code, principal.scope, on)


@router.post("/technicians/{code}/grants", status_code=201, responses=CONFLICT, **CERTIFY)
def grant(
    session: DbSession, principal: CurrentPrincipal, code: CodePath, body: schemas.GrantCreate
) -> schemas.GrantRead:
    """Grant a level of the ladder for a family, on behalf of a trainer (409 when the
    technician is not eligible, 422 naming ``trainer`` when it is not a valid trainer)."""
    return service.grant(session, code, body, by=principal)


# --- courses and sessions --------------------------------------------------------------------
@router.get("/courses", **READ)
def list_courses(
    session: DbSession,
    family: Choice[ProductFamily] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.CourseRead]:
    """The course catalogue by code."""
    return service.list_courses(session, family=family, limit=limit, offset=offset, cursor=cursor)


@router.post("/courses", status_code=201, **TRAIN)
def create_course(
    session: DbSession, principal: CurrentPrincipal, body: schemas.CourseRecord
) -> schemas.CourseRead:
    """Add a course; its code must be new."""
    return service.create_course(session, body, by=principal)


@router.get("/sessions", **READ)
def list_sessions(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    family: Choice[ProductFamily] = None,
    month: Annotated[date | None, Query(description="any day of the month")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.SessionRead]:
    """Training sessions by first day, with their attendees."""
    return service.list_sessions(
        session,
        scope=principal.scope,
        region=region,
        family=family,
        month=month,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/sessions/{code}", **READ)
def read_session(
    session: DbSession, principal: CurrentPrincipal, code: CodePath
) -> schemas.SessionRead:
    """One training session with its attendees and results."""
    return service.session_read(session, code, principal.scope)


@router.post("/sessions", status_code=201, **TRAIN)
def create_session(
    session: DbSession, principal: CurrentPrincipal, body: schemas.SessionRecord
) -> schemas.SessionRead:
    """Add a session; its trainer must hold a valid trainer grant for the course's family on
    the session's days (else 422 naming ``trainer``)."""
    return service.create_session(session, body, by=principal)


@router.post("/sessions/{code}/attendees", **TRAIN)
def set_attendee(
    session: DbSession, principal: CurrentPrincipal, code: CodePath, body: schemas.AttendeeSet
) -> schemas.SessionRead:
    """Enrol a technician, or record its result (passed / failed)."""
    return service.set_attendee(session, code, body, by=principal)


# --- assignments -----------------------------------------------------------------------------
@router.get("/assignments", **READ)
def list_assignments(
    session: DbSession,
    principal: CurrentPrincipal,
    technician: SearchText = None,
    work_order: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    day: Annotated[date | None, Query(description="assignments starting that day")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.AssignmentRead]:
    """Assignments by start time."""
    return service.list_assignments(
        session,
        scope=principal.scope,
        technician=technician,
        work_order=work_order,
        day=day,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/assignments/{assignment_id}", **READ)
def read_assignment(
    session: DbSession, principal: CurrentPrincipal, assignment_id: RowId
) -> schemas.AssignmentRead:
    """One assignment."""
    return service.assignment_read(session, assignment_id, principal.scope)


@router.post("/assignments", status_code=201, responses=CONFLICT, **WRITE)
def assign(
    session: DbSession, principal: CurrentPrincipal, body: schemas.AssignmentCreate
) -> schemas.AssignmentRead:
    """Assign a technician to a work order; 409 when it holds an overlapping assignment, or a
    trainee would work without a certified colleague."""
    return service.assign(session, body, by=principal)


@router.delete("/assignments/{assignment_id}", status_code=204, responses=CONFLICT, **WRITE)
def cancel(session: DbSession, principal: CurrentPrincipal, assignment_id: RowId) -> Response:
    """Remove an assignment (not a countersigned one, nor the cover a trainee still needs)."""
    service.cancel(session, assignment_id, by=principal)
    return Response(status_code=204)


@router.post("/assignments/{assignment_id}/countersign", responses=CONFLICT, **COUNTERSIGN)
def countersign(
    session: DbSession,
    principal: CurrentPrincipal,
    assignment_id: RowId,
    body: schemas.Countersign,
) -> schemas.AssignmentRead:
    """A certified crew member countersigns a trainee's job once the work order is done: one
    supervised job on the trainee's ladder."""
    return service.countersign(session, assignment_id, body, by=principal)


# --- dispatch --------------------------------------------------------------------------------
@dispatch_router.get("/problem", **PLAN)
def dispatch_problem(
    session: DbSession,
    principal: CurrentPrincipal,
    region: Annotated[str, Query(min_length=1, max_length=120)],
    day: Annotated[CalendarDay, Query(alias="date", description="the day to dispatch")],
) -> dict[str, Any]:
    """The region's ``fleetcare-dispatch/1`` document for the day (see docs/workforce.md)."""
    return service.dispatch_problem(session, principal, region, day)


@dispatch_router.post("/publish", status_code=201, responses=CONFLICT, **PLAN)
def publish(
    session: DbSession, principal: CurrentPrincipal, body: schemas.PublishBody
) -> schemas.Published:
    """Publish a plan: every crew member's assignments and the work orders scheduled, all or
    nothing (422 naming the plan's path, 409 on a double booking)."""
    return service.publish_plan(session, principal, body.plan, body.date)
