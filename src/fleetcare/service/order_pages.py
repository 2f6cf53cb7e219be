"""Service pages of a work order: the page (its moves as buttons, SLA clocks, history, parts
lines with their forms, labour, the defect's decision and claims) and its forms — a move, a
part, an option for a short or waiting line, reserving a line again, labour.

Each form is checked like its REST route (CSRF by the router, permission by ``require``, scope
and audit by the facade); a refusal answers on the page with the status the API would give.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.api import DbSession, RowId
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import _, typed_number
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import problems_of, render
from fleetcare.service import schemas, service
from fleetcare.service.models import LineOption, LineStatus
from fleetcare.service.page_common import Mover, Reader, Writer, claims_of, router
from fleetcare.service.states import MOVES
from fleetcare.service.warranty import Decision


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
        "reservable": (LineStatus.short, LineStatus.waiting, LineStatus.in_transit),
        "claims": claims_of(session, principal, defect),
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
        with session.begin_nested():  # a refused form leaves no row behind
            service.transition(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        status_code, problems = 422, problems_of(exc)
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
        with session.begin_nested():  # a refused form leaves no row behind
            added = service.add_part(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, problems_of(exc), 422, form)
    except service.Conflict as exc:
        return _order_problem(request, session, principal, order_id, [str(exc)], 409, form)
    if added.shortage is not None:
        short = added.shortage
        problems = [_("{detail}: choose an option below").format(detail=short)]
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
        data |= {"price": typed_number(price), "currency": currency}
    try:
        body = schemas.LineResolution.model_validate(data)
        with session.begin_nested():  # a refused form leaves no row behind
            service.resolve(session, order_id, line, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, problems_of(exc), 422)
    except (service.Conflict, service.NotEnoughStock) as exc:  # emergency: none anywhere
        return _order_problem(request, session, principal, order_id, [str(exc)], 409)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)


@router.post("/service/work-orders/{order_id}/parts/reserve")
def reserve_again_page(
    request: Request,
    session: DbSession,
    principal: Mover,
    order_id: RowId,
    line: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    """Try the reservation of a short, waiting or in-transit line again through the ledger (as
    ``POST /api/service/work-orders/{id}/parts/{line}/reserve``); still not available: 409 on
    the page, the line and its options shown again."""
    try:
        service.reserve_again(session, order_id, line, by=principal)
    except service.NotEnoughStock as short:
        problems = [_("{detail}: choose an option below").format(detail=short)]
        return _order_problem(request, session, principal, order_id, problems, 409)
    except InvalidInput as exc:
        return _order_problem(request, session, principal, order_id, problems_of(exc), 422)
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
        with session.begin_nested():  # a refused form leaves no row behind
            service.update_work_order(session, order_id, body, by=principal)
    except (ValidationError, InvalidInput) as exc:
        return _order_problem(request, session, principal, order_id, problems_of(exc), 422, given)
    except service.Conflict as exc:
        return _order_problem(request, session, principal, order_id, [str(exc)], 409, given)
    return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)
