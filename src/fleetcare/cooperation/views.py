"""Cooperation as JSON: deals (``/api/deals``), trade figures and targets (``/api/trade``),
exchange rates (``/api/exchange-rates``), the dashboard (``/api/dashboard``) and its tables as
CSV or XLSX (``/api/dashboard/tables/{name}``).

Each route names its permission in its decorator; reads are narrowed to the caller's scope (a
regional manager its regions, a customer its own deals); a row outside the scope is 404, a body
naming one is 422, an illegal stage move 409 (the service domain's handler of ``Conflict``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from fleetcare.cooperation import schemas, service
from fleetcare.cooperation.exports import FORMATS
from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.stages import Stage
from fleetcare.core.api import Choice, Cursor, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import CURRENCY_PATTERN, CalendarDay, Page

router = APIRouter(prefix="/api", tags=["cooperation"])
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "conflicts with stored state"}}
CurrencyQuery = Annotated[str, Query(pattern=CURRENCY_PATTERN, description="reporting currency")]
FromQuery = Annotated[
    CalendarDay | None,
    Query(
        alias="from",
        ge=date(1990, 1, 1),
        description="first day of the period (default: 364 days before `to`)",
    ),
]
ToQuery = Annotated[
    CalendarDay | None,
    Query(le=date(2100, 12, 31), description="last day of the period (default: today)"),
]


# --- deals -----------------------------------------------------------------------------------
@router.get("/deals", **rule(Permission.deals_read))
def list_deals(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    stage: Choice[Stage] = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.DealRead]:
    """Deals by reference; ``q`` matches part of the reference or the customer's code."""
    return service.list_deals(
        session,
        scope=principal.scope,
        region=region,
        stage=stage,
        q=q,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/deals/{deal_id}", **rule(Permission.deals_read))
def read_deal(session: DbSession, principal: CurrentPrincipal, deal_id: RowId) -> schemas.DealRead:
    """One deal."""
    return service.deal_read(session, deal_id, principal.scope)


@router.post("/deals", status_code=201, **rule(Permission.deals_write))
def create_deal(
    session: DbSession, principal: CurrentPrincipal, body: schemas.DealRecord
) -> schemas.DealRead:
    """Add a deal; its reference must be new (a regional manager: its regions' customers)."""
    return service.create_deal(session, body, by=principal)


@router.patch("/deals/{deal_id}", responses=CONFLICT, **rule(Permission.deals_write))
def update_deal(
    session: DbSession, principal: CurrentPrincipal, deal_id: RowId, body: schemas.DealUpdate
) -> schemas.DealRead:
    """Change a deal's terms (a shipped deal keeps its customer, model, quantity and site)."""
    return service.update_deal(session, deal_id, body, by=principal)


@router.post("/deals/{deal_id}/transitions", responses=CONFLICT, **rule(Permission.deals_write))
def move_deal(
    session: DbSession, principal: CurrentPrincipal, deal_id: RowId, body: schemas.DealMove
) -> schemas.DealRead:
    """Move a deal to another stage (409 naming the move when the machine forbids it).
    Moving a signed deal to ``shipped`` creates its delivery and units; to ``delivered``
    dates them."""
    return service.move_deal(session, deal_id, body, by=principal)


# --- trade -----------------------------------------------------------------------------------
@router.get("/trade", **rule(Permission.trade_read))
def list_trade(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    group: Choice[ProductGroup] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.TradeRead]:
    """Trade figures by region, year and product group."""
    return service.list_trade(
        session,
        scope=principal.scope,
        region=region,
        year=year,
        group=group,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.post("/trade", **rule(Permission.trade_write))
def put_trade(
    session: DbSession, principal: CurrentPrincipal, body: schemas.TradeRecord
) -> schemas.TradeRecord:
    """Create or replace the figure of a region, year and product group."""
    service.put_trade(session, body, by=principal)
    return body


@router.get("/trade/targets", **rule(Permission.trade_read))
def list_targets(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.TargetRead]:
    """Trade targets by region and year."""
    return service.list_targets(
        session, scope=principal.scope, region=region, limit=limit, offset=offset, cursor=cursor
    )


@router.post("/trade/targets", **rule(Permission.trade_write))
def put_target(
    session: DbSession, principal: CurrentPrincipal, body: schemas.TargetRecord
) -> schemas.TargetRecord:
    """Create or replace the target of a region and year."""
    service.put_target(session, body, by=principal)
    return body


# --- exchange rates --------------------------------------------------------------------------
@router.get("/exchange-rates", **rule(Permission.trade_read))
def list_rates(
    session: DbSession,
    currency: Annotated[str | None, Query(pattern=CURRENCY_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.RateRecord]:
    """Exchange rates (units of the currency per US dollar) by currency, newest day first."""
    return service.list_rates(session, currency=currency, limit=limit, offset=offset, cursor=cursor)


# --- dashboard -------------------------------------------------------------------------------
@router.get("/dashboard", **rule(Permission.dashboard_read))
def read_dashboard(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    currency: CurrencyQuery = "USD",
    from_: FromQuery = None,
    to: ToQuery = None,
) -> schemas.Dashboard:
    """Every figure of the dashboard for ``region`` (default: all the caller sees), money in
    ``currency``, period figures over ``from`` … ``to``; 422 naming ``currency`` when an amount
    has no rate on or before its day, naming ``from`` when the period runs backwards."""
    return service.dashboard(
        session, scope=principal.scope, region=region, currency=currency, first=from_, last=to
    )


@router.get("/dashboard/tables/{name}", **rule(Permission.fleet_read))
def export_table(
    session: DbSession,
    principal: CurrentPrincipal,
    name: str,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
    region: SearchText = None,
    currency: CurrencyQuery = "USD",
    from_: FromQuery = None,
    to: ToQuery = None,
) -> Response:
    """One of the dashboard's tables (over the period ``from`` … ``to``), or a cooperation
    list, as CSV or XLSX: each table needs the permission that reads it (``EXPORTS``: a
    dashboard table ``dashboard.read``, the deals ``deals.read``, so a customer exports its
    own deals), else 403."""
    if name not in service.EXPORTS:
        raise HTTPException(404, _("no table '{name}'").format(name=name[:40]))
    if not principal.can(service.EXPORTS[name][1]):
        raise HTTPException(403, _("your role may not do this"))
    assert format in FORMATS
    exported = service.export_table(
        session, name, format, principal.scope, region, currency, (from_, to)
    )
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{format}"',
        **service.unconverted_headers(exported.unconverted),
    }
    return Response(exported.body, media_type=exported.media_type, headers=headers)
