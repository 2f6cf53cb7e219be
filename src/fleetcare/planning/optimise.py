"""The availability-against-cost curve by marginal analysis (Sherbrooke 2004, ch. 2 and 4).

The objective the greedy ranks by is the separable Σ_j N_j ln A_j
(= Σ_parts Σ_leaves N_j Z ln(1 − EBO/(N_j Z))), by the exact Δ ln A per unit of cost, not
Sherbrooke's ΔEBO/Δcost approximation. Each part's efficient allocations come from
``kernels.part_hull`` (per upstream level the best allocation below, then the concave envelope
over the levels — exact for the hull's vertices). Because every hull is concave, taking the
steps of all parts by falling gain per unit of cost is what a heap across parts would do; the
walk then adds the steps one by one and reports the fleet availability (the unit-weighted mean
of the A_j) after each. Every curve point is a real plan and its evaluation gives that point;
cost rises strictly and availability never falls.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.core.errors import ParameterError
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate
from fleetcare.planning.kernels import depth_first, part_hull
from fleetcare.planning.kernels.rescore import exact_hull
from fleetcare.planning.polish import polish
from fleetcare.planning.problem import PlanningProblem


@dataclass(frozen=True)
class OptimiseParams:
    """When to stop: a target fleet availability A ∈ (0, 1), a budget (money), or both.

    ``max_pieces_per_location`` caps each part-location beyond the natural cap (the level at
    which at most ``negligible_backorders`` pieces stay on backorder): a runaway guard, so a
    target that needs more is reported as unreachable. ``thinning`` < 1 lets a location with
    locations below it try fewer of its own levels: halving steps far below its pipeline
    mean, where its backorders fall by about one per piece, and above a grid of at most σ /
    3 levels, finer where few machines are below (see ``kernels.upstream_levels``); 1 tries
    every level, the exact hull, at many times the time for parts with long pipelines. A
    location stops trying more of its own levels once the most any higher level could add —
    its children's curve with nothing on backorder at the location — lies within
    ``level_tolerance`` (in Σ N Z ln(1 − EBO/(N Z)), about backorders) of the hull it has
    (see ``kernels.tree``); a negative tolerance tries every level. ``model`` ``exact``
    re-scores each part's hull vertices with the exact distributions and keeps their exact
    hull (``kernels.rescore``), so the curve is in the model ``exact.evaluate`` reports.
    ``polish`` moves pieces of a part between its locations while that raises the plan's
    fleet availability in the model (``polish``; the curve's last point is the polished plan).
    """

    target_availability: float | None = None
    budget: float | None = None
    max_pieces_per_location: int = 2000
    thinning: float = 0.5
    negligible_backorders: float = 1e-6
    level_tolerance: float = 1e-6
    model: Model = DEFAULT_MODEL
    polish: bool = True


class OptimiseRequestError(ParameterError):
    """Where to stop the curve is missing, given twice, out of range or out of reach."""


def check_request(target_availability: float | None, budget: float | None) -> None:
    """Refuse a request that does not say where to stop: exactly one of a target
    availability in (0, 1) and a budget of at least the empty plan's cost (0)."""
    if (target_availability is None) == (budget is None):
        raise OptimiseRequestError(
            "target_availability", "give exactly one of {target_availability} and {budget}"
        )
    if target_availability is not None and not 0 < target_availability < 1:
        raise OptimiseRequestError(
            "target_availability", "{target_availability} must lie strictly between 0 and 1"
        )
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise OptimiseRequestError("budget", "{budget} must be a finite amount ≥ 0")


def check_reached(curve: Curve, params: OptimiseParams) -> None:
    """Refuse a curve that stopped short of its target availability."""
    if not curve.reached:
        raise OptimiseRequestError(
            "target_availability",
            "{target_availability} {target} is not reachable within {cap} pieces per "
            "part-location (best {best:.6f})",
            target=params.target_availability,
            cap=params.max_pieces_per_location,
            best=curve.last.availability,
        )


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One plan on the curve: its total cost and fleet availability."""

    cost: float
    availability: float


@dataclass(frozen=True)
class Curve:
    """The efficient curve, cheapest first, and the plan of its last point.

    The curve is kept as two arrays (money, fleet availability ∈ [0, 1]); a whole network's
    has millions of points, and a Python object per point took longer to make than the walk.
    """

    costs: NDArray[np.float64] = field(repr=False)
    availabilities: NDArray[np.float64] = field(repr=False)
    stock: NDArray[np.int64] = field(repr=False)
    reached: bool  # the target (if any) was met

    @property
    def points(self) -> tuple[CurvePoint, ...]:
        """Every point of the curve (made on each call: prefer the arrays for large curves)."""
        return tuple(
            CurvePoint(c, a)
            for c, a in zip(self.costs.tolist(), self.availabilities.tolist(), strict=True)
        )

    @property
    def last(self) -> CurvePoint:
        """The chosen plan's point."""
        return CurvePoint(float(self.costs[-1]), float(self.availabilities[-1]))

    def as_json(self, points: int | None = None) -> list[dict[str, float]]:
        """The points as ``{"cost", "availability"}`` objects (the CLI's and the API's); at
        most ``points`` of them, evenly spread, the first and the last (the plan) kept."""
        keep = thin(self.costs.size, points) if points is not None else slice(None)
        return [
            {"cost": c, "availability": a}
            for c, a in zip(
                self.costs[keep].tolist(), self.availabilities[keep].tolist(), strict=True
            )
        ]


def thin(size: int, points: int, keep: Iterable[int] = ()) -> NDArray[np.int64]:
    """Indices of at most ``points`` (≥ 2) of a curve's ``size`` points, in order: evenly
    spread, the first and the last always among them, and each index in ``keep`` too."""
    if points < 2:
        raise ValueError("at least the first and the last point are kept")
    if size <= points:
        return np.arange(size, dtype=np.int64)
    kept = np.unique(np.array([k for k in keep if 0 <= k < size], dtype=np.int64))
    spread = np.rint(np.linspace(0, size - 1, max(2, points - kept.size))).astype(np.int64)
    return np.unique(np.concatenate([spread, kept]))


@dataclass(frozen=True)
class Hulls:
    """Every part's efficient allocations, flattened: part i owns rows start[i] … start[i+1]−1.

    ``pieces`` and ``value`` per vertex. The allocation of vertex r is kept as the
    part-locations it changes from the vertex before (zero stock before the first):
    ``stock_location`` / ``stock_value`` [``stock_start[r]`` … ``stock_start[r+1]``), columns in
    the problem's location order. Each leaf's Z ln(1 − EBO/(N Z)) is kept as the first vertex's row
    (``leaf_first``, parts × leaves) and, for every later vertex r, the leaves that changed
    since r − 1: ``change_leaf`` / ``change_value`` [``change_start[r]`` … ``change_start[r+1]``)
    — a step moves one depot or one branch, so this is a fraction of the dense table.
    """

    start: NDArray[np.int64]
    pieces: NDArray[np.int64]
    value: NDArray[np.float64]
    stock_start: NDArray[np.int64]
    stock_location: NDArray[np.int32]
    stock_value: NDArray[np.int16]
    leaf_first: NDArray[np.float64]
    change_start: NDArray[np.int64]
    change_leaf: NDArray[np.int32]
    change_value: NDArray[np.float64]


Progress = Callable[[int], None]
_Solved = tuple[
    NDArray[np.int64],
    NDArray[np.float64],
    tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int16]],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int32],
    NDArray[np.float64],
]


