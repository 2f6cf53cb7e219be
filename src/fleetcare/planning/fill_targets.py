"""Targets for the parts the machines run without, sized to a fill rate.

The availability plan holds the parts a machine is down without (``build``, ``parts=
"critical"``). The others — filters, body parts — wait on no machine, so they are stocked for
the customer's wait instead: each location holds the smallest s with P(X ≤ s − 1) ≥ F, X its
own pipeline (demand through it × its resupply days, Poisson or negative binomial with the
part's VMR), as if its parent never kept it waiting (``baselines.fill_rate_stock``: the share
F of demands met from the shelf at once when the supplier never runs out). A region's save
writes its depots only: the hubs and the plant serve every region (``saved_locations``).

What the rule gives is read in the exact model (``baselines.shelf_rates``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from fleetcare.planning.baselines import demand_weighted, fill_rate_stock, shelf_rates
from fleetcare.planning.build import build_problem, held_stock, held_targets, parts_currency
from fleetcare.planning.problem import PlanningProblem, parse_problem, parse_stock
from fleetcare.planning.providers import fitted_rates

NO_TARGET = -1  # in ``FillRatePlan.targets``: the part-location has no target set


def saved_locations(problem: PlanningProblem, region: str | None) -> NDArray[np.bool_]:
    """The locations whose targets a save writes: a region's plan sizes the shared locations
    above its depots for its own demand only, so it writes its depots'; the whole network's
    plan (None or "") writes every one."""
    return problem.is_leaf if region else np.ones(problem.is_leaf.size, dtype=bool)


@dataclass(frozen=True)
class FillRatePlan:
    """The fill-rate stock of the parts the machines run without, against their targets."""

    problem: PlanningProblem
    fill_rate: float
    stock: NDArray[np.int64]  # parts × locations, pieces
    targets: NDArray[np.int64]  # the targets set now, ``NO_TARGET`` where none
    written: NDArray[np.bool_]  # the locations a save writes
    currency: str
    held: NDArray[np.int64]  # the stock position now (on hand + in transit), parts × locations

    @property
    def value(self) -> float:
        """Money the new targets hold at the written locations."""
        return float((self.stock * self.problem.unit_cost[:, None])[:, self.written].sum())

    @property
    def current_value(self) -> float:
        """Money the targets set now hold at the written locations (none set: 0)."""
        held = np.maximum(self.targets, 0) * self.problem.unit_cost[:, None]
        return float(held[:, self.written].sum())

    @property
    def has_targets(self) -> bool:
        """Whether any written part-location has a target set now (0 included)."""
        return bool((self.targets[:, self.written] != NO_TARGET).any())

    @property
    def changed(self) -> NDArray[np.int64]:
        """(part, location) rows of the written part-locations whose target would change."""
        differs = (self.stock != self.targets) & self.written[None, :]
        return np.argwhere(differs)

    @property
    def kept_value(self) -> float:
        """Money the rule would hold at the locations a save leaves as they are (a region's
        plant and hubs)."""
        return float((self.stock * self.problem.unit_cost[:, None])[:, ~self.written].sum())

    @property
    def kept_held_value(self) -> float:
        """Money those locations hold now (on hand + in transit)."""
        return float((self.held * self.problem.unit_cost[:, None])[:, ~self.written].sum())

    @property
    def shelf_rate(self) -> float | None:
        """The depots' demand-weighted share of time with a piece on the shelf, in the exact
        model, once saved: the written locations at the rule's stock, the others (a region's
        plant and hubs) at what they hold now — all of it counted for this problem's demand,
        though it serves every region (None: no depot has demand)."""
        stock = np.where(self.written[None, :], self.stock, self.held)
        return demand_weighted(self.problem, shelf_rates(self.problem, stock))


def written_targets(
    problem: PlanningProblem, stock: NDArray[np.int64], written: NDArray[np.bool_]
) -> list[tuple[str, str, int]]:
    """(part, location, pieces) of ``stock`` at every ``written`` location: the targets a
    save of a plan or of fill-rate targets sets."""
    return [
        (part, location, int(stock[i, j]))
        for i, part in enumerate(problem.part_ids)
        for j, location in enumerate(problem.location_ids)
        if written[j]
    ]


def fill_rate_plan(
    session: Session, *, region: str | None, fill_rate: float
) -> FillRatePlan | None:
    """The region's (or, for None or "", the network's) parts the machines run without, sized
    to ``fill_rate`` ∈ (0, 1); None when there is no such part with demand there. Raises
    ``ProblemError`` as ``service.load_problem`` does."""
    document = build_problem(
        session, region=region or None, rates=fitted_rates(session), parts="not_critical"
    )
    if not document["parts"]:
        return None
    problem = parse_problem(document)
    currency = parts_currency(session, problem.part_ids)
    targets = np.full((len(problem.part_ids), len(problem.location_ids)), NO_TARGET)
    rows, columns = problem.part_index(), problem.location_index()
    for part, by_location in held_targets(session, rows, columns).items():
        for location, pieces in by_location.items():
            targets[rows[part], columns[location]] = pieces
    held = parse_stock(held_stock(session, problem.part_ids, problem.location_ids), problem)
    return FillRatePlan(
        problem=problem,
        fill_rate=fill_rate,
        stock=fill_rate_stock(problem, fill_rate),
        targets=targets,
        written=saved_locations(problem, region),
        currency=currency,
        held=held,
    )
