"""The planning page: pick a region (or the whole network) and a target, see the availability-
against-cost curve beside the rules of thumb, click a point for its stock table against the
current stock, and save it as the targets the replenishment proposals aim for.

Solving a region takes seconds (the whole demo network about half a minute), so the solved
hulls are kept per region for ``CACHE_SECONDS``, whatever the target; a target's curve and a
point's plan are then fast walks along them, and one region is solved once at a time. The
simulations of a target's plans are kept with the region's solve, so the Simulate button
simulates once per target. A save names the plan's cost as shown: when the region was solved
again in between and the plan at that budget costs something else, the save is refused.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from numpy.typing import NDArray
from sqlalchemy import select
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import render
from fleetcare.fleet.models import Region
from fleetcare.parts import service as parts_service
from fleetcare.parts.models import Part
from fleetcare.parts.schemas import TargetRecord
from fleetcare.planning.baselines import Baseline, baselines
from fleetcare.planning.build import build_problem, current_stock
from fleetcare.planning.optimise import Curve, Hulls, OptimiseParams, part_hulls, walk
from fleetcare.planning.problem import PlanningProblem, ProblemError, parse_problem, parse_stock
from fleetcare.simulation.compare import Compared, compare
from fleetcare.simulation.runner import SimulationParams

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.parts_read))]
Planner = Annotated[Principal, Depends(require(Permission.parts_write))]
Target = Annotated[float, Query(gt=0.5, lt=1)]
CACHE_SECONDS = 600.0
CHART_POINTS = 400  # the curve is drawn through at most this many of its points
TABLE_ROWS = 50


@dataclass(frozen=True)
class _Solution:
    """What a region's solve leaves, whatever the target: the parts' hulls and the baselines."""

    problem: PlanningProblem
    hulls: Hulls
    current: NDArray[np.int64]
    baselines: list[Baseline]
    currency: str
    at: float
    simulated: dict[tuple[float, str], list[Compared]] = field(default_factory=dict)


@dataclass(frozen=True)
class Solved:
    """A region's cached solve walked to a target: the curve, and the solve's problem, hulls,
    current stock, baselines and currency."""

    source: _Solution  # the cached solve it was walked from
    curve: Curve

    @property
    def problem(self) -> PlanningProblem:
        return self.source.problem

    @property
    def hulls(self) -> Hulls:
        return self.source.hulls

    @property
    def current(self) -> NDArray[np.int64]:
        return self.source.current

    @property
    def baselines(self) -> list[Baseline]:
        return self.source.baselines

    @property
    def currency(self) -> str:
        """Of every part's unit cost ("" when they differ)."""
        return self.source.currency


_Key = tuple[str, str]  # (database, region)
_cache: dict[_Key, _Solution] = {}
_lock = threading.Lock()  # guards these dictionaries and each solve's ``simulated``
_solving: dict[_Key, threading.Lock] = {}  # one solve per region at a time
_simulating: dict[tuple[_Key, float, str], threading.Lock] = {}  # one simulation per plan set


def _single_flight(locks: dict[Any, threading.Lock], key: Any) -> threading.Lock:
    """The lock that lets one request at a time do the work for ``key``; the others wait on
    it and then find the work done."""
    with _lock:
        return locks.setdefault(key, threading.Lock())


def _fresh(key: _Key) -> _Solution | None:
    with _lock:
        hit = _cache.get(key)
    return hit if hit is not None and time.monotonic() - hit.at < CACHE_SECONDS else None


def _solution(session: DbSession, region: str) -> _Solution | None:
    """The region's hulls, solved now when missing or stale; a request that arrives while
    another solves the same region waits for it instead of solving again."""
    key = (str(session.get_bind().engine.url), region)
    hit = _fresh(key)
    if hit is not None:
        return hit
    with _single_flight(_solving, key):
        hit = _fresh(key)
        if hit is not None:
            return hit
        document = build_problem(session, region=region or None)
        if not document["parts"]:
            return None
        try:
            problem = parse_problem(document)
            current = parse_stock(current_stock(session, document), problem)
        except ProblemError as exc:  # data the problem file refuses: say which, not a 500
            message = _("The network's data cannot be planned: {errors}").format(
                errors="; ".join(exc.messages)
            )
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message) from None
        currencies = set(
            session.scalars(select(Part.currency).where(Part.number.in_(problem.part_ids)))
        )
        solution = _Solution(
            problem,
            part_hulls(problem, OptimiseParams()),
            current,
            baselines(problem, current),
            currencies.pop() if len(currencies) == 1 else "",
            time.monotonic(),
        )
        with _lock:
            if len(_cache) >= 4 and key not in _cache:
                _cache.pop(next(iter(_cache)))
            _cache[key] = solution
        return solution


