"""Balances changed directly: moves entered by hand, stock counts and target stock.

Stock changes only through ``ledger.move``; a count becomes an adjustment move. A target is
planning data, not stock: it is set on the balance row without a move.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.fleet import scoping as fleet_scoping
from fleetcare.fleet.models import Unit
from fleetcare.parts import ledger, schemas
from fleetcare.parts.models import Location, MoveKind, Part, StockLevel
from fleetcare.parts.queries import location_of, part_of

# The note of a count's adjustment in the ledger. Notes the system writes into records are
# English, the source language, so that a record reads the same to every reader.
STOCK_COUNT_NOTE = "stock count"

MANUAL_MOVES = {
    MoveKind.receipt,
    MoveKind.adjustment,
    MoveKind.issue,
    MoveKind.return_,
    MoveKind.scrap,
    MoveKind.cannibalisation,
    MoveKind.grey_purchase,
}


def _check_donor(session: Session, serial: str | None, by: Principal) -> None:
    """A cannibalisation names a unit the caller may see (an unseen one reads as unknown)."""
    if not serial:
        raise InvalidInput([FieldError("unit", _("name the unit the part was taken from"))])
    donor = select(Unit.id).where(Unit.serial == serial)
    if session.scalar(fleet_scoping.restrict(donor, Unit, by.scope)) is None:
        raise InvalidInput([FieldError("unit", _("unknown unit '{serial}'").format(serial=serial))])


def record_move(session: Session, body: schemas.MoveCreate, *, by: Principal) -> int:
    """A move entered by hand: receipt, adjustment, issue, return, scrap, cannibalisation, grey."""
    if body.kind not in MANUAL_MOVES:
        raise InvalidInput(
            [FieldError("kind", _("use the reservation or transfer routes for this move"))]
        )
    if body.kind is not MoveKind.adjustment and body.quantity <= 0:
        raise InvalidInput([FieldError("quantity", _("must be a positive number of pieces"))])
    if body.kind is MoveKind.adjustment and body.quantity == 0:
        raise InvalidInput([FieldError("quantity", _("an adjustment changes the stock"))])
    if body.kind is MoveKind.cannibalisation:
        _check_donor(session, body.unit, by)
    part = part_of(session, body.part)
    location = location_of(session, body.location)
    price, currency = body.price, body.currency or part.currency
    if body.kind is MoveKind.grey_purchase and price is None:
        # the default grey price is the part's, in the part's currency (× 5 the unit cost)
        price = part.grey_price if part.grey_price is not None else part.unit_cost * 5
        currency = part.currency
    delta = (
        ledger.Delta(on_hand=body.quantity)
        if body.kind is MoveKind.adjustment
        else ledger.Delta.of(body.kind, body.quantity)
    )
    entry = ledger.move(
        session,
        kind=body.kind,
        part_id=part.id,
        location_id=location.id,
        delta=delta,
        actor=by.username,
        price=price,
        currency=currency if price is not None else None,
        work_order=body.work_order,
        unit_serial=body.unit,
        note=body.note,
    )
    audit.record(
        session,
        actor=by.username,
        action=body.kind.value,
        entity="stock",
        key=f"{body.part}@{body.location}",
        after=body,
    )
    return entry.id


def set_on_hand(
    session: Session, part: Part, location: Location, on_hand: int, *, by: Principal
) -> int:
    """Bring the on-hand stock to a counted quantity with an adjustment move; returns the
    adjustment in pieces (0: the count matched, nothing written).

    The balance row is locked first, so a move committed meanwhile cannot be counted over."""
    ledger.lock(session, part.id, [location.id])
    current = ledger.level(session, part.id, location.id)
    change = on_hand - (current.on_hand if current else 0)
    if change == 0:
        return 0
    ledger.move(
        session,
        kind=MoveKind.adjustment,
        part_id=part.id,
        location_id=location.id,
        delta=ledger.Delta(on_hand=change),
        actor=by.username,
        note=STOCK_COUNT_NOTE,
    )
    return change


def set_target(session: Session, part: Part, location: Location, target: int | None) -> bool:
    """Set the planned stock of a part at a location; False if it was that already."""
    current = ledger.level(session, part.id, location.id)
    if current is not None and current.target == target:
        return False
    if current is None:
        current = StockLevel(
            part_id=part.id, location_id=location.id, on_hand=0, reserved=0, in_transit=0
        )
        session.add(current)
    current.target = target
    session.flush()
    return True
