"""Evaluating with the exact model (``planning.exact``): a two-level Poisson case by hand, the
plain-SciPy recursion on random Poisson trees, monotonicity, VARI-METRIC where both are exact,
and the ``--model`` / ``"model"`` contract."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.planning.exact import evaluate
from fleetcare.planning.problem import PlanningProblem, parse_problem, parse_stock
from fleetcare.planning.varimetric import evaluate as evaluate_varimetric
from fleetcare.planning.varimetric import evaluation_document
from tests.planning.test_compound import reference_terms
from tests.planning.test_varimetric import TWO_ECHELON


def _hub_and_two(vmr: float = 1.0) -> dict[str, Any]:
    return {
        "format": "fleetcare-plan/1",
        "locations": [
            {"id": "HUB", "parent": None, "resupply_days": 10},
            {"id": "A", "parent": "HUB", "resupply_days": 2, "units": 4},
            {"id": "B", "parent": "HUB", "resupply_days": 2, "units": 6},
        ],
        "parts": [
            {
                "id": "P",
                "unit_cost": 10.0,
                "qty_per_unit": 2,
                "vmr": vmr,
                "demand_per_day": {"A": 0.1, "B": 0.1},
            }
        ],
    }


def test_two_level_poisson_by_hand() -> None:
    """Hub: X ~ Poisson(2), s = 1, so B = (X − 1)⁺, EBO = 1 + e⁻², E B² = 3 − e⁻². Depot A
    (f = ½, own Poisson(0.2), s = 1): Y = Bin(B, ½) + Poisson(0.2),
    P(Y = 0) = e^−0.2 E[½^B] = e^−0.2 e⁻² (3 + 2 Σ_{k≥1} 1/(k+1)!) = e^−2.2 (2e − 1),
    EBO_A(1) = E Y − 1 + P(Y = 0)."""
    problem = parse_problem(_hub_and_two())
    stock = parse_stock({"P": {"HUB": 1, "A": 1, "B": 0}}, problem)
    result = evaluate(problem, stock)
    e2 = math.exp(-2.0)
    hub_ebo, hub_second = 1 + e2, 3 - e2
    mean_a = 0.2 + 0.5 * hub_ebo
    variance_a = 0.2 + 0.25 * hub_ebo + 0.25 * (hub_second - hub_ebo**2)
    ebo_a = mean_a - 1 + math.exp(-2.2) * (2 * math.e - 1)
    terms = result.terms[0]
    assert terms.ebo[0] == pytest.approx(hub_ebo, abs=1e-12)
    assert terms.vbo[0] == pytest.approx(hub_second - hub_ebo**2, abs=1e-12)
    assert terms.mean[1] == pytest.approx(mean_a, abs=1e-12)
    assert terms.variance[1] == pytest.approx(variance_a, abs=1e-12)
    assert terms.ebo[1] == pytest.approx(ebo_a, abs=1e-12)
    assert terms.ebo[2] == pytest.approx(mean_a, abs=1e-12)  # no stock at B: E Y
    a = (1 - ebo_a / 8) ** 2
    b = (1 - mean_a / 12) ** 2
    assert result.leaf_availability["A"] == pytest.approx(a, abs=1e-12)
    assert result.availability == pytest.approx((4 * a + 6 * b) / 10, abs=1e-12)
    assert result.models == ("exact-poisson",)
    # the same moments, another shape: VARI-METRIC's fit differs in the backorders
    fitted = evaluate_varimetric(problem, stock).terms[0]
    assert fitted.variance[1] == pytest.approx(variance_a, abs=1e-12)
    assert abs(fitted.ebo[1] - ebo_a) > 1e-4


@st.composite
def poisson_trees(draw: st.DrawFn, upstream_stock: bool = True) -> tuple[PlanningProblem, Any]:
    """A resupply tree of 1–5 locations in tree order, 1–2 Poisson parts, and a stock plan
    (with ``upstream_stock`` False, stock only at leaves)."""
    n = draw(st.integers(1, 5))
    parents = [None] + [draw(st.integers(0, j - 1)) for j in range(1, n)]
    leaves = [j for j in range(n) if j not in parents]
    locations = [
        {
            "id": f"L{j}",
            "parent": None if parents[j] is None else f"L{parents[j]}",
            "resupply_days": draw(st.integers(1, 60)),
            **({"units": draw(st.integers(1, 40))} if j in leaves else {}),
        }
        for j in range(n)
    ]
    parts = [
        {
            "id": f"P{i}",
            "unit_cost": 1.0,
            "qty_per_unit": draw(st.integers(1, 3)),
            "demand_per_day": {f"L{j}": draw(st.floats(1e-4, 0.08)) for j in leaves},
        }
        for i in range(draw(st.integers(1, 2)))
    ]
    problem = parse_problem({"format": "fleetcare-plan/1", "locations": locations, "parts": parts})
    top = 8 if upstream_stock else 0
    stock = np.array(
        [[draw(st.integers(0, 8 if problem.is_leaf[j] else top)) for j in range(n)] for _ in parts],
        dtype=np.int64,
    )
    return problem, stock


def _terms(problem: PlanningProblem, stock: NDArray[np.int64], model: Any) -> NDArray[np.float64]:
    terms = evaluate(problem, stock, model).terms
    return np.array([[t.mean, t.variance, t.ebo, t.vbo] for t in terms]).transpose(1, 0, 2)


@settings(max_examples=25, deadline=None)
@given(poisson_trees())
def test_equals_the_scipy_recursion_on_random_poisson_trees(
    case: tuple[PlanningProblem, NDArray[np.int64]],
) -> None:
    """Every part-location's pipeline mean, variance, EBO and VBO equal the dense SciPy
    recursion (binomial thinning, Poisson convolution), to 1e-9."""
    problem, stock = case
    expected = reference_terms(
        problem.parent,
        problem.throughput,
        problem.resupply_days,
        np.ones(len(problem.part_ids)),
        stock,
    )
    np.testing.assert_allclose(_terms(problem, stock, "exact"), expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(poisson_trees(), st.integers(1, 4), st.data())
def test_ebo_never_rises_with_own_or_parent_stock(
    case: tuple[PlanningProblem, NDArray[np.int64]], extra: int, data: st.DataObject
) -> None:
    """A location's exact EBO is non-increasing in its own stock and in its parent's."""
    problem, stock = case
    j = data.draw(st.integers(0, len(problem.location_ids) - 1))
    before = _terms(problem, stock, "exact")[2]
    more = stock.copy()
    more[:, j] += extra
    after = _terms(problem, more, "exact")[2]
    for k in [j, *np.flatnonzero(problem.parent == j)]:
        assert (after[:, k] <= before[:, k] + 1e-12).all()


@settings(max_examples=25, deadline=None)
@given(poisson_trees(upstream_stock=False))
def test_equals_varimetric_with_no_stock_upstream(
    case: tuple[PlanningProblem, NDArray[np.int64]],
) -> None:
    """With nothing stocked above a leaf, its pipeline is Poisson in both models."""
    problem, stock = case
    exact, fitted = _terms(problem, stock, "exact"), _terms(problem, stock, "vari-metric")
    np.testing.assert_allclose(exact, fitted, rtol=1e-9, atol=1e-9)
    assert evaluate(problem, stock).availability == pytest.approx(
        evaluate_varimetric(problem, stock).availability, abs=1e-12
    )


def test_compound_parts_say_so() -> None:
    """A part of VMR > 1 is evaluated by the compound-Poisson recursion and says so."""
    problem = parse_problem(_hub_and_two(vmr=2.5))
    stock = parse_stock({"P": {"HUB": 2, "A": 1}}, problem)
    assert evaluate(problem, stock).models == ("compound-poisson",)
    assert evaluate(problem, stock, "vari-metric").models == ("vari-metric",)


def test_cli_model_flag(tmp_path: Path, runner: CliRunner) -> None:
    """``--model`` defaults to exact and names each part's model; ``vari-metric`` answers
    exactly today's VARI-METRIC document; an unknown model is refused (exit 2)."""
    problem_file = tmp_path / "problem.json"
    problem_file.write_text(json.dumps(TWO_ECHELON))
    stock_file = tmp_path / "stock.json"
    stock_file.write_text('{"P": {"HUB": 3, "A": 1, "B": 2}}')
    command = ["plan", "evaluate", str(problem_file), "--stock", str(stock_file), "--json"]
    exact = json.loads(runner.invoke(app, command).stdout)
    assert exact["part_models"] == {"P": "exact-poisson"}
    problem = parse_problem(TWO_ECHELON)
    stock = parse_stock({"P": {"HUB": 3, "A": 1, "B": 2}}, problem)
    assert exact["availability"] == evaluate(problem, stock).availability
    fitted = json.loads(runner.invoke(app, [*command, "--model", "vari-metric"]).stdout)
    today = evaluation_document(problem, stock, evaluate_varimetric(problem, stock))
    assert fitted == json.loads(json.dumps(today))
    assert fitted["part_models"] == {"P": "vari-metric"}
    assert fitted["availability"] != exact["availability"]
    assert runner.invoke(app, [*command, "--model", "metric"]).exit_code == 2


