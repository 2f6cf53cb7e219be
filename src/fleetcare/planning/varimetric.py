"""VARI-METRIC evaluation of a stock plan over a resupply tree (Sherbrooke 1986; 2004, ch. 4).

For each part, top down from the root (order-and-ship time L, demand through a location λ,
variance-to-mean ratio v, f = λ_j / λ_parent):

    root:   μ = λ L,                  σ² = v λ L
    child:  μ = λ L + f EBO_p(s_p),   σ² = v λ L + f(1−f) EBO_p(s_p) + f² VBO_p(s_p)

and EBO/VBO at the location's own stock (``backorders``). At each leaf j with N_j machines,
each carrying Z_i pieces of part i:

    A_j = Π_i (1 − EBO_ij / (N_j Z_i))^Z_i,    fleet A = Σ_j N_j A_j / Σ_j N_j.

Cost of a plan = Σ s_ij × unit cost_i.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from fleetcare.planning.backorders import backorder_moments
from fleetcare.planning.problem import PlanningProblem


@lru_cache(maxsize=200_000)
def _moments_at(mean: float, variance: float, stock: int) -> tuple[float, float]:
    ebo, vbo = backorder_moments(mean, variance, stock)
    return float(ebo[stock]), float(vbo[stock])


@dataclass(frozen=True)
class PartTerms:
    """One part's pipeline and backorders at every location."""

    mean: NDArray[np.float64]
    variance: NDArray[np.float64]
    ebo: NDArray[np.float64]
    vbo: NDArray[np.float64]


def part_terms(
    problem: PlanningProblem, part: int, stock: NDArray[np.int64], throughput: NDArray[np.float64]
) -> PartTerms:
    """VARI-METRIC for one part: ``stock`` and ``throughput`` are its rows (one per location)."""
    n = len(problem.location_ids)
    mean, variance, ebo, vbo = (np.zeros(n) for _ in range(4))
    lead = problem.resupply_days[part]
    v = float(problem.vmr[part])
    for j in range(n):
        flow = float(throughput[j])
        if flow <= 0:
            continue
        own = flow * float(lead[j])
        parent = int(problem.parent[j])
        if parent < 0:
            mean[j], variance[j] = own, v * own
        else:
            f = flow / float(throughput[parent])
            mean[j] = own + f * ebo[parent]
            variance[j] = v * own + f * (1 - f) * ebo[parent] + f * f * vbo[parent]
        ebo[j], vbo[j] = _moments_at(float(mean[j]), float(variance[j]), int(stock[j]))
    return PartTerms(mean, variance, ebo, vbo)


def leaf_log_availability(
    problem: PlanningProblem, part: int, ebo: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Z ln(1 − EBO/(N Z)) at every leaf for one part (−inf when every machine waits for it)."""
    leaves = problem.is_leaf
    z = float(problem.qty_per_unit[part])
    share = np.zeros(len(problem.location_ids))
    share[leaves] = ebo[leaves] / (problem.units[leaves] * z)
    with np.errstate(divide="ignore"):
        return np.where(leaves, z * np.log(np.clip(1.0 - share, 0.0, 1.0)), 0.0)


@dataclass(frozen=True)
class Evaluation:
    """What a plan gives: fleet and per-leaf availability, cost, and every part-location's terms."""

    availability: float
    cost: float
    leaf_availability: dict[str, float]
    terms: tuple[PartTerms, ...]


def fleet_availability(
    problem: PlanningProblem, log_availability: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    """Fleet A (unit-weighted mean) and A_j from the summed per-part log availabilities."""
    leaves = problem.is_leaf
    per_leaf = np.exp(log_availability[leaves])
    weights = problem.units[leaves]
    return float((weights * per_leaf).sum() / weights.sum()), per_leaf


def evaluate(problem: PlanningProblem, stock: NDArray[np.int64]) -> Evaluation:
    """Availability, cost and backorders of ``stock`` (parts × locations, in pieces)."""
    throughput = problem.throughput
    terms = tuple(
        part_terms(problem, i, stock[i], throughput[i]) for i in range(len(problem.part_ids))
    )
    log_a = np.zeros(len(problem.location_ids))
    for i, term in enumerate(terms):
        log_a += leaf_log_availability(problem, i, term.ebo)
    availability, per_leaf = fleet_availability(problem, log_a)
    leaf_ids = [
        loc for loc, leaf in zip(problem.location_ids, problem.is_leaf, strict=True) if leaf
    ]
    cost = float((stock.sum(axis=1) * problem.unit_cost).sum())
    return Evaluation(
        availability, cost, dict(zip(leaf_ids, per_leaf.tolist(), strict=True)), terms
    )


def evaluation_document(
    problem: PlanningProblem, stock: NDArray[np.int64], result: Evaluation
) -> dict[str, object]:
    """The ``fleetcare plan evaluate --json`` answer."""
    parts = {
        part: {
            loc: {
                "stock": int(stock[i, j]),
                "pipeline_mean": float(term.mean[j]),
                "pipeline_variance": float(term.variance[j]),
                "ebo": float(term.ebo[j]),
                "vbo": float(term.vbo[j]),
            }
            for j, loc in enumerate(problem.location_ids)
        }
        for i, (part, term) in enumerate(zip(problem.part_ids, result.terms, strict=True))
    }
    return {
        "availability": result.availability,
        "cost": result.cost,
        "locations": {loc: {"availability": a} for loc, a in result.leaf_availability.items()},
        "parts": parts,
    }
