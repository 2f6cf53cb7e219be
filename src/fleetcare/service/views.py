"""Defects, warranty decisions, work orders and availability as JSON (``/api/service/...``).

Each route names its permission in its decorator; reads are narrowed to the caller's scope
(a customer its own units, a regional manager its regions). A move the record's state forbids
answers 409 naming it.
"""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from fleetcare.core.api import Choice, Cursor, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.clock import today
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import CalendarDay, Page
from fleetcare.service import schemas, service
from fleetcare.service.models import ClaimKind, DefectStatus, LineOption
from fleetcare.service.states import WorkOrderStatus

router = APIRouter(prefix="/api/service", tags=["service"])
READ = rule(Permission.service_read)
REPORT = rule(Permission.service_report)
WRITE = rule(Permission.service_write)
TRANSITION = rule(Permission.service_transition)
DECIDE = rule(Permission.warranty_decide)
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "the record's state forbids it"}}
AVAILABILITY_DAYS = 30  # the default period: the last 30 days


def install_handlers(app: FastAPI) -> None:
    """Answer a move the record's state forbids with 409 and what was refused."""

    @app.exception_handler(service.Conflict)
    async def _conflict(_request: Request, exc: service.Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)


# --- defects ---------------------------------------------------------------------------------
@router.post("/defects", status_code=201, **REPORT)
def report_defect(
    session: DbSession, principal: CurrentPrincipal, body: schemas.DefectCreate
) -> schemas.DefectRead:
    """Report a defect on a unit; the warranty decision is computed with its reasons."""
    return service.report_defect(session, body, by=principal)


@router.get("/defects", **READ)
def list_defects(
    session: DbSession,
    principal: CurrentPrincipal,
    unit: SearchText = None,
    status: Choice[DefectStatus] = None,
    region: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.DefectRead]:
    """Defects, newest first; ``unit`` is a serial, ``region`` a region name."""
    where = service.DefectFilter(unit=unit, status=status, region=region)
    return service.list_defects(session, where, principal.scope, limit, offset, cursor)


@router.get("/defects/{defect_id}", **READ)
def read_defect(
    session: DbSession, principal: CurrentPrincipal, defect_id: RowId
) -> schemas.DefectRead:
    """One defect with its warranty decision."""
    return service.defect_read(session, defect_id, principal.scope)


@router.post("/defects/{defect_id}/close", responses=CONFLICT, **WRITE)
def close_defect(
    session: DbSession, principal: CurrentPrincipal, defect_id: RowId, body: schemas.DefectClose
) -> schemas.DefectRead:
    """Close an open defect that needs no work (no fault found), with the reason."""
    return service.close_defect(session, defect_id, body, by=principal)


@router.post("/defects/{defect_id}/warranty", **DECIDE)
def decide_warranty(
    session: DbSession,
    principal: CurrentPrincipal,
    defect_id: RowId,
    body: schemas.WarrantyDecide,
) -> schemas.DefectRead:
    """Confirm or override the defect's warranty decision, with the reason (audited)."""
    return service.decide_warranty(session, defect_id, body, by=principal)


# --- work orders -----------------------------------------------------------------------------
@router.post("/work-orders", status_code=201, responses=CONFLICT, **WRITE)
def open_work_order(
    session: DbSession, principal: CurrentPrincipal, body: schemas.WorkOrderCreate
) -> schemas.WorkOrderRead:
    """Open a work order for an open defect (one active work order per defect)."""
    return service.work_order_read(session, service.open_work_order(session, body, by=principal))


