"""The parts network as JSON: catalogue, BOMs, locations, lanes, stock, ledger, reservations,
transfers, targets and proposals. Each route names its permission in its decorator."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import JSONResponse

from fleetcare.core.api import Choice, Cursor, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import Page
from fleetcare.parts import schemas, service
from fleetcare.parts.models import ComponentGroup, MoveKind, ReservationStatus, TransferStatus

router = APIRouter(prefix="/api")
READ = rule(Permission.parts_read)
WRITE = rule(Permission.parts_write)
MOVE = rule(Permission.stock_move)
RESERVE = rule(Permission.stock_reserve)
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "not enough stock available"}}


def install_handlers(app: FastAPI) -> None:
    """Answer a move that would take more than the stock holds with 409 and the balance."""

    @app.exception_handler(service.NotEnoughStock)
    async def _not_enough(_request: Request, exc: service.NotEnoughStock) -> JSONResponse:
        body = {
            "detail": str(exc),
            "on_hand": exc.on_hand,
            "reserved": exc.reserved,
            "available": exc.on_hand - exc.reserved,
        }
        return JSONResponse(body, status_code=409)


# --- catalogue ---------------------------------------------------------------------------------
@router.get("/parts", tags=["parts"], **READ)
def list_parts(
    session: DbSession,
    q: SearchText = None,
    group: Choice[ComponentGroup] = None,
    model: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.PartRead]:
    """Parts by number; ``q`` matches the number or name, ``model`` the parts fitted to it."""
    return service.list_parts(
        session, q=q, group=group, model=model, limit=limit, offset=offset, cursor=cursor
    )


@router.get("/parts/{part_id}", tags=["parts"], **READ)
def read_part(session: DbSession, part_id: RowId) -> schemas.PartRead:
    """One part."""
    return service.part_read(session, part_id)


@router.post("/parts", status_code=201, tags=["parts"], **WRITE)
def create_part(
    session: DbSession, principal: CurrentPrincipal, body: schemas.PartRecord
) -> schemas.PartRead:
    """Add a part; its number must be new."""
    return service.part_read(session, service.create(session, service.PARTS, body, by=principal))


@router.patch("/parts/{part_id}", tags=["parts"], **WRITE)
def update_part(
    session: DbSession, principal: CurrentPrincipal, part_id: RowId, body: schemas.PartUpdate
) -> schemas.PartRead:
    """Change a part (its cost, its successor...)."""
    return service.part_read(
        session, service.update(session, service.PARTS, part_id, body, by=principal)
    )


@router.get("/boms", tags=["parts"], **READ)
def list_boms(
    session: DbSession,
    model: SearchText = None,
    part: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.BomRead]:
    """Bill-of-materials lines: which parts, how many (Z), critical or not, per model."""
    return service.list_boms(
        session, model=model, part=part, limit=limit, offset=offset, cursor=cursor
    )


@router.post("/boms", status_code=201, tags=["parts"], **WRITE)
def create_bom_line(
    session: DbSession, principal: CurrentPrincipal, body: schemas.BomRecord
) -> schemas.BomRead:
    """Add a part to a model's bill of materials."""
    service.create(session, service.BOMS, body, by=principal)
    return service.list_boms(session, model=body.model, part=body.part).items[0]


@router.get("/boms/{line_id}", tags=["parts"], **READ)
def read_bom_line(session: DbSession, line_id: RowId) -> schemas.BomRead:
    """One bill-of-materials line."""
    return service.bom_read(session, line_id)


@router.patch("/boms/{line_id}", tags=["parts"], **WRITE)
def update_bom_line(
    session: DbSession, principal: CurrentPrincipal, line_id: RowId, body: schemas.BomUpdate
) -> schemas.BomRead:
    """Change a line's quantity (Z) or criticality."""
    return service.bom_read(
        session, service.update(session, service.BOMS, line_id, body, by=principal)
    )


# --- network -----------------------------------------------------------------------------------
@router.get("/locations", tags=["network"], **READ)
def list_locations(
    session: DbSession,
    principal: CurrentPrincipal,
    limit: Limit = 500,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.LocationRead]:
    """Stocking locations by code (their ``parent`` makes the resupply tree), within scope."""
    return service.list_locations(
        session, scope=principal.scope, limit=limit, offset=offset, cursor=cursor
    )


