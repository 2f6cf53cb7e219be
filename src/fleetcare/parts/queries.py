"""Reading the parts network: catalogue, network, balances, the ledger, reservations, transfers.

Also the lookups by natural key that writes use (``part_of``, ``location_of``): they answer an
unknown key with ``InvalidInput`` naming the field. Reads of the network take the caller's
``Scope`` (see ``parts.scoping``): what it may not see does not exist; a ledger row shows no
serial of a unit the caller may not see, and a row at a location outside the caller's own
regions no work order or note.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import contains, paginate, paginate_rows
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import ProductModel
from fleetcare.parts import schemas
from fleetcare.parts.models import (
    BomLine,
    ComponentGroup,
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
from fleetcare.parts.scoping import restrict as restrict_network
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS


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


# --- catalogue and network -------------------------------------------------------------------
def list_parts(
    session: Session,
    *,
    q: str | None = None,
    group: ComponentGroup | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.PartRead]:
    """Parts by number; ``q`` matches the number or name; ``model``: the parts fitted to it."""
    statement = select(Part).options(joinedload(Part.superseded_by)).order_by(Part.number)
    if q:
        pattern = contains(q)
        statement = statement.where(
            Part.number.ilike(pattern, escape="\\") | Part.name.ilike(pattern, escape="\\")
        )
    if group:
        statement = statement.where(Part.group == group)
    if model:
        statement = statement.where(
            Part.id.in_(
                select(BomLine.part_id).join(ProductModel).where(ProductModel.code == model)
            )
        )
    rows, total = paginate(session, statement, limit, offset)
    return Page[schemas.PartRead](
        items=[part_read(session, row.id, row) for row in rows], total=total
    )


def part_read(session: Session, part_id: int, row: Part | None = None) -> schemas.PartRead:
    """One part."""
    part = row or session.get(Part, part_id)
    if part is None:
        raise NotFound(_("part {id} not found").format(id=part_id))
    return schemas.PartRead(id=part.id, **PARTS.to_record(part).model_dump())


def list_boms(
    session: Session,
    *,
    model: str | None = None,
    part: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.BomRead]:
    """Bill-of-materials lines by model and part."""
    statement = (
        select(BomLine)
        .join(ProductModel)
        .join(Part)
        .options(joinedload(BomLine.model), joinedload(BomLine.part))
        .order_by(ProductModel.code, Part.number)
    )
    if model:
        statement = statement.where(ProductModel.code == model)
    if part:
        statement = statement.where(Part.number == part)
    rows, total = paginate(session, statement, limit, offset)
    return Page[schemas.BomRead](
        items=[schemas.BomRead(id=r.id, **BOMS.to_record(r).model_dump()) for r in rows],
        total=total,
    )


def list_locations(
    session: Session, *, scope: Scope = EVERYTHING, limit: int = 500, offset: int = 0
) -> Page[schemas.LocationRead]:
    """Locations by code."""
    statement = select(Location).options(joinedload(Location.parent), joinedload(Location.region))
    statement = where(statement, location_condition(scope))
    rows, total = paginate(session, statement.order_by(Location.code), limit, offset)
    items = [schemas.LocationRead(id=r.id, **LOCATIONS.to_record(r).model_dump()) for r in rows]
    return Page[schemas.LocationRead](items=items, total=total)


def location_read(
    session: Session, location_id: int, scope: Scope = EVERYTHING
) -> schemas.LocationRead:
    """One location."""
    statement = where(select(Location).where(Location.id == location_id), location_condition(scope))
    row = session.scalars(statement).first()
    if row is None:
        raise NotFound(_("location {id} not found").format(id=location_id))
    return schemas.LocationRead(id=row.id, **LOCATIONS.to_record(row).model_dump())


def lane_read(session: Session, lane_id: int, scope: Scope = EVERYTHING) -> schemas.LaneRead:
    """One lane."""
    row = session.scalars(
        restrict_network(select(Lane).where(Lane.id == lane_id), Lane, scope)
    ).first()
    if row is None:
        raise NotFound(_("lane {id} not found").format(id=lane_id))
    return schemas.LaneRead(id=row.id, **LANES.to_record(row).model_dump())


def list_lanes(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    location: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Page[schemas.LaneRead]:
    """Lanes, optionally those starting or ending at one location; both ends visible."""
    origin, destination = aliased(Location), aliased(Location)
    statement = (
        select(Lane)
        .join(origin, Lane.from_id == origin.id)
        .join(destination, Lane.to_id == destination.id)
        .options(joinedload(Lane.origin), joinedload(Lane.destination))
        .order_by(origin.code, destination.code, Lane.mode)
    )
    if location:
        statement = statement.where((origin.code == location) | (destination.code == location))
    statement = restrict_network(statement, Lane, scope)
    rows, total = paginate(session, statement, limit, offset)
    return Page[schemas.LaneRead](
        items=[schemas.LaneRead(id=r.id, **LANES.to_record(r).model_dump()) for r in rows],
        total=total,
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
) -> Page[schemas.StockRead]:
    """Balances (on hand, reserved, available, in transit, target) by part and location."""
    statement = (
        select(StockLevel, Part.number, Location.code)
        .join(Part, StockLevel.part_id == Part.id)
        .join(Location, StockLevel.location_id == Location.id)
        .order_by(Part.number, Location.code)
    )
    statement = where(statement, location_condition(scope))
    if part:
        statement = statement.where(Part.number == part)
    if location:
        statement = statement.where(Location.code == location)
    rows, total = paginate_rows(session, statement, limit, offset)
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
        for lvl, number, code in rows
    ]
    return Page[schemas.StockRead](items=items, total=total)


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
) -> Page[schemas.MoveRead]:
    """The ledger, newest first."""
    statement = (
        select(StockMove, Part.number, Location.code)
        .join(Part, StockMove.part_id == Part.id)
        .join(Location, StockMove.location_id == Location.id)
        .order_by(StockMove.id.desc())
    )
    statement = where(statement, move_condition(scope))
    if part:
        statement = statement.where(Part.number == part)
    if location:
        statement = statement.where(Location.code == location)
    if kind:
        statement = statement.where(StockMove.kind == kind)
    if move_id is not None:
        statement = statement.where(StockMove.id == move_id)
    rows, total = paginate_rows(session, statement, limit, offset)
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
    return Page[schemas.MoveRead](items=items, total=total)


def reservation_read(
    session: Session, reservation_id: int, scope: Scope = EVERYTHING
) -> schemas.ReservationRead:
    """One reservation (its work order only at the caller's own locations)."""
    statement = (
        select(Reservation, Part.number, Location.code)
        .join(Part, Reservation.part_id == Part.id)
        .join(Location, Reservation.location_id == Location.id)
        .where(Reservation.id == reservation_id)
    )
    row = session.execute(where(statement, location_condition(scope))).first()
    if row is None:
        raise NotFound(_("reservation {id} not found").format(id=reservation_id))
    held, number, code = row
    own = own_locations(session, {held.location_id}, scope)
    return schemas.ReservationRead(
        id=held.id,
        part=number,
        location=code,
        quantity=held.quantity,
        work_order=held.work_order if held.location_id in own else None,
        status=held.status,
        created_at=held.created_at,
        created_by=held.created_by,
    )


def list_reservations(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    status: ReservationStatus | None = None,
    work_order: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.ReservationRead]:
    """Reservations, newest first; a work order is searched at the caller's own locations."""
    statement = select(Reservation.id).order_by(Reservation.id.desc())
    visible = location_condition(scope)
    if visible is not None:
        statement = statement.where(Reservation.location_id.in_(select(Location.id).where(visible)))
    if status:
        statement = statement.where(Reservation.status == status)
    if work_order:
        statement = statement.where(Reservation.work_order == work_order)
        if not scope.everything:
            statement = statement.where(Reservation.location_id.in_(own_location_ids(scope)))
    ids, total = paginate(session, statement, limit, offset)
    return Page[schemas.ReservationRead](
        items=[reservation_read(session, i, scope) for i in ids], total=total
    )


def transfer_read(
    session: Session, transfer_id: int, scope: Scope = EVERYTHING
) -> schemas.TransferRead:
    """One transfer."""
    statement = select(Transfer).where(Transfer.id == transfer_id)
    transfer = session.scalars(where(statement, transfer_condition(scope))).first()
    if transfer is None:
        raise NotFound(_("transfer {id} not found").format(id=transfer_id))
    codes = dict(
        session.execute(
            select(Location.id, Location.code).where(
                Location.id.in_([transfer.to_id] + ([transfer.from_id] if transfer.from_id else []))
            )
        ).all()
    )
    lane = session.get(Lane, transfer.lane_id) if transfer.lane_id else None
    number = session.scalar(select(Part.number).where(Part.id == transfer.part_id)) or ""
    return schemas.TransferRead(
        id=transfer.id,
        part=number,
        origin=codes.get(transfer.from_id) if transfer.from_id else None,
        destination=codes[transfer.to_id],
        quantity=transfer.quantity,
        mode=lane.mode.value if lane else None,
        status=transfer.status,
        shipped_at=transfer.shipped_at,
        expected_at=transfer.expected_at,
        received_at=transfer.received_at,
    )


def list_transfers(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    status: TransferStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.TransferRead]:
    """Transfers, newest first."""
    statement = where(select(Transfer.id).order_by(Transfer.id.desc()), transfer_condition(scope))
    if status:
        statement = statement.where(Transfer.status == status)
    ids, total = paginate(session, statement, limit, offset)
    return Page[schemas.TransferRead](
        items=[transfer_read(session, i, scope) for i in ids], total=total
    )


def models_using(session: Session, part_id: int) -> list[tuple[str, int, bool]]:
    """The models a part is fitted to: (model code, quantity per machine, critical)."""
    statement = (
        select(ProductModel.code, BomLine.quantity, BomLine.critical)
        .join(BomLine)
        .where(BomLine.part_id == part_id)
        .order_by(ProductModel.code)
    )
    return [(code, quantity, critical) for code, quantity, critical in session.execute(statement)]


def location_totals(
    session: Session, scope: Scope = EVERYTHING
) -> dict[str, tuple[int, int, int, int]]:
    """Per visible location code: part numbers stocked, pieces on hand, reserved, in transit."""
    statement = (
        select(
            Location.code,
            func.count(StockLevel.id).filter(StockLevel.on_hand > 0),
            func.coalesce(func.sum(StockLevel.on_hand), 0),
            func.coalesce(func.sum(StockLevel.reserved), 0),
            func.coalesce(func.sum(StockLevel.in_transit), 0),
        )
        .outerjoin(StockLevel, StockLevel.location_id == Location.id)
        .group_by(Location.code)
    )
    statement = where(statement, location_condition(scope))
    return {
        code: (int(n), int(on_hand), int(reserved), int(in_transit))
        for code, n, on_hand, reserved, in_transit in session.execute(statement)
    }
