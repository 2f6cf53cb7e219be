"""Parts pages: search, a part, the location tree, a location's stock, the ledger, proposals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from fleetcare.core.api import MAX_ID, Choice, DbSession, RowId, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import problems_of, render, render_list
from fleetcare.parts import schemas, service
from fleetcare.parts.models import ComponentGroup, MoveKind, TransferStatus

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.parts_read))]
Mover = Annotated[Principal, Depends(require(Permission.stock_move))]
ARRIVING = 50  # transfers on their way a location's page lists
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
LOCATION_CODE_LENGTH = 40  # a location code's longest (``core.schemas.Code``)
LocationFilter = Annotated[str | None, Query(max_length=LOCATION_CODE_LENGTH)]
PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 50


@router.get("/parts")
def parts_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    q: SearchText = None,
    group: Choice[ComponentGroup] = None,
    model: SearchText = None,
    offset: Offset = 0,
) -> Response:
    """Search the catalogue; HTMX swaps only the table."""
    page = service.list_parts(
        session, q=q, group=group, model=model, limit=PAGE_SIZE, offset=offset
    )
    return render_list(
        request,
        "parts/list.html",
        path="/parts",
        page=page,
        filters={"q": q, "group": group, "model": model},
        offset=offset,
        limit=PAGE_SIZE,
        context={"groups": [g.value for g in ComponentGroup]},
    )


@router.get("/parts/{part_id}")
def part_page(request: Request, session: DbSession, principal: Reader, part_id: RowId) -> Response:
    """One part: where it sits, its latest moves, the models that use it."""
    part = service.part_read(session, part_id)
    scope = principal.scope
    context = {
        "part": part,
        "stock": service.stock(session, scope=scope, part=part.number, limit=500).items,
        "moves": service.moves(session, scope=scope, part=part.number, limit=20).items,
        "models": service.models_using(session, part_id),
    }
    return render(request, "parts/part.html", context)


@router.get("/locations")
def locations_page(request: Request, session: DbSession, principal: Reader) -> Response:
    """The resupply tree with the stock held at each location, within scope."""
    locations = service.list_locations(session, scope=principal.scope).items
    parents = {loc.code: loc.parent for loc in locations}

    def path(code: str) -> list[str]:
        chain = [code]
        while (above := parents.get(chain[-1])) and above not in chain:  # a loop ends the walk
            chain.append(above)
        return chain[::-1]

    ordered = sorted(locations, key=lambda loc: path(loc.code))
    context = {
        "locations": ordered,
        "depth": {loc.code: service.depth(loc.code, parents) for loc in locations},
        "totals": service.location_totals(session, principal.scope),
        "lanes": service.list_lanes(session, scope=principal.scope).items,
    }
    return render(request, "parts/locations.html", context)


def _location_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    location: schemas.LocationRead,
    *,
    part: str | None = None,
    offset: int = 0,
    problems: list[str] | None = None,
    received: schemas.TransferRead | None = None,
) -> Response:
    """The location's stock (filtered by ``part``), the transfers on their way to it, a
    refused form's ``problems`` (422) when there are any, and the transfer just ``received``."""
    page = service.stock(
        session,
        scope=principal.scope,
        location=location.code,
        part=part,
        limit=PAGE_SIZE,
        offset=offset,
    )
    arriving = service.list_transfers(
        session,
        scope=principal.scope,
        status=TransferStatus.in_transit,
        to=location.code,
        limit=ARRIVING,
    )
    context = {
        "location": location,
        "part": part,
        "arriving": arriving,
        "can_receive": principal.can(Permission.stock_move),
        "problems": problems or [],
        "received": received,
    }
    return render_list(
        request,
        "parts/location.html",
        path=f"/locations/{location.id}",
        page=page,
        filters={"part": part},
        offset=offset,
        limit=PAGE_SIZE,
        context=context,
        status_code=422 if problems else 200,
    )


