"""Evaluating a stock plan with the model the planner chooses: ``exact`` (the default) or
``vari-metric`` (Sherbrooke's two-moment fit, kept for comparison).

``exact`` carries each part's whole distribution of backorders down the tree
(``kernels.compound_terms``; Graves 1985, Axsäter 2006 ch. 5): a child's outstanding orders at
t + L_j are its binomial share (f = λ_j/λ_parent) of the parent's backorders at t plus its own
demand in (t, t + L_j]. For a part of VMR 1 that is the exact multi-echelon Poisson model
(``"exact-poisson"``); for VMR > 1 the same recursion on batches of geometric size, mean
(VMR + 1)/2 — the demand the simulator draws — which is exact for that compound-Poisson model
(``"compound-poisson"``). Nothing is approximated but pmf tails below 1e-18 of the peak.
``vari-metric`` answers exactly what ``varimetric.evaluate`` answers (``"vari-metric"``).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from fleetcare.planning.chunks import TermsKernel, terms_on_threads
from fleetcare.planning.kernels import compound_terms
from fleetcare.planning.problem import PlanningProblem
from fleetcare.planning.varimetric import (
    Evaluation,
    PartTerms,
    part_terms,
    summarise,
    varimetric_terms,
)
from fleetcare.planning.varimetric import evaluate as evaluate_varimetric

Model = Literal["exact", "vari-metric"]
MODELS: tuple[Model, ...] = get_args(Model)
DEFAULT_MODEL: Model = "exact"


def part_models(problem: PlanningProblem, model: Model) -> tuple[str, ...]:
    """The model each part is evaluated with: ``exact-poisson`` (VMR 1) or
    ``compound-poisson`` (VMR > 1) under ``exact``, ``vari-metric`` otherwise."""
    if model == "vari-metric":
        return ("vari-metric",) * len(problem.part_ids)
    return tuple("exact-poisson" if v <= 1.0 else "compound-poisson" for v in problem.vmr)


def terms_kernel(model: Model) -> TermsKernel:
    """The kernel of ``model``'s terms (parts × locations in, 4 × parts × locations out)."""
    return compound_terms if model == "exact" else varimetric_terms


def exact_terms(
    problem: PlanningProblem, stock: NDArray[np.int64], *, workers: int | None = None
) -> tuple[PartTerms, ...]:
    """Pipeline mean and variance, EBO and VBO of every part-location under ``stock``
    (parts × locations, pieces), from the exact distributions; chunks of parts on
    ``workers`` threads (default: one per CPU)."""
    return part_terms(terms_on_threads(compound_terms, problem, stock, workers=workers))


def evaluate(
    problem: PlanningProblem, stock: NDArray[np.int64], model: Model = DEFAULT_MODEL
) -> Evaluation:
    """Availability, cost and backorders of ``stock`` (parts × locations, pieces) in ``model``."""
    if model == "vari-metric":
        return evaluate_varimetric(problem, stock)
    if model != "exact":
        raise ValueError(f"unknown model {model!r}")
    return summarise(problem, stock, exact_terms(problem, stock), part_models(problem, model))
