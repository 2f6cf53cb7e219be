"""VARI-METRIC evaluation: hand-checked small cases and the problem-file contract."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.planning import ProblemError, evaluate
from fleetcare.planning.kernels import backorder_table
from fleetcare.planning.problem import parse_problem, parse_stock

TWO_ECHELON: dict[str, Any] = {
    "format": "fleetcare-plan/1",
    "locations": [
        {"id": "HUB", "parent": None, "resupply_days": 20},
        {"id": "A", "parent": "HUB", "resupply_days": 2, "units": 10},
        {"id": "B", "parent": "HUB", "resupply_days": 4, "units": 30},
    ],
    "parts": [
        {
            "id": "P",
            "unit_cost": 100.0,
            "qty_per_unit": 2,
            "vmr": 1.0,
            "demand_per_day": {"A": 0.1, "B": 0.3},
        }
    ],
}


def test_single_site_by_hand() -> None:
    """One depot, Poisson: A = (1 − EBO(s)/(N Z))^Z, EBO = μ − s + Σ_{x<s} (s − x) P(x)."""
    problem = parse_problem(
        {
            "format": "fleetcare-plan/1",
            "locations": [{"id": "D", "parent": None, "resupply_days": 10, "units": 5}],
            "parts": [
                {"id": "P", "unit_cost": 7.0, "qty_per_unit": 1, "demand_per_day": {"D": 0.2}}
            ],
        }
    )
    result = evaluate(problem, np.array([[2]]))
    ebo = 2 - 2 + 2 * math.exp(-2) + 1 * 2 * math.exp(-2)  # μ = 2, s = 2
    assert result.terms[0].ebo[0] == pytest.approx(ebo, abs=1e-12)
    assert result.availability == pytest.approx(1 - ebo / 5, abs=1e-12)
    assert result.cost == 14.0


def test_two_echelon_pipeline_by_hand() -> None:
    """A depot inherits its share f of the hub's backorders: f·EBO and f(1−f)EBO + f²VBO."""
    problem = parse_problem(TWO_ECHELON)
    stock = parse_stock({"P": {"HUB": 3, "A": 1, "B": 2}}, problem)
    result = evaluate(problem, stock)
    hub_ebo, hub_vbo = (m[3] for m in backorder_table(8.0, 8.0, 3))  # λ = 0.4/day × 20 days
    terms = result.terms[0]
    f = 0.1 / 0.4
    assert terms.mean[1] == pytest.approx(0.1 * 2 + f * hub_ebo, abs=1e-12)
    assert terms.variance[1] == pytest.approx(
        0.1 * 2 + f * (1 - f) * hub_ebo + f * f * hub_vbo, abs=1e-12
    )
    assert terms.variance[1] > terms.mean[1]  # negative binomial at the depot
    a_leaf = {loc: (1 - terms.ebo[j] / (n * 2)) ** 2 for loc, j, n in (("A", 1, 10), ("B", 2, 30))}
    assert result.leaf_availability == pytest.approx(a_leaf)
    assert result.availability == pytest.approx((10 * a_leaf["A"] + 30 * a_leaf["B"]) / 40)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="plan/0"), 'format: must be "fleetcare-plan/1"'),
        (
            lambda d: d["locations"][1].update(parent="NOWHERE"),
            "location A: parent: unknown location NOWHERE",
        ),
        (lambda d: d["locations"][0].update(parent="A"), "exactly one root"),
        (
            lambda d: d["locations"].append(
                {"id": "C", "parent": None, "resupply_days": 1, "units": 2}
            ),
            "exactly one root",
        ),
        (lambda d: d["locations"][0].update(units=5), "location HUB: units: only leaves"),
        (
            lambda d: d["parts"][0]["demand_per_day"].update(A=-0.1),
            "part P: demand_per_day: the rate at A",
        ),
        (lambda d: d["parts"][0].update(vmr=0.5), "part P: vmr: must be at least 1"),
        (lambda d: d["parts"][0].pop("unit_cost"), "part P: unit_cost"),
        (lambda d: d["parts"][0]["demand_per_day"].update(HUB=1), "HUB is not a leaf"),
        (
            lambda d: d["locations"][0].update(resupply_sd_days=-1),
            "location HUB: resupply_sd_days: a number ≥ 0",
        ),
        (
            lambda d: d["locations"][1].update(emergency_days=0),
            "location A: emergency_days: a number > 0",
        ),
        (
            lambda d: d["locations"][0].update(emergency_cost_per_kg=10),
            "location HUB: emergency_cost_per_kg: only leaves",
        ),
        (lambda d: d["parts"][0].update(grey_price="a lot"), "part P: grey_price: a number ≥ 0"),
        (lambda d: d["parts"][0].update(weight_kg=-2), "part P: weight_kg: a number ≥ 0"),
    ],
)
def test_bad_problems_name_part_or_location_and_field(change: Any, message: str) -> None:
    """Each broken rule is reported with the part or location and the field."""
    document = json.loads(json.dumps(TWO_ECHELON))
    change(document)
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    assert any(message in m for m in caught.value.messages), caught.value.messages


def test_cli_evaluate_contract(tmp_path: Path, runner: CliRunner) -> None:
    """``plan evaluate --json`` gives availability, cost, leaves and every part-location."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(TWO_ECHELON))
    stock = tmp_path / "stock.json"
    stock.write_text('{"P": {"A": 1}}')
    answer = runner.invoke(app, ["plan", "evaluate", str(problem), "--stock", str(stock), "--json"])
    assert answer.exit_code == 0, answer.stderr
    body = json.loads(answer.stdout)
    assert set(body) == {"availability", "cost", "locations", "parts", "part_models"}
    assert set(body["locations"]) == {"A", "B"} and body["cost"] == 100.0
    assert set(body["parts"]["P"]["HUB"]) == {
        "stock",
        "pipeline_mean",
        "pipeline_variance",
        "ebo",
        "vbo",
    }
    stock.write_text('{"P": {"A": -1, "Z": 2}, "Q": {}}')
    bad = runner.invoke(app, ["plan", "evaluate", str(problem), "--stock", str(stock)])
    assert bad.exit_code == 2
    assert "part P: A: a whole number" in bad.stderr and "part Q: unknown part" in bad.stderr
    problem.write_text("{not json")
    assert (
        runner.invoke(app, ["plan", "evaluate", str(problem), "--stock", str(stock)]).exit_code == 2
    )


def test_sizes_beyond_what_the_planner_handles_are_refused() -> None:
    """A stock above 1,000,000 pieces or a pipeline above 1,000,000 pieces: refused, named."""
    problem = parse_problem(TWO_ECHELON)
    with pytest.raises(ProblemError, match="part P: A: a whole number of pieces from 0"):
        parse_stock({"P": {"A": 10**30}}, problem)
    flood = {**TWO_ECHELON, "parts": [{**TWO_ECHELON["parts"][0], "demand_per_day": {"A": 1e6}}]}
    with pytest.raises(ProblemError, match=r"part P: demand_per_day: .* pieces in resupply at HUB"):
        parse_problem(flood)