@router.get("/locations/{location_id}", tags=["network"], **READ)
def read_location(
    session: DbSession, principal: CurrentPrincipal, location_id: RowId
) -> schemas.LocationRead:
    """One location."""
    return service.location_read(session, location_id, principal.scope)


@router.post("/locations", status_code=201, tags=["network"], **WRITE)
def create_location(
    session: DbSession, principal: CurrentPrincipal, body: schemas.LocationRecord
) -> schemas.LocationRead:
    """Add a location under a known parent (or a new root)."""
    return service.location_read(
        session, service.create(session, service.LOCATIONS, body, by=principal)
    )


@router.patch("/locations/{location_id}", tags=["network"], **WRITE)
def update_location(
    session: DbSession,
    principal: CurrentPrincipal,
    location_id: RowId,
    body: schemas.LocationUpdate,
) -> schemas.LocationRead:
    """Change a location; a new parent must not make a loop."""
    return service.location_read(
        session, service.update(session, service.LOCATIONS, location_id, body, by=principal)
    )


@router.get("/lanes", tags=["network"], **READ)
def list_lanes(
    session: DbSession,
    principal: CurrentPrincipal,
    location: SearchText = None,
    limit: Limit = 500,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.LaneRead]:
    """Lanes, optionally those starting or ending at one location, within scope."""
    return service.list_lanes(
        session, scope=principal.scope, location=location, limit=limit, offset=offset, cursor=cursor
    )


@router.post("/lanes", status_code=201, tags=["network"], **WRITE)
def create_lane(
    session: DbSession, principal: CurrentPrincipal, body: schemas.LaneRecord
) -> schemas.LaneRead:
    """Add a lane between two locations."""
    return service.lane_read(session, service.create(session, service.LANES, body, by=principal))


@router.get("/lanes/{lane_id}", tags=["network"], **READ)
def read_lane(session: DbSession, principal: CurrentPrincipal, lane_id: RowId) -> schemas.LaneRead:
    """One lane (both ends within scope)."""
    return service.lane_read(session, lane_id, principal.scope)


@router.patch("/lanes/{lane_id}", tags=["network"], **WRITE)
def update_lane(
    session: DbSession, principal: CurrentPrincipal, lane_id: RowId, body: schemas.LaneUpdate
) -> schemas.LaneRead:
    """Change a lane's mode, lead time, freight cost or emergency use (404 outside scope)."""
    return service.lane_read(
        session, service.update(session, service.LANES, lane_id, body, by=principal)
    )


