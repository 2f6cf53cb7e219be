"""Reading the stock: balances, the ledger, reservations and transfers, each list a page read
by its own table first (``core.query.page``), then the rows' details for that page only.

Reads take the caller's ``Scope`` (see ``parts.scoping``): what it may not see does not exist;
a ledger row shows no serial of a unit the caller may not see, and a row at a location outside
the caller's own regions no work order or note.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import load_rows, page
from fleetcare.core.schemas import Page
from fleetcare.parts import schemas
from fleetcare.parts.models import (
    Lane,
    Location,
    MoveKind,
    Part,
    Reservation,
    ReservationStatus,
    StockLevel,
    StockMove,
    Transfer,
    TransferStatus,
)
from fleetcare.parts.scoping import (
    location_condition,
    move_condition,
    own_location_ids,
    own_locations,
    transfer_condition,
    visible_serials,
    where,
)


# --- stock -----------------------------------------------------------------------------------
def stock(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    part: str | None = None,
    location: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.StockRead]:
    """Balances (on hand, reserved, available, in transit, target) by part and location."""
    statement = (
        select(StockLevel)
        .join(Part, StockLevel.part_id == Part.id)
        .join(Location, StockLevel.location_id == Location.id)
    )
    statement = where(statement, location_condition(scope))
    if part:
        statement = statement.where(Part.number == part)
    if location:
        statement = statement.where(Location.code == location)
    shown = (
        select(StockLevel, Part.number, Location.code)
        .join(Part, StockLevel.part_id == Part.id)
        .join(Location, StockLevel.location_id == Location.id)
    )
    window = page(
        session,
        statement,
        name="stock",
        key=StockLevel.id,
        order=(Part.number, Location.code),
        unique=True,
        load=load_rows(session, shown, StockLevel.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [
        schemas.StockRead(
            part=number,
            location=code,
            on_hand=lvl.on_hand,
            reserved=lvl.reserved,
            available=lvl.on_hand - lvl.reserved,
            in_transit=lvl.in_transit,
            target=lvl.target,
        )
        for lvl, number, code in window.rows
    ]
    return Page[schemas.StockRead](items=items, **window.meta())


def moves(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    move_id: int | None = None,
    part: str | None = None,
    location: str | None = None,
    kind: MoveKind | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.MoveRead]:
    """The ledger, the last recorded move first (its ``at`` may be earlier: backdated)."""
    statement = where(select(StockMove), move_condition(scope))
    if part:
        statement = statement.where(
            StockMove.part_id.in_(select(Part.id).where(Part.number == part))
        )
    if location:
        statement = statement.where(
            StockMove.location_id.in_(select(Location.id).where(Location.code == location))
        )
    if kind:
        statement = statement.where(StockMove.kind == kind)
    if move_id is not None:
        statement = statement.where(StockMove.id == move_id)
    shown = (
        select(StockMove, Part.number, Location.code)
        .join(Part, StockMove.part_id == Part.id)
        .join(Location, StockMove.location_id == Location.id)
    )
    window = page(
        session,
        statement,
        name="moves",
        key=StockMove.id,
        order=(StockMove.id.desc(),),
        load=load_rows(session, shown, StockMove.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    rows = window.rows
    serials = visible_serials(session, {m.unit_serial for m, _n, _c in rows}, scope)
    own = own_locations(session, {m.location_id for m, _n, _c in rows}, scope)
    items = [
        schemas.MoveRead(
            id=m.id,
            at=m.at,
            kind=m.kind,
            part=number,
            location=code,
            on_hand_delta=m.on_hand_delta,
            reserved_delta=m.reserved_delta,
            in_transit_delta=m.in_transit_delta,
            price=m.price,
            currency=m.currency,
            work_order=m.work_order if m.location_id in own else None,
            unit=m.unit_serial if m.unit_serial in serials else None,
            reservation=m.reservation_id,
            transfer=m.transfer_id,
            actor=m.actor,
            note=m.note if m.location_id in own else None,
        )
        for m, number, code in rows
    ]
    return Page[schemas.MoveRead](items=items, **window.meta())


def reservation_rows(
    session: Session, ids: Collection[int], scope: Scope = EVERYTHING
) -> dict[int, schemas.ReservationRead]:
    """The reservations of ``ids`` the caller may see, by id, in three queries (their work
    order only at the caller's own locations)."""
    statement = (
        select(Reservation, Part.number, Location.code)
        .join(Part, Reservation.part_id == Part.id)
        .join(Location, Reservation.location_id == Location.id)
        .where(Reservation.id.in_(list(ids)))
    )
    rows = session.execute(where(statement, location_condition(scope))).all()
    own = own_locations(session, {held.location_id for held, _n, _c in rows}, scope)
    return {
        held.id: schemas.ReservationRead(
            id=held.id,
            part=number,
            location=code,
            quantity=held.quantity,
            work_order=held.work_order if held.location_id in own else None,
            status=held.status,
            created_at=held.created_at,
            created_by=held.created_by,
        )
        for held, number, code in rows
    }


def reservation_read(
    session: Session, reservation_id: int, scope: Scope = EVERYTHING
) -> schemas.ReservationRead:
    """One reservation (its work order only at the caller's own locations)."""
    found = reservation_rows(session, [reservation_id], scope).get(reservation_id)
    if found is None:
        raise NotFound(_("reservation {id} not found").format(id=reservation_id))
    return found


def list_reservations(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    status: ReservationStatus | None = None,
    work_order: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.ReservationRead]:
    """Reservations, newest first; a work order is searched at the caller's own locations."""
    statement = select(Reservation)
    visible = location_condition(scope)
    if visible is not None:
        statement = statement.where(Reservation.location_id.in_(select(Location.id).where(visible)))
    if status:
        statement = statement.where(Reservation.status == status)
    if work_order:
        statement = statement.where(Reservation.work_order == work_order)
        if not scope.everything:
            statement = statement.where(Reservation.location_id.in_(own_location_ids(scope)))
    window = page(
        session,
        statement,
        name="reservations",
        key=Reservation.id,
        order=(Reservation.id.desc(),),
        load=lambda ids: reservation_rows(session, ids, scope),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.ReservationRead](items=window.rows, **window.meta())


def transfer_rows(
    session: Session, ids: Collection[int], scope: Scope = EVERYTHING
) -> dict[int, schemas.TransferRead]:
    """The transfers of ``ids`` the caller may see, by id, in four queries."""
    statement = where(select(Transfer).where(Transfer.id.in_(list(ids))), transfer_condition(scope))
    transfers = list(session.scalars(statement))
    places = {t.to_id for t in transfers} | {t.from_id for t in transfers if t.from_id}
    codes = dict(
        session.execute(select(Location.id, Location.code).where(Location.id.in_(places))).all()
    )
    lane_ids = {t.lane_id for t in transfers if t.lane_id}
    modes = dict(session.execute(select(Lane.id, Lane.mode).where(Lane.id.in_(lane_ids))).all())
    part_ids = {t.part_id for t in transfers}
    numbers = dict(session.execute(select(Part.id, Part.number).where(Part.id.in_(part_ids))).all())
    return {
        t.id: schemas.TransferRead(
            id=t.id,
            part=numbers.get(t.part_id, ""),
            origin=codes.get(t.from_id) if t.from_id else None,
            destination=codes[t.to_id],
            quantity=t.quantity,
            mode=modes[t.lane_id].value if t.lane_id else None,
            status=t.status,
            shipped_at=t.shipped_at,
            expected_at=t.expected_at,
            received_at=t.received_at,
        )
        for t in transfers
    }


def transfer_read(
    session: Session, transfer_id: int, scope: Scope = EVERYTHING
) -> schemas.TransferRead:
    """One transfer."""
    found = transfer_rows(session, [transfer_id], scope).get(transfer_id)
    if found is None:
        raise NotFound(_("transfer {id} not found").format(id=transfer_id))
    return found


def list_transfers(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    status: TransferStatus | None = None,
    to: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.TransferRead]:
    """Transfers, newest first; ``to`` keeps those bound for that location (its code)."""
    statement = where(select(Transfer), transfer_condition(scope))
    if status:
        statement = statement.where(Transfer.status == status)
    if to:
        statement = statement.where(
            Transfer.to_id.in_(select(Location.id).where(Location.code == to))
        )
    window = page(
        session,
        statement,
        name="transfers",
        key=Transfer.id,
        order=(Transfer.id.desc(),),
        load=lambda ids: transfer_rows(session, ids, scope),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.TransferRead](items=window.rows, **window.meta())
