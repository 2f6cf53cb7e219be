"""Warranty claims: a covered repair work order that reaches ``done`` claims its cost from the
maker — parts issued at cost, labour hours × the region's labour rate, travel km × its km rate
— and a claim on a supplier's parts yields a recovery claim to that supplier.

``make`` runs inside the ``done`` transition (the same transaction, after the parts were
issued). The fields the claim needs are entered on the work order while it is active
(``update_work_order``). Reads are narrowed to the caller's scope through the claim's unit.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import load_rows, page
from fleetcare.core.schemas import Page
from fleetcare.core.tabular import defuse
from fleetcare.fleet.models import Unit
from fleetcare.service import schemas
from fleetcare.service.errors import Conflict
from fleetcare.service.models import (
    Claim,
    ClaimKind,
    Defect,
    LineOption,
    LineStatus,
    ServiceRate,
    WorkOrder,
    WorkOrderKind,
    WorkOrderPart,
)
from fleetcare.service.queries import visible_defect, visible_units
from fleetcare.service.states import FINAL
from fleetcare.service.warranty import Decision

CENT = Decimal("0.01")
EXPORT_MAX = 10_000  # rows in one export
EXPORT_COLUMNS = (
    "id",
    "kind",
    "work_order",
    "unit",
    "parent",
    "supplier",
    "created_at",
    "faulty_serial",
    "replacement_serial",
    "labour_hours",
    "labour_rate",
    "labour_cost",
    "travel_km",
    "km_rate",
    "travel_cost",
    "parts_cost",
    "total",
    "currency",
    "other_currencies",
    "lines",
)


def update_work_order(
    session: Session, order_id: int, body: schemas.WorkOrderUpdate, *, by: Principal
) -> int:
    """Enter the claim's fields on an active work order (done or cancelled: 409); returns its
    id."""
    missing = NotFound(_("work order {id} not found").format(id=order_id))
    defect_id = session.scalar(select(WorkOrder.defect_id).where(WorkOrder.id == order_id))
    if defect_id is None:
        raise missing
    try:
        visible_defect(session, defect_id, by.scope, lock=True)
    except NotFound:
        raise missing from None
    order = session.get(WorkOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise missing
    if order.status in FINAL:
        raise Conflict(
            _("work order {id} is {status}: it cannot change").format(
                id=order.id, status=named(order.status)
            )
        )
    changes = body.model_dump(exclude_unset=True)
    before = {name: getattr(order, name) for name in changes}
    for name, value in changes.items():
        setattr(order, name, value)
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="update",
        entity="work_orders",
        key=str(order.id),
        before=before,
        after=changes,
    )
    return order.id


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _sum(lines: list[dict[str, Any]], currency: str | None) -> tuple[Decimal, dict[str, str]]:
    """The lines' cost in ``currency``, and the costs in any other currency (unconverted)."""
    own = Decimal(0)
    others: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if currency is None or line["currency"] == currency:
            own += Decimal(line["cost"])
        else:
            others[line["currency"]] += Decimal(line["cost"])
    return _money(own), {c: str(_money(v)) for c, v in sorted(others.items())}


def make(session: Session, order: WorkOrder, defect: Defect, *, by: Principal) -> None:
    """The claims of a work order just done: none unless it is a repair whose defect's warranty
    decision is ``covered``; then one warranty claim and one recovery claim per supplier."""
    if order.kind is not WorkOrderKind.repair or defect.decision is not Decision.covered:
        return
    unit = session.get(Unit, defect.unit_id)
    assert unit is not None
    region_id = unit.site.region_id
    rate = session.scalars(select(ServiceRate).where(ServiceRate.region_id == region_id)).first()
    issued = session.scalars(
        select(WorkOrderPart)
        .options(joinedload(WorkOrderPart.part))
        .where(WorkOrderPart.work_order_id == order.id, WorkOrderPart.status == LineStatus.issued)
        .order_by(WorkOrderPart.id)
    ).all()
    lines: list[dict[str, Any]] = []
    for line in issued:
        grey = line.option is LineOption.grey and line.price is not None
        unit_cost = line.price if grey and line.price is not None else line.part.unit_cost
        lines.append(
            {
                "part": line.part.number,
                "quantity": line.quantity,
                "unit_cost": str(_money(unit_cost)),
                "cost": str(_money(unit_cost * line.quantity)),
                "currency": (line.currency if grey else line.part.currency) or "RUB",
                "supplier": None if grey else line.part.supplier,
                "grey": grey,
            }
        )
    currency = rate.currency if rate else (lines[0]["currency"] if lines else None)
    labour_cost = travel_cost = None
    if rate is not None and order.labour_hours is not None:
        labour_cost = _money(rate.labour_rate * Decimal(str(order.labour_hours)))
    if rate is not None and order.travel_km is not None:
        travel_cost = _money(rate.km_rate * Decimal(str(order.travel_km)))
    parts_cost, others = _sum(lines, currency)
    claim = Claim(
        kind=ClaimKind.warranty,
        work_order_id=order.id,
        unit_id=unit.id,
        created_at=utcnow(),
        faulty_serial=order.faulty_serial,
        replacement_serial=order.replacement_serial,
        labour_hours=order.labour_hours,
        labour_rate=None if rate is None else rate.labour_rate,
        labour_cost=labour_cost,
        travel_km=order.travel_km,
        km_rate=None if rate is None else rate.km_rate,
        travel_cost=travel_cost,
        parts_cost=parts_cost,
        total=parts_cost + (labour_cost or 0) + (travel_cost or 0),
        currency=currency,
        other_currencies=others,
        lines=lines,
    )
    session.add(claim)
    session.flush()
    made = [claim]
    by_supplier: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in lines:
        if item["supplier"]:
            by_supplier[item["supplier"]].append(item)
    for supplier, supplied in sorted(by_supplier.items()):
        own = supplied[0]["currency"]
        cost, rest = _sum(supplied, own)
        recovery = Claim(
            kind=ClaimKind.recovery,
            work_order_id=order.id,
            unit_id=unit.id,
            parent_id=claim.id,
            supplier=supplier,
            created_at=claim.created_at,
            faulty_serial=order.faulty_serial,
            replacement_serial=order.replacement_serial,
            parts_cost=cost,
            total=cost,
            currency=own,
            other_currencies=rest,
            lines=supplied,
        )
        session.add(recovery)
        made.append(recovery)
    session.flush()
    for row in made:
        audit.record(
            session,
            actor=by.username,
            action="create",
            entity="claims",
            key=str(row.id),
            after=_read(row),
        )


