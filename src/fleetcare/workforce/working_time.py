"""Changes to a technician's working time that must keep its bookings valid: a day off, a
new weekly shift.

Every assignment must lie inside its technician's shift and not on a day off
(``assignments``). So a day off, or a shift change, that would leave one of the technician's
assignments from today on outside its working time is refused (409, naming the assignment:
cancel or move it first), in the same transaction, after locking the technician's row as
every assignment writer does: a concurrent assignment either waits and is then judged by the
new working time, or commits first and is found here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import today
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.service.service import Conflict
from fleetcare.workforce import people, schemas
from fleetcare.workforce.assignments import lock_technicians, shift_problem
from fleetcare.workforce.models import Assignment, Technician


def add_day_off(session: Session, code: str, day: date, *, by: Principal) -> int:
    """Record a day off of a visible technician (422 when already off; 409 when booked that
    day)."""
    technician = people.visible_technician(session, code, by.scope)
    lock_technicians(session, [technician.id])
    row_id = people.add_day_off(session, code, day, by=by)
    _refuse_stranded(session, technician, day, day + timedelta(days=1))
    return row_id


def update_technician(
    session: Session, code: str, patch: schemas.TechnicianUpdate, *, by: Principal
) -> schemas.TechnicianRead:
    """Change a visible technician (404 otherwise; 409 when a new shift leaves one of its
    assignments from today on outside it)."""
    technician = people.visible_technician(session, code, by.scope)
    lock_technicians(session, [technician.id])
    changed = people.update_technician(session, code, patch, by=by)
    _refuse_stranded(session, technician, today())
    return changed


def _refuse_stranded(
    session: Session, technician: Technician, since: date, until: date | None = None
) -> None:
    """409 naming the first of the technician's assignments starting on ``since`` or later
    (before ``until``, when given) that its working time no longer holds."""
    session.flush()
    session.refresh(technician)
    statement = select(Assignment).where(
        Assignment.technician_id == technician.id,
        Assignment.start_at >= datetime.combine(since, time()),
    )
    if until is not None:
        statement = statement.where(Assignment.start_at < datetime.combine(until, time()))
    held = session.scalars(statement.order_by(Assignment.start_at, Assignment.id))
    for assignment in held:
        problem = shift_problem(session, technician, assignment.start_at, assignment.end_at)
        if problem is not None:
            raise Conflict(
                _(
                    "{code} holds assignment {id} on work order {order} at {start}: {problem}; "
                    "cancel it first"
                ).format(
                    code=technician.code,
                    id=assignment.id,
                    order=assignment.work_order_id,
                    start=assignment.start_at.isoformat(timespec="minutes"),
                    problem=problem,
                )
            )
