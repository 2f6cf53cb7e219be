"""The planning page: pick a region (or the whole network) and a target, see the availability-
against-cost curve beside the rules of thumb, click a point for its stock table against the
current stock, and save it as the targets the replenishment proposals aim for.

Every route walks the region's cached solve (``service.solve``), so a target's curve and a
point's plan are fast. A save names the plan's cost as shown: when the region was solved
again in between and the plan at that budget costs something else, the save is refused.

Bounds: the target is snapped to a grid of ``TARGET_STEP`` (0.1 percentage point) before it
names anything cached; only the regions the reader sees can be asked for (another, or an
unknown one, is 404 before anything is solved; the whole network only for readers who see
everything); the solve, the walks and the tables are computed in the app's heavy pool
(``core.heavy``), the database read on the request thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from numpy.typing import NDArray
from pydantic import AfterValidator
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.heavy import Heavy
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import render
from fleetcare.parts import service as parts_service
from fleetcare.parts.schemas import TargetRecord
from fleetcare.planning import service
from fleetcare.planning.baselines import FILL_RATES, Baseline
from fleetcare.planning.exact import DEFAULT_MODEL, MODELS, Model
from fleetcare.planning.optimise import Curve, thin
from fleetcare.planning.problem import PlanningProblem, ProblemError
from fleetcare.planning.service import Solved

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.parts_read))]
Planner = Annotated[Principal, Depends(require(Permission.parts_write))]
TARGET_STEP = 0.001  # targets are snapped to this grid (0.1 percentage point)


def snap_target(target: float) -> float:
    """``target`` on the grid of ``TARGET_STEP``, within [0.501, 0.999]: a page names at most
    499 targets, so what is kept per target stays bounded."""
    return min(max(round(round(target / TARGET_STEP) * TARGET_STEP, 3), 0.501), 0.999)


Snapped = AfterValidator(snap_target)
Target = Annotated[float, Query(gt=0.5, lt=1), Snapped]
ModelQuery = Annotated[Model, Query()]


def model_label(model: str) -> str:
    """The model's name on the page."""
    return {
        "exact": _("exact (whole distributions)"),
        "vari-metric": _("VARI-METRIC (two moments)"),
    }[model]


CHART_POINTS = 400  # the curve is drawn through at most this many of its points
TABLE_ROWS = 50


def region_solved(
    session: DbSession,
    principal: Principal,
    pool: Heavy,
    region: str,
    target: float,
    model: Model = DEFAULT_MODEL,
) -> Solved | None:
    """The region's cached solve walked to ``target`` (``service.solve``, its maths in
    ``pool``); a region ``principal`` may not plan is 404 (``service.check_region``), and
    data the problem file refuses is a 422 that names it, not a 500."""
    service.check_region(session, region=region, scope=principal.scope)
    try:
        return service.solve(session, region=region, target=target, pool=pool, model=model)
    except ProblemError as exc:
        raise unplannable(exc) from None


def unplannable(exc: ProblemError) -> HTTPException:
    """The 422 that names what in the network's data the problem file refuses."""
    message = _("The network's data cannot be planned: {errors}").format(
        errors="; ".join(exc.messages)
    )
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def extended_curve(solved: Solved) -> Curve:
    """The solve's curve, walked on past the target up to the dearest baseline that costs at
    most three times the target's plan, so that the rules of thumb can be read against it."""
    reach = solved.curve.last.cost
    beyond = [row.cost for row in solved.baselines if reach < row.cost <= 3 * max(reach, 1.0)]
    return solved.plan(max(beyond)) if beyond else solved.curve


def same_availability_costs(curve: Curve, baselines: Sequence[Baseline]) -> list[float | None]:
    """For each baseline, the cost of the cheapest plan on ``curve`` with at least its
    availability (None when ``curve`` does not reach it)."""
    costs: list[float | None] = []
    for row in baselines:
        reached = np.flatnonzero(curve.availabilities >= row.availability)
        costs.append(float(curve.costs[reached[0]]) if reached.size else None)
    return costs


