"""Reads of defects and work orders, narrowed to the caller's scope through their unit.

A customer sees the defects and work orders of its own units, a regional manager those of
units standing at sites in its regions; anything else does not exist for them (404, absent
from lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from fleetcare.core.clock import utcnow
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.notes import written
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import load_rows, page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import Region, Site, Unit
from fleetcare.fleet.scoping import restrict
from fleetcare.service import schemas, sla, sla_sql
from fleetcare.service.models import Defect, DefectStatus, ServiceLevel, WorkOrder, WorkOrderPart
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.states import WorkOrderStatus as S


def visible_units(scope: Scope, region: str | None = None) -> Select[Any]:
    """Ids of the units ``scope`` may see (in ``region``, when named)."""
    statement = restrict(select(Unit.id), Unit, scope)
    if region:
        statement = statement.where(
            Unit.site_id.in_(select(Site.id).join(Region).where(Region.name == region))
        )
    return statement


def visible_unit(session: Session, serial: str, scope: Scope, *, lock: bool = False) -> Unit:
    """The unit with ``serial`` if ``scope`` may see it, else ``NotFound`` (no leak)."""
    statement = restrict(select(Unit).where(Unit.serial == serial), Unit, scope)
    unit = session.scalars(statement.with_for_update() if lock else statement).first()
    if unit is None:
        raise NotFound(_("unit '{serial}' not found").format(serial=serial))
    return unit


_DEFECT_LOADS = (joinedload(Defect.unit).joinedload(Unit.site).joinedload(Site.region),)


def _defect_read(defect: Defect) -> schemas.DefectRead:
    return schemas.DefectRead(
        id=defect.id,
        unit=defect.unit.serial,
        region=defect.unit.site.region.name,
        component_group=defect.component_group,
        symptom=defect.symptom,
        status=defect.status,
        down=defect.down,
        reported_at=defect.reported_at,
        reported_by=defect.reported_by,
        hours=defect.hours,
        down_until=defect.down_until,
        ended_at=defect.ended_at,
        close_reason=defect.close_reason,
        warranty=schemas.WarrantyRead(
            decision=defect.decision,
            reasons=[written(reason) for reason in defect.reasons],
            warranty_until=defect.warranty_until,
            hours_limit=defect.hours_limit,
            hours=defect.decision_hours,
            computed=defect.computed_decision,
            decided_by=defect.decided_by,
            decided_at=defect.decided_at,
            reason=defect.decision_reason,
        ),
    )


def visible_defect(session: Session, defect_id: int, scope: Scope, *, lock: bool = False) -> Defect:
    """Defect ``defect_id`` if ``scope`` may see it (locked when ``lock``), else ``NotFound``."""
    statement = select(Defect).where(
        Defect.id == defect_id, Defect.unit_id.in_(visible_units(scope))
    )
    defect = session.scalars(statement.with_for_update() if lock else statement).first()
    if defect is None:
        raise NotFound(_("defect {id} not found").format(id=defect_id))
    return defect


def defect_read(session: Session, defect_id: int, scope: Scope = EVERYTHING) -> schemas.DefectRead:
    """One defect with its warranty decision."""
    statement = (
        select(Defect)
        .options(*_DEFECT_LOADS)
        .where(Defect.id == defect_id, Defect.unit_id.in_(visible_units(scope)))
        .execution_options(populate_existing=True)
    )
    defect = session.scalars(statement).first()
    if defect is None:
        raise NotFound(_("defect {id} not found").format(id=defect_id))
    return _defect_read(defect)


@dataclass(frozen=True)
class DefectFilter:
    """What the defects list is narrowed to; empty fields do not filter."""

    unit: str | None = None  # serial
    status: DefectStatus | None = None
    region: str | None = None
    breached: bool = False  # only defects with a work order whose SLA clock is breached now


def list_defects(
    session: Session,
    where: DefectFilter,
    scope: Scope = EVERYTHING,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.DefectRead]:
    """A page of defects, newest report first."""
    statement = select(Defect).where(Defect.unit_id.in_(visible_units(scope, where.region)))
    if where.unit:
        statement = statement.where(
            Defect.unit_id.in_(select(Unit.id).where(Unit.serial == where.unit))
        )
    if where.status:
        statement = statement.where(Defect.status == where.status)
    if where.breached:
        late = sla_sql.Clocks(session.get_bind().dialect.name, utcnow()).breached()
        statement = statement.where(Defect.id.in_(select(WorkOrder.defect_id).where(late)))
    window = page(
        session,
        statement,
        name="defects",
        key=Defect.id,
        order=(Defect.reported_at.desc(), Defect.id.desc()),
        load=load_rows(session, select(Defect).options(*_DEFECT_LOADS), Defect.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.DefectRead](items=[_defect_read(d) for d in window.rows], **window.meta())


_LINE_LOADS = (
    joinedload(WorkOrderPart.part),
    joinedload(WorkOrderPart.location),
    joinedload(WorkOrderPart.donor),
)
_WORK_ORDER_LOADS = (
    joinedload(WorkOrder.defect).joinedload(Defect.unit).joinedload(Unit.site),
    selectinload(WorkOrder.history),
    selectinload(WorkOrder.parts).options(*_LINE_LOADS),
)


def _seen_donors(session: Session, orders: Sequence[WorkOrder], scope: Scope) -> set[int] | None:
    """Ids of the cannibalised donors on ``orders``' part lines that ``scope`` may see, as the
    SQL rule decides (``visible_units``); None: every one."""
    if scope.everything:
        return None
    donors = sorted(
        {line.donor_unit_id for o in orders for line in o.parts if line.donor_unit_id is not None}
    )
    if not donors:
        return set()
    return set(session.scalars(visible_units(scope).where(Unit.id.in_(donors))))


def _line_read(line: WorkOrderPart, seen: set[int] | None = None) -> schemas.PartLineRead:
    """A part line; a cannibalised donor not in ``seen`` (None: all seen) is left out (the
    machine of another customer or region is not named to the reader)."""
    donor = (
        line.donor
        if line.donor_unit_id is not None and (seen is None or line.donor_unit_id in seen)
        else None
    )
    return schemas.PartLineRead(
        id=line.id,
        work_order=line.work_order_id,
        part=line.part.number,
        component_group=line.part.group,
        location=line.location.code,
        quantity=line.quantity,
        status=line.status,
        option=line.option,
        reservation=line.reservation_id,
        transfer=line.transfer_id,
        donor=None if donor is None else donor.serial,
        donor_defect=None if donor is None else line.donor_defect_id,
        price=line.price,
        currency=line.currency,
        created_at=line.created_at,
        created_by=line.created_by,
        resolved_at=line.resolved_at,
    )


def line_read(session: Session, line_id: int) -> schemas.PartLineRead:
    """One part line of a work order (the caller has checked the work order is visible)."""
    statement = (
        select(WorkOrderPart)
        .options(*_LINE_LOADS)
        .where(WorkOrderPart.id == line_id)
        .execution_options(populate_existing=True)
    )
    line = session.scalars(statement).one()
    return _line_read(line)


Targets = dict[tuple[int, int | None], tuple[float, float]]


def _targets(session: Session, orders: Sequence[WorkOrder]) -> Targets:
    """The service levels of the orders' regions: (region, customer or None) → (response,
    restore) hours."""
    regions = sorted({o.defect.unit.site.region_id for o in orders})
    if not regions:
        return {}
    rows = session.scalars(select(ServiceLevel).where(ServiceLevel.region_id.in_(regions)))
    return {(r.region_id, r.customer_id): (r.response_hours, r.restore_hours) for r in rows}


def _clock(c: sla.Clock) -> schemas.SlaClockRead:
    return schemas.SlaClockRead(
        target_hours=c.target_hours,
        elapsed_hours=c.elapsed_hours,
        stopped_at=c.stopped_at,
        breached=c.breached,
        at_risk=c.at_risk,
    )


def sla_of(order: WorkOrder, targets: Targets, now: datetime) -> schemas.SlaRead:
    """The order's response and restore clocks against its customer's level, else the
    region's default (loaded by ``_targets``)."""
    unit = order.defect.unit
    region = unit.site.region_id
    target = targets.get((region, unit.customer_id)) or targets.get((region, None))
    response_at = next((t.at for t in order.history if t.to_status is S.in_progress), None)
    done_at = next((t.at for t in order.history if t.to_status is S.done), None)
    cancelled_at = next((t.at for t in order.history if t.to_status is S.cancelled), None)
    start = order.defect.reported_at
    response = sla.clock(
        start, response_at or cancelled_at, None if target is None else target[0], now
    )
    restore = sla.clock(start, done_at or cancelled_at, None if target is None else target[1], now)
    return schemas.SlaRead(
        response=_clock(response),
        restore=_clock(restore),
        breached=response.breached or restore.breached,
        at_risk=response.at_risk or restore.at_risk,
    )


