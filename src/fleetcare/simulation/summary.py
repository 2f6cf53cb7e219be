"""The summary of a simulation's replications: means with Student-t 95 % confidence intervals.

Counts and spend are per year after the warm-up; ``Summary.document()`` is the
``fleetcare simulate --json`` document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from fleetcare.planning.problem import PlanningProblem
from fleetcare.simulation.runner import Replication, SimulationParams, outside_terms


def _mean_ci(values: NDArray[np.float64]) -> tuple[float, list[float]]:
    """Mean and Student-t 95 % interval over replications, within [0, 1] (availabilities)."""
    mean = min(1.0, max(0.0, float(values.mean(axis=0))))  # a sum's rounding: -1e-15
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, [max(0.0, mean - half), min(1.0, mean + half)]


@dataclass(frozen=True)
class Summary:
    """The replications' means, each with its Student-t 95 % interval where it has one;
    counts and spend are a year's after the warm-up (money as the problem's unit costs).

    ``backorders_mean`` and ``backorders_ci95`` (2 × parts × locations, low then high) follow
    the order of ``part_ids`` and ``location_ids``; ``cost`` is the stock plan's value.
    """

    availability: float
    availability_ci95: tuple[float, float]
    part_ids: tuple[str, ...]
    location_ids: tuple[str, ...]
    backorders_mean: NDArray[np.float64] = field(repr=False)
    backorders_ci95: NDArray[np.float64] = field(repr=False)
    downtime_days: float
    emergency_shipments: float
    emergency_spend: float
    cannibalisations: float
    grey_purchases: float
    grey_spend: float
    cost: float
    events: int

    def document(self) -> dict[str, object]:
        """The ``fleetcare simulate --json`` document."""
        low, high = self.backorders_ci95
        parts = {
            part: {
                loc: {
                    "backorders_mean": float(self.backorders_mean[i, j]),
                    "backorders_ci95": [float(low[i, j]), float(high[i, j])],
                }
                for j, loc in enumerate(self.location_ids)
            }
            for i, part in enumerate(self.part_ids)
        }
        return {
            "availability": {"mean": self.availability, "ci95": list(self.availability_ci95)},
            "parts": parts,
            "downtime_days": self.downtime_days,
            "emergency_shipments": self.emergency_shipments,
            "emergency_spend": self.emergency_spend,
            "cannibalisations": self.cannibalisations,
            "grey_purchases": self.grey_purchases,
            "grey_spend": self.grey_spend,
            "cost": self.cost,
            "events": self.events,
        }


def summary(
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    params: SimulationParams,
    results: list[Replication],
) -> Summary:
    """What the replications measured, as means with 95 % intervals (see ``Summary``)."""
    availability, interval = _mean_ci(np.array([r.availability for r in results]))
    backorders = np.stack([r.backorders for r in results])  # replications × parts × locations
    mean = backorders.mean(axis=0)
    half = (
        stats.t.ppf(0.975, len(results) - 1)
        * backorders.std(axis=0, ddof=1)
        / np.sqrt(len(results))
    )
    years = params.years - params.warmup_years
    outside = np.stack([r.outside for r in results]).mean(axis=0) / years  # a year
    emergency = params.policy == "emergency"
    grey = params.policy == "grey"
    price = outside_terms(problem, params)[1]
    return Summary(
        availability=availability,
        availability_ci95=(interval[0], interval[1]),
        part_ids=problem.part_ids,
        location_ids=problem.location_ids,
        backorders_mean=mean,
        backorders_ci95=np.stack([np.maximum(mean - half, 0.0), mean + half]),  # never < 0
        downtime_days=float(np.mean([r.downtime_days for r in results])) / years,
        emergency_shipments=float(outside.sum()) if emergency else 0.0,
        emergency_spend=float((outside * price).sum()) if emergency else 0.0,
        cannibalisations=float(np.mean([r.cannibalisations for r in results])) / years,
        grey_purchases=float(outside.sum()) if grey else 0.0,
        grey_spend=float((outside * price).sum()) if grey else 0.0,
        cost=float((stock.sum(axis=1) * problem.unit_cost).sum()),
        events=int(sum(r.events for r in results)),
    )
