"""Assignments of technicians to work orders: no double booking and the supervision rule.

**No double booking.** A technician holds at most one assignment at any moment (intervals
``[start, end)``). Every writer locks the technician's row first (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite every writing transaction holds the database's write lock from its
``BEGIN IMMEDIATE``), then looks for an overlapping assignment, then writes: of two concurrent
overlapping assignments one commits and the other waits, sees it, and is refused (409).
Several technicians are locked in id order, so two writers never wait on each other.

**The rules of one assignment.** One day, inside the technician's shift on that day and not
on a day off (else 422); the technician holds a valid grant for the work order's family on
that day (else 422); the work order is active (else 409). A trainee's assignment needs a
certified (or trainer) colleague's assignment on the same work order covering its whole
interval (else 409: a trainee never works alone) — a crew is created certified member first,
or all at once by publishing a plan.

Countersigning and cancelling are in ``crews``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import audit
from fleetcare.core.clock import naive_utc, utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import entity_page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import ProductFamily
from fleetcare.service.service import Conflict
from fleetcare.service.states import ACTIVE
from fleetcare.workforce import ladder, schemas
from fleetcare.workforce.bookings import lock_technicians, outside_shift
from fleetcare.workforce.jobs import Job, jobs_by_id
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Assignment, Technician
from fleetcare.workforce.people import days_off, shift_on, visible_technician
from fleetcare.workforce.tables import grant_facts, visible_technicians


def naive(moment: datetime, field: str = "start") -> datetime:
    """A moment as the database keeps it: naive UTC (422 naming ``field`` when that falls
    outside the calendar)."""
    try:
        return naive_utc(moment)
    except OverflowError:
        raise InvalidInput([FieldError(field, _("the moment is out of range"))]) from None


def read(row: Assignment) -> schemas.AssignmentRead:
    """An assignment as the API answers it."""
    return schemas.AssignmentRead(
        id=row.id,
        technician=row.technician.code,
        work_order=row.work_order_id,
        family=row.family,
        level=row.level,
        start=row.start_at,
        end=row.end_at,
        created_by=row.created_by,
        countersigned_by=None if row.countersigned_by is None else row.countersigned_by.code,
        countersigned_at=row.countersigned_at,
    )


def overlapping(
    session: Session, technician_id: int, start: datetime, end: datetime
) -> Assignment | None:
    """The technician's first assignment overlapping ``[start, end)`` (None: free)."""
    return session.scalars(
        select(Assignment)
        .where(
            Assignment.technician_id == technician_id,
            Assignment.start_at < end,
            Assignment.end_at > start,
        )
        .order_by(Assignment.start_at)
        .limit(1)
    ).first()


def busy(technician: str, held: Assignment) -> Conflict:
    """The 409 of a double booking, naming the assignment in the way."""
    return Conflict(
        _(
            "{code} already holds assignment {id} on work order {order} from {start} to {end}"
        ).format(
            code=technician,
            id=held.id,
            order=held.work_order_id,
            start=held.start_at.isoformat(timespec="minutes"),
            end=held.end_at.isoformat(timespec="minutes"),
        )
    )


def shift_problem(
    session: Session, technician: Technician, start: datetime, end: datetime
) -> str | None:
    """Why ``[start, end)`` is not inside the technician's working time (None: it is)."""
    day = start.date()
    off = days_off(session, [technician.id], day) if end.date() == day else set()
    return outside_shift(
        technician.code, shift_on(technician, day, {day} if off else None), start, end
    )


def level_of(session: Session, technician_id: int, family: str, day: date) -> Level | None:
    """The technician's level for ``family`` on ``day`` (None: no valid grant)."""
    return ladder.level_on(grant_facts(session, [technician_id])[technician_id], family, day)


def covered(session: Session, work_order_id: int, start: datetime, end: datetime) -> bool:
    """True when a certified (or trainer) assignment on the work order covers ``[start, end)``;
    the covering rows are locked, so a concurrent cancel of the cover waits (or wins first)."""
    found = session.scalars(
        select(Assignment.id)
        .where(
            Assignment.work_order_id == work_order_id,
            Assignment.level.in_([Level.certified, Level.trainer]),
            Assignment.start_at <= start,
            Assignment.end_at >= end,
        )
        .with_for_update()
    ).first()
    return found is not None


