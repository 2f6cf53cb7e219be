"""The optimised plan against the rules of thumb, each simulated with the same seeds.

``compare`` optimises to a target availability, builds the baselines of ``planning.baselines``
(and the current stock when given), simulates each plan with the same parameters, and returns
one row per plan: the model's availability, the simulated availability with its 95 % CI, the
stock value, grey and emergency spend and cannibalisations a year.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fleetcare.core.cluster import dask_client
from fleetcare.planning.baselines import baselines
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate
from fleetcare.planning.optimise import OptimiseParams, check_reached, check_request, optimise
from fleetcare.planning.problem import PlanningProblem
from fleetcare.simulation.runner import (
    Progress,
    Replication,
    SimulationError,
    SimulationParams,
    run,
)
from fleetcare.simulation.summary import summary


@dataclass(frozen=True)
class Compared:
    """One plan of the comparison."""

    name: str
    rule: str  # optimised, current, fill_rate or months
    parameter: float
    cost: float
    model_availability: float
    availability: float
    ci95: tuple[float, float]
    grey_spend: float
    grey_purchases: float
    emergency_shipments: float
    cannibalisations: float
    emergency_spend: float = 0.0

    def document(self) -> dict[str, Any]:
        """The JSON form of the row."""
        return {
            "name": self.name,
            "rule": self.rule,
            "parameter": self.parameter,
            "cost": self.cost,
            "model_availability": self.model_availability,
            "availability": {"mean": self.availability, "ci95": list(self.ci95)},
            "grey_spend": self.grey_spend,
            "grey_purchases": self.grey_purchases,
            "emergency_shipments": self.emergency_shipments,
            "emergency_spend": self.emergency_spend,
            "cannibalisations": self.cannibalisations,
        }


def compare(
    problem: PlanningProblem,
    params: SimulationParams,
    *,
    target_availability: float,
    current: NDArray[np.int64] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    optimised: NDArray[np.int64] | None = None,
    progress: Progress | None = None,
    model: Model = DEFAULT_MODEL,
) -> list[Compared]:
    """Simulate the optimised plan at ``target_availability`` (``optimised`` when already
    solved) and every baseline, optimised and evaluated in ``model``; ``progress`` counts the
    plans done. Raises
    ``OptimiseRequestError`` for a target out of range or out of reach."""
    if optimised is None:
        check_request(target_availability, None)
        optimising = OptimiseParams(target_availability=target_availability, model=model)
        curve = optimise(problem, optimising)
        check_reached(curve, optimising)
        optimised = curve.stock
    plans: list[tuple[str, str, float, NDArray[np.int64]]] = [
        (f"optimised for {target_availability:.1%}", "optimised", target_availability, optimised)
    ]
    plans += [(b.name, b.rule, b.parameter, b.stock) for b in baselines(problem, current, model)]
    rows = []
    with ExitStack() as stack:  # one cluster for every plan, when there is one
        client = (
            stack.enter_context(dask_client(workers or None, scheduler, SimulationError))
            if workers or scheduler is not None
            else None
        )
        for number, (name, rule, parameter, stock) in enumerate(plans):
            results = run(problem, stock, params, threads=threads, client=client)
            if progress is not None:
                progress(number + 1)
            rows.append(_compared(problem, params, model, name, rule, parameter, stock, results))
    return rows


def _compared(
    problem: PlanningProblem,
    params: SimulationParams,
    model: Model,
    name: str,
    rule: str,
    parameter: float,
    stock: NDArray[np.int64],
    results: list[Replication],
) -> Compared:
    """One plan's row: its simulated replications summed up beside ``model``'s figure."""
    simulated = summary(problem, stock, params, results)
    return Compared(
        name=name,
        rule=rule,
        parameter=parameter,
        cost=simulated.cost,
        model_availability=evaluate(problem, stock, model).availability,
        availability=simulated.availability,
        ci95=simulated.availability_ci95,
        grey_spend=simulated.grey_spend,
        grey_purchases=simulated.grey_purchases,
        emergency_shipments=simulated.emergency_shipments,
        cannibalisations=simulated.cannibalisations,
        emergency_spend=simulated.emergency_spend,
    )
