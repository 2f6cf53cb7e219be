"""Service pages: the dispatcher's board, a defect, a work order, a unit's service fragment,
the customer portal (report a defect with photos, follow its status) and the photos.

Every page declares its permission with ``require(...)``; reads are narrowed to the caller's
scope by the facade (a customer its own units, a regional manager its regions; anything else is
404). The unit page belongs to the fleet domain, which sits below service and cannot read it:
it loads ``/units/{id}/service`` from here with HTMX.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.api import Choice, DbSession, RowId, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.schemas import Page
from fleetcare.core.templating import render, render_list
from fleetcare.fleet import service as fleet_service
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import photos, schemas, service
from fleetcare.service.models import DefectStatus, LineOption, LineStatus
from fleetcare.service.states import MOVES
from fleetcare.service.warranty import Decision

REPORT_PATH = "/portal/defects"  # a customer's report; it may carry photos
router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.service_read))]
Reporter = Annotated[Principal, Depends(require(Permission.service_report))]
Writer = Annotated[Principal, Depends(require(Permission.service_write))]
Mover = Annotated[Principal, Depends(require(Permission.service_transition))]
Decider = Annotated[Principal, Depends(require(Permission.warranty_decide))]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
PAGE_SIZE = 50
REFRESH_SECONDS = 60  # the board reloads its table this often
AVAILABILITY_DAYS = 365  # measured availability: the last 12 months
WARRANTY_GROUP = ComponentGroup.other  # the unit's warranty: the whole-machine policy


def _problems(exc: InvalidInput | ValidationError) -> list[str]:
    if isinstance(exc, InvalidInput):
        return [f"{e.field}: {e.message}" for e in exc.errors]
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def _var_dir(request: Request) -> Path:
    return Path(request.app.state.var_dir)


# --- the dispatcher's board ------------------------------------------------------------------
@router.get("/service")
def board_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: SearchText = None,
    status: Choice[DefectStatus] = DefectStatus.open,
    breached: Annotated[bool, Query()] = False,
    offset: Offset = 0,
) -> Response:
    """Defects (open by default) with their work order's state, SLA clocks and age, by region;
    "breached only" lists the defects whose work order has a breached clock, whatever the
    defect's status. HTMX swaps and refreshes only the table."""
    if breached:
        late = service.list_work_orders(
            session,
            scope=principal.scope,
            region=region,
            breached=True,
            limit=PAGE_SIZE,
            offset=offset,
        )
        items = [service.defect_read(session, o.defect, principal.scope) for o in late.items]
        page = Page[schemas.DefectRead](items=items, total=late.total)
        orders: dict[int, schemas.WorkOrderRead | None] = {o.defect: o for o in late.items}
    else:
        where = service.DefectFilter(status=status, region=region)
        page = service.list_defects(session, where, principal.scope, PAGE_SIZE, offset)
        orders = {
            d.id: next(iter(service.list_work_orders(session, defect=d.id, limit=1).items), None)
            for d in page.items
        }
    regions = [
        r.name for r in fleet_service.list_regions(session, scope=principal.scope, limit=500).items
    ]
    counts = {
        name: service.list_defects(
            session, service.DefectFilter(status=DefectStatus.open, region=name), principal.scope, 1
        ).total
        for name in regions
    }
    return render_list(
        request,
        "service/board.html",
        path="/service",
        page=page,
        filters={"region": region, "status": status, "breached": "true" if breached else None},
        offset=offset,
        limit=PAGE_SIZE,
        context={
            "orders": orders,
            "regions": regions,
            "counts": counts,
            "statuses": [s.value for s in DefectStatus],
            "now": utcnow(),
            "refresh": REFRESH_SECONDS,
        },
    )


# --- a defect ----------------------------------------------------------------------------------
def _defect_context(
    request: Request, session: DbSession, principal: Principal, defect_id: int
) -> dict[str, Any]:
    defect = service.defect_read(session, defect_id, principal.scope)
    return {
        "defect": defect,
        "orders": service.list_work_orders(
            session, scope=principal.scope, defect=defect_id, limit=20
        ).items,
        "photos": photos.names(_var_dir(request), defect_id),
        "decisions": [d.value for d in Decision],
        "can_open": principal.can(Permission.service_write),
        "can_decide": principal.can(Permission.warranty_decide),
        "claims": _claims_of(session, principal, defect),
        "problems": [],
    }


