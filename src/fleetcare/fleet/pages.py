"""Installed-base pages: the units list (HTMX filters and paging), a unit, the regions, a region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from fleetcare.core.api import Choice, DbSession, RowId, SearchText
from fleetcare.core.auth import PagePrincipal, check_csrf
from fleetcare.core.charts import bar_chart, line_chart
from fleetcare.core.i18n import _
from fleetcare.core.labels import label
from fleetcare.core.templating import render, render_list
from fleetcare.fleet import service, summary
from fleetcare.fleet.models import ProductFamily, UnitStatus

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
PAGE_SIZE = 25


@router.get("/units")
def units_page(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    q: SearchText = None,
    region: SearchText = None,
    model: SearchText = None,
    customer: SearchText = None,
    status: Choice[UnitStatus] = None,
    family: Choice[ProductFamily] = None,
    delivery: SearchText = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Units with search and filters (``delivery``: the units a delivery brought, as a deal's
    page links them); HTMX swaps only the table block."""
    where = service.UnitFilter(
        q=q,
        region=region,
        model=model,
        customer=customer,
        status=status,
        family=family,
        delivery=delivery,
    )
    page = service.list_units(session, where, principal.scope, limit=PAGE_SIZE, offset=offset)
    filters = {
        "q": q,
        "region": region,
        "model": model,
        "customer": customer,
        "status": status,
        "family": family,
        "delivery": delivery,
    }
    context = {
        "options": summary.filter_options(session, principal.scope),
        "statuses": [s.value for s in UnitStatus],
        "families": [f.value for f in ProductFamily],
    }
    return render_list(
        request,
        "fleet/units.html",
        path="/units",
        page=page,
        filters=filters,
        offset=offset,
        limit=PAGE_SIZE,
        context=context,
    )


@router.get("/units/{unit_id}")
def unit_page(
    request: Request, session: DbSession, principal: PagePrincipal, unit_id: RowId
) -> Response:
    """One unit: its record and a chart of its meters over time."""
    unit = service.unit_read(session, unit_id, principal.scope)
    series = service.usage_series(session, unit_id)
    meters: dict[str, list[float | None]] = {}
    if any(hours is not None for _at, hours, _km in series):
        meters[_("Engine hours")] = [hours for _at, hours, _km in series]
    if any(km is not None for _at, _hours, km in series):
        meters[_("Kilometres (thousands)")] = [
            None if km is None else km / 1000 for _at, _hours, km in series
        ]
    figure = line_chart(
        [at.isoformat() for at, _h, _k in series],
        meters,
        y_title=_("Meter reading"),
        title=_("Usage over time"),
    )
    return render(
        request,
        "fleet/unit.html",
        {
            "unit": unit,
            "figure": figure,
            "readings": series[-12:][::-1],
            "count": len(series),
        },
    )


@router.get("/regions")
def regions_page(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    """Every region with its number of units."""
    counts = summary.units_per_region(session, principal.scope)
    regions = service.list_regions(session, scope=principal.scope, limit=500).items
    return render(request, "fleet/regions.html", {"regions": regions, "counts": counts})


@router.get("/regions/{region_id}")
def region_page(
    request: Request, session: DbSession, principal: PagePrincipal, region_id: RowId
) -> Response:
    """A region: units by family (chart) and by site and family (table)."""
    region = summary.region_summary(session, region_id, principal.scope)
    figure = bar_chart(
        [label(family) for family, _n in region.by_family],
        [n for _f, n in region.by_family],
        y_title=_("Units"),
        title=_("Units by family"),
    )
    return render(request, "fleet/region.html", {"summary": region, "figure": figure})
