"""Courses (the maker's catalogue, one family each) and training sessions with their attendees.

A session's trainer holds a valid ``trainer`` grant for the course's family on the session's
first and last day (else 422 naming ``trainer``, from the API and from an import alike). A
regional manager writes and reads the sessions held in its regions; a customer reads those of
its own region. Attendees are visible technicians; a result is ``enrolled``, ``passed`` or
``failed``, and a passed practical session counts on the ladder.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import audit, crud
from fleetcare.core.bulk import Item
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import entity_page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import ProductFamily, Region
from fleetcare.fleet.scoping import refuse_unseen
from fleetcare.workforce import schemas
from fleetcare.workforce.models import Attendance, Course, Technician, TrainingSession
from fleetcare.workforce.people import visible_technician
from fleetcare.workforce.tables import (
    ATTENDANCES,
    COURSES,
    TRAINING_SESSIONS,
    visible_session_regions,
    visible_technicians,
)


def list_courses(
    session: Session,
    *,
    family: ProductFamily | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.CourseRead]:
    """A page of courses by code (the catalogue is the same for everyone)."""
    statement = select(Course)
    if family:
        statement = statement.where(Course.family == family)
    window = entity_page(
        session,
        statement,
        name="courses",
        order=(Course.code,),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [schemas.CourseRead(id=r.id, **COURSES.to_record(r).model_dump()) for r in window.rows]
    return Page[schemas.CourseRead](items=items, **window.meta())


def create_course(
    session: Session, record: schemas.CourseRecord, *, by: Principal
) -> schemas.CourseRead:
    """Add a course; its code must be new."""
    row_id = crud.create(session, COURSES, record, by=by)
    return schemas.CourseRead(id=row_id, **record.model_dump())


_LOADS = (
    joinedload(TrainingSession.course),
    joinedload(TrainingSession.region),
    joinedload(TrainingSession.trainer),
)


def _session_read(session: Session, row: TrainingSession, scope: Scope) -> schemas.SessionRead:
    """The session with the attendees ``scope`` may see: a customer reads its own people's
    results, not another customer's."""
    attendees_query = (
        select(Technician.code, Technician.name, Attendance.result)
        .join(Attendance, Attendance.technician_id == Technician.id)
        .where(Attendance.session_id == row.id)
        .order_by(Technician.code)
    )
    if not scope.everything:
        attendees_query = attendees_query.where(Technician.id.in_(visible_technicians(scope)))
    attendees = session.execute(attendees_query).all()
    return schemas.SessionRead(
        id=row.id,
        family=row.course.family,
        kind=row.course.kind,
        course_name=row.course.name,
        attendees=[schemas.AttendeeRead(technician=c, name=n, result=r) for c, n, r in attendees],
        **TRAINING_SESSIONS.to_record(row).model_dump(),
    )


def _visible_session(session: Session, code: str, scope: Scope) -> TrainingSession:
    statement = select(TrainingSession).options(*_LOADS).where(TrainingSession.code == code)
    regions = visible_session_regions(scope)
    if regions is not None:
        statement = statement.where(TrainingSession.region_id.in_(regions))
    row = session.scalars(statement).first()
    if row is None:
        raise NotFound(_("training session '{code}' not found").format(code=code))
    return row


def session_read(session: Session, code: str, scope: Scope = EVERYTHING) -> schemas.SessionRead:
    """One training session with its attendees."""
    return _session_read(session, _visible_session(session, code, scope), scope)


def list_sessions(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    family: ProductFamily | None = None,
    month: date | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.SessionRead]:
    """A page of sessions by first day; ``month`` (any day of it) keeps the sessions that run
    during that month."""
    statement = select(TrainingSession)
    regions = visible_session_regions(scope)
    if regions is not None:
        statement = statement.where(TrainingSession.region_id.in_(regions))
    if region:
        statement = statement.where(TrainingSession.region.has(Region.name == region))
    if family:
        statement = statement.where(TrainingSession.course.has(Course.family == family))
    if month is not None:
        first = month.replace(day=1)
        after = (
            date.max
            if first.year == date.max.year and first.month == 12
            else ((first + timedelta(days=32)).replace(day=1))
        )
        statement = statement.where(
            TrainingSession.starts_on < after, TrainingSession.ends_on >= first
        )
    window = entity_page(
        session,
        statement,
        name="training-sessions",
        order=(TrainingSession.starts_on, TrainingSession.code),
        loads=_LOADS,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [_session_read(session, r, scope) for r in window.rows]
    return Page[schemas.SessionRead](items=items, **window.meta())


def create_session(
    session: Session, record: schemas.SessionRecord, *, by: Principal
) -> schemas.SessionRead:
    """Add a session (its code must be new; its trainer valid for the family, else 422). A
    scoped writer names a trainer it may see: another region's answers as an unknown one."""
    if not by.scope.everything:
        refuse_unseen(session, TRAINING_SESSIONS, record.model_dump(), by.scope)
    crud.create(session, TRAINING_SESSIONS, record, by=by)
    return session_read(session, record.code)


def set_attendee(
    session: Session, code: str, body: schemas.AttendeeSet, *, by: Principal
) -> schemas.SessionRead:
    """Enrol a visible technician in a visible session, or set its result (audited)."""
    row = _visible_session(session, code, by.scope)
    try:
        visible_technician(session, body.technician, by.scope)
    except NotFound:
        message = _("unknown technician '{code}'").format(code=body.technician)
        raise InvalidInput([FieldError("technician", message)]) from None
    record = schemas.AttendanceRecord(session=code, technician=body.technician, result=body.result)
    result = ATTENDANCES.apply(session, [Item(record)])
    for change in result.changes:
        audit.record(
            session,
            actor=by.username,
            action="create" if change.before is None else "update",
            entity=ATTENDANCES.name,
            key=change.key,
            before=change.before,
            after=change.after,
        )
    session.expire(row)
    return session_read(session, code, by.scope)