def _claims_of(
    session: DbSession, principal: Principal, defect: schemas.DefectRead
) -> list[schemas.ClaimRead]:
    """The claims (warranty and recovery) of the defect's work orders, newest first."""
    orders = service.list_work_orders(session, scope=principal.scope, defect=defect.id, limit=20)
    ids = {o.id for o in orders.items}
    if not ids:
        return []
    claims = service.list_claims(session, scope=principal.scope, work_orders=ids, limit=100)
    return claims.items


@router.get("/service/defects/{defect_id}")
def defect_page(
    request: Request, session: DbSession, principal: Reader, defect_id: RowId
) -> Response:
    """One defect: its warranty decision with reasons, its work orders, its photos."""
    return render(
        request, "service/defect.html", _defect_context(request, session, principal, defect_id)
    )


@router.post("/service/defects/{defect_id}/work-orders")
def open_work_order_page(
    request: Request, session: DbSession, principal: Writer, defect_id: RowId
) -> Response:
    """Open a work order for the defect and go to it (409 on the page when one is active)."""
    try:
        order = service.open_work_order(
            session, schemas.WorkOrderCreate(defect=defect_id), by=principal
        )
    except service.Conflict as exc:
        context = _defect_context(request, session, principal, defect_id)
        context["problems"] = [str(exc)]
        return render(request, "service/defect.html", context, status_code=409)
    return RedirectResponse(f"/service/work-orders/{order.id}", status_code=303)