def _work_order_read(
    order: WorkOrder, targets: Targets, now: datetime, seen: set[int] | None
) -> schemas.WorkOrderRead:
    """A work order; ``seen`` the donors the reader may see (``_seen_donors``)."""
    return schemas.WorkOrderRead(
        id=order.id,
        defect=order.defect_id,
        unit=order.defect.unit.serial,
        kind=order.kind,
        status=order.status,
        opened_at=order.opened_at,
        opened_by=order.opened_by,
        changed_at=order.changed_at,
        faulty_serial=order.faulty_serial,
        replacement_serial=order.replacement_serial,
        labour_hours=order.labour_hours,
        travel_km=order.travel_km,
        history=[
            schemas.TransitionRead(
                from_status=t.from_status,
                to_status=t.to_status,
                at=t.at,
                actor=t.actor,
                reason=t.reason,
            )
            for t in order.history
        ],
        parts=[_line_read(line, seen) for line in order.parts],
        sla=sla_of(order, targets, now),
    )


def _visible_orders(scope: Scope, region: str | None = None) -> Select[Any]:
    """The work orders ``scope`` may see (filters only: no loads, no order)."""
    defects = select(Defect.id).where(Defect.unit_id.in_(visible_units(scope, region)))
    return select(WorkOrder).where(WorkOrder.defect_id.in_(defects))


