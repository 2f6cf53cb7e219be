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
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.chunks import terms_on_threads
from fleetcare.planning.kernels.backorders import backorders_at, pipeline
from fleetcare.planning.problem import PlanningProblem


@dataclass(frozen=True)
class PartTerms:
    """One part's pipeline and backorders at every location."""

    mean: NDArray[np.float64]
    variance: NDArray[np.float64]
    ebo: NDArray[np.float64]
    vbo: NDArray[np.float64]


PMF_WORK = 4096  # pmf terms a pipeline's backorders are summed over without a new array


@njit(cache=True, nogil=True)
def varimetric_terms(
    parent: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    vmr: NDArray[np.float64],
    stock: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Pipeline mean, variance, EBO and VBO of every part-location (4 × parts × locations);
    locations in tree order, parents first. The same arithmetic as ``kernels.part_hull``."""
    n_parts, n_locations = flow.shape
    out = np.zeros((4, n_parts, n_locations))
    work = np.empty(PMF_WORK)
    for i in range(n_parts):
        for j in range(n_locations):
            if flow[i, j] <= 0.0:
                continue
            own = flow[i, j] * lead[i, j]
            p = parent[j]
            if p < 0:
                mean, variance = pipeline(own, vmr[i], 1.0, 0.0, 0.0, True)
            else:
                share = flow[i, j] / flow[i, p]
                mean, variance = pipeline(own, vmr[i], share, out[2, i, p], out[3, i, p], False)
            ebo, vbo = backorders_at(mean, variance, stock[i, j], work)
            out[0, i, j], out[1, i, j], out[2, i, j], out[3, i, j] = mean, variance, ebo, vbo
    return out


def part_terms(out: NDArray[np.float64]) -> tuple[PartTerms, ...]:
    """Each part's terms from a kernel's 4 × parts × locations answer (views, no copies)."""
    return tuple(PartTerms(out[0, i], out[1, i], out[2, i], out[3, i]) for i in range(out.shape[1]))


def all_terms(
    problem: PlanningProblem, stock: NDArray[np.int64], *, workers: int | None = None
) -> tuple[PartTerms, ...]:
    """VARI-METRIC terms of every part under ``stock`` (parts × locations, in pieces); chunks
    of parts on ``workers`` threads (default: one per CPU)."""
    return part_terms(terms_on_threads(varimetric_terms, problem, stock, workers=workers))


def leaf_log_availability(
    problem: PlanningProblem,
    ebo: NDArray[np.float64],
    qty_per_unit: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Z_i ln(1 − EBO_ij/(N_j Z_i)) for every part (rows of ``ebo``, parts × locations) at every
    leaf (−inf when every machine waits for the part), 0 elsewhere. ``qty_per_unit`` is each
    row's Z; by default the rows are the problem's parts in order."""
    leaves = problem.is_leaf
    qty = problem.qty_per_unit[: ebo.shape[0]] if qty_per_unit is None else qty_per_unit
    z = qty.astype(np.float64)[:, None]
    share = np.zeros(ebo.shape)
    share[:, leaves] = ebo[:, leaves] / (problem.units[leaves][None, :] * z)
    with np.errstate(divide="ignore"):
        return np.where(leaves, z * np.log(np.clip(1.0 - share, 0.0, 1.0)), 0.0)


@dataclass(frozen=True)
class Evaluation:
    """What a plan gives: fleet and per-leaf availability, cost, and every part-location's terms."""

    availability: float
    cost: float
    leaf_availability: dict[str, float]
    terms: tuple[PartTerms, ...]
    models: tuple[str, ...] = ()  # per part: "vari-metric", "exact-poisson", "compound-poisson"


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
    models = ("vari-metric",) * len(problem.part_ids)
    return summarise(problem, stock, all_terms(problem, stock), models)


def summarise(
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    terms: tuple[PartTerms, ...],
    models: tuple[str, ...],
) -> Evaluation:
    """Fleet and leaf availability and cost of ``stock`` from its terms (any model's)."""
    log_a = np.zeros(len(problem.location_ids))
    if terms:
        log_a = leaf_log_availability(problem, np.stack([term.ebo for term in terms])).sum(axis=0)
    availability, per_leaf = fleet_availability(problem, log_a)
    leaf_ids = [
        loc for loc, leaf in zip(problem.location_ids, problem.is_leaf, strict=True) if leaf
    ]
    cost = float((stock.sum(axis=1) * problem.unit_cost).sum())
    return Evaluation(
        availability, cost, dict(zip(leaf_ids, per_leaf.tolist(), strict=True)), terms, models
    )


def evaluation_document(
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    result: Evaluation,
    *,
    records: bool = True,
) -> dict[str, object]:
    """The ``fleetcare plan evaluate --json`` answer (the arrays turned into lists in bulk:
    no NumPy scalar per part-location); without ``"parts"`` and ``"part_models"`` unless
    ``records`` (``documents.evaluation_json`` splices their JSON text itself)."""
    document: dict[str, object] = {
        "availability": result.availability,
        "cost": result.cost,
        "locations": {loc: {"availability": a} for loc, a in result.leaf_availability.items()},
    }
    if records:
        document["parts"] = _part_records(problem, stock, result)
        document["part_models"] = dict(zip(problem.part_ids, result.models, strict=True))
    return document


def record_fields(stock: NDArray[np.int64], result: Evaluation) -> dict[str, NDArray[Any]]:
    """A part-location record's fields, each as a parts × locations array, in the answer's
    order: ``stock``, ``pipeline_mean``, ``pipeline_variance``, ``ebo``, ``vbo``."""
    terms = {"pipeline_mean": "mean", "pipeline_variance": "variance", "ebo": "ebo", "vbo": "vbo"}
    return {"stock": stock} | {
        field: np.array([getattr(term, name) for term in result.terms]).reshape(stock.shape)
        for field, name in terms.items()
    }


def _part_records(
    problem: PlanningProblem, stock: NDArray[np.int64], result: Evaluation
) -> dict[str, dict[str, dict[str, float]]]:
    """``{part: {location: {"stock", "pipeline_mean", "pipeline_variance", "ebo", "vbo"}}}``."""
    columns = [field.tolist() for field in record_fields(stock, result).values()]
    return {
        part: {
            loc: {
                "stock": s,
                "pipeline_mean": mean,
                "pipeline_variance": variance,
                "ebo": ebo,
                "vbo": vbo,
            }
            for loc, s, mean, variance, ebo, vbo in zip(
                problem.location_ids, *(column[i] for column in columns), strict=True
            )
        }
        for i, part in enumerate(problem.part_ids)
    }
