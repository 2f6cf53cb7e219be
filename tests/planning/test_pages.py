"""The planning page: curve, a point's plan, save as targets; one solve per region."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.planning import service
from tests.planning.factories import planned_network


@pytest.fixture(autouse=True)
def _fresh_solves() -> None:
    """Each test solves its own network: the solve cache starts empty."""
    service.cache.clear()


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


def test_one_solve_per_region_serves_every_target(pages: TestClient, session: Session) -> None:
    """The hulls do not depend on the target: a second target walks the cached solve."""
    planned_network(session)
    first = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    second = pages.get("/planning", params={"region": "Arctic", "target": 0.97})
    assert first.status_code == second.status_code == 200
    here = str(session.get_bind().engine.url)
    arctic = [key for key in service.cache.held() if key == (here, "Arctic")]
    assert len(arctic) == 1 and service.cache.computed == 1
    reached = [
        float(m.group(1))
        for m in (re.search(r"from no stock to ([0-9.]+)%", page.text) for page in (first, second))
        if m
    ]
    assert len(reached) == 2 and 90 <= reached[0] < reached[1] and reached[1] >= 97