def _figure(solved: Solved, curve: Curve) -> dict[str, Any]:
    """``curve`` (thinned for drawing, the target's plan kept) and each baseline as a marker.
    The target's point is drawn at its polished availability, as the text above the chart
    and its plan give it (the extended curve walked past it holds the walk's)."""
    target = solved.curve.costs.size - 1
    keep = thin(curve.costs.size, CHART_POINTS, keep=[target])
    availabilities = curve.availabilities.copy()
    availabilities[target] = max(availabilities[target], solved.curve.last.availability)
    hover = "%{x:,.0f} " + solved.currency + "<br>%{y:.2f} %<extra></extra>"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("optimised plans"),
            "x": curve.costs[keep].tolist(),
            "y": (availabilities[keep] * 100).tolist(),
            "marker": {"size": 4},
            "hovertemplate": hover,
        }
    ]
    for row in solved.baselines:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": baseline_label(row),
                "x": [row.cost],
                "y": [row.availability * 100],
                "marker": {"size": 11, "symbol": "diamond" if row.rule == "current" else "x"},
                "hovertemplate": hover.removesuffix("<extra></extra>"),
            }
        )
    layout = {
        "xaxis": {"title": {"text": _("stock value")}},
        "yaxis": {"title": {"text": _("fleet availability, %")}},
        "margin": {"t": 20, "r": 20, "b": 120},
        "height": 480,
        "legend": {"orientation": "h", "y": -0.25},
        "hovermode": "closest",
    }
    return {"data": data, "layout": layout}


def baseline_label(row: Baseline) -> str:
    """The rule of thumb in words, in the reader's language."""
    if row.rule == "fill_rate":
        return _("same fill rate {rate:.0%} everywhere").format(rate=row.parameter)
    if row.rule == "months":
        return ngettext(
            "%(num)g month of demand", "%(num)g months of demand", int(row.parameter)
        ) % {"num": row.parameter}
    return _("current stock")


@router.get("/planning")
def planning_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    pool: Heavy,
    region: Annotated[str | None, Query(max_length=200)] = None,
    target: Target = 0.95,
    model: ModelQuery = DEFAULT_MODEL,
) -> Response:
    """The region picker (the regions the reader sees; the whole network for readers who see
    everything) and the model; with a region chosen ("" = the whole network), its curve."""
    solved = (
        None if region is None else region_solved(session, principal, pool, region, target, model)
    )
    curve = pool.call(extended_curve, solved) if solved else None
    context = {
        "model": model,
        "models": [(name, model_label(name)) for name in MODELS],
        "regions": service.region_names(session, scope=principal.scope),
        "whole_network": principal.scope.everything,
        "region": region,
        "target": target,
        "target_step": TARGET_STEP,
        "solved": solved,
        "figure": pool.call(_figure, solved, curve) if solved and curve else None,
        "baselines": [
            (baseline_label(row), row, cost)
            for row, cost in zip(
                solved.baselines, same_availability_costs(curve, solved.baselines), strict=True
            )
        ]
        if solved and curve
        else [],
        "can_save": principal.can(Permission.parts_write),
        "fill_rates": FILL_RATES,
    }
    return render(request, "planning/plan.html", context)