def part_hulls(
    problem: PlanningProblem,
    params: OptimiseParams,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Hulls:
    """Solve every part's tree (compiled, in ``workers`` threads; Numba releases the GIL)."""
    order, tree = depth_first(problem.parent)
    flows = np.ascontiguousarray(problem.throughput[:, order])
    leads = np.ascontiguousarray(problem.resupply_days[:, order])
    units = np.ascontiguousarray(problem.units[order])
    leaves = np.flatnonzero(problem.is_leaf)
    n_parts, n_locations = flows.shape

    def solve(i: int) -> _Solved:
        pieces, value, stock_dfs, leaf_dfs = part_hull(
            tree,
            flows[i],
            leads[i],
            units,
            float(problem.vmr[i]),
            float(problem.qty_per_unit[i]),
            params.max_pieces_per_location,
            params.thinning,
            params.negligible_backorders,
            params.level_tolerance,
            params.model == "exact",
        )
        if params.model == "exact":
            pieces, value, stock_dfs, leaf_dfs = exact_hull(
                tree,
                flows[i],
                leads[i],
                units,
                float(problem.vmr[i]),
                float(problem.qty_per_unit[i]),
                pieces,
                stock_dfs,
                params.max_pieces_per_location,
                params.negligible_backorders,
            )
        stock = np.zeros((pieces.size + 1, n_locations), dtype=np.int16)  # a zero row first
        stock[1:, order] = stock_dfs
        stock_rows, stock_columns = np.nonzero(stock[1:] != stock[:-1])
        stock_changes = (
            np.bincount(stock_rows, minlength=pieces.size),
            stock_columns.astype(np.int32),
            stock[stock_rows + 1, stock_columns],
        )
        leaf_all = np.empty((pieces.size, n_locations))
        leaf_all[:, order] = leaf_dfs
        leaf_log = leaf_all[:, leaves]
        rows, columns = np.nonzero(leaf_log[1:] != leaf_log[:-1])
        counts = np.bincount(rows + 1, minlength=pieces.size)
        return (
            pieces,
            value,
            stock_changes,
            leaf_log[0].copy(),  # not a view: it would keep the dense table alive
            counts,
            columns.astype(np.int32),
            leaf_log[rows + 1, columns],
        )

    results: list[_Solved] = []
    chunk = 64
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for first in range(0, n_parts, chunk):
            results += list(pool.map(solve, range(first, min(first + chunk, n_parts))))
            if progress is not None:
                progress(min(first + chunk, n_parts))
    sizes = np.array([r[0].size for r in results], dtype=np.int64)
    counts = np.concatenate([r[4] for r in results])
    stock_counts = np.concatenate([r[2][0] for r in results])
    return Hulls(
        np.concatenate(([0], np.cumsum(sizes))),
        np.concatenate([r[0] for r in results]),
        np.concatenate([r[1] for r in results]),
        np.concatenate(([0], np.cumsum(stock_counts))),
        np.concatenate([r[2][1] for r in results]),
        np.concatenate([r[2][2] for r in results]),
        np.stack([r[3] for r in results]),
        np.concatenate(([0], np.cumsum(counts))),
        np.concatenate([r[5] for r in results]),
        np.concatenate([r[6] for r in results]),
    )


@njit(cache=True)
def _weighted(weight: NDArray[np.float64], values: NDArray[np.float64]) -> float:
    """Σ weight × values, without the temporary array a step of the walk cannot afford."""
    total = 0.0
    for j in range(weight.size):
        total += weight[j] * values[j]
    return total


@njit(cache=True, inline="always")
def _add(total: NDArray[np.float64], lost: NDArray[np.float64], j: int, term: float) -> None:
    """total[j] += term, keeping the low-order digits the sum drops in lost[j] (Neumaier
    1974): a leaf leaving the floor (−10⁶ / N) must not leave 10⁻¹¹ of rounding behind."""
    after = total[j] + term
    if abs(total[j]) >= abs(term):
        lost[j] += (total[j] - after) + term
    else:
        lost[j] += (term - after) + total[j]
    total[j] = after


@njit(cache=True)
def _walk(
    start: NDArray[np.int64],
    pieces: NDArray[np.int64],
    value: NDArray[np.float64],
    leaf_first: NDArray[np.float64],
    change_start: NDArray[np.int64],
    change_leaf: NDArray[np.int32],
    change_value: NDArray[np.float64],
    unit_cost: NDArray[np.float64],
    units: NDArray[np.float64],
    target: float,
    budget: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Take the parts' hull steps by falling gain per unit of cost until the target fleet
    availability or the budget; returns the curve's costs, availabilities and each part's
    final hull vertex (relative to its start)."""
    n_parts = start.size - 1
    steps = start[-1] - n_parts
    slope = np.empty(steps)
    owner = np.empty(steps, dtype=np.int64)
    k = 0
    for i in range(n_parts):
        for row in range(start[i], start[i + 1] - 1):
            gain = value[row + 1] - value[row]
            slope[k] = gain / ((pieces[row + 1] - pieces[row]) * unit_cost[i])
            owner[k] = i
            k += 1
    order = np.argsort(-slope, kind="mergesort")  # a part's steps keep their order
    n_leaves = leaf_first.shape[1]
    log_a = np.zeros(n_leaves)  # Σ_parts of each leaf's terms, compensated by lost
    lost = np.zeros(n_leaves)
    for i in range(n_parts):
        for j in range(n_leaves):
            _add(log_a, lost, j, leaf_first[i, j])
    current = leaf_first.copy()  # each part's leaf terms at its current vertex
    weight = units / units.sum()
    per_leaf = np.exp(log_a + lost)
    availability = _weighted(weight, per_leaf)
    costs = np.empty(steps + 1)
    availabilities = np.empty(steps + 1)
    costs[0], availabilities[0] = 0.0, availability
    at = np.zeros(n_parts, dtype=np.int64)
    cost = 0.0
    taken = 0
    for k in range(steps):
        if availability >= target:
            break
        i = owner[order[k]]
        row = start[i] + at[i]
        step_cost = (pieces[row + 1] - pieces[row]) * unit_cost[i]
        if cost + step_cost > budget + 1e-9:
            break
        cost += step_cost
        at[i] += 1
        for c in range(change_start[row + 1], change_start[row + 2]):
            j = change_leaf[c]
            _add(log_a, lost, j, -current[i, j])
            _add(log_a, lost, j, change_value[c])
            current[i, j] = change_value[c]
            per_leaf[j] = np.exp(log_a[j] + lost[j])
        availability = _weighted(weight, per_leaf)
        taken += 1
        costs[taken], availabilities[taken] = cost, availability
    return costs[: taken + 1], availabilities[: taken + 1], at


@njit(cache=True)
def _stock_at(
    start: NDArray[np.int64],
    at: NDArray[np.int64],
    stock_start: NDArray[np.int64],
    stock_location: NDArray[np.int32],
    stock_value: NDArray[np.int16],
    n_locations: int,
) -> NDArray[np.int64]:
    """Each part's allocation at its vertex ``at`` (parts × locations), from the changes."""
    stock = np.zeros((start.size - 1, n_locations), dtype=np.int64)
    for i in range(start.size - 1):
        for row in range(start[i], start[i] + at[i] + 1):
            for c in range(stock_start[row], stock_start[row + 1]):
                stock[i, stock_location[c]] = stock_value[c]
    return stock


def walk(problem: PlanningProblem, hulls: Hulls, params: OptimiseParams) -> Curve:
    """The curve from zero stock along the parts' hulls, to the target or the budget; its
    last point is the plan there, polished (``OptimiseParams.polish``)."""
    target = params.target_availability if params.target_availability is not None else 2.0
    budget = params.budget if params.budget is not None else np.inf
    leaves = problem.is_leaf
    costs, availabilities, at = _walk(
        hulls.start,
        hulls.pieces,
        hulls.value,
        hulls.leaf_first,
        hulls.change_start,
        hulls.change_leaf,
        hulls.change_value,
        problem.unit_cost.astype(np.float64),
        problem.units[leaves].astype(np.float64),
        float(target),
        float(budget),
    )
    stock = _stock_at(
        hulls.start,
        at,
        hulls.stock_start,
        hulls.stock_location,
        hulls.stock_value,
        len(problem.location_ids),
    )
    if params.polish:
        stock, moved = polish(problem, stock, params.model, params.max_pieces_per_location)
        if moved:  # same cost, higher fleet availability: the plan's point rises
            availabilities = availabilities.copy()
            availabilities[-1] = evaluate(problem, stock, params.model).availability
    reached = params.target_availability is None or availabilities[-1] >= target
    return Curve(costs, availabilities, stock, bool(reached))


def optimise(
    problem: PlanningProblem,
    params: OptimiseParams,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Curve:
    """Walk the curve from zero stock until the target availability or the budget is reached."""
    return walk(problem, part_hulls(problem, params, workers=workers, progress=progress), params)
