"""Scheduled maintenance from the database: each unit's plan, the maintenance done on it (work
orders of kind ``maintenance`` that reached ``done``) and its readings, handed to the pure
``maintenance`` module — for ``fleetcare service overdue`` and the warranty rule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Site, Unit, UnitStatus, UsageReading
from fleetcare.service import maintenance, schemas
from fleetcare.service.maintenance import Done, Plan
from fleetcare.service.models import (
    Defect,
    MaintenancePlan,
    WorkOrder,
    WorkOrderKind,
    WorkOrderTransition,
)
from fleetcare.service.queries import visible_units
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.warranty import MissedMaintenance, Reading


def _plan(row: MaintenancePlan) -> Plan:
    return Plan(row.every_hours, row.every_months, row.tolerance_hours, row.tolerance_days)


def _readings(session: Session, unit_id: int) -> list[tuple[datetime, float]]:
    rows = session.execute(
        select(UsageReading.taken_at, UsageReading.engine_hours)
        .where(UsageReading.unit_id == unit_id, UsageReading.engine_hours.is_not(None))
        .order_by(UsageReading.taken_at)
    ).all()
    return [(r.taken_at, float(r.engine_hours)) for r in rows]


def _done(session: Session, unit_id: int, readings: list[tuple[datetime, float]]) -> list[Done]:
    """The unit's maintenance done: each with the hours of the latest reading by then (else the
    hours given with its defect)."""
    rows = session.execute(
        select(WorkOrderTransition.at, Defect.hours)
        .join(WorkOrder, WorkOrder.id == WorkOrderTransition.work_order_id)
        .join(Defect, Defect.id == WorkOrder.defect_id)
        .where(
            Defect.unit_id == unit_id,
            WorkOrder.kind == WorkOrderKind.maintenance,
            WorkOrderTransition.to_status == WorkOrderStatus.done,
        )
        .order_by(WorkOrderTransition.at)
    ).all()
    done: list[Done] = []
    for at, defect_hours in rows:
        before = [hours for taken, hours in readings if taken <= at]
        done.append(Done(at.date(), before[-1] if before else defect_hours))
    return done


def missed_maintenance(session: Session, unit: Unit) -> list[MissedMaintenance]:
    """The unit's maintenance tasks, as the warranty rule reads them (none without a plan)."""
    row = session.scalars(
        select(MaintenancePlan).where(MaintenancePlan.model_id == unit.model_id)
    ).first()
    if row is None:
        return []
    readings = _readings(session, unit.id)
    history = [Reading(taken.date(), hours) for taken, hours in readings]
    return maintenance.missed(
        _plan(row), unit.warranty_start, _done(session, unit.id, readings), history
    )


def overdue(
    session: Session, scope: Scope, *, today: date, region: str | None = None
) -> list[schemas.OverdueRead]:
    """Units in the scope (and ``region``) whose next maintenance is overdue ``today``, by
    serial; retired units are left out."""
    plans = {p.model_id: p for p in session.scalars(select(MaintenancePlan))}
    if not plans:
        return []
    units = session.scalars(
        select(Unit)
        .options(joinedload(Unit.model), joinedload(Unit.site).joinedload(Site.region))
        .where(
            Unit.id.in_(visible_units(scope, region)),
            Unit.model_id.in_(sorted(plans)),
            Unit.status != UnitStatus.retired,
        )
        .order_by(Unit.serial)
    ).all()
    answer: list[schemas.OverdueRead] = []
    for unit in units:
        readings = _readings(session, unit.id)
        done = _done(session, unit.id, readings)
        latest = Reading(readings[-1][0].date(), readings[-1][1]) if readings else None
        due = maintenance.next_due(
            _plan(plans[unit.model_id]), unit.warranty_start, done, latest, today
        )
        if due.overdue:
            answer.append(
                schemas.OverdueRead(
                    serial=unit.serial,
                    model=unit.model.code,
                    region=unit.site.region.name,
                    last_done=done[-1].on if done else None,
                    due_on=due.due_on,
                    due_hours=due.due_hours,
                    hours=due.hours,
                    overdue_by_days=due.overdue_by_days,
                )
            )
    return answer