def _read(claim: Claim) -> schemas.ClaimRead:
    return schemas.ClaimRead(
        id=claim.id,
        kind=claim.kind,
        work_order=claim.work_order_id,
        unit=claim.unit.serial,
        parent=claim.parent_id,
        supplier=claim.supplier,
        created_at=claim.created_at,
        faulty_serial=claim.faulty_serial,
        replacement_serial=claim.replacement_serial,
        labour_hours=claim.labour_hours,
        labour_rate=claim.labour_rate,
        labour_cost=claim.labour_cost,
        travel_km=claim.travel_km,
        km_rate=claim.km_rate,
        travel_cost=claim.travel_cost,
        parts_cost=claim.parts_cost,
        total=claim.total,
        currency=claim.currency,
        other_currencies={k: Decimal(v) for k, v in claim.other_currencies.items()},
        lines=[schemas.ClaimLine(**line) for line in claim.lines],
    )


def _visible(
    scope: Scope,
    *,
    region: str | None = None,
    kind: ClaimKind | None = None,
    supplier: str | None = None,
    work_orders: Collection[int] | None = None,
) -> Select[Any]:
    statement = select(Claim).where(Claim.unit_id.in_(visible_units(scope, region)))
    if kind is not None:
        statement = statement.where(Claim.kind == kind)
    if supplier:
        statement = statement.where(Claim.supplier == supplier)
    if work_orders is not None:
        statement = statement.where(Claim.work_order_id.in_(sorted(work_orders)))
    return statement


def list_claims(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    kind: ClaimKind | None = None,
    supplier: str | None = None,
    work_orders: Collection[int] | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.ClaimRead]:
    """A page of claims, newest first (of ``work_orders`` only, when given)."""
    statement = _visible(
        scope, region=region, kind=kind, supplier=supplier, work_orders=work_orders
    )
    window = page(
        session,
        statement,
        name="claims",
        key=Claim.id,
        order=(Claim.id.desc(),),
        load=load_rows(session, select(Claim).options(joinedload(Claim.unit)), Claim.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.ClaimRead](items=[_read(c) for c in window.rows], **window.meta())


def claim_read(session: Session, claim_id: int, scope: Scope = EVERYTHING) -> schemas.ClaimRead:
    """One claim."""
    statement = _visible(scope).options(joinedload(Claim.unit)).where(Claim.id == claim_id)
    claim = session.scalars(statement).first()
    if claim is None:
        raise NotFound(_("claim {id} not found").format(id=claim_id))
    return _read(claim)


def export_claims(
    session: Session, scope: Scope, *, as_csv: bool, region: str | None = None
) -> str:
    """The claims in scope (newest first, at most ``EXPORT_MAX``) as CSV or a JSON list."""
    statement = _visible(scope, region=region).options(joinedload(Claim.unit))
    rows = session.scalars(statement.order_by(Claim.id.desc()).limit(EXPORT_MAX)).all()
    records = [_read(c).model_dump(mode="json") for c in rows]
    if not as_csv:
        return json.dumps(records)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        flat = {k: record[k] for k in EXPORT_COLUMNS}
        flat["other_currencies"] = json.dumps(record["other_currencies"])
        flat["lines"] = json.dumps(record["lines"])
        writer.writerow({k: defuse(v) if isinstance(v, str) else v for k, v in flat.items()})
    return out.getvalue()
