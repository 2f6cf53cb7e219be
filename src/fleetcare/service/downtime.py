"""Downtime: a unit is down while any of its down defects holds it, and availability follows.

A down defect holds its unit from ``reported_at`` until ``down_until`` (closed, or its work
order done or cancelled). The unit's downtime records are the union of those intervals, one
row per stretch, rewritten whenever a defect changes — so a report or a transition recorded
late (with its real, earlier time) corrects the history. The unit's status (``down`` while a
stretch is open, else ``in_service``) is written through the fleet domain's facade.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidQuery
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal, Scope
from fleetcare.fleet.models import Unit, UnitStatus
from fleetcare.fleet.service import set_unit_status
from fleetcare.service import schemas
from fleetcare.service.intervals import DAY, Interval, days_within, union
from fleetcare.service.models import Defect, Downtime
from fleetcare.service.queries import visible_units

EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # the periods availability accepts


def lock_unit(session: Session, unit_id: int) -> None:
    """Take the unit's row lock (PostgreSQL), so that its downtime is recomputed by one writer."""
    session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())


def stretches(session: Session, unit_id: int) -> list[Interval]:
    """The union of the intervals the unit's down defects hold it (an open one last)."""
    rows = session.execute(
        select(Defect.reported_at, Defect.down_until).where(
            Defect.unit_id == unit_id, Defect.down.is_(True)
        )
    )
    return union((start, end) for start, end in rows)


def stored(session: Session, unit_id: int) -> list[Interval]:
    """The unit's downtime records, by start."""
    rows = session.execute(
        select(Downtime.started_at, Downtime.ended_at)
        .where(Downtime.unit_id == unit_id)
        .order_by(Downtime.started_at)
    )
    return [(start, end) for start, end in rows]


def refresh(session: Session, unit_id: int, *, by: Principal) -> None:
    """Rewrite the unit's downtime records from its down defects and set its status."""
    lock_unit(session, unit_id)
    wanted = stretches(session, unit_id)
    before = stored(session, unit_id)
    if wanted != before:
        session.execute(delete(Downtime).where(Downtime.unit_id == unit_id))
        session.add_all(Downtime(unit_id=unit_id, started_at=s, ended_at=e) for s, e in wanted)
        session.flush()
        audit.record(
            session,
            actor=by.username,
            action="downtime",
            entity="downtimes",
            key=str(unit_id),
            before={"stretches": _plain(before)},
            after={"stretches": _plain(wanted)},
        )
    down = any(end is None for _start, end in wanted)
    set_unit_status(session, unit_id, UnitStatus.down if down else UnitStatus.in_service, by=by)


def _plain(intervals: list[Interval]) -> list[list[str | None]]:
    return [[s.isoformat(), None if e is None else e.isoformat()] for s, e in intervals]


def availability(
    session: Session,
    scope: Scope,
    *,
    region: str | None,
    first: date,
    last: date,
) -> schemas.AvailabilityRead:
    """Machine-days and down-days of the units ``scope`` sees in ``region``, days first..last.

    A unit counts from its warranty start (the day it entered service), not before; the period
    ends at the end of ``last`` or now, whichever is earlier. Retired units are left out (the
    fleet does not record when they were retired). Down-days come from the downtime records,
    overlaps counted once per unit.
    """
    if not EARLIEST <= first <= last <= LATEST:
        message = _("the period must run forwards, within {earliest}…{latest}").format(
            earliest=EARLIEST.isoformat(), latest=LATEST.isoformat()
        )
        raise InvalidQuery([FieldError("from", message)])
    start = datetime.combine(first, time())
    end = min(datetime.combine(last, time()) + timedelta(days=1), utcnow())
    units = dict(
        session.execute(
            select(Unit.id, Unit.warranty_start).where(
                Unit.id.in_(visible_units(scope, region)), Unit.status != UnitStatus.retired
            )
        ).all()
    )
    held: dict[int, list[Interval]] = {}
    rows = session.execute(
        select(Downtime.unit_id, Downtime.started_at, Downtime.ended_at).where(
            Downtime.unit_id.in_(visible_units(scope, region)),
            Downtime.started_at < end,
            (Downtime.ended_at.is_(None)) | (Downtime.ended_at > start),
        )
    )
    for unit_id, started_at, ended_at in rows:
        held.setdefault(unit_id, []).append((started_at, ended_at))
    machine_days = down_days = 0.0
    for unit_id, in_service_on in units.items():
        unit_start = max(start, datetime.combine(in_service_on, time()))
        if unit_start >= end:
            continue
        machine_days += (end - unit_start) / DAY
        down_days += days_within(held.get(unit_id, []), unit_start, end)
    return schemas.AvailabilityRead(
        region=region,
        from_=first,
        to=last,
        machine_days=round(machine_days, 6),
        down_days=round(down_days, 6),
        availability=None if machine_days == 0 else round(1 - down_days / machine_days, 6),
    )