# --- stock -------------------------------------------------------------------------------------
@router.get("/stock", tags=["stock"], **READ)
def stock(
    session: DbSession,
    principal: CurrentPrincipal,
    part: SearchText = None,
    location: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.StockRead]:
    """On hand, reserved, available (on hand − reserved), in transit and target, within scope."""
    return service.stock(
        session,
        scope=principal.scope,
        part=part,
        location=location,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/stock/moves", tags=["stock"], **READ)
def list_moves(
    session: DbSession,
    principal: CurrentPrincipal,
    part: SearchText = None,
    location: SearchText = None,
    kind: Choice[MoveKind] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.MoveRead]:
    """The ledger within scope, the last recorded move first (a move dated in the past, such
    as a backdated count, is listed where it was recorded, not by its ``at``)."""
    return service.moves(
        session,
        scope=principal.scope,
        part=part,
        location=location,
        kind=kind,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.post("/stock/moves", status_code=201, tags=["stock"], responses=CONFLICT, **MOVE)
def create_move(
    session: DbSession, principal: CurrentPrincipal, body: schemas.MoveCreate
) -> schemas.MoveRead:
    """Record a receipt, adjustment, issue, return, scrap, cannibalisation or grey purchase."""
    move_id = service.record_move(session, body, by=principal)
    return service.moves(session, move_id=move_id).items[0]


@router.get("/stock/verify", tags=["stock"], **READ)
def verify_stock(session: DbSession, principal: CurrentPrincipal) -> schemas.VerifyReport:
    """Check that every balance within the caller's scope equals the sum of its moves."""
    network = service.seen(session, principal.scope)
    checked, mismatches = service.verify(session, None if network is None else network.ids)
    return schemas.VerifyReport(checked=checked, mismatches=mismatches)


@router.get("/stock/reservations", tags=["stock"], **READ)
def list_reservations(
    session: DbSession,
    principal: CurrentPrincipal,
    status: Choice[ReservationStatus] = None,
    work_order: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.ReservationRead]:
    """Reservations, newest first, within scope."""
    return service.list_reservations(
        session,
        scope=principal.scope,
        status=status,
        work_order=work_order,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.post("/stock/reservations", status_code=201, tags=["stock"], responses=CONFLICT, **RESERVE)
def create_reservation(
    session: DbSession, principal: CurrentPrincipal, body: schemas.ReservationCreate
) -> schemas.ReservationRead:
    """Hold pieces for a work order: 201, or 409 when fewer than ``quantity`` are available."""
    return service.reserve(session, body, by=principal)


@router.post("/stock/reservations/{reservation_id}/release", tags=["stock"], **RESERVE)
def release_reservation(
    session: DbSession, principal: CurrentPrincipal, reservation_id: RowId
) -> schemas.ReservationRead:
    """Give the held pieces back."""
    return service.release(session, reservation_id, by=principal)


@router.post("/stock/reservations/{reservation_id}/issue", tags=["stock"], **RESERVE)
def issue_reservation(
    session: DbSession, principal: CurrentPrincipal, reservation_id: RowId
) -> schemas.ReservationRead:
    """Hand the held pieces out to the work order."""
    return service.issue(session, reservation_id, by=principal)


@router.get("/stock/transfers", tags=["stock"], **READ)
def list_transfers(
    session: DbSession,
    principal: CurrentPrincipal,
    status: Choice[TransferStatus] = None,
    to: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.TransferRead]:
    """Transfers, newest first, within scope; ``to`` a destination's location code."""
    return service.list_transfers(
        session,
        scope=principal.scope,
        status=status,
        to=to,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.post("/stock/transfers", status_code=201, tags=["stock"], responses=CONFLICT, **MOVE)
def create_transfer(
    session: DbSession, principal: CurrentPrincipal, body: schemas.TransferCreate
) -> schemas.TransferRead:
    """Ship pieces along a lane (no ``origin``: order them from the supplier)."""
    return service.ship(session, body, by=principal)


@router.post("/stock/transfers/{transfer_id}/receive", tags=["stock"], **MOVE)
def receive_transfer(
    session: DbSession, principal: CurrentPrincipal, transfer_id: RowId
) -> schemas.TransferRead:
    """Book a transfer in at its destination."""
    return service.receive(session, transfer_id, by=principal)


@router.put("/stock/targets", tags=["stock"], **WRITE)
def set_targets(
    session: DbSession,
    principal: CurrentPrincipal,
    body: Annotated[list[schemas.TargetRecord], Body(max_length=100_000)],
) -> dict[str, int]:
    """Set target stock per part and location (what the proposals aim for); audited."""
    result = service.save_targets(session, body, by=principal)
    return {"updated": result.updated, "unchanged": result.unchanged}


@router.get("/stock/proposals", tags=["stock"], **READ)
def list_proposals(session: DbSession, principal: CurrentPrincipal) -> list[schemas.ProposalLine]:
    """Transfers from parents and purchases at the root that bring stock back to its targets.

    A scoped caller sees the lines whose every location it may see.
    """
    return service.visible_proposals(session, principal.scope)


@router.post("/stock/proposals/accept", tags=["stock"], responses=CONFLICT, **MOVE)
def accept(
    session: DbSession, principal: CurrentPrincipal, body: schemas.ProposalAccept
) -> list[schemas.TransferRead]:
    """Create the transfers and purchases of the chosen proposal lines (all, when none chosen).

    Accepting all skips lines with no ordinary lane: they stay proposed, with no ``mode``.
    """
    return service.accept_proposals(
        session, body.lines, by=principal, serving=body.location
    ).created
