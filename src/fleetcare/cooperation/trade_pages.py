"""The trade pages: ``/trade`` (figures by region, year and product group, converted to the
reporting currency, each saying which day's rate converted it) and ``/trade/targets`` (target
against actual per region and year), each with an add-or-replace form, a CSV/JSON import form
and CSV/XLSX exports.

Reading needs ``trade.read``, writing ``trade.write`` and the session's anti-forgery token; a
regional manager reads and writes its regions only (another's row is 404, a form or file
naming another region is refused as an unknown region). Writes go through the facade (audited)
in a savepoint: a refused form or file keeps nothing and its problems show on the page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fleetcare.cooperation import schemas, service
from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.uploads import MAX_UPLOAD_BYTES, TooLarge, upload_name
from fleetcare.core.api import Choice, DbSession, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import _, typed_number
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.schemas import CURRENCY_PATTERN
from fleetcare.core.templating import page_url, problems_of, render
from fleetcare.fleet import service as fleet_service

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
TradeReader = Annotated[Principal, Depends(require(Permission.trade_read))]
TradeWriter = Annotated[Principal, Depends(require(Permission.trade_write))]
Currency = Annotated[str, Query(pattern=CURRENCY_PATTERN)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
YearQuery = Annotated[int | None, Query(ge=1990, le=2100)]
EditId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Text = Annotated[str, Form(max_length=100)]
Upload = Annotated[UploadFile | None, File()]
PAGE_SIZE = 50
TRADE_EXPORTS = ("trade-converted", "trade")
TARGET_EXPORTS = ("targets-vs-actual", "trade-targets")


def _common(session: Session, principal: Principal, currency: str) -> dict[str, Any]:
    return {
        "regions": fleet_service.region_names(session, scope=principal.scope),
        "currencies": service.currencies(session),
        "groups": [g.value for g in ProductGroup],
        "currency": currency,
        "can_write": principal.can(Permission.trade_write),
        "problems": [],
        "notice": None,
        "form": {},
        "max_kib": MAX_UPLOAD_BYTES // 1024,
    }


def _trade_context(
    session: Session,
    principal: Principal,
    *,
    region: str | None = None,
    year: int | None = None,
    group: ProductGroup | None = None,
    currency: str = "USD",
    offset: int = 0,
) -> dict[str, Any]:
    chosen = {
        "region": region or "",
        "year": "" if year is None else str(year),
        "group": group.value if group else "",
        "currency": currency,
    }
    chosen = {k: v for k, v in chosen.items() if v}
    context = _common(session, principal, currency)
    context.update(chosen=chosen, page=None, offset=offset, limit=PAGE_SIZE)
    context["url"] = lambda new_offset: page_url("/trade", chosen, new_offset)
    context["export_names"] = TRADE_EXPORTS
    try:
        context["page"] = service.converted_trade(
            session,
            scope=principal.scope,
            region=region,
            year=year,
            group=group,
            currency=currency,
            limit=PAGE_SIZE,
            offset=offset,
        )
    except InvalidInput as exc:
        context["problems"] = problems_of(exc)
    return context


@router.get("/trade")
def trade_page(
    request: Request,
    session: DbSession,
    principal: TradeReader,
    region: SearchText = None,
    year: YearQuery = None,
    group: Choice[ProductGroup] = None,
    currency: Currency = "USD",
    offset: Offset = 0,
    edit: EditId = None,
) -> Response:
    """Trade figures converted to ``currency``; ``edit`` fills the form with one figure."""
    context = _trade_context(
        session,
        principal,
        region=region,
        year=year,
        group=group,
        currency=currency,
        offset=offset,
    )
    if edit is not None:
        figure = service.trade_read(session, edit, principal.scope)
        context["form"] = figure.model_dump(mode="json")
    status_code = 422 if context["problems"] else 200
    return render(
        request, "cooperation/trade.html", context, block="table", status_code=status_code
    )


@router.post("/trade")
def put_trade_page(
    request: Request,
    session: DbSession,
    principal: TradeWriter,
    region: Text = "",
    year: Text = "",
    group: Text = "",
    amount: Text = "",
    currency: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Create or replace the figure of a region, year and group (audited)."""
    form = {
        "region": region,
        "year": year,
        "group": group,
        "amount": typed_number(amount),
        "currency": currency,
    }
    try:
        record = schemas.TradeRecord.model_validate({k: v.strip() for k, v in form.items()})
        with session.begin_nested():  # a refused form leaves no row behind
            service.put_trade(session, record, by=principal)
    except (InvalidInput, ValidationError) as exc:
        context = _trade_context(session, principal)
        context.update(form=form, problems=problems_of(exc))
        return render(request, "cooperation/trade.html", context, status_code=422)
    return RedirectResponse(
        page_url("/trade", {"region": record.region, "year": str(record.year)}, 0), 303
    )


