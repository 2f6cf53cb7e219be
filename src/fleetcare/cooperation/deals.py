"""Deals: scoped reads, checked and audited writes, and the stage machine's moves.

A customer reads its own deals; a regional manager reads and writes its regions' customers'
deals; a deal outside the caller's scope does not exist for it (404). A move the stage machine
forbids is a ``Conflict`` (409) naming it. Shipping a signed deal creates its delivery and its
units through the fleet domain's facade, in the request's one transaction; delivering it dates
the delivery and starts the units' warranty that day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from fleetcare.cooperation import schemas
from fleetcare.cooperation.models import Deal
from fleetcare.cooperation.stages import IllegalMove, Stage, check_move
from fleetcare.cooperation.tables import DEALS, visible_deals
from fleetcare.core import audit, crud
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today, utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import contains, entity_page
from fleetcare.core.schemas import Page
from fleetcare.fleet import schemas as fleet_schemas
from fleetcare.fleet import service as fleet
from fleetcare.fleet.models import Customer, Region, Unit
from fleetcare.fleet.scoping import refuse_unseen
from fleetcare.service.service import Conflict

FROZEN_WHEN_SHIPPED = ("customer", "model", "quantity", "site")


def visible_deal(
    session: Session, deal_id: int, scope: Scope = EVERYTHING, *, lock: bool = False
) -> Deal:
    """Deal ``deal_id`` if ``scope`` may see it (locked when ``lock``), else ``NotFound``."""
    statement = select(Deal).where(Deal.id == deal_id, Deal.id.in_(visible_deals(scope)))
    found = session.scalars(statement.with_for_update() if lock else statement).first()
    if found is None:
        raise NotFound(_("deal {id} not found").format(id=deal_id))
    return found


def _unit_counts(session: Session, deals: list[Deal]) -> dict[int, int]:
    deliveries = sorted({d.delivery_id for d in deals if d.delivery_id is not None})
    if not deliveries:
        return {}
    rows = session.execute(
        select(Unit.delivery_id, func.count())
        .where(Unit.delivery_id.in_(deliveries))
        .group_by(Unit.delivery_id)
    )
    return {delivery_id: count for delivery_id, count in rows if delivery_id is not None}


def _read(deal: Deal, units: dict[int, int]) -> schemas.DealRead:
    return schemas.DealRead.model_validate(
        {
            "id": deal.id,
            **DEALS.to_record(deal).model_dump(),
            "region": deal.customer.region.name,
            "changed_at": deal.changed_at,
            "units": units.get(deal.delivery_id, 0) if deal.delivery_id is not None else 0,
        }
    )


def deal_read(session: Session, deal_id: int, scope: Scope = EVERYTHING) -> schemas.DealRead:
    """One deal."""
    deal = visible_deal(session, deal_id, scope)
    return _read(deal, _unit_counts(session, [deal]))


def list_deals(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    stage: Stage | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.DealRead]:
    """A page of deals by reference; ``q`` matches part of the reference or customer code."""
    statement = select(Deal).where(Deal.id.in_(visible_deals(scope)))
    if region:
        statement = statement.where(Deal.customer.has(Customer.region.has(Region.name == region)))
    if stage:
        statement = statement.where(Deal.stage == stage)
    if q:
        pattern = contains(q)
        statement = statement.where(
            Deal.reference.ilike(pattern, escape="\\")
            | Deal.customer.has(Customer.code.ilike(pattern, escape="\\"))
        )
    window = entity_page(
        session,
        statement,
        name="deals",
        order=(Deal.reference,),
        loads=(joinedload(Deal.customer).joinedload(Customer.region), joinedload(Deal.model)),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    units = _unit_counts(session, list(window.rows))
    return Page[schemas.DealRead](items=[_read(r, units) for r in window.rows], **window.meta())


def create_deal(session: Session, record: schemas.DealRecord, *, by: Principal) -> schemas.DealRead:
    """Add a deal (its reference must be new); a scoped writer only for its customers."""
    if not by.scope.everything:
        refuse_unseen(session, DEALS, record.model_dump(), by.scope)
    row_id = crud.create(session, DEALS, record, by=by)
    deal = session.get_one(Deal, row_id)
    deal.changed_at = utcnow()
    return deal_read(session, row_id)


def update_deal(
    session: Session, deal_id: int, patch: schemas.DealUpdate, *, by: Principal
) -> schemas.DealRead:
    """Change a visible deal (404 otherwise); a shipped deal's customer, model, quantity and
    site are what was shipped (409)."""
    deal = visible_deal(session, deal_id, by.scope, lock=True)
    values: dict[str, Any] = patch.model_dump(exclude_unset=True)
    if deal.stage in schemas.SHIPPED:
        frozen = [name for name in FROZEN_WHEN_SHIPPED if name in values]
        if frozen:
            raise Conflict(
                _("a {stage} deal keeps its {fields}").format(
                    stage=deal.stage.value, fields=", ".join(frozen)
                )
            )
    if not by.scope.everything:
        refuse_unseen(session, DEALS, values, by.scope, deal.id)
    crud.update(session, DEALS, deal.id, patch, by=by)
    deal.changed_at = utcnow()
    session.flush()
    return deal_read(session, deal.id)


def move_deal(
    session: Session, deal_id: int, move: schemas.DealMove, *, by: Principal
) -> schemas.DealRead:
    """Move a deal to ``move.to`` (409 when the machine forbids it); shipping creates the
    delivery and units, delivering dates them; audited."""
    deal = visible_deal(session, deal_id, by.scope, lock=True)
    before = {"stage": deal.stage.value, "lost_reason": deal.lost_reason}
    try:
        check_move(deal.stage, move.to)
    except IllegalMove as exc:
        raise Conflict(str(exc)) from None
    if move.to is Stage.lost and move.reason is None:
        raise InvalidInput([FieldError("reason", _("a lost deal says why"))])
    if move.to is not Stage.lost and move.reason is not None:
        raise InvalidInput([FieldError("reason", _("only a move to lost takes a reason"))])
    if move.serials is not None and move.to is not Stage.shipped:
        raise InvalidInput([FieldError("serials", _("only a shipment takes serials"))])
    day = move.on or today()
    if move.to is Stage.shipped:
        _ship(session, deal, day, move.serials, by=by)
    elif move.to is Stage.delivered:
        _deliver(session, deal, day, by=by)
    deal.stage = move.to
    deal.lost_reason = move.reason
    deal.changed_at = utcnow()
    after = {"stage": deal.stage.value, "lost_reason": deal.lost_reason, "on": day.isoformat()}
    audit.record(
        session,
        actor=by.username,
        action="transition",
        entity=DEALS.name,
        key=deal.reference,
        before=before,
        after=after,
    )
    session.flush()
    return deal_read(session, deal.id)


def serials_for(reference: str, quantity: int) -> list[str]:
    """The serials a shipment gives its units when none are supplied: ``REF-0001`` …"""
    width = max(4, len(str(quantity)))
    return [f"{reference}-{n:0{width}d}" for n in range(1, quantity + 1)]


def _ship(
    session: Session, deal: Deal, day: date, serials: list[str] | None, *, by: Principal
) -> None:
    """Create the deal's delivery (its reference the deal's) and one unit per machine at the
    deal's site, dated ``day`` until the delivery dates them."""
    if deal.site is None:
        raise InvalidInput([FieldError("site", _("name the site before shipping the deal"))])
    chosen = serials if serials is not None else serials_for(deal.reference, deal.quantity)
    if len(chosen) != deal.quantity or len(set(chosen)) != len(chosen):
        message = _("give {count} distinct serials, one per machine").format(count=deal.quantity)
        raise InvalidInput([FieldError("serials", message)])
    delivery = fleet_schemas.DeliveryRecord(
        reference=deal.reference,
        customer=deal.customer.code,
        model=deal.model.code,
        quantity=deal.quantity,
        shipped_on=day,
    )
    delivery_id = fleet.create(session, fleet.DELIVERIES, delivery, by=by)
    items = [
        Item(
            fleet_schemas.UnitRecord(
                serial=serial,
                model=deal.model.code,
                customer=deal.customer.code,
                site=deal.site.name,
                delivered_on=day,
                delivery=deal.reference,
            ),
            row=number,
            must_be_new=True,
        )
        for number, serial in enumerate(chosen, start=1)
    ]
    try:
        result = fleet.UNITS.apply(session, items)
    except InvalidInput as exc:
        raise InvalidInput([FieldError("serials", e.message, e.row) for e in exc.errors]) from None
    audit.record_many(
        session,
        actor=by.username,
        entity=fleet.UNITS.name,
        entries=[("create", change) for change in result.changes],
    )
    deal.delivery_id = delivery_id


