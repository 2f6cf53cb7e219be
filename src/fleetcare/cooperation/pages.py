"""Cooperation pages: the deals list and a deal's page (with the stage form), the regional
dashboard (figures, charts, map, exports), and its one-page printable region report.

Every page declares its permission with ``require(...)``; reads go through the facade, narrowed
to the caller's scope (a deal or region outside it is 404). The stage form carries the
session's anti-forgery token and is audited like the API's transition.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.cooperation import deal_forms, schemas, service, trade_pages
from fleetcare.cooperation.figures import deals_figure, map_figure, trade_figure
from fleetcare.cooperation.stages import MOVES, Stage
from fleetcare.core.api import Choice, DbSession, RowId, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.clock import today
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.schemas import CURRENCY_PATTERN, outside_calendar
from fleetcare.core.templating import problems_of, render, render_list
from fleetcare.fleet import service as fleet_service

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
# the deal forms first: /deals/new must not be read as /deals/{deal_id}
router.include_router(deal_forms.router)
router.include_router(trade_pages.router)
DealReader = Annotated[Principal, Depends(require(Permission.deals_read))]
DealWriter = Annotated[Principal, Depends(require(Permission.deals_write))]
BoardReader = Annotated[Principal, Depends(require(Permission.dashboard_read))]
Reader = Annotated[Principal, Depends(require(Permission.fleet_read))]  # then per table
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Currency = Annotated[str, Query(pattern=CURRENCY_PATTERN)]
# a day typed in the period form: empty means the default; anything else must be YYYY-MM-DD
FromDay = Annotated[str, Query(alias="from", max_length=10)]
ToDay = Annotated[str, Query(max_length=10)]
PAGE_SIZE = 50


@router.get("/deals")
def deals_page(
    request: Request,
    session: DbSession,
    principal: DealReader,
    region: SearchText = None,
    stage: Choice[Stage] = None,
    q: SearchText = None,
    offset: Offset = 0,
) -> Response:
    """Deals by reference, filtered by region, stage and part of the reference or customer."""
    page = service.list_deals(
        session,
        scope=principal.scope,
        region=region,
        stage=stage,
        q=q,
        limit=PAGE_SIZE,
        offset=offset,
    )
    return render_list(
        request,
        "cooperation/deals.html",
        path="/deals",
        page=page,
        filters={"region": region, "stage": stage, "q": q},
        offset=offset,
        limit=PAGE_SIZE,
        context={
            "regions": fleet_service.region_names(session, scope=principal.scope),
            "stages": [s.value for s in Stage],
        },
    )


def _deal_context(session: DbSession, principal: Principal, deal_id: int) -> dict[str, Any]:
    deal = service.deal_read(session, deal_id, principal.scope)
    return {
        "deal": deal,
        "moves": sorted(m.value for m in MOVES[deal.stage]),
        "can_write": principal.can(Permission.deals_write),
        "problems": [],
    }


@router.get("/deals/{deal_id}")
def deal_page(
    request: Request, session: DbSession, principal: DealReader, deal_id: RowId
) -> Response:
    """One deal: its terms, stage, delivery and units, and the stage form."""
    return render(request, "cooperation/deal.html", _deal_context(session, principal, deal_id))


@router.post("/deals/{deal_id}/move")
def move_page(
    request: Request,
    session: DbSession,
    principal: DealWriter,
    deal_id: RowId,
    to: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
    on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Move the deal (the same rules as the API); problems are shown on the page."""
    status_code, problems = 303, []
    try:
        move = schemas.DealMove.model_validate(
            {"to": to, "reason": reason or None, "on": on or None}
        )
        with session.begin_nested():  # a refused shipment leaves no delivery behind
            service.move_deal(session, deal_id, move, by=principal)
    except (InvalidInput, ValidationError) as exc:
        status_code, problems = 422, problems_of(exc)
    except service.Conflict as exc:
        status_code, problems = 409, [str(exc)]
    if status_code == 303:
        return RedirectResponse(f"/deals/{deal_id}", status_code=303)
    context = _deal_context(session, principal, deal_id)
    context["problems"] = problems
    return render(request, "cooperation/deal.html", context, status_code=status_code)


