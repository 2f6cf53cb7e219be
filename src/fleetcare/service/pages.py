"""Service pages: the dispatcher's board, a defect, a unit's service fragment, measured
availability, the customer portal (report a defect with photos, follow its status) and the
photos; a work order's page and forms are in ``order_pages`` (on the same router, registered
by importing it here).

Every page declares its permission with ``require(...)``; reads are narrowed to the caller's
scope by the facade (a customer its own units, a regional manager its regions; anything else is
404). The unit page belongs to the fleet domain, which sits below service and cannot read it:
it loads ``/units/{id}/service`` from here with HTMX.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.api import Choice, DbSession, RowId, SearchText
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import page_url, problems_of, render, render_list
from fleetcare.fleet import service as fleet_service
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import photos, schemas, service
from fleetcare.service.models import DefectStatus
from fleetcare.service.page_common import (
    Decider,
    Offset,
    Reader,
    Reporter,
    Writer,
    claims_of,
    var_dir,
)
from fleetcare.service.page_common import router as router
from fleetcare.service.warranty import Decision

REPORT_PATH = "/portal/defects"  # a customer's report; it may carry photos
PAGE_SIZE = 50
PORTAL_REPORTS = 25  # reports a page of the portal lists
REFRESH_SECONDS = 60  # the board reloads its table this often
AVAILABILITY_DAYS = 365  # measured availability: the last 12 months


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
    if breached:  # each defect once, shown with its newest breached work order
        where = service.DefectFilter(region=region, breached=True)
    else:
        where = service.DefectFilter(status=status, region=region)
    page = service.list_defects(session, where, principal.scope, PAGE_SIZE, offset)
    late = True if breached else None
    orders = {
        d.id: next(
            iter(service.list_work_orders(session, defect=d.id, breached=late, limit=1).items), None
        )
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
        "photos": photos.names(var_dir(request), defect_id),
        "decisions": [d.value for d in Decision],
        "can_open": principal.can(Permission.service_write),
        "can_decide": principal.can(Permission.warranty_decide),
        "claims": claims_of(session, principal, defect),
        "problems": [],
    }


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
        order_id = service.open_work_order(
            session, schemas.WorkOrderCreate(defect=defect_id), by=principal
        )
    except service.Conflict as exc:
        return _defect_refused(request, session, principal, defect_id, [str(exc)], 409)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)


@router.post("/service/defects/{defect_id}/close")
def close_defect_page(
    request: Request,
    session: DbSession,
    principal: Writer,
    defect_id: RowId,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Close an open defect that needs no work, with the reason (audited); a refusal shows on
    the page (422 no reason, 409 closed already or a work order active)."""
    try:
        body = schemas.DefectClose.model_validate({"reason": reason})
        with session.begin_nested():  # a refused form leaves no row behind
            service.close_defect(session, defect_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _defect_refused(request, session, principal, defect_id, problems_of(exc), 422)
    except service.Conflict as exc:
        return _defect_refused(request, session, principal, defect_id, [str(exc)], 409)
    return RedirectResponse(f"/service/defects/{defect_id}", status_code=303)


def _defect_refused(
    request: Request,
    session: DbSession,
    principal: Principal,
    defect_id: int,
    problems: list[str],
    status_code: int,
) -> Response:
    """The defect's page again with a refused form's problems."""
    context = _defect_context(request, session, principal, defect_id)
    context["problems"] = problems
    return render(request, "service/defect.html", context, status_code=status_code)


@router.post("/service/defects/{defect_id}/warranty")
def decide_page(
    request: Request,
    session: DbSession,
    principal: Decider,
    defect_id: RowId,
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Confirm or override the defect's warranty decision, with the reason (audited); a refusal
    shows on the page (422 no reason, 409 a claim made under the decision as it stands)."""
    try:
        body = schemas.WarrantyDecide.model_validate({"decision": decision, "reason": reason})
        with session.begin_nested():  # a refused form leaves no row behind
            service.decide_warranty(session, defect_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _defect_refused(request, session, principal, defect_id, problems_of(exc), 422)
    except service.Conflict as exc:  # claimed under the decision as it stands
        return _defect_refused(request, session, principal, defect_id, [str(exc)], 409)
    return RedirectResponse(f"/service/defects/{defect_id}", status_code=303)


# --- the unit page's service fragment ----------------------------------------------------------
@router.get("/units/{unit_id}/service")
def unit_service_fragment(
    request: Request, session: DbSession, principal: Reader, unit_id: RowId
) -> Response:
    """A unit's warranty (until when, hours left), defects, work orders and downtime; the fleet
    unit page loads it with HTMX (fleet cannot import service)."""
    unit = fleet_service.unit_read(session, unit_id, principal.scope)
    warranty = service.check_warranty(
        session,
        unit.serial,
        None,
        utcnow().date(),
        scope=principal.scope,  # the whole machine
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
PORTAL_UNITS = 30  # serials the machine field suggests at a time (typing narrows them)


def _unit_choices(session: DbSession, principal: Principal, q: str | None = None) -> list[str]:
    """The first working machines in the caller's scope whose serial holds ``q``."""
    where = fleet_service.UnitFilter(q=q, working=True)
    units = fleet_service.list_units(session, where, principal.scope, limit=PORTAL_UNITS)
    return [u.serial for u in units.items]


def _portal_context(session: DbSession, principal: Principal, offset: int = 0) -> dict[str, Any]:
    defects = service.list_defects(
        session, service.DefectFilter(), principal.scope, PORTAL_REPORTS, offset
    )
    return {
        "units": _unit_choices(session, principal),
        "groups": [g.value for g in ComponentGroup],
        "defects": defects,
        "offset": offset,
        "limit": PORTAL_REPORTS,
        "url": lambda new_offset: page_url("/portal", {}, new_offset),
        "problems": [],
        "reported": None,
        "form": {},
    }


@router.get("/portal")
def portal_page(
    request: Request, session: DbSession, principal: Reporter, offset: Offset = 0
) -> Response:
    """Report a defect on one's own machine, and follow the defects reported (paged)."""
    return render(request, "service/portal.html", _portal_context(session, principal, offset))


@router.get("/portal/units")
def portal_units(
    request: Request, session: DbSession, principal: Reporter, unit: SearchText = None
) -> Response:
    """The machine field's suggestions as the reporter types (HTMX swaps the options)."""
    context = {"units": _unit_choices(session, principal, unit)}
    return render(request, "service/_unit_options.html", context)


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
        with session.begin_nested():  # a refused form leaves no row behind
            defect = service.report_defect(session, body, by=principal)
    except (ValidationError, InvalidInput, NotFound) as exc:
        context = _portal_context(session, principal)
        context["problems"] = [f"unit: {exc}"] if isinstance(exc, NotFound) else problems_of(exc)
        context["form"] = {
            "unit": unit,
            "component_group": component_group,
            "symptom": symptom,
            "down": down,
        }
        status_code = 413 if isinstance(exc, photos.TooLarge) else 422
        return render(request, "service/portal.html", context, status_code=status_code)
    photos.store(session, var_dir(request), defect.id, contents, kinds, by=principal)
    return RedirectResponse(f"/service/defects/{defect.id}", status_code=303)


@router.get("/service/defects/{defect_id}/photos/{name}")
def photo(
    request: Request, session: DbSession, principal: Reader, defect_id: RowId, name: str
) -> Response:
    """One photo of a defect the caller may see (else 404, like a missing one)."""
    service.defect_read(session, defect_id, principal.scope)
    path = photos.path_of(var_dir(request), defect_id, name)
    if path is None:
        raise NotFound(_("photo not found"))
    media_type = photos.MEDIA_TYPES[path.suffix.lstrip(".")]
    return FileResponse(path, media_type=media_type, headers={"X-Content-Type-Options": "nosniff"})


from fleetcare.service import order_pages  # noqa: E402, F401  (its routes join the router)