def _import(
    session: Session, principal: Principal, table: Any, file: UploadFile | None
) -> tuple[int, list[str], str | None]:
    """Import the uploaded file: (status, problems, notice of the counts)."""
    if file is None:
        return 422, [_("choose a file to import")], None
    name = upload_name(file.filename)
    try:
        content = file.file.read(MAX_UPLOAD_BYTES + 1)  # one byte more: too large, refused
        with session.begin_nested():  # a refused file leaves no row behind
            result = service.import_upload(session, table, file.filename, content, by=principal)
    except TooLarge as exc:
        return 413, [str(e) for e in exc.errors], None
    except InvalidInput as exc:
        return 422, [str(e) for e in exc.errors], None
    notice = _("{file}: {created} created, {updated} updated, {unchanged} unchanged.").format(
        file=name, **result.counts()
    )
    return 200, [], notice


@router.post("/trade/import")
def import_trade_page(
    request: Request, session: DbSession, principal: TradeWriter, file: Upload = None
) -> Response:
    """Import trade figures from a CSV or JSON file: all rows or none."""
    status_code, problems, notice = _import(session, principal, service.TRADE, file)
    context = _trade_context(session, principal)
    context.update(problems=problems, notice=notice)
    return render(request, "cooperation/trade.html", context, status_code=status_code)


def _targets_context(
    session: Session, principal: Principal, region: str | None = None, currency: str = "USD"
) -> dict[str, Any]:
    context = _common(session, principal, currency)
    context.update(region=region, rows=None, rates_used=[], export_names=TARGET_EXPORTS)
    chosen = {"region": region or "", "currency": currency}
    context["query"] = urlencode({k: v for k, v in chosen.items() if v})
    try:
        rows, used, left_out = service.targets_vs_actual(
            session, scope=principal.scope, region=region, currency=currency
        )
        context.update(rows=rows, rates_used=used, unconverted=left_out)
    except InvalidInput as exc:
        context["problems"] = problems_of(exc)
    return context


@router.get("/trade/targets")
def targets_page(
    request: Request,
    session: DbSession,
    principal: TradeReader,
    region: SearchText = None,
    currency: Currency = "USD",
    edit: EditId = None,
) -> Response:
    """Target against actual per region and year in ``currency``; ``edit`` fills the form."""
    context = _targets_context(session, principal, region, currency)
    if edit is not None:
        context["form"] = service.target_read(session, edit, principal.scope).model_dump(
            mode="json"
        )
    status_code = 422 if context["problems"] else 200
    return render(request, "cooperation/targets.html", context, status_code=status_code)


@router.post("/trade/targets")
def put_target_page(
    request: Request,
    session: DbSession,
    principal: TradeWriter,
    region: Text = "",
    year: Text = "",
    amount: Text = "",
    currency: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Create or replace the target of a region and year (audited)."""
    form = {"region": region, "year": year, "amount": typed_number(amount), "currency": currency}
    try:
        record = schemas.TargetRecord.model_validate({k: v.strip() for k, v in form.items()})
        with session.begin_nested():  # a refused form leaves no row behind
            service.put_target(session, record, by=principal)
    except (InvalidInput, ValidationError) as exc:
        context = _targets_context(session, principal)
        context.update(form=form, problems=problems_of(exc))
        return render(request, "cooperation/targets.html", context, status_code=422)
    return RedirectResponse(page_url("/trade/targets", {"region": record.region}, 0), 303)


@router.post("/trade/targets/import")
def import_targets_page(
    request: Request, session: DbSession, principal: TradeWriter, file: Upload = None
) -> Response:
    """Import trade targets from a CSV or JSON file: all rows or none."""
    status_code, problems, notice = _import(session, principal, service.TRADE_TARGETS, file)
    context = _targets_context(session, principal)
    context.update(problems=problems, notice=notice)
    return render(request, "cooperation/targets.html", context, status_code=status_code)
