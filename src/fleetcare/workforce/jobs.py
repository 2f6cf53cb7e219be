"""Work orders as the workforce sees them: a job with its family, place and SLA facts.

Read from the service domain's tables in one query; a work order of a unit the caller may not
see does not exist here either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet.models import ProductModel, Site, Unit
from fleetcare.fleet.scoping import restrict
from fleetcare.service.models import Defect, ServiceLevel, WorkOrder
from fleetcare.service.states import WorkOrderStatus

JOB_PREFIX = "WO-"


def booked_after(day: date, now: datetime) -> datetime:
    """A work order holding an assignment that ends after this moment is booked, for a plan of
    ``day``: the day's start, or now when that is earlier. A visit planned for an earlier day
    that has not happened yet books the job as much as one on the day; a visit on an earlier
    day that is over does not (the job, still open, may need another). Any visit on the day
    itself books it, even one over already."""
    return min(datetime.combine(day, time.min), now)


@dataclass(frozen=True)
class Job:
    """A work order to be served on site."""

    id: int
    status: WorkOrderStatus
    family: str
    region_id: int
    customer_id: int
    latitude: float
    longitude: float
    reported_at: datetime
    serial: str


def _statement(scope: Scope) -> Select[*tuple[Any, ...]]:
    visible_units = restrict(select(Unit.id), Unit, scope)
    return (
        select(
            WorkOrder.id,
            WorkOrder.status,
            ProductModel.family,
            Site.region_id,
            Unit.customer_id,
            Site.latitude,
            Site.longitude,
            Defect.reported_at,
            Unit.serial,
        )
        .join(Defect, WorkOrder.defect_id == Defect.id)
        .join(Unit, Defect.unit_id == Unit.id)
        .join(ProductModel, Unit.model_id == ProductModel.id)
        .join(Site, Unit.site_id == Site.id)
        .where(Unit.id.in_(visible_units))
    )


def _job(row: Any) -> Job:
    order_id, status, family, region_id, customer_id, lat, lon, reported_at, serial = row
    return Job(
        id=order_id,
        status=status,
        family=family.value,
        region_id=region_id,
        customer_id=customer_id,
        latitude=lat,
        longitude=lon,
        reported_at=reported_at,
        serial=serial,
    )


def jobs_by_id(session: Session, ids: Sequence[int], scope: Scope = EVERYTHING) -> dict[int, Job]:
    """The visible work orders among ``ids``."""
    if not ids:
        return {}
    rows = session.execute(_statement(scope).where(WorkOrder.id.in_(sorted(set(ids)))))
    return {job.id: job for job in map(_job, rows)}


def region_jobs(
    session: Session, region_id: int, statuses: Sequence[WorkOrderStatus], scope: Scope
) -> list[Job]:
    """The visible work orders of units at the region's sites in ``statuses``, by id."""
    statement = (
        _statement(scope)
        .where(Site.region_id == region_id, WorkOrder.status.in_(list(statuses)))
        .order_by(WorkOrder.id)
    )
    return [_job(row) for row in session.execute(statement)]


def response_hours(session: Session, jobs: Sequence[Job]) -> dict[int, float | None]:
    """Each job's response target: its customer's level in its region, else the region's
    default (None: no level)."""
    regions = sorted({j.region_id for j in jobs})
    if not regions:
        return {}
    levels = {
        (r.region_id, r.customer_id): r.response_hours
        for r in session.scalars(select(ServiceLevel).where(ServiceLevel.region_id.in_(regions)))
    }
    return {
        j.id: levels.get((j.region_id, j.customer_id), levels.get((j.region_id, None)))
        for j in jobs
    }


def job_code(order_id: int) -> str:
    """A work order as a dispatch job id: ``WO-<id>``."""
    return f"{JOB_PREFIX}{order_id}"


def parse_job_code(code: str) -> int | None:
    """The work order id of ``WO-<id>`` (None: not such a code)."""
    if not code.startswith(JOB_PREFIX):
        return None
    digits = code[len(JOB_PREFIX) :]
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:  # not '²' or '١'
        return None
    return int(digits)
