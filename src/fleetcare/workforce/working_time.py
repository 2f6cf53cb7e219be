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

from datetime import date, timedelta

from sqlalchemy.orm import Session

from fleetcare.core.clock import today
from fleetcare.core.permissions import Principal
from fleetcare.service.service import Conflict
from fleetcare.workforce import people, schemas
from fleetcare.workforce.bookings import (
    ShiftOn,
    days_off_from,
    first_stranded,
    held_from,
    lock_technicians,
    week_of,
)
from fleetcare.workforce.models import Technician
from fleetcare.workforce.shifts import WEEKDAYS


def add_day_off(session: Session, code: str, day: date, *, by: Principal) -> int:
    """Record a day off of a visible technician (422 when already off; 409 when booked that
    day)."""
    technician = people.visible_technician(session, code, by.scope)
    lock_technicians(session, [technician.id])
    _refuse_stranded(session, technician, day, lambda _day: None, until=day + timedelta(days=1))
    return people.add_day_off(session, code, day, by=by)


def update_technician(
    session: Session, code: str, patch: schemas.TechnicianUpdate, *, by: Principal
) -> schemas.TechnicianRead:
    """Change a visible technician (404 otherwise; 409 when a new shift leaves one of its
    assignments from today on outside it)."""
    technician = people.visible_technician(session, code, by.scope)
    lock_technicians(session, [technician.id])
    since = today()
    week = {day: getattr(technician, day) for day in WEEKDAYS}
    week.update(patch.model_dump(exclude_unset=True, include=set(WEEKDAYS)))
    days_off = days_off_from(session, [technician.id], since)[technician.id]
    _refuse_stranded(session, technician, since, week_of(week, days_off))
    return people.update_technician(session, code, patch, by=by)


def _refuse_stranded(
    session: Session,
    technician: Technician,
    since: date,
    shift_on: ShiftOn,
    until: date | None = None,
) -> None:
    """409 naming the first of the technician's assignments starting on ``since`` or later
    (before ``until``, when given) outside the working time ``shift_on`` gives."""
    held = held_from(session, [technician.id], since)[technician.id]
    if until is not None:
        held = [a for a in held if a.start_at.date() < until]
    stranded = first_stranded(technician.code, held, shift_on)
    if stranded is not None:
        raise Conflict(stranded.sentence)
