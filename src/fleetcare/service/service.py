"""The service domain's facade: what REST views, the CLI, pages and other domains call.

Reads take a Session and the caller's ``Scope`` and return schemas; writes take the acting
``Principal``, leave an audit entry and never commit (the request's or command's transaction
does). The code lives by idea in ``defects``, ``work_orders``, ``downtime``, ``coverage``
(facts for the pure ``warranty`` rules), ``queries`` and ``tables``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import MAX_LIMIT, every_item
from fleetcare.parts import service as parts
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import coverage, schemas
from fleetcare.service.claims import claim_read as claim_read
from fleetcare.service.claims import export_claims as export_claims
from fleetcare.service.claims import list_claims as list_claims
from fleetcare.service.claims import update_work_order as update_work_order
from fleetcare.service.defects import close_defect as close_defect
from fleetcare.service.defects import decide_warranty as decide_warranty
from fleetcare.service.defects import report_defect as report_defect
from fleetcare.service.downtime import availability as availability
from fleetcare.service.errors import Conflict as Conflict
from fleetcare.service.models import Downtime
from fleetcare.service.queries import DefectFilter as DefectFilter
from fleetcare.service.queries import defect_read as defect_read
from fleetcare.service.queries import list_defects as list_defects
from fleetcare.service.queries import list_work_orders as list_work_orders
from fleetcare.service.queries import visible_unit, visible_units
from fleetcare.service.queries import work_order_read as work_order_read
from fleetcare.service.scheduled import overdue as overdue
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.tables import MAINTENANCE_PLANS as MAINTENANCE_PLANS
from fleetcare.service.tables import SERVICE_CONTRACTS as SERVICE_CONTRACTS
from fleetcare.service.tables import SERVICE_LEVELS as SERVICE_LEVELS
from fleetcare.service.tables import SERVICE_RATES as SERVICE_RATES
from fleetcare.service.tables import WARRANTY_POLICIES as WARRANTY_POLICIES
from fleetcare.service.warranty import WHOLE_MACHINE
from fleetcare.service.work_order_parts import Added as Added
from fleetcare.service.work_order_parts import add_part as add_part
from fleetcare.service.work_order_parts import reserve_again as reserve_again
from fleetcare.service.work_order_parts import resolve as resolve
from fleetcare.service.work_orders import open_work_order as open_work_order
from fleetcare.service.work_orders import transition as transition
from fleetcare.service.work_orders import unschedule as unschedule

NotEnoughStock = parts.NotEnoughStock


def check_warranty(
    session: Session,
    serial: str,
    component_group: ComponentGroup | None,
    on: date,
    *,
    hours: float | None = None,
    scope: Scope = EVERYTHING,
) -> schemas.WarrantyCheck:
    """The warranty decision for a unit's component group on a day, without recording it
    (``None``: the machine as a whole, by the whole-machine policy and contracts)."""
    unit = visible_unit(session, serial, scope)
    group = WHOLE_MACHINE if component_group is None else component_group.value
    answer = coverage.decision(session, unit, group, on, hours=hours)
    return schemas.WarrantyCheck(
        serial=unit.serial,
        component_group=component_group,
        on=on,
        decision=answer.decision,
        reasons=[str(reason) for reason in answer.reasons],
        warranty_until=answer.warranty_until,
        hours_limit=answer.hours_limit,
        hours=answer.hours,
    )


# --- reads for the pages (service/pages.py) --------------------------------------------------
def unit_downtime(
    session: Session, unit_id: int, scope: Scope = EVERYTHING, limit: int = 20
) -> list[tuple[datetime, datetime | None]]:
    """The unit's downtime stretches (start, end or None: still down), latest first; none when
    ``scope`` may not see the unit."""
    visible = visible_units(scope)
    statement = (
        select(Downtime.started_at, Downtime.ended_at)
        .where(Downtime.unit_id == unit_id, Downtime.unit_id.in_(visible))
        .order_by(Downtime.started_at.desc())
        .limit(limit)
    )
    return [(start, end) for start, end in session.execute(statement)]


def work_orders_done(
    session: Session, scope: Scope, region: str | None, between: tuple[datetime, datetime]
) -> list[schemas.WorkOrderRead]:
    """Every work order in scope done at start ≤ t < end, with its SLA clocks."""
    return every_item(
        lambda cursor: list_work_orders(
            session,
            scope=scope,
            region=region,
            status=WorkOrderStatus.done,
            done_in=between,
            limit=MAX_LIMIT,
            cursor=cursor,
        )
    )