@router.get("/work-orders", **READ)
def list_work_orders(
    session: DbSession,
    principal: CurrentPrincipal,
    status: Choice[WorkOrderStatus] = None,
    region: SearchText = None,
    breached: Annotated[bool | None, Query(description="SLA breached (at request time)")] = None,
    at_risk: Annotated[bool | None, Query(description="SLA at risk (at request time)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.WorkOrderRead]:
    """Work orders, newest first, each with its SLA clocks; ``breached=true`` keeps those with
    a breached response or restore clock, ``at_risk=true`` those with a clock at risk."""
    return service.list_work_orders(
        session,
        scope=principal.scope,
        status=status,
        region=region,
        breached=breached,
        at_risk=at_risk,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/work-orders/{order_id}", **READ)
def read_work_order(
    session: DbSession, principal: CurrentPrincipal, order_id: RowId
) -> schemas.WorkOrderRead:
    """One work order with its history."""
    return service.work_order_read(session, order_id, principal.scope)


@router.patch("/work-orders/{order_id}", responses=CONFLICT, **TRANSITION)
def update_work_order(
    session: DbSession,
    principal: CurrentPrincipal,
    order_id: RowId,
    body: schemas.WorkOrderUpdate,
) -> schemas.WorkOrderRead:
    """Enter what the warranty claim needs: faulty and replacement serials, labour hours and
    travel km (an active work order only)."""
    return service.work_order_read(
        session, service.update_work_order(session, order_id, body, by=principal)
    )


@router.post("/work-orders/{order_id}/transitions", responses=CONFLICT, **TRANSITION)
def transition(
    session: DbSession,
    principal: CurrentPrincipal,
    order_id: RowId,
    body: schemas.TransitionCreate,
) -> schemas.WorkOrderRead:
    """Move the work order to another state (409 naming an illegal move)."""
    return service.work_order_read(
        session, service.transition(session, order_id, body, by=principal)
    )


# --- parts on work orders --------------------------------------------------------------------
SHORT: dict[int | str, dict[str, Any]] = {
    409: {"description": "not available: the line is kept as short, with the options"},
}


@router.post("/work-orders/{order_id}/parts", status_code=201, responses=SHORT, **TRANSITION)
def add_part(
    session: DbSession,
    principal: CurrentPrincipal,
    order_id: RowId,
    body: schemas.PartLineCreate,
) -> Any:
    """Reserve a part for the work order (default location: the depot serving the unit). When
    it is not available: 409, the line kept as ``short`` and the options to resolve it."""
    added = service.add_part(session, order_id, body, by=principal)
    if added.shortage is None:
        return added.line
    short = added.shortage
    return JSONResponse(
        {
            "detail": str(short),
            "on_hand": short.on_hand,
            "reserved": short.reserved,
            "available": short.on_hand - short.reserved,
            "line": added.line.model_dump(mode="json"),
            "options": [option.value for option in LineOption],
        },
        status_code=409,
    )


@router.post("/work-orders/{order_id}/parts/{line_id}/resolution", responses=CONFLICT, **WRITE)
def resolve_part(
    session: DbSession,
    principal: CurrentPrincipal,
    order_id: RowId,
    line_id: RowId,
    body: schemas.LineResolution,
) -> schemas.PartLineRead:
    """Record what was done about a part that was not available: wait, emergency,
    cannibalise (from a donor unit) or grey (a grey-market purchase, with its price)."""
    return service.resolve(session, order_id, line_id, body, by=principal)


@router.post("/work-orders/{order_id}/parts/{line_id}/reserve", responses=CONFLICT, **TRANSITION)
def reserve_part(
    session: DbSession, principal: CurrentPrincipal, order_id: RowId, line_id: RowId
) -> schemas.PartLineRead:
    """Try again to reserve a short, waiting or shipped line (409 while not available)."""
    return service.reserve_again(session, order_id, line_id, by=principal)


# --- claims ----------------------------------------------------------------------------------
class ExportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"


@router.get("/claims", **READ)
def list_claims(
    session: DbSession,
    principal: CurrentPrincipal,
    kind: Choice[ClaimKind] = None,
    supplier: SearchText = None,
    region: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.ClaimRead]:
    """Warranty claims and recovery claims to suppliers, newest first."""
    return service.list_claims(
        session,
        scope=principal.scope,
        kind=kind,
        supplier=supplier,
        region=region,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/claims/export", **READ)
def export_claims(
    session: DbSession,
    principal: CurrentPrincipal,
    format: Choice[ExportFormat] = None,
    region: SearchText = None,
) -> Response:
    """The claims in scope as CSV (default) or JSON, newest first, at most 10,000."""
    as_csv = format is not ExportFormat.json
    text = service.export_claims(session, principal.scope, as_csv=as_csv, region=region)
    if as_csv:
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="claims.csv"'},
        )
    return Response(text, media_type="application/json")


@router.get("/claims/{claim_id}", **READ)
def read_claim(
    session: DbSession, principal: CurrentPrincipal, claim_id: RowId
) -> schemas.ClaimRead:
    """One claim with its lines."""
    return service.claim_read(session, claim_id, principal.scope)


# --- availability ----------------------------------------------------------------------------
@router.get("/availability", **READ)
def availability(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    first: Annotated[CalendarDay | None, Query(alias="from", description="first day")] = None,
    last: Annotated[CalendarDay | None, Query(alias="to", description="last day")] = None,
) -> schemas.AvailabilityRead:
    """Machine-days, down-days and availability of the region's units over a period
    (default: the 30 days up to today)."""
    last = last or today()
    first = first or last - timedelta(days=AVAILABILITY_DAYS - 1)
    return service.availability(session, principal.scope, region=region, first=first, last=last)