def test_rest_model_field(client: TestClient) -> None:
    """``"model"`` in the evaluate body: exact by default, vari-metric on request, else 422."""
    body = {"problem": TWO_ECHELON, "stock": {"P": {"HUB": 3, "A": 1, "B": 2}}}
    exact = client.post("/api/plans/evaluate", json=body).json()
    fitted = client.post("/api/plans/evaluate", json={**body, "model": "vari-metric"}).json()
    assert exact["part_models"] == {"P": "exact-poisson"}
    assert fitted["part_models"] == {"P": "vari-metric"}
    problem = parse_problem(TWO_ECHELON)
    stock = parse_stock(body["stock"], problem)
    assert fitted["availability"] == evaluate_varimetric(problem, stock).availability
    bad = client.post("/api/plans/evaluate", json={**body, "model": "metric"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "model"


@pytest.mark.parametrize("model", ["exact", "vari-metric"])
def test_chunks_on_threads_give_the_whole_problems_terms(
    monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    """Each model's terms in chunks of 3 parts on 2 threads answer what one call of its
    kernel over all the parts answers, value for value and in part order."""
    import fleetcare.planning.chunks as chunks
    from fleetcare.planning import exact, varimetric
    from fleetcare.planning.kernels import compound_terms

    kernel, terms_of = {
        "exact": (compound_terms, exact.exact_terms),
        "vari-metric": (varimetric.varimetric_terms, varimetric.all_terms),
    }[model]
    rng = np.random.default_rng(5)
    document = _hub_and_two()
    base = document["parts"][0]
    document["parts"] = [
        {**base, "id": f"P{k}", "vmr": float(rng.choice([1.0, 2.5]))} for k in range(10)
    ]
    problem = parse_problem(document)
    stock = rng.integers(0, 4, (10, len(problem.location_ids)))
    whole = kernel(problem.parent, problem.throughput, problem.resupply_days, problem.vmr, stock)
    monkeypatch.setattr(chunks, "CHUNK_PARTS", 3)
    terms = terms_of(problem, stock, workers=2)
    got = np.stack([np.stack([t.mean, t.variance, t.ebo, t.vbo]) for t in terms], axis=1)
    np.testing.assert_array_equal(got, whole)