def _solve(session: DbSession, region: str, target: float) -> Solved | None:
    """The region's solution walked to ``target`` (the walk takes a moment; the hulls are
    cached per region for ``CACHE_SECONDS``, whatever the target)."""
    solution = _solution(session, region)
    if solution is None:
        return None
    curve = walk(solution.problem, solution.hulls, OptimiseParams(target_availability=target))
    return Solved(solution, curve)


def _figure(solved: Solved) -> dict[str, Any]:
    """The curve (thinned for drawing, last point kept) and each baseline as a marker.

    The curve is drawn past the target up to the dearest baseline that costs at most three
    times the target's plan, so that the rules of thumb can be read against it.
    """
    reach = solved.curve.last.cost
    beyond = [row.cost for row in solved.baselines if reach < row.cost <= 3 * max(reach, 1.0)]
    curve = solved.curve
    if beyond:
        curve = walk(solved.problem, solved.hulls, OptimiseParams(budget=max(beyond)))
    size = curve.costs.size
    keep = np.unique(np.linspace(0, size - 1, min(size, CHART_POINTS)).astype(int))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("optimised plans"),
            "x": curve.costs[keep].tolist(),
            "y": (curve.availabilities[keep] * 100).tolist(),
            "marker": {"size": 4},
        }
    ]
    for row in solved.baselines:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _label(row),
                "x": [row.cost],
                "y": [row.availability * 100],
                "marker": {"size": 11, "symbol": "diamond" if row.rule == "current" else "x"},
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


def _label(row: Baseline) -> str:
    if row.rule == "fill_rate":
        return _("same fill rate {rate:.0%} everywhere").format(rate=row.parameter)
    if row.rule == "months":
        return ngettext(
            "%(num)g month of demand", "%(num)g months of demand", int(row.parameter)
        ) % {"num": row.parameter}
    return _("current stock")


def _regions(session: DbSession) -> list[str]:
    return list(session.scalars(select(Region.name).order_by(Region.name)))


@router.get("/planning")
def planning_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: Annotated[str | None, Query(max_length=200)] = None,
    target: Target = 0.95,
) -> Response:
    """The region picker; with a region chosen ("" = the whole network), its curve."""
    solved = None if region is None else _solve(session, region, target)
    context = {
        "regions": _regions(session),
        "region": region,
        "target": target,
        "solved": solved,
        "figure": _figure(solved) if solved else None,
        "baselines": [(_label(row), row) for row in solved.baselines] if solved else [],
        "can_save": principal.can(Permission.parts_write),
    }
    return render(request, "planning/plan.html", context)


def _plan_context(solved: Solved, budget: float) -> dict[str, Any]:
    """The plan at ``budget`` on the curve, against the current stock."""
    problem = solved.problem
    plan = walk(problem, solved.hulls, OptimiseParams(budget=budget))
    cost = problem.unit_cost[:, None]
    changed = np.argwhere(plan.stock != solved.current)
    delta_value = (plan.stock - solved.current) * cost
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
        "point": plan.last,
        "current_value": current_value,
        "to_buy": float(np.clip(delta_value, 0, None).sum()),
        "surplus": float(-np.clip(delta_value, None, 0).sum()),
        "rows": rows,
        "changed": len(changed),
        "budget": budget,
    }


@router.get("/planning/plan")
def plan_fragment(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: Annotated[str, Query(max_length=200)] = "",
    target: Target = 0.95,
    budget: Annotated[float, Query(ge=0, le=1e15)] = 0.0,
) -> Response:
    """One point of the curve: its stock table against the current stock (HTMX fragment)."""
    solved = _solve(session, region, target)
    context: dict[str, Any] = {"region": region, "target": target, "solved": solved}
    if solved is not None:
        context |= _plan_context(solved, budget)
    context["can_save"] = principal.can(Permission.parts_write)
    return render(request, "planning/_plan.html", context)


