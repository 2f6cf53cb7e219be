"""The bookings a change of working time must keep: one rule for the API, the CLI and imports.

Every assignment lies on one day, inside its technician's shift on that day and not on a day
off (``assignments``). A change of working time — a day off, a new weekly shift — that would
leave one of the technician's assignments outside is refused, naming the first such
assignment (cancel or move it first): with 409 through the API and the CLI
(``working_time``), and as an error on the file's row and field in an import (``tables``).

Every writer of a technician's bookings locks the technician's row first
(``lock_technicians``): a concurrent assignment either waits and is then judged by the new
working time, or commits first and is found here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.i18n import _
from fleetcare.workforce.models import Assignment, DayOff, Technician
from fleetcare.workforce.shifts import Shift, parse_shift, weekday_field

ShiftOn = Callable[[date], Shift | None]  # a technician's shift on a day (None: off)


def lock_technicians(session: Session, ids: Iterable[int]) -> None:
    """Lock the technicians' rows in id order (PostgreSQL; SQLite holds its write lock), so
    two writers never wait on each other."""
    wanted = sorted(set(ids))
    if wanted:
        session.execute(
            select(Technician.id)
            .where(Technician.id.in_(wanted))
            .order_by(Technician.id)
            .with_for_update()
        ).all()


def outside_shift(code: str, shift: Shift | None, start: datetime, end: datetime) -> str | None:
    """Why ``[start, end)`` is not inside technician ``code``'s ``shift`` on its day (None: off
    that day); None when it is."""
    day = start.date()
    if end.date() != day:
        return _("an assignment starts and ends on the same day")
    if shift is None:
        return _("{code} does not work on {day}").format(code=code, day=day.isoformat())
    shift_start, shift_end = shift.on(day)
    if start < shift_start or end > shift_end:
        return _("{start}–{end} is outside {code}'s shift {shift} on {day}").format(
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
            code=code,
            shift=shift.text(),
            day=day.isoformat(),
        )
    return None


def week_of(week: Mapping[str, str | None], days_off: Collection[date]) -> ShiftOn:
    """The shift on a day of a weekly pattern (``mon`` … ``sun``: ``"HH:MM-HH:MM"`` or None),
    None on the ``days_off``."""

    def shift_on(day: date) -> Shift | None:
        text = week.get(weekday_field(day))
        return None if day in days_off or text is None else parse_shift(text)

    return shift_on


def days_off_from(
    session: Session, technician_ids: Iterable[int], since: date
) -> dict[int, set[date]]:
    """The technicians' days off on ``since`` or later, by technician id."""
    found: dict[int, set[date]] = defaultdict(set)
    wanted = sorted(set(technician_ids))
    if wanted:
        rows = session.execute(
            select(DayOff.technician_id, DayOff.day).where(
                DayOff.technician_id.in_(wanted), DayOff.day >= since
            )
        )
        for technician_id, day in rows:
            found[technician_id].add(day)
    return found


def held_from(
    session: Session, technician_ids: Iterable[int], since: date
) -> dict[int, list[Assignment]]:
    """The technicians' assignments starting on ``since`` or later, by technician id, each
    technician's in start order."""
    held: dict[int, list[Assignment]] = defaultdict(list)
    wanted = sorted(set(technician_ids))
    if not wanted:
        return held
    rows = session.scalars(
        select(Assignment)
        .where(
            Assignment.technician_id.in_(wanted),
            Assignment.start_at >= datetime.combine(since, time()),
        )
        .order_by(Assignment.start_at, Assignment.id)
    )
    for row in rows:
        held[row.technician_id].append(row)
    return held


class Stranded(NamedTuple):
    """An assignment a change of working time would strand, and the sentence that says so."""

    assignment: Assignment
    sentence: str


def first_stranded(code: str, held: Sequence[Assignment], shift_on: ShiftOn) -> Stranded | None:
    """The first of ``held`` (technician ``code``'s assignments, in start order) outside the
    working time ``shift_on`` gives; None when every one is inside."""
    for assignment in held:
        start = assignment.start_at
        problem = outside_shift(code, shift_on(start.date()), start, assignment.end_at)
        if problem is not None:
            sentence = _(
                "{code} holds assignment {id} on work order {order} at {start}: {problem}; "
                "cancel it first"
            ).format(
                code=code,
                id=assignment.id,
                order=assignment.work_order_id,
                start=start.isoformat(timespec="minutes"),
                problem=problem,
            )
            return Stranded(assignment, sentence)
    return None