def period_of(first: str, last: str) -> tuple[date | None, date | None]:
    """The period form's two days (empty: the default), or ``InvalidInput`` naming the field."""
    days: list[date | None] = []
    for field, text in (("from", first), ("to", last)):
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            message = _("'{text}' is not a day (YYYY-MM-DD)").format(text=text)
            raise InvalidInput([FieldError(field, message)]) from None
        refused = outside_calendar(day) if day is not None else None
        if refused is not None:
            raise InvalidInput([FieldError(field, refused)])
        days.append(day)
    return days[0], days[1]


def _board_context(
    session: DbSession,
    principal: Principal,
    region: str | None,
    currency: str,
    first: str = "",
    last: str = "",
) -> dict[str, Any]:
    chosen = {"region": region or "", "currency": currency, "from": first, "to": last}
    context: dict[str, Any] = {
        "regions": fleet_service.region_names(session, scope=principal.scope),
        "currencies": service.currencies(session),
        "region": region,
        "currency": currency,
        "first": first,
        "last": last,
        "query": urlencode({k: v for k, v in chosen.items() if v}),
        "board": None,
        "problems": [],
        "exports": [n for n, (_b, p) in service.EXPORTS.items() if principal.can(p)],
        "export_titles": service.EXPORT_TITLES,
    }
    try:
        start, end = period_of(first, last)
        board = service.dashboard(
            session,
            scope=principal.scope,
            region=region,
            currency=currency,
            first=start,
            last=end,
        )
    except InvalidInput as exc:
        context["problems"] = problems_of(exc)
        return context
    context.update(
        board=board,
        trade_chart=trade_figure(board.trade, currency),
        deals_chart=deals_figure(board.deals),
        map_chart=map_figure(board.sites, board.depots),
    )
    return context


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    session: DbSession,
    principal: BoardReader,
    region: SearchText = None,
    currency: Currency = "USD",
    from_: FromDay = "",
    to: ToDay = "",
) -> Response:
    """The regional dashboard over the period ``from`` … ``to``: every figure, the trade and
    deals charts, the map, exports."""
    context = _board_context(session, principal, region, currency, from_, to)
    return render(
        request,
        "cooperation/dashboard.html",
        context,
        status_code=422 if context["problems"] else 200,
    )


@router.get("/dashboard/report")
def report_page(
    request: Request,
    session: DbSession,
    principal: BoardReader,
    region: SearchText = None,
    currency: Currency = "USD",
    from_: FromDay = "",
    to: ToDay = "",
) -> Response:
    """One printable page for the partner region's meeting (a print stylesheet, no charts)."""
    context = _board_context(session, principal, region, currency, from_, to)
    context["printed_on"] = today()
    return render(
        request,
        "cooperation/report.html",
        context,
        status_code=422 if context["problems"] else 200,
    )


@router.get("/dashboard/export/{name}")
def export_page(
    session: DbSession,
    principal: Reader,
    name: str,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
    region: SearchText = None,
    currency: Currency = "USD",
    from_: FromDay = "",
    to: ToDay = "",
) -> Response:
    """A dashboard table (over the period) or a cooperation list as CSV or XLSX, for the
    signed-in browser; each table needs the permission that reads it (403 otherwise)."""
    if name not in service.EXPORTS:
        raise HTTPException(404, _("no table '{name}'").format(name=name[:40]))
    if not principal.can(service.EXPORTS[name][1]):
        raise HTTPException(403, _("your role may not do this"))
    try:
        period = period_of(from_, to)
    except InvalidInput as exc:
        raise HTTPException(422, "; ".join(problems_of(exc))) from None
    exported = service.export_table(
        session, name, format, principal.scope, region, currency, period
    )
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{format}"',
        **service.unconverted_headers(exported.unconverted),
    }
    return Response(exported.body, media_type=exported.media_type, headers=headers)
