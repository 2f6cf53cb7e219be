"""Rules of thumb to compare the optimised plan with, evaluated by the same model (``exact`` by
default, or ``vari-metric``).

- **fill rate**: every location of a part holds the smallest s with P(X ≤ s − 1) ≥ F, X its
  own pipeline (demand through it × its resupply days, Poisson or negative binomial with the
  part's VMR) as if its parent never kept it waiting — the same fill rate F at every depot.
- **min/max**: every location holds ⌈k × 30.4 × λ⌉ pieces, k months of the demand through it.
- **current stock**: what the ledger holds now (from the database, see ``build``).

What a fill-rate plan gives is read in the exact model (``shelf_rates``): a depot with s
pieces has one on its shelf with probability P(X ≤ s − 1), X the pieces outstanding there
with its supplier's delays included, and P(X ≥ s) = EBO(s − 1) − EBO(s) (EBO(s) =
E (X − s)⁺), so two evaluations give every depot's. For Poisson demand that is the fill rate
(arrivals see time averages: Wolff 1982).

Each baseline is a stock array (parts × locations) that ``exact.evaluate`` scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fleetcare.core.i18n import _, ngettext
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate, exact_terms
from fleetcare.planning.problem import PlanningProblem

DAYS_PER_MONTH = 30.4
FILL_RATES = (0.8, 0.9, 0.95, 0.99)
# the highest fill rate a rule takes: beyond, the quantile of a long pipeline runs past the
# pieces a stock file may hold (``problem.MAX_PIECES``)
MAX_FILL_RATE = 0.999
MONTHS_OF_DEMAND = (1.0, 3.0, 6.0)


@dataclass(frozen=True)
class Baseline:
    """A rule's plan and what the model says it gives.

    ``rule`` is ``current``, ``fill_rate`` (``parameter`` = F) or ``months`` (``parameter`` =
    k); ``name`` says it in English for files and logs (pages translate ``label``).
    """

    rule: str
    parameter: float
    stock: NDArray[np.int64]
    cost: float
    availability: float

    @property
    def name(self) -> str:
        """E.g. ``fill rate 90%``, ``1 month of demand`` or ``3 months of demand``, in the
        reader's language."""
        if self.rule == "fill_rate":
            return _("fill rate {rate:.0%}").format(rate=self.parameter)
        if self.rule == "months":
            return ngettext(
                "%(num)g month of demand", "%(num)g months of demand", int(self.parameter)
            ) % {"num": self.parameter}
        return _("current stock")


def fill_rate_stock(problem: PlanningProblem, fill_rate: float) -> NDArray[np.int64]:
    """Smallest s with P(X ≤ s − 1) ≥ ``fill_rate`` at every part-location (X: own pipeline)."""
    if not 0 < fill_rate < 1:
        raise ValueError("the fill rate must lie in (0, 1)")
    from scipy import stats  # here: SciPy's import takes a second that evaluate does not need

    mean = problem.throughput * problem.resupply_days
    variance = mean * problem.vmr[:, None]
    stock = np.zeros(mean.shape, dtype=np.int64)
    poisson = (variance <= mean * (1 + 1e-9)) & (mean > 0)
    stock[poisson] = stats.poisson.ppf(fill_rate, mean[poisson]).astype(np.int64) + 1
    negative = (variance > mean * (1 + 1e-9)) & (mean > 0)
    if negative.any():
        m, v = mean[negative], variance[negative]
        n, p = m * m / (v - m), m / v
        stock[negative] = stats.nbinom.ppf(fill_rate, n, p).astype(np.int64) + 1
    return stock


def shelf_rates(problem: PlanningProblem, stock: NDArray[np.int64]) -> NDArray[np.float64]:
    """P(X ≤ s − 1) at every depot (leaf) part-location with demand, in the exact model: the
    share of time a piece is on its shelf; 0 where it holds none; NaN elsewhere."""
    leaf = problem.is_leaf
    fewer = stock.copy()
    fewer[:, leaf] = np.maximum(fewer[:, leaf] - 1, 0)
    ebo = np.stack([terms.ebo for terms in exact_terms(problem, stock)])
    ebo_fewer = np.stack([terms.ebo for terms in exact_terms(problem, fewer)])
    rates = np.full(stock.shape, np.nan)
    cells = (problem.demand > 0) & leaf[None, :]
    short = np.clip(ebo_fewer[cells] - ebo[cells], 0.0, 1.0)  # P(X ≥ s)
    rates[cells] = np.where(stock[cells] > 0, 1.0 - short, 0.0)
    return rates


def demand_weighted(problem: PlanningProblem, rates: NDArray[np.float64]) -> float | None:
    """The mean of ``rates`` over the part-locations where it is a number, weighted by their
    demand (pieces a day); None where no depot has demand."""
    known = ~np.isnan(rates)
    weight = problem.demand[known]
    return float((rates[known] * weight).sum() / weight.sum()) if weight.sum() > 0 else None


def months_stock(problem: PlanningProblem, months: float) -> NDArray[np.int64]:
    """⌈months × 30.4 × λ⌉ at every part-location (λ: demand through it, pieces a day)."""
    if months <= 0:
        raise ValueError("the months of demand must be > 0")
    return np.ceil(months * DAYS_PER_MONTH * problem.throughput - 1e-9).astype(np.int64)


def baselines(
    problem: PlanningProblem,
    current: NDArray[np.int64] | None = None,
    model: Model = DEFAULT_MODEL,
) -> list[Baseline]:
    """The rules of thumb (and the current stock, when given), each evaluated in ``model``."""
    plans: list[tuple[str, float, NDArray[np.int64]]] = []
    if current is not None:
        plans.append(("current", 0.0, current))
    plans += [("fill_rate", rate, fill_rate_stock(problem, rate)) for rate in FILL_RATES]
    plans += [("months", months, months_stock(problem, months)) for months in MONTHS_OF_DEMAND]
    result = []
    for rule, parameter, stock in plans:
        evaluation = evaluate(problem, stock, model)
        result.append(Baseline(rule, parameter, stock, evaluation.cost, evaluation.availability))
    return result


def baseline_document(baseline: Baseline) -> dict[str, object]:
    """The JSON form: ``{"name", "rule", "parameter", "cost", "availability"}``."""
    return {
        "name": baseline.name,
        "rule": baseline.rule,
        "parameter": baseline.parameter,
        "cost": baseline.cost,
        "availability": baseline.availability,
    }
