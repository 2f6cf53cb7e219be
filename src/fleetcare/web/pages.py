"""The home page: the installed base at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.fleet import service
from fleetcare.fleet.labels import labels
from fleetcare.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    """Counts of the installed base and the regions."""
    return render(
        request,
        "home.html",
        {
            "totals": service.totals(session),
            "counts": service.units_per_region(session),
            "regions": service.list_regions(session, limit=500).items,
            "labels": labels(),
        },
    )
