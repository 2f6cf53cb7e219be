"""The SLA flags of work orders as SQL conditions, so a list filters, counts and pages in the
database (SQLite and PostgreSQL) by the rules of the pure ``sla`` module.

For each work order, with ``now`` given by the caller (``core.clock``):

- start: its defect's ``reported_at``;
- response stops at its first transition to ``in_progress``, else at its cancellation;
  restore stops at ``done``, else at its cancellation; a clock not stopped reads ``now``;
- targets: the ``service-levels`` row of the unit's customer in the region of the unit's site,
  else that region's default row (blank customer); none → neither flag;
- **breached**: elapsed > target (exactly the target is met); **at risk**: the clock runs, is
  not breached, and elapsed ≥ ``sla.AT_RISK`` × target. The order's flag is either clock's.

Elapsed time is compared as ``stop > start + hours``: to the microsecond on PostgreSQL
(interval arithmetic), to the millisecond on SQLite (``julianday`` differences rounded to
milliseconds, exact well below that).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, func, or_, select
from sqlalchemy.sql.elements import ColumnElement as Column

from fleetcare.fleet.models import Site, Unit
from fleetcare.service.models import Defect, ServiceLevel, WorkOrder, WorkOrderTransition
from fleetcare.service.sla import AT_RISK
from fleetcare.service.states import WorkOrderStatus as S

MS_PER_DAY = 86_400_000
MS_PER_HOUR = 3_600_000


def _first(to: S) -> Column[Any]:
    """The time of the order's first transition to ``to`` (NULL: none)."""
    return (
        select(func.min(WorkOrderTransition.at))
        .where(
            WorkOrderTransition.work_order_id == WorkOrder.id, WorkOrderTransition.to_status == to
        )
        .correlate(WorkOrder)
        .scalar_subquery()
    )


def done_at() -> Column[Any]:
    """The time the order was done (its restore clock's stop; NULL: not done)."""
    return _first(S.done)


def _reported() -> Column[Any]:
    return (
        select(Defect.reported_at)
        .where(Defect.id == WorkOrder.defect_id)
        .correlate(WorkOrder)
        .scalar_subquery()
    )


def _target(hours: Any) -> Column[Any]:
    """The order's target hours: its customer's row in the region, else the region's default."""
    return (
        select(hours)
        .select_from(ServiceLevel)
        .join(Site, Site.region_id == ServiceLevel.region_id)
        .join(Unit, Unit.site_id == Site.id)
        .join(Defect, Defect.unit_id == Unit.id)
        .where(
            Defect.id == WorkOrder.defect_id,
            or_(ServiceLevel.customer_id == Unit.customer_id, ServiceLevel.customer_id.is_(None)),
        )
        .order_by(ServiceLevel.customer_id.is_(None))  # the customer's row first
        .limit(1)
        .correlate(WorkOrder)
        .scalar_subquery()
    )


class Clocks:
    """The SQL of one request's clocks, read at ``now`` on ``dialect``."""

    def __init__(self, dialect: str, now: datetime) -> None:
        self.dialect = dialect
        self.now = bindparam("sla_now", now, type_=DateTime())
        self.start = _reported()
        cancelled = _first(S.cancelled)
        self.stops = (
            func.coalesce(_first(S.in_progress), cancelled),
            func.coalesce(_first(S.done), cancelled),
        )
        self.targets = (_target(ServiceLevel.response_hours), _target(ServiceLevel.restore_hours))

    def _elapsed_at_least(self, stop: Any, hours: Any, *, strictly: bool) -> ColumnElement[bool]:
        """(stop or now) − start > hours (``strictly``) or ≥ hours."""
        end = func.coalesce(stop, self.now)
        if self.dialect == "postgresql":
            limit = self.start + func.make_interval(0, 0, 0, 0, 0, 0, hours * 3600.0)
            return end > limit if strictly else end >= limit
        elapsed = func.round((func.julianday(end) - func.julianday(self.start)) * MS_PER_DAY)
        bound = func.round(hours * MS_PER_HOUR)
        return elapsed > bound if strictly else elapsed >= bound

    def _breached(self, clock: int) -> ColumnElement[bool]:
        target = self.targets[clock]
        return and_(
            target.is_not(None), self._elapsed_at_least(self.stops[clock], target, strictly=True)
        )

    def _at_risk(self, clock: int) -> ColumnElement[bool]:
        target, stop = self.targets[clock], self.stops[clock]
        return and_(
            target.is_not(None),
            stop.is_(None),
            ~self._elapsed_at_least(stop, target, strictly=True),
            self._elapsed_at_least(stop, target * AT_RISK, strictly=False),
        )

    def breached(self) -> ColumnElement[bool]:
        """Either clock breached."""
        return or_(self._breached(0), self._breached(1))

    def at_risk(self) -> ColumnElement[bool]:
        """Either clock at risk (as the order's ``at_risk`` in its answer)."""
        return or_(self._at_risk(0), self._at_risk(1))
