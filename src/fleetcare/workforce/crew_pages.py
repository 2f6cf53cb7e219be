"""A work order's crew on the web: who is assigned to it, and countersigning a trainee's job
once the work order is done (the work order's page loads this as a fragment; the service
domain, below this one, does not know the workforce).

The countersign form offers the crew's certified members who were on the work order, the
reader's own technician first when it is one of them; refusals (409, 422) show in the
fragment, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from fleetcare.core.api import DbSession, RowId
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import is_htmx, problems_of, render
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce import schemas, service
from fleetcare.workforce.ladder import Level

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.workforce_read))]
Signer = Annotated[Principal, Depends(require(Permission.service_transition))]


def _crew_context(session: Session, principal: Principal, order_id: int) -> dict[str, Any]:
    status, crew = service.crew_of(session, order_id, principal.scope)
    signers = sorted({a.technician for a in crew if a.level is not Level.trainee})
    try:
        mine = service.linked_technician(session, principal).code
    except NotFound:
        mine = None
    if mine in signers:
        signers.remove(mine)
        signers.insert(0, mine)
    can_sign = principal.can(Permission.service_transition) and status is WorkOrderStatus.done
    return {
        "order_id": order_id,
        "status": status,
        "crew": crew,
        "signers": signers,
        "can_sign": can_sign,
        "problems": [],
    }


@router.get("/workforce/work-orders/{order_id}/crew")
def crew_page(request: Request, session: DbSession, principal: Reader, order_id: RowId) -> Response:
    """The crew of a visible work order (404 otherwise): the fragment the work order's page
    loads, or a page of its own."""
    context = _crew_context(session, principal, order_id)
    return render(request, "workforce/crew.html", context, block="crew")


@router.post("/workforce/assignments/{assignment_id}/countersign")
def countersign_page(
    request: Request,
    session: DbSession,
    principal: Signer,
    assignment_id: RowId,
    by: Annotated[str, Form(max_length=40)],
) -> Response:
    """Countersign a trainee's job (audited); back to its work order, or the crew fragment
    again for HTMX; a refusal shows in the fragment with 409 or 422 (an assignment out of
    reach: 404)."""
    order_id = service.assignment_read(session, assignment_id, principal.scope).work_order
    status_code, problems = 200, []
    try:
        body = schemas.Countersign.model_validate({"by": by})
        with session.begin_nested():
            service.countersign(session, assignment_id, body, by=principal)
    except (InvalidInput, ValidationError) as exc:
        status_code, problems = 422, problems_of(exc)
    except service.Conflict as exc:
        status_code, problems = 409, [str(exc)]
    if status_code == 200 and not is_htmx(request):
        return RedirectResponse(f"/service/work-orders/{order_id}", status_code=303)
    context = _crew_context(session, principal, order_id)
    context["problems"] = problems
    return render(request, "workforce/crew.html", context, block="crew", status_code=status_code)