def _deliver(session: Session, deal: Deal, day: date, *, by: Principal) -> None:
    """Date the delivery and its units ``day``: the units' warranty starts then."""
    delivery = deal.delivery
    if delivery is None:  # an imported shipped deal always names its delivery
        raise InvalidInput([FieldError("delivery", _("the deal has no delivery"))])
    if day < delivery.shipped_on:
        message = _("delivered before it was shipped ({shipped})").format(
            shipped=delivery.shipped_on.isoformat()
        )
        raise InvalidInput([FieldError("on", message)])
    fleet.update(
        session,
        fleet.DELIVERIES,
        delivery.id,
        fleet_schemas.DeliveryUpdate(delivered_on=day),
        by=by,
    )
    units = session.scalars(
        select(Unit).where(Unit.delivery_id == delivery.id).order_by(Unit.serial)
    ).all()
    items = []
    for unit in units:
        record = fleet.UNITS.to_record(unit).model_dump()
        record.update(delivered_on=day, warranty_start=day)
        items.append(Item(fleet_schemas.UnitRecord.model_validate(record), target_id=unit.id))
    result = fleet.UNITS.apply(session, items)
    audit.record_many(
        session,
        actor=by.username,
        entity=fleet.UNITS.name,
        entries=[("update", change) for change in result.changes],
    )
