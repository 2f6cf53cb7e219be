"""Rules of thumb evaluated by the model; the planning page: curve, a point's plan, save."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.planning import OptimiseParams, evaluate, optimise
from fleetcare.planning.baselines import baselines, fill_rate_stock, months_stock
from fleetcare.planning.problem import parse_problem
from tests.planning.test_build_and_api import planned_network
from tests.planning.test_varimetric import TWO_ECHELON


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    """Each test solves its own network: the page's per-region cache starts empty."""
    from fleetcare.planning import pages as planning_pages

    planning_pages._cache.clear()


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


def test_cli_baselines(tmp_path: Path, runner: CliRunner) -> None:
    """``fleetcare plan baselines PROBLEM --json`` prints one row a rule."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(TWO_ECHELON))
    result = runner.invoke(app, ["plan", "baselines", str(problem), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"name", "rule", "parameter", "cost", "availability"} <= set(rows[0])
    assert [r["rule"] for r in rows].count("fill_rate") == 4


def test_planning_page_curve_point_and_save(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """The page draws the curve and the baselines; a point's plan saves as the targets."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.97})
    assert page.status_code == 200
    assert "plan-curve" in page.text and "months of demand" in page.text
    figure = re.search(r'data-figure="([^"]+)"', page.text)
    assert figure
    curve = json.loads(figure.group(1).replace("&#34;", '"').replace("&quot;", '"'))["data"][0]
    assert curve["y"][-1] >= 97 and curve["x"] == sorted(curve["x"])
    budget = curve["x"][-1]
    plan = pages.get(
        "/planning/plan", params={"region": "Arctic", "target": 0.97, "budget": budget}
    )
    assert (
        plan.status_code == 200 and "P-1" in plan.text and "Save as the stock targets" in plan.text
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', plan.text)
    assert token
    form = {"region": "Arctic", "target": "0.97", "budget": str(budget)}
    assert pages.post("/planning/targets", data=form).status_code == 403
    shown = re.search(r'name="cost" value="([^"]+)"', plan.text)
    assert shown
    # a plan that no longer costs what the page showed (solved again meanwhile): not saved
    stale = {**form, "csrf_token": token.group(1), "cost": str(float(shown.group(1)) + 1000)}
    refused = pages.post("/planning/targets", data=stale)
    assert refused.status_code == 200 and "nothing was saved" in refused.text
    items = client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    assert not any(row["target"] for row in items)
    form["cost"] = shown.group(1)
    saved = pages.post("/planning/targets", data={**form, "csrf_token": token.group(1)})
    assert saved.status_code == 200 and "Targets saved" in saved.text
    targets = {
        row["location"]: row["target"]
        for row in client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    }
    assert targets.get("DEPOT-N", 0) >= 1


def test_planning_page_without_machines(pages: TestClient, session: Session) -> None:
    """A region whose depots serve no machine says so instead of failing."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Nowhere"})
    assert page.status_code == 200 and "nothing to plan" in page.text
    assert pages.get("/planning", params={"target": 2}).status_code == 422


def test_planning_page_simulates_the_plans(
    pages: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulate button's fragment: every plan simulated, in a table and a chart."""
    planned_network(session)
    fragment = pages.get("/planning/simulate", params={"region": "Arctic", "target": 0.97})
    assert fragment.status_code == 200, fragment.text
    assert "simulation-chart" in fragment.text and "optimised for 97.0%" in fragment.text
    assert fragment.text.count("<tr>") == 1 + 1 + 1 + 4 + 3  # header, optimised, current, rules
    from fleetcare.planning import pages as planning_pages

    calls: list[object] = []
    monkeypatch.setattr(planning_pages, "compare", lambda *a, **k: calls.append(a) or [])
    again = pages.get("/planning/simulate", params={"region": "Arctic", "target": 0.97})
    assert again.text == fragment.text and not calls  # simulated once per target and rule
    monkeypatch.undo()
    grey = pages.get(
        "/planning/simulate", params={"region": "Arctic", "target": 0.97, "policy": "grey"}
    )
    assert grey.status_code == 200 and "buy on the grey market" in grey.text
    assert grey.text != fragment.text
    bad = {"region": "Arctic", "target": 0.97, "policy": "pray"}
    assert pages.get("/planning/simulate", params=bad).status_code == 422


def test_one_solve_per_region_serves_every_target(pages: TestClient, session: Session) -> None:
    """The hulls do not depend on the target: a second target walks the cached solve."""
    from fleetcare.planning import pages as planning_pages

    planned_network(session)
    first = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    second = pages.get("/planning", params={"region": "Arctic", "target": 0.97})
    assert first.status_code == second.status_code == 200
    here = str(session.get_bind().engine.url)
    arctic = [key for key in planning_pages._cache if key == (here, "Arctic")]
    assert len(arctic) == 1 and len(planning_pages._solving) >= 1
    reached = [
        float(m.group(1))
        for m in (re.search(r"from no stock to ([0-9.]+)%", page.text) for page in (first, second))
        if m
    ]
    assert len(reached) == 2 and 90 <= reached[0] < reached[1] and reached[1] >= 97
