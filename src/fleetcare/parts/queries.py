"""Reading the parts network: catalogue, bills of materials, locations, lanes, totals (the
stock, the ledger, reservations and transfers: ``parts.stock_queries``).

Also the lookups by natural key that writes use (``part_of``, ``location_of``): they answer an
unknown key with ``InvalidInput`` naming the field. Reads of the network take the caller's
``Scope`` (see ``parts.scoping``): what it may not see does not exist.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import contains, load_rows, page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import ProductModel
from fleetcare.parts import schemas
from fleetcare.parts.models import (
    BomLine,
    ComponentGroup,
    Lane,
    Location,
    Part,
    StockLevel,
)
from fleetcare.parts.scoping import (
    location_condition,
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
    cursor: str | None = None,
) -> Page[schemas.PartRead]:
    """Parts by number; ``q`` matches the number or name; ``model``: the parts fitted to it."""
    statement = select(Part)
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
    window = page(
        session,
        statement,
        name="parts",
        key=Part.id,
        order=(Part.number,),
        load=load_rows(session, select(Part).options(joinedload(Part.superseded_by)), Part.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.PartRead](
        items=[part_read(session, row.id, row) for row in window.rows], **window.meta()
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
    cursor: str | None = None,
) -> Page[schemas.BomRead]:
    """Bill-of-materials lines by model and part (one line per model and part)."""
    statement = select(BomLine).join(ProductModel).join(Part)
    if model:
        statement = statement.where(ProductModel.code == model)
    if part:
        statement = statement.where(Part.number == part)
    loads = (joinedload(BomLine.model), joinedload(BomLine.part))
    window = page(
        session,
        statement,
        name="boms",
        key=BomLine.id,
        order=(ProductModel.code, Part.number),
        unique=True,
        load=load_rows(session, select(BomLine).options(*loads), BomLine.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.BomRead](
        items=[schemas.BomRead(id=r.id, **BOMS.to_record(r).model_dump()) for r in window.rows],
        **window.meta(),
    )


def bom_read(session: Session, line_id: int) -> schemas.BomRead:
    """One bill-of-materials line."""
    row = session.get(BomLine, line_id)
    if row is None:
        raise NotFound(_("bill-of-materials line {id} not found").format(id=line_id))
    return schemas.BomRead(id=row.id, **BOMS.to_record(row).model_dump())


def list_locations(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    limit: int = 500,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.LocationRead]:
    """Locations by code."""
    loads = (joinedload(Location.parent), joinedload(Location.region))
    window = page(
        session,
        where(select(Location), location_condition(scope)),
        name="locations",
        key=Location.id,
        order=(Location.code,),
        load=load_rows(session, select(Location).options(*loads), Location.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [
        schemas.LocationRead(id=r.id, **LOCATIONS.to_record(r).model_dump()) for r in window.rows
    ]
    return Page[schemas.LocationRead](items=items, **window.meta())


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
    cursor: str | None = None,
) -> Page[schemas.LaneRead]:
    """Lanes, optionally those starting or ending at one location; both ends visible."""
    origin, destination = aliased(Location), aliased(Location)
    statement = (
        select(Lane)
        .join(origin, Lane.from_id == origin.id)
        .join(destination, Lane.to_id == destination.id)
    )
    if location:
        statement = statement.where((origin.code == location) | (destination.code == location))
    loads = (joinedload(Lane.origin), joinedload(Lane.destination))
    window = page(
        session,
        restrict_network(statement, Lane, scope),
        name="lanes",
        key=Lane.id,
        order=(origin.code, destination.code, Lane.mode),
        unique=True,
        load=load_rows(session, select(Lane).options(*loads), Lane.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.LaneRead](
        items=[schemas.LaneRead(id=r.id, **LANES.to_record(r).model_dump()) for r in window.rows],
        **window.meta(),
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