@router.get("/locations/{location_id}")
def location_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    location_id: RowId,
    part: SearchText = None,
    offset: Offset = 0,
    received: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The stock at one location, and what is on its way to it; HTMX swaps only the table.
    ``received``: the transfer the receive form just booked in here, said at the top."""
    location = service.location_read(session, location_id, principal.scope)
    done = None
    if received is not None:
        try:
            done = service.transfer_read(session, received, principal.scope)
        except NotFound:
            done = None  # out of reach, or none: nothing to say (the page itself is fine)
        if done and (done.destination != location.code or done.status != TransferStatus.received):
            done = None  # not one booked in here
    return _location_page(
        request, session, principal, location, part=part, offset=offset, received=done
    )


@router.post("/locations/{location_id}/transfers/{transfer_id}/receive")
def receive_page(
    request: Request, session: DbSession, principal: Mover, location_id: RowId, transfer_id: RowId
) -> Response:
    """Book a transfer in at this location (audited; as ``POST
    /api/stock/transfers/{id}/receive``), back to the location; one received already shows
    on the page (422), one bound elsewhere or out of reach is 404."""
    location = service.location_read(session, location_id, principal.scope)
    arriving = service.transfer_read(session, transfer_id, principal.scope)
    if arriving.destination != location.code:
        raise NotFound(_("transfer {id} not found").format(id=transfer_id))
    try:
        with session.begin_nested():
            service.receive(session, transfer_id, by=principal)
    except InvalidInput as exc:
        return _location_page(request, session, principal, location, problems=problems_of(exc))
    return RedirectResponse(f"/locations/{location_id}?received={transfer_id}", status_code=303)


@router.get("/stock/ledger")
def ledger_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    part: SearchText = None,
    location: SearchText = None,
    kind: Choice[MoveKind] = None,
    offset: Offset = 0,
) -> Response:
    """The ledger, the last recorded move first."""
    page = service.moves(
        session,
        scope=principal.scope,
        part=part,
        location=location,
        kind=kind,
        limit=LEDGER_PAGE_SIZE,
        offset=offset,
    )
    return render_list(
        request,
        "parts/ledger.html",
        path="/stock/ledger",
        page=page,
        filters={"part": part, "location": location, "kind": kind},
        offset=offset,
        limit=LEDGER_PAGE_SIZE,
        context={"kinds": [k.value for k in MoveKind]},
    )


@router.get("/stock/proposals")
def proposals_page(
    request: Request, session: DbSession, principal: Reader, location: LocationFilter = None
) -> Response:
    """What to ship and buy to bring stock back to its targets; ``location``: only the lines
    to it or serving it (a depot's, and those that restock its suppliers for it)."""
    found = service.visible_replenishment(session, principal.scope)
    lines = found.lines
    location = (location or "").strip() or None
    if location:
        lines = [line for line in lines if service.serves(line, location)]
    context = {
        "lines": lines,
        "location": location,
        "can_accept": principal.can(Permission.stock_move),
        "accepted": None,
        "waiting": len(found.waiting),
    }
    return render(request, "parts/proposals.html", context)


@router.post("/stock/proposals/accept")
def accept_page(
    request: Request,
    session: DbSession,
    principal: Mover,
    location: Annotated[str | None, Form(max_length=LOCATION_CODE_LENGTH)] = None,
) -> Response:
    """Accept every current proposal, or those to ``location`` or serving it (the button on
    the proposals page, filtered or not)."""
    location = (location or "").strip() or None
    done = service.accept_proposals(session, [], by=principal, serving=location)
    message = done.created_text
    if done.skipped:
        message += " " + _("Skipped, no lane to ship on: {lines}.").format(
            lines=", ".join(f"{s.part} {s.origin} → {s.destination}" for s in done.skipped)
        )
    found = service.visible_replenishment(session, principal.scope)
    lines = found.lines
    if location:
        lines = [line for line in lines if service.serves(line, location)]
    context = {
        "lines": lines,
        "location": location or None,
        "can_accept": True,
        "accepted": message,
        "waiting": len(found.waiting),
    }
    # HTMX swaps the list in place (a refusal, the error's own block, lands there too)
    return render(request, "parts/proposals.html", context, block="proposals")
