"""A region's dispatch problem on one day, as a ``fleetcare-dispatch/1`` document, from the
database (the solver that reads it is ``workforce.routing``'s).

- **jobs**: the region's work orders that are ``open`` or ``scheduled`` and hold no assignment
  ending after the day's start, or now if that is earlier (``jobs.booked_after``: work
  already booked, on the day or on an earlier day still to come, is not offered again); ``id``
  ``WO-<id>``, ``at`` the unit's site (latitude, longitude),
  ``family`` the unit's model family, ``minutes`` from ``MINUTES`` (per family), ``window`` by
  ``shifts.window``: from the later of the day's earliest shift start and now, to the SLA
  response target (the report + the customer's or region's response hours), clipped to the
  day's latest shift end; a target already passed (or none) leaves the rest of the day.
- **technicians**: the region's technicians with a shift that weekday and no day off; ``id``
  their code, ``home`` (latitude, longitude), ``shift`` that weekday's — for one already
  holding assignments that day, starting when it could be home from the last of them (its end
  + travel from that site home, rounded up to the minute; by the triangle inequality no leg
  from home is shorter than the same leg from that site, so a plan kept this way never
  double-books it), and left out when that is not before its shift's end — ``certified`` the
  families with a valid certified or trainer grant that day, ``trainee`` those with a valid
  trainee grant only.
- ``speed_kmh`` ``SPEED_KMH`` and ``road_factor`` ``ROAD_FACTOR``.

A day already over is refused (422 naming ``date``); times are the database's clock (UTC).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.core.schemas import outside_calendar
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import Region
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce import ladder
from fleetcare.workforce.day_plan import travel_minutes
from fleetcare.workforce.jobs import (
    booked_after,
    job_code,
    jobs_by_id,
    region_jobs,
    response_hours,
)
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Assignment, Technician
from fleetcare.workforce.people import days_off, shift_on
from fleetcare.workforce.shifts import Shift, hhmm, window
from fleetcare.workforce.tables import grant_facts, visible_technicians

FORMAT = "fleetcare-dispatch/1"
SPEED_KMH = 60
ROAD_FACTOR = 1.3
MINUTES = {  # time on site per job, by family [minutes]: the maker's service estimates
    "city_bus": 90,
    "mining_dump_truck": 240,
    "forestry_forwarder": 180,
    "forestry_harvester": 180,
    "passenger_lift": 120,
    "road_machine": 150,
    "farm_machine": 120,
}
DEFAULT_MINUTES = 120


def visible_region(session: Session, name: str, principal: Principal) -> Region:
    """The region ``name`` if the principal may see it, else NotFound."""
    region = fleet_service.find_region(session, name, principal.scope)
    if region is None:
        raise NotFound(_("region '{name}' not found").format(name=name))
    return region


def _minute_up(moment: datetime) -> datetime:
    """``moment`` rounded up to the whole minute."""
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def on_shift(
    session: Session, region_id: int, day: date, principal: Principal
) -> list[tuple[Technician, Shift]]:
    """The region's visible technicians working on ``day``, with their shift, by code."""
    technicians = session.scalars(
        select(Technician)
        .where(
            Technician.region_id == region_id,
            Technician.id.in_(visible_technicians(principal.scope)),
        )
        .order_by(Technician.code)
    ).all()
    off = days_off(session, [t.id for t in technicians], day)
    working = []
    for technician in technicians:
        shift = None if technician.id in off else shift_on(technician, day)
        if shift is not None:
            working.append((technician, shift))
    return working


def booked(
    session: Session, working: list[tuple[Technician, Shift]], day: date
) -> list[tuple[Technician, Shift]]:
    """``working`` with each shift starting when its technician could be home from the last
    assignment it holds that day (see the module docstring); fully booked ones left out."""
    day_start = datetime.combine(day, datetime.min.time())
    ids = [t.id for t, _s in working]
    rows = session.execute(
        select(Assignment.technician_id, Assignment.work_order_id, Assignment.end_at)
        .where(
            Assignment.technician_id.in_(ids),
            Assignment.start_at >= day_start,
            Assignment.start_at < day_start + timedelta(days=1),
        )
        .order_by(Assignment.end_at)
    ).all()
    if not ids or not rows:
        return working
    last = {technician_id: (order_id, end) for technician_id, order_id, end in rows}
    sites = jobs_by_id(session, [order_id for order_id, _end in last.values()])
    kept = []
    for technician, shift in working:
        if technician.id not in last:
            kept.append((technician, shift))
            continue
        order_id, end = last[technician.id]
        site = sites.get(order_id)
        home = (technician.home_latitude, technician.home_longitude)
        away = (
            0.0
            if site is None
            else travel_minutes((site.latitude, site.longitude), home, ROAD_FACTOR, SPEED_KMH)
        )
        back = end + timedelta(minutes=away)
        start = max(_minute_up(back), shift.on(day)[0])
        if start < shift.on(day)[1]:
            kept.append((technician, Shift(start.time(), shift.end)))
    return kept


def dispatch_problem(
    session: Session, principal: Principal, region: str, day: date, *, now: datetime | None = None
) -> dict[str, Any]:
    """The region's ``fleetcare-dispatch/1`` document for ``day`` (see the module docstring)."""
    moment = now or utcnow()
    if day < moment.date():
        raise InvalidInput(
            [
                FieldError(
                    "date", _("{day} is over: it cannot be dispatched").format(day=day.isoformat())
                )
            ]
        )
    refused = outside_calendar(day)  # read up to the next day (a command's day is not typed)
    if refused is not None:
        raise InvalidInput([FieldError("date", refused)])
    place = visible_region(session, region, principal)
    working = booked(session, on_shift(session, place.id, day, principal), day)
    facts = grant_facts(session, [t.id for t, _s in working])
    technicians = []
    for technician, shift in working:
        levels = ladder.levels_on(facts[technician.id], day)
        technicians.append(
            {
                "id": technician.code,
                "home": [technician.home_latitude, technician.home_longitude],
                "shift": [hhmm(shift.start), hhmm(shift.end)],
                "certified": sorted(f for f, lv in levels.items() if ladder.is_qualified(lv)),
                "trainee": sorted(f for f, lv in levels.items() if lv is Level.trainee),
            }
        )
    since = booked_after(day, moment)
    taken = set(session.scalars(select(Assignment.work_order_id).where(Assignment.end_at > since)))
    candidates = [
        job
        for job in region_jobs(
            session, place.id, (WorkOrderStatus.open, WorkOrderStatus.scheduled), principal.scope
        )
        if job.id not in taken
    ]
    targets = response_hours(session, candidates)
    shifts = [s for _t, s in working] or [Shift(datetime.min.time(), datetime.max.time())]
    jobs = []
    for job in candidates:
        span = window(day, shifts, job.reported_at, targets.get(job.id), moment)
        if span is None:
            continue  # the day's work is over
        start = _minute_up(span[0])
        jobs.append(
            {
                "id": job_code(job.id),
                "at": [job.latitude, job.longitude],
                "window": [hhmm(start), hhmm(max(start, span[1]))],
                "minutes": MINUTES.get(job.family, DEFAULT_MINUTES),
                "family": job.family,
            }
        )
    return {
        "format": FORMAT,
        "date": day.isoformat(),
        "speed_kmh": SPEED_KMH,
        "road_factor": ROAD_FACTOR,
        "technicians": technicians,
        "jobs": jobs,
    }