def fingerprint(parts: Sequence[str], locations: Sequence[str], stock: NDArray[Any]) -> str:
    """What identifies a plan: SHA-256 of its part and location ids and its stock, in hex."""
    digest = hashlib.sha256("\x1f".join([*parts, "\x1e", *locations]).encode())
    digest.update(np.ascontiguousarray(stock, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _plan_context(solved: Solved, budget: float, region: str) -> dict[str, Any]:
    """The plan at ``budget`` on the curve, against the current stock: what saving it changes
    (to buy or move in, above the plan) at the locations it writes, and apart, the shared
    locations a region's plan leaves as they are."""
    problem = solved.problem
    plan = solved.plan(budget)
    cost = problem.unit_cost[:, None]
    changed = np.argwhere(plan.stock != solved.current)
    delta_value = (plan.stock - solved.current) * cost
    written = service.saved_locations(problem, region)
    shared = delta_value[:, ~written]
    order = np.argsort(-np.abs(delta_value[changed[:, 0], changed[:, 1]]), kind="stable")
    rows = [
        {
            "part": problem.part_ids[i],
            "location": problem.location_ids[j],
            "current": int(solved.current[i, j]),
            "planned": int(plan.stock[i, j]),
            "change": float(delta_value[i, j]),
        }
        for i, j in changed[order][:TABLE_ROWS]
    ]
    current_value = float((solved.current * cost).sum())
    return {
        "fingerprint": fingerprint(problem.part_ids, problem.location_ids, plan.stock),
        "point": plan.last,
        "current_value": current_value,
        "to_buy": float(np.clip(delta_value[:, written], 0, None).sum()),
        "surplus": float(np.clip(-delta_value[:, written], 0, None).sum()),
        "shared_to_buy": float(np.clip(shared, 0, None).sum()),
        "shared_surplus": float(np.clip(-shared, 0, None).sum()),
        "shared": [
            loc for loc, kept in zip(problem.location_ids, written, strict=True) if not kept
        ],
        # the walk stopped short of the budget by more than any piece costs: the curve ends
        "curve_ends": budget - plan.last.cost >= float(problem.unit_cost.max(initial=0.0)) > 0,
        "rows": rows,
        "changed": len(changed),
        "budget": budget,
    }


@router.get("/planning/plan")
def plan_fragment(
    request: Request,
    session: DbSession,
    principal: Reader,
    pool: Heavy,
    region: Annotated[str, Query(max_length=200)] = "",
    target: Target = 0.95,
    budget: Annotated[float, Query(ge=0, le=1e15)] = 0.0,
    model: ModelQuery = DEFAULT_MODEL,
) -> Response:
    """One point of the curve: its stock table against the current stock (HTMX fragment)."""
    solved = region_solved(session, principal, pool, region, target, model)
    context: dict[str, Any] = {
        "region": region,
        "target": target,
        "model": model,
        "solved": solved,
    }
    if solved is not None:
        context |= pool.call(_plan_context, solved, budget, region)
    context["can_save"] = principal.can(Permission.parts_write)
    return render(request, "planning/_plan.html", context)


def save_written(
    session: DbSession,
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    written: NDArray[np.bool_],
    principal: Principal,
) -> str:
    """Save ``stock`` at the ``written`` locations as their targets (one audit row per change,
    ``parts.service.save_targets``); the words that say what changed."""
    records = [
        TargetRecord(part=part, location=location, target=pieces)
        for part, location, pieces in service.written_targets(problem, stock, written)
    ]
    result = parts_service.save_targets(session, records, by=principal)
    return _("Targets saved: {updated} changed, {unchanged} already so.").format(
        updated=result.updated, unchanged=result.unchanged
    )


@router.post("/planning/targets")
def save_targets(
    request: Request,
    session: DbSession,
    principal: Planner,
    pool: Heavy,
    shown: Annotated[str, Form(alias="plan", pattern="^[0-9a-f]{64}$")],
    region: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[float, Form(gt=0.5, lt=1), Snapped] = 0.95,
    budget: Annotated[float, Form(ge=0, le=1e15)] = 0.0,
    model: Annotated[Model, Form()] = DEFAULT_MODEL,
) -> Response:
    """Save the plan at ``budget`` as every part-location's target stock; ``plan``, the
    fingerprint of the plan the page showed, must still be that plan's (the same stock at
    every part-location, not only the same cost), else nothing is saved."""
    solved = region_solved(session, principal, pool, region, target, model)
    context: dict[str, Any] = {
        "region": region,
        "target": target,
        "model": model,
        "solved": solved,
    }
    if solved is not None:
        plan = pool.call(solved.plan, budget)
        problem = solved.problem
        if shown != fingerprint(problem.part_ids, problem.location_ids, plan.stock):
            # solved again since the page was drawn: show the plan as it is now, save nothing
            context |= pool.call(_plan_context, solved, budget, region)
            context["saved"] = _(
                "The network was planned again since this page was drawn and the plan at "
                "this budget has changed; nothing was saved. Check the plan below and save "
                "again."
            )
            context["can_save"] = True
            return render(request, "planning/_plan.html", context)
        written = service.saved_locations(problem, region)
        saved = save_written(session, problem, plan.stock, written, principal)
        context |= pool.call(_plan_context, solved, budget, region)
        context["saved"] = saved
        if region:
            context["saved"] += " " + _(
                "Only the region's depots: the hubs and the plant, which other regions share, "
                "keep their targets (plan the whole network to set them)."
            )
    context["can_save"] = True
    return render(request, "planning/_plan.html", context)
