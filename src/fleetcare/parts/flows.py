"""Operations on stock with side effects: moves, reservations, transfers, targets, proposals.

Each takes the acting principal, writes through ``ledger.move`` (so balances stay the sum of
their moves), and leaves an audit entry; the caller's transaction commits it all or nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.parts import schemas
from fleetcare.parts.ledger import Delta, level, lock, move
from fleetcare.parts.models import (
    Lane,
    Location,
    MoveKind,
    Part,
    Reservation,
    ReservationStatus,
    StockLevel,
    Transfer,
    TransferStatus,
)
from fleetcare.parts.read import reservation_read, transfer_read

MANUAL_MOVES = {
    MoveKind.receipt,
    MoveKind.adjustment,
    MoveKind.issue,
    MoveKind.return_,
    MoveKind.scrap,
    MoveKind.cannibalisation,
    MoveKind.grey_purchase,
}


def part_of(session: Session, number: str, field: str = "part") -> Part:
    """The part with ``number``, or InvalidInput naming ``field``."""
    part = session.scalars(select(Part).where(Part.number == number)).first()
    if part is None:
        raise InvalidInput([FieldError(field, _("unknown part '{number}'").format(number=number))])
    return part


def location_of(session: Session, code: str, field: str = "location") -> Location:
    """The location with ``code``, or InvalidInput naming ``field``."""
    location = session.scalars(select(Location).where(Location.code == code)).first()
    if location is None:
        raise InvalidInput([FieldError(field, _("unknown location '{code}'").format(code=code))])
    return location


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
    if body.kind is MoveKind.cannibalisation and not body.unit:
        raise InvalidInput([FieldError("unit", _("name the unit the part was taken from"))])
    part = part_of(session, body.part)
    location = location_of(session, body.location)
    price, currency = body.price, body.currency
    if body.kind is MoveKind.grey_purchase and price is None:
        # the default grey price is the part's, in the part's currency (× 5 the unit cost)
        price = part.grey_price if part.grey_price is not None else part.unit_cost * 5
        currency = part.currency
    delta = (
        Delta(on_hand=body.quantity)
        if body.kind is MoveKind.adjustment
        else Delta.of(body.kind, body.quantity)
    )
    entry = move(
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


def reserve(
    session: Session, body: schemas.ReservationCreate, *, by: Principal
) -> schemas.ReservationRead:
    """Hold ``quantity`` pieces for a work order; NotEnoughStock when fewer are available."""
    part = part_of(session, body.part)
    location = location_of(session, body.location)
    held = Reservation(
        part_id=part.id,
        location_id=location.id,
        quantity=body.quantity,
        work_order=body.work_order,
        status=ReservationStatus.active,
        created_at=utcnow(),
        created_by=by.username,
    )
    session.add(held)
    session.flush()
    move(
        session,
        kind=MoveKind.reserve,
        part_id=part.id,
        location_id=location.id,
        delta=Delta.of(MoveKind.reserve, body.quantity),
        actor=by.username,
        work_order=body.work_order,
        reservation_id=held.id,
    )
    audit.record(
        session,
        actor=by.username,
        action="reserve",
        entity="reservations",
        key=str(held.id),
        after=body,
    )
    return reservation_read(session, held.id)


def _active(session: Session, reservation_id: int) -> Reservation:
    held = session.get(Reservation, reservation_id, with_for_update=True)
    if held is None:
        raise NotFound(_("reservation {id} not found").format(id=reservation_id))
    if held.status is not ReservationStatus.active:
        raise InvalidInput(
            [
                FieldError(
                    "status",
                    _("the reservation is {status} already").format(status=held.status.value),
                )
            ]
        )
    return held


def release(session: Session, reservation_id: int, *, by: Principal) -> schemas.ReservationRead:
    """Give reserved pieces back to the available stock."""
    held = _active(session, reservation_id)
    move(
        session,
        kind=MoveKind.release,
        part_id=held.part_id,
        location_id=held.location_id,
        delta=Delta.of(MoveKind.release, held.quantity),
        actor=by.username,
        work_order=held.work_order,
        reservation_id=held.id,
    )
    held.status = ReservationStatus.released
    audit.record(
        session, actor=by.username, action="release", entity="reservations", key=str(held.id)
    )
    return reservation_read(session, held.id)


def issue(session: Session, reservation_id: int, *, by: Principal) -> schemas.ReservationRead:
    """Hand reserved pieces out to the work order: they leave the stock."""
    held = _active(session, reservation_id)
    move(
        session,
        kind=MoveKind.issue,
        part_id=held.part_id,
        location_id=held.location_id,
        delta=Delta(on_hand=-held.quantity, reserved=-held.quantity),
        actor=by.username,
        work_order=held.work_order,
        reservation_id=held.id,
    )
    held.status = ReservationStatus.issued
    audit.record(
        session, actor=by.username, action="issue", entity="reservations", key=str(held.id)
    )
    return reservation_read(session, held.id)


def lane_between(
    session: Session, origin_id: int, destination_id: int, *, emergency: bool
) -> Lane | None:
    """The fastest lane from origin to destination (an emergency one when asked)."""
    statement = (
        select(Lane)
        .where(
            Lane.from_id == origin_id, Lane.to_id == destination_id, Lane.emergency.is_(emergency)
        )
        .order_by(Lane.lead_time_days, Lane.id)
    )
    return session.scalars(statement).first()


def ship(session: Session, body: schemas.TransferCreate, *, by: Principal) -> schemas.TransferRead:
    """Send pieces along a lane (or order them from the supplier when there is no origin)."""
    part = part_of(session, body.part)
    destination = location_of(session, body.destination, "destination")
    origin = location_of(session, body.origin, "origin") if body.origin else None
    lane = None
    if origin is not None:
        lane = lane_between(session, origin.id, destination.id, emergency=body.emergency)
        if lane is None:
            raise InvalidInput(
                [
                    FieldError(
                        "destination",
                        _("no {kind}lane from {origin} to {destination}").format(
                            kind=_("emergency ") if body.emergency else "",
                            origin=origin.code,
                            destination=destination.code,
                        ),
                    )
                ]
            )
    shipped_at = utcnow()
    transfer = Transfer(
        part_id=part.id,
        from_id=origin.id if origin else None,
        to_id=destination.id,
        quantity=body.quantity,
        lane_id=lane.id if lane else None,
        status=TransferStatus.in_transit,
        shipped_at=shipped_at,
        expected_at=shipped_at + timedelta(days=lane.lead_time_days) if lane else None,
    )
    session.add(transfer)
    session.flush()
    # both balances, in location order: opposite transfers at once wait, never deadlock
    lock(session, part.id, [destination.id] + ([origin.id] if origin else []))
    if origin is not None:
        move(
            session,
            kind=MoveKind.transfer_shipped,
            part_id=part.id,
            location_id=origin.id,
            delta=Delta(on_hand=-body.quantity),
            actor=by.username,
            transfer_id=transfer.id,
        )
    move(
        session,
        kind=MoveKind.transfer_shipped,
        part_id=part.id,
        location_id=destination.id,
        delta=Delta(in_transit=body.quantity),
        actor=by.username,
        transfer_id=transfer.id,
    )
    audit.record(
        session,
        actor=by.username,
        action="ship",
        entity="transfers",
        key=str(transfer.id),
        after=body,
    )
    return transfer_read(session, transfer.id)


def receive(session: Session, transfer_id: int, *, by: Principal) -> schemas.TransferRead:
    """Book a transfer in at its destination: in transit becomes on hand."""
    transfer = session.get(Transfer, transfer_id, with_for_update=True)
    if transfer is None:
        raise NotFound(_("transfer {id} not found").format(id=transfer_id))
    if transfer.status is not TransferStatus.in_transit:
        raise InvalidInput([FieldError("status", _("the transfer was received already"))])
    move(
        session,
        kind=MoveKind.transfer_received,
        part_id=transfer.part_id,
        location_id=transfer.to_id,
        delta=Delta.of(MoveKind.transfer_received, transfer.quantity),
        actor=by.username,
        transfer_id=transfer.id,
    )
    transfer.status = TransferStatus.received
    transfer.received_at = utcnow()
    audit.record(
        session, actor=by.username, action="receive", entity="transfers", key=str(transfer.id)
    )
    return transfer_read(session, transfer.id)


def set_on_hand(
    session: Session, part: Part, location: Location, on_hand: int, *, by: Principal
) -> bool:
    """Bring the on-hand stock to a counted quantity with an adjustment move; False if unchanged.

    The balance row is locked first, so a move committed meanwhile cannot be counted over."""
    lock(session, part.id, [location.id])
    current = level(session, part.id, location.id)
    change = on_hand - (current.on_hand if current else 0)
    if change == 0:
        return False
    move(
        session,
        kind=MoveKind.adjustment,
        part_id=part.id,
        location_id=location.id,
        delta=Delta(on_hand=change),
        actor=by.username,
        note=_("stock count"),
    )
    return True


def set_target(session: Session, part: Part, location: Location, target: int | None) -> bool:
    """Set the planned stock of a part at a location; False if it was that already."""
    current = level(session, part.id, location.id)
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
