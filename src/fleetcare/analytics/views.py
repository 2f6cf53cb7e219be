"""Analytics as JSON: the cohort fits (``GET /api/analytics/weibull``) and the early warnings
(``GET /api/analytics/warnings``), permission ``analytics.read``.

A regional manager's warnings are its regions' series; a ``region`` it may not see answers 404,
exactly like one that does not exist. Both routes read only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fleetcare.analytics import schemas, service
from fleetcare.analytics.warning import CusumParams
from fleetcare.core.api import DbSession, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.permissions import Permission

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
Months = Annotated[
    int,
    Query(ge=1, le=service.MAX_WINDOW_MONTHS, description="complete months, the last one last"),
]

DecisionInterval = Annotated[
    float, Query(gt=0, le=50, description="the CUSUM's decision interval h [claims]")
]


@router.get("/weibull", **rule(Permission.analytics_read))
def list_fits(session: DbSession) -> schemas.CohortFits:
    """Weibull fits per product model × component group × climate class (engine hours)."""
    return service.cohort_fits(session)


@router.get("/warnings", **rule(Permission.analytics_read))
def list_warnings(
    session: DbSession,
    principal: CurrentPrincipal,
    months: Months = service.WINDOW_MONTHS,
    region: SearchText = None,
    h: DecisionInterval = CusumParams.decision_interval,
) -> schemas.Warnings:
    """Monthly claims against expected per model × component group × region, the Poisson
    CUSUM (decision interval ``h`` claims), flagged series first."""
    return service.warnings(
        session,
        scope=principal.scope,
        months=months,
        region=region,
        params=CusumParams(decision_interval=h),
    )
