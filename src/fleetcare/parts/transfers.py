"""Transfers: ship pieces along a lane (or buy them from the supplier), receive them.

Each operation writes through ``ledger.move`` (balances stay the sum of their moves, each move
audited with the balance before and after) and leaves an audit entry of the transfer (receipt:
the transfer before and after); the caller's transaction commits it all or nothing.
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
from fleetcare.parts import ledger, schemas
from fleetcare.parts.models import Lane, MoveKind, Transfer, TransferStatus
from fleetcare.parts.queries import location_of, part_of
from fleetcare.parts.scoping import transfer_condition, where
from fleetcare.parts.stock_queries import transfer_read


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
    ledger.lock(session, part.id, [destination.id] + ([origin.id] if origin else []))
    if origin is not None:
        ledger.move(
            session,
            kind=MoveKind.transfer_shipped,
            part_id=part.id,
            location_id=origin.id,
            delta=ledger.Delta(on_hand=-body.quantity),
            actor=by.username,
            transfer_id=transfer.id,
        )
    ledger.move(
        session,
        kind=MoveKind.transfer_shipped,
        part_id=part.id,
        location_id=destination.id,
        delta=ledger.Delta(in_transit=body.quantity),
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
    """Book a transfer in at its destination: in transit becomes on hand (NotFound outside
    ``by``'s scope, as a missing one)."""
    transfer = session.scalars(
        where(
            select(Transfer).where(Transfer.id == transfer_id), transfer_condition(by.scope)
        ).with_for_update()
    ).first()
    if transfer is None:
        raise NotFound(_("transfer {id} not found").format(id=transfer_id))
    if transfer.status is not TransferStatus.in_transit:
        raise InvalidInput([FieldError("status", _("the transfer was received already"))])
    before = transfer_read(session, transfer.id)
    ledger.move(
        session,
        kind=MoveKind.transfer_received,
        part_id=transfer.part_id,
        location_id=transfer.to_id,
        delta=ledger.Delta.of(MoveKind.transfer_received, transfer.quantity),
        actor=by.username,
        transfer_id=transfer.id,
    )
    transfer.status = TransferStatus.received
    transfer.received_at = utcnow()
    after = transfer_read(session, transfer.id)
    audit.record(
        session,
        actor=by.username,
        action="receive",
        entity="transfers",
        key=str(transfer.id),
        before=before,
        after=after,
    )
    return after
