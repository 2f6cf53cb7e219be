"""A technician's own work: the days ahead with its shift and its assignments, for the account
linked to its record (``technicians.account``, linked by an administrator).

Each assignment says what it is for — the work order's status, the unit, its site and the
reported symptom (left out when the reader's scope does not show the unit) — and who else is
on the work order that day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core.errors import FieldError, InvalidQuery, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.fleet.models import Site, Unit
from fleetcare.fleet.scoping import restrict
from fleetcare.service.models import Defect, WorkOrder
from fleetcare.workforce import schemas
from fleetcare.workforce.bookings import days_off_from
from fleetcare.workforce.models import Assignment, Technician
from fleetcare.workforce.people import shift_on, technician_of

DAYS_AHEAD = 7  # the days shown when no end is given, today included
MOST_DAYS = 31  # the longest span one request may ask for


def linked_technician(session: Session, by: Principal) -> Technician:
    """The technician whose account ``by`` signs in with (NotFound: none is linked)."""
    found = session.scalars(
        select(Technician).where(Technician.account.has(username=by.username))
    ).first()
    if found is None:
        raise NotFound(_("no technician is linked to your account: ask an administrator"))
    return found


def span(first: date, last: date | None) -> tuple[date, date]:
    """The days asked for: ``first`` to ``last`` (default: a week), at most ``MOST_DAYS``
    (422 naming the query's ``to`` otherwise)."""
    last = first + timedelta(days=DAYS_AHEAD - 1) if last is None else last
    if last < first:
        raise InvalidQuery([FieldError("to", _("the last day comes before the first"))])
    if (last - first).days + 1 > MOST_DAYS:
        message = _("at most {days} days at a time").format(days=MOST_DAYS)
        raise InvalidQuery([FieldError("to", message)])
    return first, last


def my_work(
    session: Session, by: Principal, first: date, last: date | None = None
) -> schemas.MyWork:
    """The linked technician's days from ``first`` to ``last`` (``span``)."""
    technician = linked_technician(session, by)
    first, last = span(first, last)
    start, end = datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())
    mine = list(
        session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.countersigned_by))
            .where(
                Assignment.technician_id == technician.id,
                Assignment.start_at >= start,
                Assignment.start_at < end,
            )
            .order_by(Assignment.start_at, Assignment.id)
        )
    )
    orders = sorted({a.work_order_id for a in mine})
    about = _work_orders(session, orders, by)
    crews = _crews(session, orders, technician.id, start, end)
    days_off = days_off_from(session, [technician.id], first)[technician.id]
    by_day: dict[date, list[schemas.MyAssignment]] = defaultdict(list)
    for a in mine:
        status, serial, site, symptom = about[a.work_order_id]
        day = a.start_at.date()
        by_day[day].append(
            schemas.MyAssignment(
                id=a.id,
                work_order=a.work_order_id,
                status=status,
                unit=serial,
                site=site,
                symptom=symptom,
                family=a.family,
                level=a.level,
                start=a.start_at,
                end=a.end_at,
                crew=crews.get((a.work_order_id, day), []),
                countersigned_by=None if a.countersigned_by is None else a.countersigned_by.code,
            )
        )
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        shift = shift_on(technician, day, days_off)
        days.append(
            schemas.MyDay(
                day=day,
                shift=None if shift is None else shift.text(),
                off=day in days_off,
                assignments=by_day.get(day, []),
            )
        )
    return schemas.MyWork(technician=technician_of(technician), days=days)


def _work_orders(
    session: Session, orders: list[int], by: Principal
) -> dict[int, tuple[str, str | None, str | None, str | None]]:
    """Per work order: its status, and its unit's serial, site and the defect's symptom when
    ``by``'s scope shows the unit (else None)."""
    if not orders:
        return {}
    seen = restrict(select(Unit.id), Unit, by.scope)
    rows = session.execute(
        select(
            WorkOrder.id,
            WorkOrder.status,
            Unit.serial,
            Site.name,
            Defect.symptom,
            Unit.id.in_(seen),
        )
        .join(Defect, WorkOrder.defect_id == Defect.id)
        .join(Unit, Defect.unit_id == Unit.id)
        .join(Site, Unit.site_id == Site.id)
        .where(WorkOrder.id.in_(orders))
    )
    return {
        order: (status.value, *((serial, site, symptom) if visible else (None, None, None)))
        for order, status, serial, site, symptom, visible in rows
    }


def _crews(
    session: Session, orders: list[int], own: int, start: datetime, end: datetime
) -> dict[tuple[int, date], list[str]]:
    """Per (work order, day): the codes of the other technicians assigned to it that day."""
    if not orders:
        return {}
    rows = session.execute(
        select(Assignment.work_order_id, Assignment.start_at, Technician.code)
        .join(Technician, Assignment.technician_id == Technician.id)
        .where(
            Assignment.work_order_id.in_(orders),
            Assignment.technician_id != own,
            Assignment.start_at >= start,
            Assignment.start_at < end,
        )
        .order_by(Technician.code)
    )
    crews: dict[tuple[int, date], list[str]] = defaultdict(list)
    for order, at, code in rows:
        if code not in crews[(order, at.date())]:
            crews[(order, at.date())].append(code)
    return dict(crews)
