"""Reservations: hold pieces for a work order, then release them or issue them.

Each operation writes through ``ledger.move`` (balances stay the sum of their moves, each move
audited with the balance before and after) and leaves an audit entry of the reservation (release
and issue: the reservation before and after); the caller's transaction commits it all or nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Principal
from fleetcare.parts import ledger, schemas
from fleetcare.parts.models import MoveKind, Reservation, ReservationStatus
from fleetcare.parts.queries import location_of, part_of
from fleetcare.parts.stock_queries import reservation_read


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
    ledger.move(
        session,
        kind=MoveKind.reserve,
        part_id=part.id,
        location_id=location.id,
        delta=ledger.Delta.of(MoveKind.reserve, body.quantity),
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
                    _("the reservation is {status} already").format(status=named(held.status)),
                )
            ]
        )
    return held


def release(session: Session, reservation_id: int, *, by: Principal) -> schemas.ReservationRead:
    """Give reserved pieces back to the available stock."""
    return _settle(session, reservation_id, MoveKind.release, ReservationStatus.released, by=by)


def issue(session: Session, reservation_id: int, *, by: Principal) -> schemas.ReservationRead:
    """Hand reserved pieces out to the work order: they leave the stock."""
    return _settle(session, reservation_id, MoveKind.issue, ReservationStatus.issued, by=by)


def _settle(
    session: Session,
    reservation_id: int,
    kind: MoveKind,
    status: ReservationStatus,
    *,
    by: Principal,
) -> schemas.ReservationRead:
    """End an active reservation by a ``release`` (back to available) or an ``issue`` (out of
    stock): one ledger move and one audit entry with the reservation before and after."""
    held = _active(session, reservation_id)
    before = reservation_read(session, held.id)
    pieces = held.quantity
    delta = (
        ledger.Delta(on_hand=-pieces, reserved=-pieces)
        if kind is MoveKind.issue
        else ledger.Delta.of(kind, pieces)
    )
    ledger.move(
        session,
        kind=kind,
        part_id=held.part_id,
        location_id=held.location_id,
        delta=delta,
        actor=by.username,
        work_order=held.work_order,
        reservation_id=held.id,
    )
    held.status = status
    after = reservation_read(session, held.id)
    audit.record(
        session,
        actor=by.username,
        action=kind.value,
        entity="reservations",
        key=str(held.id),
        before=before,
        after=after,
    )
    return after
