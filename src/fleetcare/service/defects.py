"""Defect reports: report one (the warranty decision is computed on the spot), close one that
needs no work, and confirm or override its warranty decision. Each change is audited; a down
defect moves its unit's downtime and status along (``downtime.refresh``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Principal
from fleetcare.fleet.models import UnitStatus
from fleetcare.service import coverage, downtime, schemas
from fleetcare.service.errors import Conflict
from fleetcare.service.models import Claim, Defect, DefectStatus, WorkOrder
from fleetcare.service.queries import defect_read, visible_defect, visible_unit
from fleetcare.service.states import ACTIVE


def moment(field: str, value: datetime | None, *, not_before: datetime | None = None) -> datetime:
    """``value`` (default: now); refused (422 on ``field``) in the future or before
    ``not_before``."""
    now = utcnow()
    at = now if value is None else value
    if at > now:
        raise InvalidInput([FieldError(field, _("is in the future"))])
    if not_before is not None and at < not_before:
        message = _("is before {earlier}").format(earlier=not_before.isoformat(" "))
        raise InvalidInput([FieldError(field, message)])
    return at


def report_defect(
    session: Session, body: schemas.DefectCreate, *, by: Principal
) -> schemas.DefectRead:
    """Record a defect on a unit the reporter may see (another's: 404) and decide its warranty.

    The hours, when given, may not be below the unit's latest reading at or before the report.
    """
    unit = visible_unit(session, body.unit, by.scope, lock=True)
    if unit.status is UnitStatus.retired:
        raise InvalidInput([FieldError("unit", _("the unit is retired"))])
    reported_at = moment("reported_at", body.reported_at)
    if body.hours is not None:
        reading = coverage.latest_reading(session, unit.id, reported_at)
        if reading is not None and body.hours < reading.engine_hours:
            message = _("{hours:g} is below the reading of {reading:g} on {day}").format(
                hours=body.hours, reading=reading.engine_hours, day=reading.taken_on.isoformat()
            )
            raise InvalidInput([FieldError("hours", message)])
    answer = coverage.decision(
        session,
        unit,
        body.component_group.value,
        reported_at.date(),
        hours=body.hours,
        until=reported_at,
    )
    defect = Defect(
        unit_id=unit.id,
        component_group=body.component_group,
        symptom=body.symptom,
        down=body.down,
        status=DefectStatus.open,
        reported_at=reported_at,
        reported_by=by.username,
        hours=body.hours,
        computed_decision=answer.decision,
        decision=answer.decision,
        reasons=[reason.dump() for reason in answer.reasons],  # each read in its reader's words
        warranty_until=answer.warranty_until,
        hours_limit=answer.hours_limit,
        decision_hours=answer.hours,
    )
    session.add(defect)
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="report",
        entity="defects",
        key=str(defect.id),
        after={**body.model_dump(mode="json"), "decision": answer.decision.value},
    )
    if defect.down:
        downtime.refresh(session, unit.id, by=by)
    return defect_read(session, defect.id)


def has_active_work_order(session: Session, defect_id: int) -> bool:
    """True when a work order of the defect is neither done nor cancelled."""
    statement = select(WorkOrder.id).where(
        WorkOrder.defect_id == defect_id, WorkOrder.status.in_(sorted(ACTIVE))
    )
    return session.scalar(statement.limit(1)) is not None


def close_defect(
    session: Session, defect_id: int, body: schemas.DefectClose, *, by: Principal
) -> schemas.DefectRead:
    """Close an open defect that needs no work (no fault found); 409 while a work order is
    active."""
    defect = visible_defect(session, defect_id, by.scope, lock=True)
    if defect.status is not DefectStatus.open:
        raise Conflict(
            _("defect {id} is {status} already").format(id=defect.id, status=named(defect.status))
        )
    if has_active_work_order(session, defect.id):
        raise Conflict(
            _("defect {id} has an active work order: finish or cancel it").format(id=defect.id)
        )
    at = moment("at", body.at, not_before=defect.reported_at)
    defect.status = DefectStatus.closed
    defect.ended_at = at
    defect.close_reason = body.reason
    if defect.down and defect.down_until is None:
        defect.down_until = at
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="close",
        entity="defects",
        key=str(defect.id),
        after=body,
    )
    if defect.down:
        downtime.refresh(session, defect.unit_id, by=by)
    return defect_read(session, defect.id)


def decide_warranty(
    session: Session, defect_id: int, body: schemas.WarrantyDecide, *, by: Principal
) -> schemas.DefectRead:
    """Confirm (the same decision) or override (another) a defect's warranty decision, with a
    reason; the computed decision and its reasons are kept beside it. Once a claim was made
    under it (its work order done, covered), another decision is a ``Conflict``: the claims
    would stand against a decision that no longer holds."""
    defect = visible_defect(session, defect_id, by.scope, lock=True)
    if body.decision is not defect.decision:
        claimed = session.scalar(
            select(Claim.id)
            .join(WorkOrder, Claim.work_order_id == WorkOrder.id)
            .where(WorkOrder.defect_id == defect.id)
            .order_by(Claim.id)
            .limit(1)
        )
        if claimed is not None:
            raise Conflict(
                _(
                    "claim #{claim} was made under this decision: it stands once claimed "
                    "(settle the claim with the maker or the supplier instead)"
                ).format(claim=claimed)
            )
    before = {
        "decision": defect.decision.value,
        "decided_by": defect.decided_by,
        "reason": defect.decision_reason,
    }
    defect.decision = body.decision
    defect.decided_by = by.username
    defect.decided_at = utcnow()
    defect.decision_reason = body.reason
    session.flush()
    action = "confirm" if body.decision is defect.computed_decision else "override"
    audit.record(
        session,
        actor=by.username,
        action=action,
        entity="warranty",
        key=str(defect.id),
        before=before,
        after=body,
    )
    return defect_read(session, defect.id)