def work_order_read(
    session: Session, order_id: int, scope: Scope = EVERYTHING
) -> schemas.WorkOrderRead:
    """One work order with its history."""
    statement = (
        _visible_orders(scope)
        .options(*_WORK_ORDER_LOADS)
        .where(WorkOrder.id == order_id)
        .execution_options(populate_existing=True)
    )
    order = session.scalars(statement).first()
    if order is None:
        raise NotFound(_("work order {id} not found").format(id=order_id))
    seen = _seen_donors(session, [order], scope)
    return _work_order_read(order, _targets(session, [order]), utcnow(), seen)


def list_work_orders(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    status: WorkOrderStatus | None = None,
    region: str | None = None,
    defect: int | None = None,
    breached: bool | None = None,
    at_risk: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
    cursor: str | None = None,
    done_in: tuple[datetime, datetime] | None = None,
) -> Page[schemas.WorkOrderRead]:
    """A page of work orders, newest first; ``breached`` / ``at_risk`` keep those whose SLA is
    (or is not) breached / at risk at ``now`` (default: the time of the request), judged in
    the database (``sla_sql``) so the total and the page are counted there; ``done_in``
    (start, end) keeps those done at start ≤ t < end."""
    statement = _visible_orders(scope, region)
    if status:
        statement = statement.where(WorkOrder.status == status)
    if done_in is not None:
        done = sla_sql.done_at()
        statement = statement.where(done >= done_in[0], done < done_in[1])
    if defect is not None:
        statement = statement.where(WorkOrder.defect_id == defect)
    now = utcnow() if now is None else now
    if breached is not None or at_risk is not None:
        clocks = sla_sql.Clocks(session.get_bind().dialect.name, now)
        for wanted, flag in ((breached, clocks.breached()), (at_risk, clocks.at_risk())):
            if wanted is not None:
                statement = statement.where(flag if wanted else ~flag)
    window = page(
        session,
        statement,
        name="work-orders",
        key=WorkOrder.id,
        order=(WorkOrder.opened_at.desc(), WorkOrder.id.desc()),
        load=load_rows(session, select(WorkOrder).options(*_WORK_ORDER_LOADS), WorkOrder.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    targets = _targets(session, window.rows)
    seen = _seen_donors(session, window.rows, scope)
    items = [_work_order_read(o, targets, now, seen) for o in window.rows]
    return Page[schemas.WorkOrderRead](items=items, **window.meta())
