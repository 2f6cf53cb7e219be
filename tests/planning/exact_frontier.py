"""An independent, exact reference for the optimiser: one part's best allocation for every
number of pieces, by max-plus convolution over its resupply tree (slow; tests only).

For a part, the value of a plan is Σ_leaves N_j Z ln(1 − EBO_j/(N_j Z)) (its share of the
separable objective Σ_j N_j ln A_j). A location's backorders depend on its own stock and on
its parent's EBO and VBO, and are not convex in the stock upstream, so no single-piece greedy
is exact across echelons. Instead, top down: for every stock level s of a location, its
children's subtrees are solved given the backorders that level leaves them, and combined by
max-plus convolution (exact for any shape); the location's frontier is the best over s of
"s here, the rest below". The result is exact for the part within the per-location caps.
Sherbrooke (2004, ch. 4) takes the convex envelope over upstream levels; this is its exact
discrete form for trees of moderate size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fleetcare.planning.kernels import backorder_table
from fleetcare.planning.problem import PlanningProblem

FLOOR = -1e6  # the value of a leaf whose every machine waits for the part (ln 0)


@dataclass(frozen=True)
class Frontier:
    """Best value for k = 0 … K pieces of one part, and the stock row that achieves each."""

    values: NDArray[np.float64]
    plans: tuple[NDArray[np.int64], ...]


def _maxplus(
    left: NDArray[np.float64], right: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """out[t] = max_i left[i] + right[t − i], and the i that attains it."""
    out = np.full(left.size + right.size - 1, -np.inf)
    arg = np.zeros(out.size, dtype=np.int64)
    for i, value in enumerate(left):
        candidate = value + right
        window = out[i : i + right.size]
        better = candidate > window
        window[better] = candidate[better]
        arg[i : i + right.size][better] = i
    return out, arg


def caps(problem: PlanningProblem, part: int, most: int) -> NDArray[np.int64]:
    """Pieces worth considering at each location: pipeline mean + 9 sd + 6 with nothing upstream
    (beyond what the kernels try: they stop where at most 1e-10 pieces are on backorder)."""
    flow = problem.throughput[part]
    top = np.zeros(len(problem.location_ids), dtype=np.int64)
    upstream = np.zeros(len(problem.location_ids))
    for j in range(len(problem.location_ids)):
        if flow[j] <= 0:
            continue
        mean = flow[j] * problem.resupply_days[part, j]
        if problem.parent[j] >= 0:
            mean += upstream[problem.parent[j]] * flow[j] / flow[problem.parent[j]]
        upstream[j] = mean
        spread = math.sqrt(mean * float(problem.vmr[part]))
        top[j] = min(most, math.ceil(mean + 9 * spread + 6))
    return top


def part_frontier(problem: PlanningProblem, part: int, most: int) -> Frontier:
    """The exact frontier of one part (within ``caps``)."""
    flow = problem.throughput[part]
    limit = caps(problem, part, most)
    children: dict[int, list[int]] = {}
    for j, parent in enumerate(problem.parent):
        if parent >= 0 and flow[j] > 0:
            children.setdefault(int(parent), []).append(j)
    leaf = problem.is_leaf
    z = float(problem.qty_per_unit[part])
    lead = problem.resupply_days[part]
    v = float(problem.vmr[part])

    def subtree(
        j: int, up_ebo: float, up_vbo: float
    ) -> tuple[NDArray[np.float64], list[dict[int, int]]]:
        own = float(flow[j] * lead[j])
        parent = int(problem.parent[j])
        if parent < 0:
            mean, variance = own, v * own
        else:
            f = float(flow[j] / flow[parent])
            mean, variance = own + f * up_ebo, v * own + f * (1 - f) * up_ebo + f * f * up_vbo
        ebo, vbo = backorder_table(mean, variance, int(limit[j]))
        best: NDArray[np.float64] | None = None
        plans: list[dict[int, int]] = []
        for s in range(int(limit[j]) + 1):
            here = 0.0
            if leaf[j]:
                n = float(problem.units[j])
                share = 1.0 - float(ebo[s]) / (n * z)
                here = n * z * math.log(share) if share > 0 else FLOOR
            below, below_plans = np.zeros(1), [dict[int, int]()]
            for child in children.get(j, []):
                values, child_plans = subtree(child, float(ebo[s]), float(vbo[s]))
                merged, split = _maxplus(below, values)
                below_plans = [
                    {**below_plans[split[t]], **child_plans[t - split[t]]}
                    for t in range(merged.size)
                ]
                below = merged
            total = np.concatenate([np.full(s, -np.inf), here + below])
            if best is None:
                best, plans = total, [{j: s, **p} for p in below_plans]
                continue
            if total.size > best.size:
                best = np.concatenate([best, np.full(total.size - best.size, -np.inf)])
                plans += [{}] * (total.size - len(plans))
            for k in np.flatnonzero(total[: best.size] > best):
                best[k] = total[k]
                plans[k] = {j: s, **below_plans[k - s]}
        assert best is not None
        return best, plans

    root = int(np.flatnonzero(problem.parent < 0)[0])
    if flow[root] <= 0:
        return Frontier(np.zeros(1), (np.zeros(len(problem.location_ids), dtype=np.int64),))
    values, plans = subtree(root, 0.0, 0.0)
    rows = []
    for plan in plans:
        row = np.zeros(len(problem.location_ids), dtype=np.int64)
        for j, s in plan.items():
            row[j] = s
        rows.append(row)
    return Frontier(values, tuple(rows))


def upper_hull(values: NDArray[np.float64]) -> list[int]:
    """The k of the upper concave hull of (k, values[k]), from k = 0 (values finite from 0)."""
    hull: list[int] = []
    for k in range(values.size):
        if not np.isfinite(values[k]):
            continue
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or under the chord from a to k
            if (values[b] - values[a]) * (k - a) <= (values[k] - values[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(k)
    return hull
