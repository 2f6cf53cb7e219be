"""The deal forms: ``/deals/new`` (create) and ``/deals/{id}/edit`` (change the terms the
deal's stage allows).

Both need ``deals.write`` and the session's anti-forgery token; a regional manager names only
its regions' customers and sites and edits only their deals (another's is 404, like a missing
one). The facade checks and audits; the call runs in a savepoint, so a refused form keeps
nothing and shows every problem on the form (422; 409 for a term a shipped deal keeps).
A new deal starts at ``lead``, ``negotiation`` or ``signed``: later stages come by moves.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from fleetcare.cooperation import schemas, service
from fleetcare.cooperation.deals import FROZEN_WHEN_SHIPPED
from fleetcare.cooperation.stages import Stage
from fleetcare.core.api import DbSession, RowId
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _, typed_number
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import problems_of, render
from fleetcare.fleet import service as fleet_service

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
DealWriter = Annotated[Principal, Depends(require(Permission.deals_write))]
STARTS = (Stage.lead, Stage.negotiation, Stage.signed)
FIELDS = (
    "reference",
    "customer",
    "model",
    "site",
    "quantity",
    "value",
    "currency",
    "expected_signing",
    "expected_delivery",
)
REQUIRED = ("reference", "customer", "model", "quantity", "value", "currency")
PICK_AT_MOST = 500  # customers, models and sites offered as suggestions


def _text(max_length: int) -> Any:
    return Form(max_length=max_length)


Reference = Annotated[str, _text(60)]
Short = Annotated[str, _text(100)]
Number = Annotated[str, _text(24)]
Day = Annotated[str, _text(10)]


def _form(**values: str) -> dict[str, str]:
    return {name: value.strip() for name, value in values.items()}


def _missing(form: dict[str, str], names: tuple[str, ...]) -> list[FieldError]:
    return [FieldError(name, _("required")) for name in names if not form.get(name)]


def _choices(session: Session, principal: Principal) -> dict[str, Any]:
    """What the form suggests: the customers and sites the writer sees, every model, the
    currencies with rates."""
    scope = principal.scope
    return {
        "customers": [
            c.code
            for c in fleet_service.list_customers(session, scope=scope, limit=PICK_AT_MOST).items
        ],
        "models": [m.code for m in fleet_service.list_models(session, limit=PICK_AT_MOST).items],
        "sites": [
            s.name for s in fleet_service.list_sites(session, scope=scope, limit=PICK_AT_MOST).items
        ],
        "currencies": service.currencies(session),
        "starts": [s.value for s in STARTS],
    }


def _render(
    request: Request,
    session: Session,
    principal: Principal,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    full = {"problems": [], "deal": None, "frozen": (), **_choices(session, principal), **context}
    return render(request, "cooperation/deal_form.html", full, status_code=status_code)


@router.get("/deals/new")
def new_deal_page(request: Request, session: DbSession, principal: DealWriter) -> Response:
    """An empty deal form."""
    return _render(request, session, principal, {"form": {"stage": Stage.lead.value}})


@router.post("/deals/new")
def create_deal_page(
    request: Request,
    session: DbSession,
    principal: DealWriter,
    reference: Reference = "",
    customer: Short = "",
    model: Short = "",
    site: Short = "",
    quantity: Number = "",
    value: Number = "",
    currency: Annotated[str, _text(3)] = "",
    stage: Annotated[str, _text(20)] = "lead",
    expected_signing: Day = "",
    expected_delivery: Day = "",
) -> Response:
    """Create the deal (audited) and show it; a refusal shows on the form."""
    form = _form(
        reference=reference,
        customer=customer,
        model=model,
        site=site,
        quantity=quantity,
        value=typed_number(value),
        currency=currency,
        stage=stage,
        expected_signing=expected_signing,
        expected_delivery=expected_delivery,
    )
    try:
        errors = _missing(form, REQUIRED)
        if form["stage"] not in {s.value for s in STARTS}:
            message = _("a new deal starts at lead, negotiation or signed")
            errors.append(FieldError("stage", message))
        if errors:
            raise InvalidInput(errors)
        record = schemas.DealRecord.model_validate({k: v or None for k, v in form.items()})
        with session.begin_nested():  # a refused form leaves no row behind
            deal = service.create_deal(session, record, by=principal)
    except (InvalidInput, ValidationError) as exc:
        context = {"form": form, "problems": problems_of(exc)}
        return _render(request, session, principal, context, 422)
    return RedirectResponse(f"/deals/{deal.id}", status_code=303)


def _current(deal: schemas.DealRead) -> dict[str, str]:
    """The deal's terms as the form shows them."""
    values = deal.model_dump(mode="json", include=set(FIELDS))
    return {name: "" if values[name] is None else str(values[name]) for name in FIELDS}


@router.get("/deals/{deal_id}/edit")
def edit_deal_page(
    request: Request, session: DbSession, principal: DealWriter, deal_id: RowId
) -> Response:
    """The deal's terms in a form; a shipped deal's customer, model, quantity and site are
    shown, not offered."""
    deal = service.deal_read(session, deal_id, principal.scope)
    context = {"deal": deal, "form": _current(deal), "frozen": _frozen(deal)}
    return _render(request, session, principal, context)


def _frozen(deal: schemas.DealRead) -> tuple[str, ...]:
    return FROZEN_WHEN_SHIPPED if deal.stage in schemas.SHIPPED else ()


@router.post("/deals/{deal_id}/edit")
def update_deal_page(
    request: Request,
    session: DbSession,
    principal: DealWriter,
    deal_id: RowId,
    reference: Reference = "",
    customer: Short = "",
    model: Short = "",
    site: Short = "",
    quantity: Number = "",
    value: Number = "",
    currency: Annotated[str, _text(3)] = "",
    expected_signing: Day = "",
    expected_delivery: Day = "",
) -> Response:
    """Change what differs from the stored terms (audited) and show the deal; a term the
    stage keeps is refused (409) if it was changed; a refusal shows on the form."""
    deal = service.deal_read(session, deal_id, principal.scope)
    form = _form(
        reference=reference,
        customer=customer,
        model=model,
        site=site,
        quantity=quantity,
        value=typed_number(value),
        currency=currency,
        expected_signing=expected_signing,
        expected_delivery=expected_delivery,
    )
    frozen = _frozen(deal)
    for name in frozen:  # not offered on the form: absent means unchanged
        form[name] = form[name] or _current(deal)[name]
    context: dict[str, Any] = {"deal": deal, "form": form, "frozen": frozen}
    try:
        errors = _missing(form, REQUIRED)
        if errors:
            raise InvalidInput(errors)
        given = schemas.DealUpdate.model_validate({k: v or None for k, v in form.items()})
        stored = schemas.DealUpdate.model_validate(
            {k: v or None for k, v in _current(deal).items()}
        )
        changed = {name for name in FIELDS if getattr(given, name) != getattr(stored, name)}
        patch = schemas.DealUpdate.model_validate(given.model_dump(include=changed))
        with session.begin_nested():  # a refused form leaves no change behind
            service.update_deal(session, deal_id, patch, by=principal)
    except (InvalidInput, ValidationError) as exc:
        context["problems"] = problems_of(exc)
        return _render(request, session, principal, context, 422)
    except service.Conflict as exc:
        context["problems"] = [str(exc)]
        return _render(request, session, principal, context, 409)
    return RedirectResponse(f"/deals/{deal_id}", status_code=303)
