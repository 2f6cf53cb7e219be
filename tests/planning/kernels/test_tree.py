"""The compiled part hull against the exact max-plus frontier, and its plans against evaluate
(``kernels.tree``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetcare.planning import evaluate
from fleetcare.planning.kernels import backorder_table, depth_first, part_hull
from fleetcare.planning.problem import PlanningProblem, parse_problem
from tests.planning.exact_frontier import part_frontier
from tests.planning.test_optimise import long_pipeline


@st.composite
def trees(draw: Any) -> dict[str, Any]:
    """A root, one or two hubs, one to three depots under each; one part."""
    locations: list[dict[str, Any]] = [
        {"id": "R", "parent": None, "resupply_days": draw(st.integers(5, 60))}
    ]
    leaves = []
    for h in range(draw(st.integers(1, 2))):
        locations.append({"id": f"H{h}", "parent": "R", "resupply_days": draw(st.integers(2, 20))})
        for d in range(draw(st.integers(1, 3 - h))):
            leaf = f"D{h}{d}"
            leaves.append(leaf)
            locations.append(
                {
                    "id": leaf,
                    "parent": f"H{h}",
                    "resupply_days": draw(st.integers(1, 6)),
                    "units": draw(st.integers(5, 40)),
                }
            )
    part = {
        "id": "P",
        "unit_cost": 10.0,
        "qty_per_unit": draw(st.integers(1, 2)),
        "vmr": draw(st.sampled_from([1.0, 1.7])),
        "demand_per_day": {leaf: draw(st.floats(0.0, 0.05)) for leaf in leaves},
    }
    return {"format": "fleetcare-plan/1", "locations": locations, "parts": [part]}


def kernel_hull(
    problem: PlanningProblem,
    tolerance: float = -1.0,
    *,
    most: int = 12,
    thinning: float = 1.0,
    negligible: float = 1e-10,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """pieces, values and stock rows (problem order) of the kernel's hull of part 0: exact
    with the defaults and a negative ``tolerance`` (every level of every location tried)."""
    order, tree = depth_first(problem.parent)
    pieces, values, stock_dfs, _ = part_hull(
        tree,
        problem.throughput[0, order],
        problem.resupply_days[0, order],
        problem.units[order],
        float(problem.vmr[0]),
        float(problem.qty_per_unit[0]),
        most,
        thinning,
        negligible,
        tolerance,
    )
    stock = np.empty_like(stock_dfs)
    stock[:, order] = stock_dfs
    return pieces, values, stock


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=trees())
def test_hull_is_the_exact_frontiers_hull(document: dict[str, Any]) -> None:
    """No allocation the max-plus enumeration finds (within its caps) beats a vertex or lies
    above the hull between vertices."""
    problem = parse_problem(document)
    pieces, values, _ = kernel_hull(problem)
    frontier = part_frontier(problem, 0, 12).values
    assert np.all(np.diff(pieces) > 0) and np.all(np.diff(values) > 0)
    for k, value in zip(pieces, values, strict=True):
        if k < frontier.size:
            assert value >= frontier[k] - 1e-9 * max(1.0, abs(value))
    # the hull lies on or above every point of the exact frontier it spans
    inside = np.arange(min(frontier.size, int(pieces[-1]) + 1))
    assert np.all(frontier[inside] <= np.interp(inside, pieces, values) + 1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=trees(), tolerance=st.sampled_from([-1.0, 0.0, 1e-6]))
def test_every_vertex_is_a_real_plan(document: dict[str, Any], tolerance: float) -> None:
    """The stock row of each vertex has that many pieces and evaluates to that value."""
    problem = parse_problem(document)
    pieces, values, stock = kernel_hull(problem, tolerance)
    leaves = problem.is_leaf
    z = float(problem.qty_per_unit[0])
    for k, value, row in zip(pieces, values, stock, strict=True):
        assert row.sum() == k
        ebo = evaluate(problem, row[None, :].astype(np.int64)).terms[0].ebo[leaves]
        n = problem.units[leaves]
        evaluated = float((n * z * np.log(1 - ebo / (n * z))).sum())
        assert abs(evaluated - value) <= 1e-12 * max(1.0, abs(value))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=trees(), tolerance=st.sampled_from([0.0, 1e-6, 1e-3]))
def test_pruned_levels_cost_at_most_the_tolerance(
    document: dict[str, Any], tolerance: float
) -> None:
    """Levels stop once their bound is within ``tolerance`` of the hull: at every vertex of the
    exact hull, the pruned hull is lower by at most ``tolerance`` for each location that
    prunes (the root and up to two hubs here)."""
    problem = parse_problem(document)
    pieces, values, _ = kernel_hull(problem)
    pruned_pieces, pruned_values, _ = kernel_hull(problem, tolerance)
    shortfall = values - np.interp(pieces, pruned_pieces, pruned_values)
    assert shortfall.max() <= 3 * tolerance + 1e-9 * max(1.0, float(np.abs(values).max()))


def test_the_grid_is_capped_by_the_machines_below() -> None:
    """A plant pipeline of 300 pieces (VMR 2, σ = 24.5): over 2,000 machines the hull's plant
    levels in the band lie on a grid of 8 (σ / 3 binds); over 200 on a grid of 3
    (√(20 × 1e-4 × 200 × 24.5) = 3.1 binds) — the machines the hull counts below."""
    ebo, vbo = backorder_table(300.0, 600.0, 600)
    band = int(np.argmax(ebo <= 2.0 * math.sqrt(vbo[0])))
    for machines, step in ((1000, 8), (100, 3)):
        document = long_pipeline(120, 14, [(3, machines, 1.25), (5, machines, 1.25)], 2, 2.0)
        problem = parse_problem(document)
        _, _, stock = kernel_hull(problem, 1e-6, most=2000, thinning=0.5, negligible=1e-6)
        plant = np.unique(stock[:, problem.location_ids.index("PLANT")])
        in_band = plant[plant >= band]
        assert in_band.size >= 3
        assert np.all((in_band - band) % step == 0), (machines, in_band.tolist())
    assert np.any((in_band - band) % 8 != 0)  # not the grid of the larger fleet


def test_long_curves_and_many_depots_grow_every_buffer() -> None:
    """A depot with a pipeline of 1,100 pieces (longer than the first work buffer) beside a
    hub of 40 depots (more segments than the first segment buffer, more leaf hulls over its
    levels than the first flat buffer): the hull is concave and its vertices real plans."""
    locations: list[dict[str, Any]] = [
        {"id": "R", "parent": None, "resupply_days": 1},
        {"id": "H", "parent": "R", "resupply_days": 3},
        {"id": "BIG", "parent": "R", "resupply_days": 5, "units": 400},
    ]
    demand = {"BIG": 220.0}
    for d in range(40):
        locations.append({"id": f"D{d}", "parent": "H", "resupply_days": 6, "units": 20})
        demand[f"D{d}"] = 0.5
    part = {"id": "P", "unit_cost": 1.0, "qty_per_unit": 4, "vmr": 1.0, "demand_per_day": demand}
    problem = parse_problem({"format": "fleetcare-plan/1", "locations": locations, "parts": [part]})
    pieces, values, stock = kernel_hull(problem, 1e-6, most=3000, thinning=0.7, negligible=1e-6)
    slopes = np.diff(values) / np.diff(pieces)
    assert np.all(np.diff(pieces) > 0) and np.all(np.diff(slopes) < 0)
    assert stock[-1, problem.location_ids.index("BIG")] > 1100
    leaves = problem.is_leaf
    n = problem.units[leaves]
    for row in [*range(0, pieces.size, max(1, pieces.size // 40)), pieces.size - 1]:
        ebo = evaluate(problem, stock[row][None, :].astype(np.int64)).terms[0].ebo[leaves]
        evaluated = float((n * 4 * np.log(1 - ebo / (n * 4))).sum())
        assert stock[row].sum() == pieces[row]
        assert abs(evaluated - values[row]) <= 1e-9 * max(1.0, abs(values[row]))