def _job(session: Session, work_order: int, scope: Scope) -> Job:
    job = jobs_by_id(session, [work_order], scope).get(work_order)
    if job is None:
        message = _("unknown work order {id}").format(id=work_order)
        raise InvalidInput([FieldError("work_order", message)])
    if job.status not in ACTIVE:
        raise Conflict(
            _("work order {id} is {status}: it takes no assignment").format(
                id=job.id, status=named(job.status)
            )
        )
    return job


def assign(
    session: Session, body: schemas.AssignmentCreate, *, by: Principal
) -> schemas.AssignmentRead:
    """Assign a technician to a work order (rules in the module docstring)."""
    try:
        technician = visible_technician(session, body.technician, by.scope)
    except NotFound:
        message = _("unknown technician '{code}'").format(code=body.technician)
        raise InvalidInput([FieldError("technician", message)]) from None
    job = _job(session, body.work_order, by.scope)
    start, end = naive(body.start), naive(body.end, "end")
    if end <= start:
        raise InvalidInput([FieldError("end", _("the assignment ends before it starts"))])
    problem = shift_problem(session, technician, start, end)
    if problem is not None:
        raise InvalidInput([FieldError("start", problem)])
    level = level_of(session, technician.id, job.family, start.date())
    if level is None:
        message = _("{code} holds no valid grant for {family} on {day}").format(
            code=technician.code, family=named(job.family), day=start.date().isoformat()
        )
        raise InvalidInput([FieldError("technician", message)])
    lock_technicians(session, [technician.id])
    held = overlapping(session, technician.id, start, end)
    if held is not None:
        raise busy(technician.code, held)
    if level is Level.trainee and not covered(session, job.id, start, end):
        raise Conflict(
            _(
                "{code} is a trainee for {family}: a certified colleague's assignment on work "
                "order {order} must cover {start}–{end} (a trainee never works alone)"
            ).format(
                code=technician.code,
                family=named(job.family),
                order=job.id,
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            )
        )
    row = insert(session, technician, job, level, start, end, by=by)
    return read(row)


def insert(
    session: Session,
    technician: Technician,
    job: Job,
    level: Level,
    start: datetime,
    end: datetime,
    *,
    by: Principal,
) -> Assignment:
    """Write one checked assignment and its audit entry."""
    row = Assignment(
        technician_id=technician.id,
        work_order_id=job.id,
        family=ProductFamily(job.family),
        level=level,
        start_at=start,
        end_at=end,
        created_at=utcnow(),
        created_by=by.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="assign",
        entity="assignments",
        key=str(row.id),
        after={
            "technician": technician.code,
            "work_order": job.id,
            "level": level.value,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return row


def visible_assignment(
    session: Session, assignment_id: int, scope: Scope, *, lock: bool = False
) -> Assignment:
    statement = (
        select(Assignment)
        .options(joinedload(Assignment.technician), joinedload(Assignment.countersigned_by))
        .where(
            Assignment.id == assignment_id,
            Assignment.technician_id.in_(visible_technicians(scope)),
        )
    )
    row = session.scalars(statement.with_for_update(of=Assignment) if lock else statement).first()
    if row is None:
        raise NotFound(_("assignment {id} not found").format(id=assignment_id))
    return row


def assignment_read(
    session: Session, assignment_id: int, scope: Scope = EVERYTHING
) -> schemas.AssignmentRead:
    """One assignment."""
    return read(visible_assignment(session, assignment_id, scope))


def list_assignments(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    technician: str | None = None,
    work_order: int | None = None,
    day: date | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.AssignmentRead]:
    """A page of assignments by start time."""
    statement = select(Assignment).where(Assignment.technician_id.in_(visible_technicians(scope)))
    if technician:
        statement = statement.where(Assignment.technician.has(Technician.code == technician))
    if work_order is not None:
        statement = statement.where(Assignment.work_order_id == work_order)
    if day is not None:
        start = datetime.combine(day, datetime.min.time())
        statement = statement.where(
            Assignment.start_at >= start,
            Assignment.start_at < datetime.combine(day, datetime.max.time()),
        )
    window = entity_page(
        session,
        statement,
        name="assignments",
        order=(Assignment.start_at, Assignment.id),
        loads=(joinedload(Assignment.technician), joinedload(Assignment.countersigned_by)),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.AssignmentRead](items=[read(r) for r in window.rows], **window.meta())
