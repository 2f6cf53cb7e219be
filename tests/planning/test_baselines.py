"""Rules of thumb evaluated by the model, and the curve against them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fleetcare.planning import OptimiseParams, optimise
from fleetcare.planning.baselines import baselines, fill_rate_stock, months_stock
from fleetcare.planning.exact import evaluate
from fleetcare.planning.problem import parse_problem
from tests.planning.test_varimetric import TWO_ECHELON


def test_fill_rate_rule_by_hand() -> None:
    """Depot A: λ = 0.1 × 2 days, Poisson(0.2): P(X ≤ 0) = e^-0.2 ≈ 0.82 ≥ 0.8 → s = 1."""
    problem = parse_problem(TWO_ECHELON)
    stock = fill_rate_stock(problem, 0.8)
    assert math.exp(-0.2) >= 0.8
    assert stock[0, problem.location_index()["A"]] == 1
    # the hub: Poisson(0.4 × 20 = 8); the smallest s with P(X ≤ s − 1) ≥ 0.8 is 11
    assert stock[0, problem.location_index()["HUB"]] == 11


def test_months_rule_by_hand() -> None:
    """3 months at B: ⌈3 × 30.4 × 0.3⌉ = ⌈27.36⌉ = 28; at the hub ⌈3 × 30.4 × 0.4⌉ = 37."""
    problem = parse_problem(TWO_ECHELON)
    stock = months_stock(problem, 3)
    index = problem.location_index()
    assert stock[0, index["B"]] == 28 and stock[0, index["HUB"]] == 37


def test_the_curve_beats_every_rule_of_thumb() -> None:
    """At each baseline's cost the optimised curve reaches at least its availability."""
    problem = parse_problem(TWO_ECHELON)
    rows = baselines(problem, np.zeros((1, 3), dtype=np.int64))
    assert rows[0].rule == "current" and rows[0].cost == 0
    for row in rows:
        assert row.availability == pytest.approx(evaluate(problem, row.stock).availability)
        curve = optimise(problem, OptimiseParams(budget=row.cost))
        # the curve stops where at most 1e-6 pieces stay on backorder per location
        assert curve.last.availability >= row.availability - 1e-6, row.name


def test_names_say_one_month_and_several_months() -> None:
    """The rules' names read as words: one month is singular, the fill rate a percentage."""
    names = [b.name for b in baselines(parse_problem(TWO_ECHELON))]
    assert "1 month of demand" in names and "3 months of demand" in names
    assert "fill rate 90%" in names and "1 months of demand" not in names
