"""Analytics pages: ``/reliability`` (the cohort fits and a cohort's Weibull probability plot)
and ``/warnings`` (the early warnings and a series' chart), permission ``analytics.read``.

Reads go through the facade, narrowed to the caller's scope like the API (a region outside it
is 404); a cohort or series number that does not exist is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from fleetcare.analytics import service
from fleetcare.analytics.warning import CusumParams
from fleetcare.core.api import DbSession, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.charts import line_chart
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import label
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import render
from fleetcare.fleet import service as fleet_service

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.analytics_read))]
Index = Annotated[int, Query(ge=0, le=100_000)]
Months = Annotated[int, Query(ge=1, le=service.MAX_WINDOW_MONTHS)]


@router.get("/reliability")
def reliability_page(
    request: Request, session: DbSession, principal: Reader, cohort: Index | None = None
) -> Response:
    """Every cohort's fit, and the probability plot of the one chosen (the first fitted)."""
    fits = service.cohort_fits(session)
    if cohort is None:
        cohort = next((i for i, c in enumerate(fits.cohorts) if c.status == "ok"), 0)
    figure = None
    if fits.cohorts:
        figure = service.cohort_plot(session, cohort)
    return render(
        request,
        "analytics/reliability.html",
        {
            "fits": fits,
            "cohort": cohort,
            "plot": figure,
            "status_label": service.fit_status_label,
        },
    )


@router.get("/warnings")
def warnings_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: SearchText = None,
    months: Months = service.WINDOW_MONTHS,
    series: Index | None = None,
    h: Annotated[float, Query(gt=0, le=50)] = CusumParams.decision_interval,
) -> Response:
    """The series with claims in the window, flagged first, and the chart of the one chosen."""
    result = service.warnings(
        session,
        scope=principal.scope,
        months=months,
        region=region,
        params=CusumParams(decision_interval=h),
    )
    chosen = 0 if series is None else series
    if result.series and chosen >= len(result.series):
        raise NotFound(_("no series number {index}").format(index=chosen))
    chart = None
    if result.series:
        row = result.series[chosen]
        chart = line_chart(
            result.months,
            {_("claims"): row.claims, _("expected"): row.expected, _("CUSUM"): row.cusum},
            y_title=_("claims a month"),
            title=f"{row.model} × {label(row.component_group)} × {row.region}",
        )
    regions = fleet_service.region_names(session, scope=principal.scope)  # switch to any
    return render(
        request,
        "analytics/warnings.html",
        {
            "result": result,
            "chosen": chosen,
            "series_figure": chart,  # not "chart": the template imports a macro of that name
            "region": region,
            "months": months,
            "h": h,
            "regions": regions,
            "reference_label": service.reference_label,
        },
    )
