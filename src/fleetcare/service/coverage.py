"""The facts of a warranty decision, read from the database, and the decision itself.

``warranty.decide`` is pure; this module builds its ``Question`` for one unit: its model's
policies, its customer's contracts, and its latest engine-hour reading at or before the day.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.fleet.models import ProductModel, Unit, UsageReading
from fleetcare.parts.labels import LABELS as PARTS_WORDS
from fleetcare.parts.models import ComponentGroup, MoveKind, Part, StockMove
from fleetcare.service import scheduled
from fleetcare.service.models import ServiceContract, WarrantyPolicy
from fleetcare.service.warranty import (
    Answer,
    Contract,
    GreyFitting,
    Policy,
    Question,
    Reading,
    decide,
)


def latest_reading(session: Session, unit_id: int, until: datetime) -> Reading | None:
    """The unit's latest engine-hour reading taken at or before ``until``."""
    row = session.execute(
        select(UsageReading.taken_at, UsageReading.engine_hours)
        .where(
            UsageReading.unit_id == unit_id,
            UsageReading.taken_at <= until,
            UsageReading.engine_hours.is_not(None),
        )
        .order_by(UsageReading.taken_at.desc())
        .limit(1)
    ).first()
    if row is None or row.engine_hours is None:
        return None
    return Reading(taken_on=row.taken_at.date(), engine_hours=row.engine_hours)


def grey_fittings(session: Session, unit: Unit) -> list[GreyFitting]:
    """Non-genuine parts fitted to the unit: the grey-market purchases booked against its
    serial in the ledger (a work order's ``grey`` option books one), by the part's group and
    the day of the purchase."""
    rows = session.execute(
        select(Part.group, StockMove.at)
        .join(Part, Part.id == StockMove.part_id)
        .where(StockMove.kind == MoveKind.grey_purchase, StockMove.unit_serial == unit.serial)
        .order_by(StockMove.at)
    ).all()
    return [GreyFitting(component_group=group.value, fitted_on=at.date()) for group, at in rows]


def question(
    session: Session,
    unit: Unit,
    component_group: str,
    on: date,
    *,
    hours: float | None = None,
    until: datetime | None = None,
) -> Question:
    """Everything ``decide`` needs about ``unit`` on day ``on``.

    ``until`` is the moment the hours reading may be taken by (default: the end of ``on``).
    """
    policies = session.scalars(
        select(WarrantyPolicy).where(WarrantyPolicy.model_id == unit.model_id)
    ).all()
    contracts = session.scalars(
        select(ServiceContract)
        .options(joinedload(ServiceContract.model))
        .where(ServiceContract.customer_id == unit.customer_id)
    ).all()
    model_code = session.scalar(select(ProductModel.code).where(ProductModel.id == unit.model_id))
    cut = until if until is not None else datetime.combine(on, time.max)
    return Question(
        model=model_code or "",
        component_group=component_group,
        on=on,
        warranty_start=unit.warranty_start,
        policies=[
            Policy(
                component_group=None if p.component_group is None else p.component_group.value,
                months=p.months,
                hours_limit=p.hours,
            )
            for p in policies
        ],
        contracts=[
            Contract(
                reference=c.reference,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                model=None if c.model is None else c.model.code,
                component_group=None if c.component_group is None else c.component_group.value,
            )
            for c in contracts
        ],
        hours=hours,
        reading=latest_reading(session, unit.id, cut),
        grey_fittings=grey_fittings(session, unit),
        maintenance=scheduled.missed_maintenance(session, unit),
        group_words={group.value: PARTS_WORDS[group] for group in ComponentGroup},
    )


def decision(
    session: Session,
    unit: Unit,
    component_group: str,
    on: date,
    *,
    hours: float | None = None,
    until: datetime | None = None,
) -> Answer:
    """The warranty decision for ``unit``'s ``component_group`` on day ``on``."""
    return decide(question(session, unit, component_group, on, hours=hours, until=until))
