"""Polishing the walk's plan: one piece of a part moved between two of its locations, best move
first, while a move raises the fleet availability the model reports.

The walk ranks its steps by the separable Σ_j N_j ln A_j, but a plan is judged by the fleet
availability F = Σ_j N_j A_j / Σ_j N_j; the two disagree on how to split pieces between a big
and a small depot, and on a hub with two depots the walk's plan lay up to 0.5 percentage point
below the best plan of its cost (docs/planning.md). A move keeps the plan's cost (the same part
leaves one location for another), and each is scored exactly: the part's whole tree is
evaluated in the model with every candidate move (``kernels.compound_terms`` or VARI-METRIC's
terms), the other parts held fixed. A pass evaluates every part's moves at once (on threads),
then takes, part by part, the move that raises F most given the moves taken before it; passes
repeat until one moves nothing (a local optimum of F under single moves: on small trees within
0.03 pp of brute force, docs/planning.md) or ``MAX_PASSES``.

A pass tries every ordered pair of a part's locations, so it costs parts × locations³
part-location evaluations; plans above ``POLISH_CELLS`` of them keep the walk's plan.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fleetcare.planning.chunks import rows_on_threads, terms_on_threads
from fleetcare.planning.exact import Model, terms_kernel
from fleetcare.planning.problem import PlanningProblem
from fleetcare.planning.varimetric import leaf_log_availability

POLISH_CELLS = 2_000_000  # part-location evaluations a pass may take (parts × locations³)
MAX_PASSES = 10  # each pass moves at most one piece of each part; later passes gain little
LOG_FLOOR = -700.0  # a leaf's Z ln(1 − EBO/(N Z)) below this counts as this (e^-700 ≈ 0)
GAIN = 1e-9  # the least rise in F a move must bring (a ten-millionth of a point)


def polish_cells(problem: PlanningProblem) -> int:
    """Part-location evaluations one pass of the polish takes on ``problem`` (at most)."""
    return len(problem.part_ids) * len(problem.location_ids) ** 3


def _leaf_logs(
    problem: PlanningProblem, owner: NDArray[np.int64], ebo: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Z ln(1 − EBO/(N Z)) at every leaf for each row of ``ebo`` (rows × locations; row r a
    plan of part ``owner[r]``), floored at ``LOG_FLOOR``."""
    logs = leaf_log_availability(problem, ebo, problem.qty_per_unit[owner])
    return np.maximum(logs[:, problem.is_leaf], LOG_FLOOR)


def _moves(
    stock: NDArray[np.int64], cap: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Every move of one piece: its part, the location it leaves (which holds one) and the
    one it joins (which holds fewer than ``cap``), by part."""
    n_parts, n = stock.shape
    part, source, target = np.meshgrid(
        np.arange(n_parts), np.arange(n), np.arange(n), indexing="ij"
    )
    allowed = (source != target) & (stock[part, source] > 0) & (stock[part, target] < cap)
    return part[allowed], source[allowed], target[allowed]


def polish(
    problem: PlanningProblem, stock: NDArray[np.int64], model: Model, cap: int
) -> tuple[NDArray[np.int64], bool]:
    """``stock`` (parts × locations, pieces) after the polish, and whether any piece moved; at
    most ``cap`` pieces at a part-location. A plan above ``POLISH_CELLS`` is returned as is."""
    n_parts = stock.shape[0]
    if n_parts == 0 or polish_cells(problem) > POLISH_CELLS:
        return stock, False
    kernel = terms_kernel(model)
    flow, lead = problem.throughput, problem.resupply_days
    vmr = problem.vmr.astype(np.float64)
    stock = stock.astype(np.int64, copy=True)
    leaves = problem.is_leaf
    weight = problem.units[leaves] / problem.units[leaves].sum()
    ebo = terms_on_threads(kernel, problem, stock)[2]
    logs = _leaf_logs(problem, np.arange(n_parts), ebo)
    total = logs.sum(axis=0)
    now = float(weight @ np.exp(total))  # F of the plan as it stands
    moved = False
    for _pass in range(MAX_PASSES):
        owner, source, target = _moves(stock, cap)
        rows = np.arange(owner.size)
        levels = stock[owner]
        levels[rows, source] -= 1
        levels[rows, target] += 1
        ebo = rows_on_threads(kernel, problem.parent, flow[owner], lead[owner], vmr[owner], levels)
        candidate = _leaf_logs(problem, owner, ebo[2])
        bounds = np.searchsorted(owner, np.arange(n_parts + 1))
        moved_now = False
        for i in np.flatnonzero(bounds[1:] > bounds[:-1]):
            first, last = bounds[i], bounds[i + 1]
            rest = total - logs[i]
            after = np.exp(rest[None, :] + candidate[first:last]) @ weight
            best = int(np.argmax(after))
            if after[best] <= now + GAIN:
                continue
            stock[i] = levels[first + best]
            logs[i] = candidate[first + best]
            total = rest + logs[i]
            now = float(after[best])
            moved = moved_now = True
        if not moved_now:
            break
    return stock, moved
