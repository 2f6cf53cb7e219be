"""The planning page's Simulate button: the optimised plan and the rules of thumb of a
region's cached solve, each replayed under one stock-out rule, in a table and a chart.

The rows are kept with the solve they simulate (``planning.service.remember``, the last
``DERIVED_SIZE`` of them), so a target and a rule are simulated once per solve, and a second
click waits for the first. The target is snapped to the planning page's grid, the region must
be one the reader may plan (else 404), and the simulation runs in the app's heavy pool
(``core.heavy``: 503 with ``Retry-After`` when it is full).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from fleetcare.core.api import DbSession
from fleetcare.core.auth import check_csrf
from fleetcare.core.heavy import Heavy
from fleetcare.core.i18n import _, format_fixed
from fleetcare.core.templating import render
from fleetcare.planning import service as planning_service
from fleetcare.planning.baselines import Baseline
from fleetcare.planning.exact import DEFAULT_MODEL
from fleetcare.planning.pages import (
    ModelQuery,
    Reader,
    Target,
    baseline_label,
    model_label,
    region_solved,
)
from fleetcare.simulation.compare import Compared, compare
from fleetcare.simulation.runner import SimulationParams

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


SIMULATION = SimulationParams(years=4, warmup_years=1, replications=4, seed=1)


@router.get("/planning/simulate")
def simulate_fragment(
    request: Request,
    session: DbSession,
    principal: Reader,
    pool: Heavy,
    region: Annotated[str, Query(max_length=200)] = "",
    target: Target = 0.95,
    policy: Annotated[Literal["wait", "cannibalise", "emergency", "grey"], Query()] = "wait",
    model: ModelQuery = DEFAULT_MODEL,
) -> Response:
    """The optimised plan and the rules of thumb, each simulated under the stock-out rule
    ``policy`` (HTMX fragment): a table and a chart of availability with its 95 % interval
    against the stock value."""
    solved = region_solved(session, principal, pool, region, target, model)
    params = replace(SIMULATION, policy=policy)
    context: dict[str, Any] = {
        "solved": solved,
        "model_label": model_label(model),
        "params": params,
        "policy_label": _policy_label(policy),
        "policy_note": _policy_note(policy, params),
    }
    if solved is not None:
        rows = planning_service.remember(
            solved,
            ("simulated", target, policy, solved.current_digest),
            lambda: pool.call(
                compare,
                solved.problem,
                params,
                target_availability=target,
                current=solved.current,
                optimised=solved.curve.stock,
                threads=2,
                model=model,
            ),
        )
        context["rows"] = [(_compared_label(row), row) for row in rows]
        context["figure"] = _simulation_figure(rows, model_label(model))
    return render(request, "planning/_simulation.html", context)


def _policy_label(policy: str) -> str:
    return {
        "wait": _("the machine waits"),
        "cannibalise": _("cannibalise a machine already down"),
        "emergency": _("emergency shipment"),
        "grey": _("buy on the grey market"),
    }[policy]


def _policy_note(policy: str, params: SimulationParams) -> str:
    """What the stock-out rule does, as the simulation runs it (``simulation.runner``)."""
    if policy == "grey":
        return _(
            "The customer buys the piece on the grey market: it comes after {days} days at "
            "the part's grey price (else {factor} times its cost), even where the depot's own "
            "piece would have come sooner; the depot does not reorder."
        ).format(days=format_fixed(params.grey_days), factor=format_fixed(params.grey_price_factor))
    if policy == "emergency":
        return _(
            "The piece comes by the depot's emergency lane, at its freight cost; the depot does "
            "not reorder."
        )
    if policy == "cannibalise":
        return _(
            "The piece is taken from a machine already down, when one still has it; the holes "
            "are kept on as few machines as possible."
        )
    return _("The machine waits for the depot's next piece.")


def _compared_label(row: Compared) -> str:
    if row.rule == "optimised":
        return _("optimised for {target}").format(target=format_fixed(row.parameter * 100, 1) + "%")
    return baseline_label(Baseline(row.rule, row.parameter, np.zeros((0, 0), dtype=np.int64), 0, 0))


def _simulation_figure(rows: list[Compared], model: str) -> dict[str, Any]:
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
                "name": _("model: {model}").format(model=model),
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
