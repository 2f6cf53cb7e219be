"""Work orders: open one for a defect, move it through its states (``states.MOVES``).

Locks are taken in one order — the defect, then the work order, then the unit — so concurrent
writers queue instead of deadlocking; on SQLite every writing transaction already holds the
database's write lock. A transition may carry the time it happened in the field (``at``):
never in the future, never before the previous transition. Every transition is kept in the
order's history and audited; ``done`` or ``cancelled`` releases a down defect's hold on its unit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import EVERYTHING, Principal
from fleetcare.service import claims, downtime, schemas, work_order_parts
from fleetcare.service.defects import has_active_work_order, moment
from fleetcare.service.errors import Conflict
from fleetcare.service.models import DefectStatus, WorkOrder, WorkOrderTransition
from fleetcare.service.queries import visible_defect
from fleetcare.service.states import FINAL, WorkOrderStatus, allowed


def open_work_order(session: Session, body: schemas.WorkOrderCreate, *, by: Principal) -> int:
    """Open a work order for an open defect; 409 when the defect has an active one already.
    Returns its id (``work_order_read`` reads it back)."""
    defect = visible_defect(session, body.defect, by.scope, lock=True)
    if defect.status is not DefectStatus.open:
        raise Conflict(
            _("defect {id} is {status}: it needs no work order").format(
                id=defect.id, status=named(defect.status)
            )
        )
    if has_active_work_order(session, defect.id):
        raise Conflict(_("defect {id} has an active work order already").format(id=defect.id))
    at = moment("at", body.at, not_before=defect.reported_at)
    order = WorkOrder(
        defect_id=defect.id,
        status=WorkOrderStatus.open,
        opened_at=at,
        opened_by=by.username,
        changed_at=at,
        kind=body.kind,
    )
    session.add(order)
    session.flush()
    session.add(
        WorkOrderTransition(
            work_order_id=order.id,
            from_status=None,
            to_status=WorkOrderStatus.open,
            at=at,
            recorded_at=utcnow(),
            actor=by.username,
        )
    )
    audit.record(
        session,
        actor=by.username,
        action="open",
        entity="work_orders",
        key=str(order.id),
        after=body,
    )
    return order.id


def transition(
    session: Session, order_id: int, body: schemas.TransitionCreate, *, by: Principal
) -> int:
    """Move a work order to ``body.to``: 409 naming an illegal move, 422 for a bad ``at``.
    Returns its id."""
    missing = NotFound(_("work order {id} not found").format(id=order_id))
    defect_id = session.scalar(select(WorkOrder.defect_id).where(WorkOrder.id == order_id))
    if defect_id is None:
        raise missing
    try:
        defect = visible_defect(session, defect_id, by.scope, lock=True)
    except NotFound:
        raise missing from None
    order = session.get(WorkOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise missing
    if not allowed(order.status, body.to):
        raise Conflict(
            _("work order {id} cannot move from {current} to {to}").format(
                id=order.id, current=named(order.status), to=named(body.to)
            )
        )
    at = moment("at", body.at, not_before=order.changed_at)
    current = order.status
    work_order_parts.settle(session, order, body.to, by=by)
    session.add(
        WorkOrderTransition(
            work_order_id=order.id,
            from_status=current,
            to_status=body.to,
            at=at,
            recorded_at=utcnow(),
            actor=by.username,
            reason=body.reason,
        )
    )
    order.status = body.to
    order.changed_at = at
    if body.to in FINAL and defect.down and defect.down_until is None:
        defect.down_until = at
    if body.to is WorkOrderStatus.done:
        defect.status = DefectStatus.resolved
        defect.ended_at = at
    session.flush()
    if body.to is WorkOrderStatus.done:
        claims.make(session, order, defect, by=by)
    audit.record(
        session,
        actor=by.username,
        action="transition",
        entity="work_orders",
        key=str(order.id),
        before={"status": current.value},
        after={"status": body.to.value, "at": at.isoformat(), "reason": body.reason},
    )
    if body.to in FINAL and defect.down:
        downtime.refresh(session, defect.unit_id, by=by)
    return order.id


def unschedule(
    session: Session, order_id: int, *, by: Principal, reason: str | None = None
) -> int | None:
    """Move a ``scheduled`` work order back to ``open`` — the workforce's call when the last
    crew assignment on it is cancelled (not a move of ``states.MOVES``: the API's transitions
    cannot make it). Kept in the order's history and audited like a transition; a work order
    in any other state is left as it is (None). Returns its id when it moved. The caller's
    right comes from the assignment it cancelled (a technician of its region may work on a
    unit of another), so the order is not looked up in ``by``'s scope."""
    defect_id = session.scalar(select(WorkOrder.defect_id).where(WorkOrder.id == order_id))
    if defect_id is None:
        raise NotFound(_("work order {id} not found").format(id=order_id))
    visible_defect(session, defect_id, EVERYTHING, lock=True)
    order = session.get(WorkOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None or order.status is not WorkOrderStatus.scheduled:
        return None
    at = max(utcnow(), order.changed_at)
    session.add(
        WorkOrderTransition(
            work_order_id=order.id,
            from_status=WorkOrderStatus.scheduled,
            to_status=WorkOrderStatus.open,
            at=at,
            recorded_at=utcnow(),
            actor=by.username,
            reason=reason,
        )
    )
    order.status = WorkOrderStatus.open
    order.changed_at = at
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="transition",
        entity="work_orders",
        key=str(order.id),
        before={"status": WorkOrderStatus.scheduled.value},
        after={"status": WorkOrderStatus.open.value, "at": at.isoformat(), "reason": reason},
    )
    return order.id
