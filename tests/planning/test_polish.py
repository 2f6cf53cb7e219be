"""The polish: one piece of a part moved between its locations while the move raises the fleet
availability the model reports."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fleetcare.planning import polish as polish_module
from fleetcare.planning import service
from fleetcare.planning.exact import Model, evaluate
from fleetcare.planning.optimise import OptimiseParams, optimise
from fleetcare.planning.polish import polish
from fleetcare.planning.problem import parse_problem
from tests.planning.factories import planned_network
from tests.planning.test_optimise import tiny_problems

# Behind a hub of 30 days, two depots of 10 and 54 machines with the same demand: the walk's
# Σ N ln A sends the first piece to the small depot; the fleet does better with it at the hub.
SMALL_AND_BIG = {
    "format": "fleetcare-plan/1",
    "locations": [
        {"id": "H", "parent": None, "resupply_days": 30},
        {"id": "A", "parent": "H", "resupply_days": 5, "units": 10},
        {"id": "B", "parent": "H", "resupply_days": 5, "units": 54},
    ],
    "parts": [
        {
            "id": "P",
            "unit_cost": 10.0,
            "qty_per_unit": 1,
            "vmr": 1.0,
            "demand_per_day": {"A": 0.1, "B": 0.1},
        }
    ],
}


def test_the_piece_goes_where_the_fleet_gains_most() -> None:
    """One piece: the walk puts it at the small depot, the polish at the hub, which is the
    best of the three single-piece plans in the exact model."""
    problem = parse_problem(SMALL_AND_BIG)
    walked = optimise(problem, OptimiseParams(budget=10.0, polish=False))
    polished = optimise(problem, OptimiseParams(budget=10.0))
    assert walked.stock.tolist() == [[0, 1, 0]]
    assert polished.stock.tolist() == [[1, 0, 0]]
    single = [evaluate(problem, np.eye(3, dtype=np.int64)[[k]]).availability for k in range(3)]
    assert polished.last.availability == pytest.approx(max(single), abs=1e-12)
    assert polished.last.availability > walked.last.availability + 4e-4  # 90.62 % vs 90.58 %
    assert polished.last.cost == walked.last.cost == 10.0


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    document=tiny_problems(echelons=2),
    levels=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    model=st.sampled_from(["exact", "vari-metric"]),
)
def test_never_lower_never_dearer(
    document: dict[str, Any], levels: list[int], model: Model
) -> None:
    """From any plan: each part keeps its pieces (so the cost), no part-location passes the
    cap, the availability in the model never falls, and no single move of a piece raises it
    further (a local optimum)."""
    problem = parse_problem(document)
    n_parts = len(problem.part_ids)
    stock = np.array(levels[: 3 * n_parts], dtype=np.int64).reshape(n_parts, 3)
    polished, moved = polish(problem, stock, model, cap=3)
    assert (polished.sum(axis=1) == stock.sum(axis=1)).all()
    assert polished.min() >= 0 and polished.max() <= 3
    before = evaluate(problem, stock, model).availability
    after = evaluate(problem, polished, model).availability
    assert after >= before - 1e-12
    assert moved == (not np.array_equal(polished, stock))
    assert not moved or after > before
    for i in range(n_parts):
        for a in range(3):
            for b in range(3):
                if a == b or polished[i, a] == 0 or polished[i, b] == 3:
                    continue
                neighbour = polished.copy()
                neighbour[i, a] -= 1
                neighbour[i, b] += 1
                assert evaluate(problem, neighbour, model).availability <= after + 1e-9


def test_a_plan_above_the_limit_is_left_as_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``POLISH_CELLS`` part-location evaluations a pass, the walk's plan is the plan."""
    problem = parse_problem(SMALL_AND_BIG)
    monkeypatch.setattr(polish_module, "POLISH_CELLS", polish_module.polish_cells(problem) - 1)
    plan = optimise(problem, OptimiseParams(budget=10.0))
    assert plan.stock.tolist() == [[0, 1, 0]]


@pytest.mark.parametrize("model", ["exact", "vari-metric"])
def test_a_solve_polishes_in_its_own_model(
    session: Session, model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's solve polishes in the model it solved in, for its target and for a budget;
    its plans evaluate in that model to their points."""
    service.cache.clear()
    planned_network(session)
    asked: list[str] = []

    def spy(*args: Any) -> Any:
        asked.append(args[2])
        return polish(*args)

    monkeypatch.setattr(sys.modules["fleetcare.planning.optimise"], "polish", spy)
    solved = service.solve(session, region="Arctic", target=0.97, model=model)
    assert solved is not None
    for curve in (solved.curve, solved.plan(solved.curve.costs[len(solved.curve.costs) // 2])):
        assert evaluate(solved.problem, curve.stock, model).availability == pytest.approx(
            curve.last.availability, abs=1e-12
        )
    assert asked == [model, model]