@router.post("/planning/targets")
def save_targets(
    request: Request,
    session: DbSession,
    principal: Planner,
    region: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[float, Form(gt=0.5, lt=1)] = 0.95,
    budget: Annotated[float, Form(ge=0, le=1e15)] = 0.0,
    cost: Annotated[float | None, Form(ge=0, le=1e15)] = None,
) -> Response:
    """Save the plan at ``budget`` as every part-location's target stock; ``cost``, the
    plan's cost as the page showed it, must still be that plan's cost."""
    solved = _solve(session, region, target)
    context: dict[str, Any] = {"region": region, "target": target, "solved": solved}
    if solved is not None:
        plan = walk(solved.problem, solved.hulls, OptimiseParams(budget=budget))
        if cost is not None and abs(plan.last.cost - cost) > 1e-9 * max(1.0, cost):
            # solved again since the page was drawn: show the plan as it is now, save nothing
            context |= _plan_context(solved, budget)
            context["saved"] = _(
                "The network was planned again since this page was drawn and the plan at "
                "this budget has changed; nothing was saved. Check the plan below and save "
                "again."
            )
            context["can_save"] = True
            return render(request, "planning/_plan.html", context)
        records = [
            TargetRecord(part=part, location=location, target=int(plan.stock[i, j]))
            for i, part in enumerate(solved.problem.part_ids)
            for j, location in enumerate(solved.problem.location_ids)
        ]
        result = parts_service.save_targets(session, records, by=principal)
        context |= _plan_context(solved, budget)
        context["saved"] = _("Targets saved: {updated} changed, {unchanged} already so.").format(
            updated=result.updated, unchanged=result.unchanged
        )
    context["can_save"] = True
    return render(request, "planning/_plan.html", context)


SIMULATION = SimulationParams(years=4, warmup_years=1, replications=4, seed=1)


@router.get("/planning/simulate")
def simulate_fragment(
    request: Request,
    session: DbSession,
    principal: Reader,
    region: Annotated[str, Query(max_length=200)] = "",
    target: Target = 0.95,
    policy: Annotated[Literal["wait", "cannibalise", "emergency", "grey"], Query()] = "wait",
) -> Response:
    """The optimised plan and the rules of thumb, each simulated under the stock-out rule
    ``policy`` (HTMX fragment): a table and a chart of availability with its 95 % interval
    against the stock value."""
    solved = _solve(session, region, target)
    params = replace(SIMULATION, policy=policy)
    context: dict[str, Any] = {
        "solved": solved,
        "params": params,
        "policy_label": _policy_label(policy),
    }
    if solved is not None:
        solution = solved.source  # the very solve the curve came from
        key = ((str(session.get_bind().engine.url), region), target, policy)
        # a second click waits for the first instead of simulating again
        with _single_flight(_simulating, key):
            with _lock:
                rows = solution.simulated.get((target, policy))
            if rows is None:
                rows = compare(
                    solved.problem,
                    params,
                    target_availability=target,
                    current=solved.current,
                    optimised=solved.curve.stock,
                    threads=2,
                )
                with _lock:
                    solution.simulated[(target, policy)] = rows
        context["rows"] = [(_compared_label(row), row) for row in rows]
        context["figure"] = _simulation_figure(rows)
    return render(request, "planning/_simulation.html", context)


def _policy_label(policy: str) -> str:
    return {
        "wait": _("the machine waits"),
        "cannibalise": _("cannibalise a machine already down"),
        "emergency": _("emergency shipment"),
        "grey": _("buy on the grey market"),
    }[policy]


def _compared_label(row: Compared) -> str:
    if row.rule == "optimised":
        return _("optimised for {target:.1%}").format(target=row.parameter)
    return _label(Baseline(row.rule, row.parameter, np.zeros((0, 0), dtype=np.int64), 0, 0))


def _simulation_figure(rows: list[Compared]) -> dict[str, Any]:
    """Simulated availability (with its 95 % interval) and the model's, against stock value."""
    ordered = sorted(rows, key=lambda row: row.cost)
    names = [_compared_label(row) for row in ordered]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("simulated, 95 % interval"),
                "x": [row.cost for row in ordered],
                "y": [row.availability * 100 for row in ordered],
                "text": names,
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(row.ci95[1] - row.availability) * 100 for row in ordered],
                    "arrayminus": [(row.availability - row.ci95[0]) * 100 for row in ordered],
                },
                "marker": {"size": 10},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("model (VARI-METRIC)"),
                "x": [row.cost for row in ordered],
                "y": [row.model_availability * 100 for row in ordered],
                "text": names,
                "marker": {"size": 8, "symbol": "circle-open"},
            },
        ],
        "layout": {
            "xaxis": {"title": {"text": _("stock value")}},
            "yaxis": {"title": {"text": _("fleet availability, %")}},
            "margin": {"t": 20, "r": 20},
            "height": 380,
            "legend": {"orientation": "h"},
        },
    }
