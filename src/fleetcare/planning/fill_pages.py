"""The planning page's section for the parts the machines run without: size their targets to a
fill rate (``fill_targets``), see what changes against the targets set now, and save them.

A save names the targets as shown (``pages.fingerprint`` of their stock): when the problem
changed in between (a new issue moved a part's demand, a part was added) and the rule now
gives other targets, nothing is saved and the fragment shows them as they are now. A region's
save writes its depots only; a region the reader does not see is 404, as on the page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.core.auth import check_csrf
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import render
from fleetcare.planning import service
from fleetcare.planning.baselines import MAX_FILL_RATE
from fleetcare.planning.pages import (
    TABLE_ROWS,
    Planner,
    Reader,
    fingerprint,
    save_written,
    unplannable,
)
from fleetcare.planning.problem import ProblemError

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Region = Annotated[str, Query(max_length=200)]
LOWEST_FILL_RATE = 0.5  # the page's range: 0.5 … MAX_FILL_RATE
FillRate = Annotated[float, Query(ge=LOWEST_FILL_RATE, le=MAX_FILL_RATE)]


def _plan(
    session: DbSession, principal: Principal, region: str, fill_rate: float
) -> service.FillRatePlan | None:
    """The region's fill-rate targets; 404 for a region ``principal`` may not plan, 422
    naming the data the problem file refuses."""
    service.check_region(session, region=region, scope=principal.scope)
    try:
        return service.fill_rate_plan(session, region=region, fill_rate=fill_rate)
    except ProblemError as exc:
        raise unplannable(exc) from None


def _context(plan: service.FillRatePlan | None, region: str, fill_rate: float) -> dict[str, Any]:
    """What the fragment shows: the targets' value against the targets set now, and the
    part-locations that change, the dearest change first."""
    context: dict[str, Any] = {"region": region, "fill_rate": fill_rate, "plan": plan}
    if plan is None:
        return context
    problem = plan.problem
    changed = plan.changed
    now = np.maximum(plan.targets, 0)
    delta = [float((plan.stock[i, j] - now[i, j]) * problem.unit_cost[i]) for i, j in changed]
    rows = []
    for k in np.argsort(-np.abs(np.array(delta)), kind="stable")[:TABLE_ROWS]:
        i, j = changed[k]
        target = int(plan.targets[i, j])
        rows.append(
            {
                "part": problem.part_ids[i],
                "location": problem.location_ids[j],
                "now": None if target == service.NO_TARGET else target,
                "new": int(plan.stock[i, j]),
                "change": delta[k],
            }
        )
    context |= {
        "shelf_rate": plan.shelf_rate,
        "kept": not plan.written.all(),
        "fingerprint": fingerprint(problem.part_ids, problem.location_ids, plan.stock),
        "changed": len(changed),
        "rows": rows,
        "locations": [
            loc for loc, kept in zip(problem.location_ids, plan.written, strict=True) if kept
        ],
    }
    return context


@router.get("/planning/fill-rate")
def fill_rate_fragment(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: Region = "",
    fill_rate: FillRate = 0.95,
) -> Response:
    """The targets of the parts the machines run without at ``fill_rate`` (HTMX fragment)."""
    plan = _plan(session, principal, region, fill_rate)
    context = _context(plan, region, fill_rate)
    context["can_save"] = principal.can(Permission.parts_write)
    return render(request, "planning/_fill_rate.html", context)


@router.post("/planning/fill-rate")
def save_fill_rate_targets(
    request: Request,
    session: DbSession,
    principal: Planner,
    shown: Annotated[str, Form(alias="fingerprint", pattern="^[0-9a-f]{64}$")],
    region: Annotated[str, Form(max_length=200)] = "",
    fill_rate: Annotated[float, Form(ge=LOWEST_FILL_RATE, le=MAX_FILL_RATE)] = 0.95,
) -> Response:
    """Save the fill-rate targets the fragment showed (``fingerprint``: of their stock) at the
    locations a save writes; when the rule now gives other targets, save nothing and show
    them."""
    plan = _plan(session, principal, region, fill_rate)
    context = _context(plan, region, fill_rate)
    context["can_save"] = True
    if plan is None:
        return render(request, "planning/_fill_rate.html", context)
    if shown != context["fingerprint"]:
        context["saved"] = _(
            "The parts' demand changed since these targets were shown; nothing was saved. "
            "Check the targets below and save again."
        )
        return render(request, "planning/_fill_rate.html", context)
    saved = save_written(session, plan.problem, plan.stock, plan.written, principal)
    now_set = np.where(plan.written[None, :], plan.stock, plan.targets)
    context = _context(replace(plan, targets=now_set), region, fill_rate)
    context["can_save"] = True
    context["saved"] = saved
    return render(request, "planning/_fill_rate.html", context)
