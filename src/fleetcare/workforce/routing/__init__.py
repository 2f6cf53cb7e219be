"""Dispatch: crews of technicians routed over a day's jobs (``fleetcare-dispatch/1``).

Pure maths: no database, no web. ``solve_document`` is the one entry point the CLI and the
REST route call; ``baseline_document`` answers the greedy baseline in the same shape.
"""

from __future__ import annotations

from typing import Any

from fleetcare.workforce.routing.document import plan_document
from fleetcare.workforce.routing.greedy import greedy_plan
from fleetcare.workforce.routing.plan import Roads
from fleetcare.workforce.routing.problem import DispatchProblem, parse_problem
from fleetcare.workforce.routing.solver import SolveOptions, solve
from fleetcare.workforce.routing.travel import travel_seconds

__all__ = ["SolveOptions", "baseline_document", "roads_of", "solve_document"]


def roads_of(problem: DispatchProblem) -> Roads:
    """The problem with its travel matrix."""
    return Roads(problem, travel_seconds(problem))


def solve_document(document: Any, options: SolveOptions | None = None) -> dict[str, Any]:
    """Check ``document`` (``InvalidInput`` naming each bad field) and answer its plan."""
    roads = roads_of(parse_problem(document))
    return plan_document(roads, solve(roads, options or SolveOptions()))


def baseline_document(document: Any) -> dict[str, Any]:
    """The greedy baseline's plan of ``document``, in the same shape."""
    roads = roads_of(parse_problem(document))
    return plan_document(roads, greedy_plan(roads))