@router.post("/service/defects/{defect_id}/warranty")
def decide_page(
    request: Request,
    session: DbSession,
    principal: Decider,
    defect_id: RowId,
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Confirm or override the defect's warranty decision, with the reason (audited)."""
    try:
        body = schemas.WarrantyDecide.model_validate({"decision": decision, "reason": reason})
        service.decide_warranty(session, defect_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        context = _defect_context(request, session, principal, defect_id)
        context["problems"] = _problems(exc)
        return render(request, "service/defect.html", context, status_code=422)
    return RedirectResponse(f"/service/defects/{defect_id}", status_code=303)


# --- a work order ------------------------------------------------------------------------------
def _order_context(session: DbSession, principal: Principal, order_id: int) -> dict[str, Any]:
    order = service.work_order_read(session, order_id, principal.scope)
    defect = service.defect_read(session, order.defect, principal.scope)
    return {
        "order": order,
        "defect": defect,
        "moves": sorted(m.value for m in MOVES[order.status]),
        "can_move": principal.can(Permission.service_transition),
        "can_resolve": principal.can(Permission.service_write),
        "can_decide": principal.can(Permission.warranty_decide),
        "decisions": [d.value for d in Decision],
        "options": [o.value for o in LineOption],
        "open_lines": (LineStatus.short, LineStatus.waiting),
        "claims": _claims_of(session, principal, defect),
        "problems": [],
        "form": {},
    }


def _order_problem(
    request: Request,
    session: DbSession,
    principal: Principal,
    order_id: int,
    problems: list[str],
    status_code: int,
    form: dict[str, str] | None = None,
) -> Response:
    context = _order_context(session, principal, order_id)
    context["problems"] = problems
    context["form"] = form or {}
    return render(request, "service/work_order.html", context, status_code=status_code)


@router.get("/service/work-orders/{order_id}")
def work_order_page(
    request: Request, session: DbSession, principal: Reader, order_id: RowId
) -> Response:
    """One work order: its moves as buttons, its SLA clocks, its history, its parts (with the
    options for a short line), its labour, the defect's decision and its claims."""
    return render(request, "service/work_order.html", _order_context(session, principal, order_id))


@router.post("/service/work-orders/{order_id}/transitions")
def transition_page(
    request: Request,
    session: DbSession,
    principal: Mover,
    order_id: RowId,
    to: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move the work order (a button per allowed move); an illegal move answers 409 on the page."""
    status_code = 200
    problems: list[str] = []
    try:
        body = schemas.TransitionCreate.model_validate({"to": to, "reason": reason or None})
        service.transition(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        status_code, problems = 422, _problems(exc)
    except service.Conflict as exc:
        status_code, problems = 409, [str(exc)]
    if status_code == 200:
        return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)
    context = _order_context(session, principal, order_id)
    context["problems"] = problems
    return render(request, "service/work_order.html", context, status_code=status_code)


@router.post("/service/work-orders/{order_id}/parts")
def add_part_page(
    request: Request,
    session: DbSession,
    principal: Mover,
    order_id: RowId,
    part: Annotated[str, Form(max_length=100)],
    quantity: Annotated[str, Form(max_length=20)],
    location: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Reserve a part for the work order; when it is not available the line is kept as short
    (409 on the page, with the options to resolve it)."""
    form = {"part": part, "quantity": quantity, "location": location}
    try:
        body = schemas.PartLineCreate.model_validate(
            {"part": part, "quantity": quantity, "location": location or None}
        )
        added = service.add_part(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, _problems(exc), 422, form)
    except service.Conflict as exc:
        return _order_problem(request, session, principal, order_id, [str(exc)], 409, form)
    if added.shortage is not None:
        short = added.shortage
        problems = [
            _("{detail} (on hand {on_hand}, reserved {reserved}): choose an option below").format(
                detail=short, on_hand=short.on_hand, reserved=short.reserved
            )
        ]
        return _order_problem(request, session, principal, order_id, problems, 409)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)


@router.post("/service/work-orders/{order_id}/parts/resolution")
def resolve_part_page(
    request: Request,
    session: DbSession,
    principal: Writer,
    order_id: RowId,
    line: Annotated[int, Form(ge=1, le=2_147_483_647)],
    option: Annotated[str, Form(max_length=20)],
    donor: Annotated[str, Form(max_length=100)] = "",
    price: Annotated[str, Form(max_length=20)] = "",
    currency: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Resolve a short (or waiting) line: wait, emergency, cannibalise from a donor, or grey
    with its price and currency; fields of another option are ignored."""
    data: dict[str, str] = {"option": option}
    if option == LineOption.cannibalise:
        data["donor"] = donor
    if option == LineOption.grey:
        data |= {"price": price, "currency": currency}
    try:
        body = schemas.LineResolution.model_validate(data)
        service.resolve(session, order_id, line, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, _problems(exc), 422)
    except service.Conflict as exc:
        return _order_problem(request, session, principal, order_id, [str(exc)], 409)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)


@router.post("/service/work-orders/{order_id}/labour")
def labour_page(
    request: Request,
    session: DbSession,
    principal: Mover,
    order_id: RowId,
    faulty_serial: Annotated[str, Form(max_length=100)] = "",
    replacement_serial: Annotated[str, Form(max_length=100)] = "",
    labour_hours: Annotated[str, Form(max_length=20)] = "",
    travel_km: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Enter what the claim needs on an active work order; a blank field is left unchanged."""
    given = {
        "faulty_serial": faulty_serial,
        "replacement_serial": replacement_serial,
        "labour_hours": labour_hours,
        "travel_km": travel_km,
    }
    try:
        body = schemas.WorkOrderUpdate.model_validate({k: v for k, v in given.items() if v})
        service.update_work_order(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, _problems(exc), 422, given)
    except service.Conflict as exc:
        return _order_problem(request, session, principal, order_id, [str(exc)], 409, given)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)


# --- the unit page's service fragment ----------------------------------------------------------
@router.get("/units/{unit_id}/service")
def unit_service_fragment(
    request: Request, session: DbSession, principal: Reader, unit_id: RowId
) -> Response:
    """A unit's warranty (until when, hours left), defects, work orders and downtime; the fleet
    unit page loads it with HTMX (fleet cannot import service)."""
    unit = fleet_service.unit_read(session, unit_id, principal.scope)
    warranty = service.check_warranty(
        session, unit.serial, WARRANTY_GROUP, utcnow().date(), scope=principal.scope
    )
    defects = service.list_defects(
        session, service.DefectFilter(unit=unit.serial), principal.scope, 20
    )
    orders = [
        order
        for defect in defects.items
        for order in service.list_work_orders(
            session, scope=principal.scope, defect=defect.id, limit=5
        ).items
    ]
    context = {
        "unit": unit,
        "warranty": warranty,
        "defects": defects,
        "orders": sorted(orders, key=lambda o: o.opened_at, reverse=True),
        "downtime": service.unit_downtime(session, unit_id, principal.scope),
    }
    return render(request, "service/_unit.html", context)


# --- measured availability, beside the planning model's ------------------------------------------
@router.get("/service/availability")
def availability_fragment(
    request: Request, session: DbSession, principal: Reader, region: SearchText = None
) -> Response:
    """Each region's measured availability over the last 12 months (machine-days, down-days);
    the planning page (planning sits below service) loads it with HTMX beside the model's."""
    last = utcnow().date()
    first = last - timedelta(days=AVAILABILITY_DAYS - 1)
    names = [
        r.name for r in fleet_service.list_regions(session, scope=principal.scope, limit=500).items
    ]
    rows = [
        service.availability(session, principal.scope, region=name, first=first, last=last)
        for name in names
    ]
    context = {"rows": rows, "chosen": region, "first": first, "last": last}
    return render(request, "service/_availability.html", context)


# --- the customer portal -------------------------------------------------------------------------
def _portal_context(session: DbSession, principal: Principal, offset: int = 0) -> dict[str, Any]:
    units = fleet_service.list_units(
        session, fleet_service.UnitFilter(), principal.scope, limit=500
    ).items
    defects = service.list_defects(session, service.DefectFilter(), principal.scope, 25, offset)
    return {
        "units": [u.serial for u in units],
        "groups": [g.value for g in ComponentGroup],
        "defects": defects,
        "problems": [],
        "reported": None,
        "form": {},
    }


@router.get("/portal")
def portal_page(request: Request, session: DbSession, principal: Reporter) -> Response:
    """Report a defect on one's own machine, and follow the defects reported."""
    return render(request, "service/portal.html", _portal_context(session, principal))


@router.post(REPORT_PATH)
def portal_report(
    request: Request,
    session: DbSession,
    principal: Reporter,
    unit: Annotated[str, Form(max_length=100)],
    component_group: Annotated[str, Form(max_length=40)],
    symptom: Annotated[str, Form(max_length=4000)],
    down: Annotated[bool, Form()] = False,
    photo: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Report a defect with up to a few photos (JPEG/PNG by content, size-capped)."""
    limits: photos.PhotoLimits = request.app.state.photo_limits
    uploads = [p for p in (photo or []) if p.filename or p.size]
    try:
        contents = [p.file.read(limits.max_bytes + 1) for p in uploads[: limits.max_count + 1]]
        kinds = photos.check(contents, limits)
        body = schemas.DefectCreate.model_validate(
            {"unit": unit, "component_group": component_group, "symptom": symptom, "down": down}
        )
        defect = service.report_defect(session, body, by=principal)
    except (ValidationError, InvalidInput, NotFound) as exc:
        context = _portal_context(session, principal)
        context["problems"] = [f"unit: {exc}"] if isinstance(exc, NotFound) else _problems(exc)
        context["form"] = {"unit": unit, "component_group": component_group, "symptom": symptom}
        status_code = 413 if isinstance(exc, photos.TooLarge) else 422
        return render(request, "service/portal.html", context, status_code=status_code)
    photos.store(session, _var_dir(request), defect.id, contents, kinds, by=principal)
    return RedirectResponse(f"/service/defects/{defect.id}", status_code=303)


@router.get("/service/defects/{defect_id}/photos/{name}")
def photo(
    request: Request, session: DbSession, principal: Reader, defect_id: RowId, name: str
) -> Response:
    """One photo of a defect the caller may see (else 404, like a missing one)."""
    service.defect_read(session, defect_id, principal.scope)
    path = photos.path_of(_var_dir(request), defect_id, name)
    if path is None:
        raise NotFound(_("photo not found"))
    media_type = photos.MEDIA_TYPES[path.suffix.lstrip(".")]
    return FileResponse(path, media_type=media_type, headers={"X-Content-Type-Options": "nosniff"})
