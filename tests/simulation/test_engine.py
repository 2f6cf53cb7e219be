"""The compiled event heap against the first-come-first-served recursion."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from fleetcare.planning.problem import parse_problem
from fleetcare.simulation.runner import SimulationParams, run
from fleetcare.simulation.summary import summary
from tests.simulation.networks import NETWORK


def test_the_recursion_agrees_with_the_event_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """``wait`` runs on fcfs's recursion; the event heap of ``engine`` simulates the same
    system one event at a time. With stock at every echelon, lumpy demand and two pieces a
    machine, both give the same backorders at every location and the same availability,
    within their intervals."""
    from fleetcare.simulation import runner
    from fleetcare.simulation.engine import WAIT, simulate_part

    document = json.loads(json.dumps(NETWORK))
    document["parts"][1]["vmr"] = 2.5
    problem = parse_problem(document)
    stock = np.array([[3, 2, 1, 2], [1, 1, 0, 1]], dtype=np.int64)
    params = SimulationParams(years=40, warmup_years=1, replications=10, seed=17)
    fast = summary(problem, stock, params, run(problem, stock, params, threads=2)).document()

    def heap(*args: Any) -> Any:
        return simulate_part(*args[:10], WAIT, np.zeros(len(args[0])), *args[10:])

    monkeypatch.setattr(runner, "simulate_part_fcfs", heap)
    slow = summary(problem, stock, params, run(problem, stock, params, threads=2)).document()
    pairs: list[tuple[Any, Any]] = [(fast["availability"], slow["availability"])]
    pairs += [
        (fast["parts"][p][loc], slow["parts"][p][loc])  # type: ignore[index]
        for p in problem.part_ids
        for loc in problem.location_ids
    ]
    for a, b in pairs:
        lo_a, hi_a = a.get("ci95", a.get("backorders_ci95"))
        lo_b, hi_b = b.get("ci95", b.get("backorders_ci95"))
        mean_a, mean_b = (lo_a + hi_a) / 2, (lo_b + hi_b) / 2
        assert abs(mean_a - mean_b) <= (hi_a - lo_a + hi_b - lo_b) / 2 + 1e-9, (a, b)
