"""The home page: the installed base at a glance, within the signed-in person's scope."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.core.auth import PagePrincipal, check_csrf
from fleetcare.core.templating import render
from fleetcare.fleet import service, summary

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/")
def home(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    """Counts of the installed base and the regions."""
    context = {
        "totals": summary.totals(session, principal.scope),
        "counts": summary.units_per_region(session, principal.scope),
        "regions": service.list_regions(session, scope=principal.scope, limit=500).items,
    }
    return render(request, "home.html", context)
