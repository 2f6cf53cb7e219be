"""Targets for the parts the machines run without, sized to a fill rate: the rule against an
independent sum of Poisson terms, the service, the command, REST and the page."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import Item
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.parts.models import ComponentGroup
from fleetcare.parts.schemas import BomRecord, PartRecord
from fleetcare.parts.tables import BOMS, PARTS
from fleetcare.planning.baselines import demand_weighted, fill_rate_stock, shelf_rates
from fleetcare.planning.fill_targets import NO_TARGET, fill_rate_plan, written_targets
from fleetcare.planning.problem import PlanningProblem, parse_problem
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.planning.factories import parts_left_out, planned_network


def poisson_cdf(mean: float, k: int) -> float:
    """P(X ≤ k) for X ~ Poisson(mean), summed term by term (no SciPy)."""
    term, total = math.exp(-mean), 0.0
    for n in range(k + 1):
        total += term
        term *= mean / (n + 1)
    return total


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(0.001, 2.0),
    days=st.floats(1.0, 60.0),
    fill=st.floats(0.5, 0.999),
)
def test_the_rule_is_the_smallest_stock_meeting_the_fill_rate(
    rate: float, days: float, fill: float
) -> None:
    """At one depot with Poisson demand: P(X ≤ s − 1) ≥ F and P(X ≤ s − 2) < F, X the
    depot's own pipeline, by a sum of Poisson terms."""
    problem = parse_problem(
        {
            "format": "fleetcare-plan/1",
            "locations": [{"id": "D", "parent": None, "resupply_days": days, "units": 5}],
            "parts": [{"id": "P", "unit_cost": 10.0, "demand_per_day": {"D": rate}}],
        }
    )
    [[s]] = fill_rate_stock(problem, fill).tolist()
    mean = rate * days
    assert s >= 1 and poisson_cdf(mean, s - 1) >= fill - 1e-12
    assert s == 1 or poisson_cdf(mean, s - 2) < fill + 1e-12


def _hub_and_depot(rate: float, hub_days: float, depot_days: float) -> PlanningProblem:
    return parse_problem(
        {
            "format": "fleetcare-plan/1",
            "locations": [
                {"id": "HUB", "parent": None, "resupply_days": hub_days},
                {"id": "D", "parent": "HUB", "resupply_days": depot_days, "units": 5},
            ],
            "parts": [{"id": "P", "unit_cost": 10.0, "demand_per_day": {"D": rate}}],
        }
    )


def test_the_shelf_rate_of_a_depot_alone_is_its_pipelines_poisson_law() -> None:
    """A depot whose supplier never runs out (a hub stocked far beyond its pipeline) has a
    piece on the shelf with probability P(X ≤ s − 1), X ~ Poisson(λ L); none held: 0."""
    problem = _hub_and_depot(0.2, 30.0, 10.0)
    for depot_stock, expected in ((0, 0.0), (1, poisson_cdf(2.0, 0)), (4, poisson_cdf(2.0, 3))):
        stock = np.array([[200, depot_stock]])
        rates = shelf_rates(problem, stock)
        assert np.isnan(rates[0, 0])  # the hub is no depot
        assert rates[0, 1] == pytest.approx(expected, abs=1e-12)
        assert demand_weighted(problem, rates) == pytest.approx(expected, abs=1e-12)
    idle = _hub_and_depot(0.0, 30.0, 10.0)  # nobody uses the part: no shelf rate to give
    assert demand_weighted(idle, shelf_rates(idle, np.array([[3, 1]]))) is None


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(0.01, 1.0),
    hub_days=st.floats(1.0, 90.0),
    depot_days=st.floats(1.0, 30.0),
    hub_stock=st.integers(0, 40),
    depot_stock=st.integers(1, 30),
)
def test_a_supplier_that_runs_out_only_lowers_the_shelf_rate(
    rate: float, hub_days: float, depot_days: float, hub_stock: int, depot_stock: int
) -> None:
    """Behind a hub of any stock, the depot's shelf rate is at most what its own pipeline
    alone gives (the rule's assumption), and rises with the hub's stock."""
    problem = _hub_and_depot(rate, hub_days, depot_days)
    alone = poisson_cdf(rate * depot_days, depot_stock - 1)
    here = shelf_rates(problem, np.array([[hub_stock, depot_stock]]))[0, 1]
    more = shelf_rates(problem, np.array([[hub_stock + 1, depot_stock]]))[0, 1]
    assert 0.0 <= here <= alone + 1e-9
    assert more >= here - 1e-9


def test_the_service_sizes_the_parts_the_machines_run_without(session: Session) -> None:
    """The Arctic's filter (P-2) alone: not the brake pad, nor P-4 (critical on the Baltic's
    lift: the availability plan holds it everywhere), nor the part without a cost; a region
    writes its depot only, the network every location; the targets set now are read back."""
    planned_network(session)
    parts_left_out(session)
    plan = fill_rate_plan(session, region="Arctic", fill_rate=0.95)
    assert plan is not None
    assert plan.problem.part_ids == ("P-2",)
    assert plan.written.tolist() == [
        location == "DEPOT-N" for location in plan.problem.location_ids
    ]
    assert (plan.stock == fill_rate_stock(plan.problem, 0.95)).all()
    assert (plan.targets == NO_TARGET).all() and plan.current_value == 0
    assert not plan.has_targets
    written = written_targets(plan.problem, plan.stock, plan.written)
    assert [(part, location) for part, location, _n in written] == [("P-2", "DEPOT-N")]
    depot = plan.problem.location_index()["DEPOT-N"]
    assert plan.value == plan.stock[0, depot] * plan.problem.unit_cost[0] > 0
    # nothing held above the depot: once saved, the depot's shelf reads below what the rule at
    # every location would give it, and a region names what the rule would hold up there
    assert (plan.held == 0).all() and plan.kept_held_value == 0 < plan.kept_value
    everywhere = demand_weighted(plan.problem, shelf_rates(plan.problem, plan.stock))
    assert plan.shelf_rate < everywhere
    network = fill_rate_plan(session, region=None, fill_rate=0.95)
    assert network is not None and network.written.all()
    assert network.problem.part_ids == ("P-2",) and network.kept_value == 0
    assert network.shelf_rate == pytest.approx(everywhere, abs=1e-12)
    assert fill_rate_plan(session, region="Baltic", fill_rate=0.95) is None


def test_the_command_writes_a_stock_file(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``plan build --parts not_critical`` then ``plan fill-rate``: a stock file of those parts;
    a fill rate outside (0, 1) is refused by name, nothing written."""
    planned_network(session)
    parts_left_out(session)
    problem, out = tmp_path / "problem.json", tmp_path / "targets.json"
    built = runner.invoke(
        app, ["plan", "build", "--out", str(problem), "--parts", "not_critical"], env=cli_env
    )
    assert built.exit_code == 0, built.stderr
    assert [part["id"] for part in json.loads(problem.read_text())["parts"]] == ["P-2"]
    sized = runner.invoke(
        app, ["plan", "fill-rate", str(problem), "--fill-rate", "0.9", "--out", str(out), "--json"]
    )
    assert sized.exit_code == 0, sized.stderr
    answer = json.loads(sized.stdout)
    assert answer["fill_rate"] == 0.9 and answer["stock"] == json.loads(out.read_text())
    assert 0.0 < answer["shelf_rate"] <= 1.0 and "on the shelf" in sized.stderr
    assert set(answer["stock"]) == {"P-2"} and answer["cost"] > 0
    elsewhere = tmp_path / "never.json"
    for wrong in ("1", "0.9995", "0", "1.5"):
        refused = runner.invoke(
            app, ["plan", "fill-rate", str(problem), "--fill-rate", wrong, "--out", str(elsewhere)]
        )
        assert refused.exit_code == 2 and "--fill-rate" in refused.stderr
    assert not elsewhere.exists()


def test_rest_answers_the_fill_rate_stock(client: TestClient, session: Session) -> None:
    """``POST /api/plans/fill-rate``: the stock and its cost; a fill rate outside (0, 1) and a
    broken problem are 422 naming the field."""
    planned_network(session)
    parts_left_out(session)
    problem = client.get(
        "/api/plans/build", params={"region": "Arctic", "parts": "not_critical"}
    ).json()
    answer = client.post("/api/plans/fill-rate", json={"problem": problem, "fill_rate": 0.9})
    assert answer.status_code == 200, answer.text
    parsed = parse_problem(problem)
    stock = fill_rate_stock(parsed, 0.9)
    assert answer.json()["stock"]["P-2"]["DEPOT-N"] == stock[0, parsed.location_index()["DEPOT-N"]]
    assert answer.json()["shelf_rate"] == pytest.approx(
        demand_weighted(parsed, shelf_rates(parsed, stock)), abs=1e-12
    )
    for body, field in (
        ({"problem": problem, "fill_rate": 1}, "fill_rate"),
        ({"problem": problem, "fill_rate": 0.9995}, "fill_rate"),
        ({"problem": {**problem, "format": "x"}, "fill_rate": 0.9}, "problem"),
    ):
        refused = client.post("/api/plans/fill-rate", json=body)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == field


def _shown(text: str) -> str:
    found = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', text)
    assert found, text
    return found.group(1)


def test_the_page_shows_and_saves_the_targets(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """The fragment lists the depot's targets to set; a save without the anti-forgery token
    is refused; a save after the rule's answer changed (a part added to the bus) writes
    nothing and shows the targets as they are now; a save of the targets shown writes them,
    one audit row each."""
    planned_network(session)
    parts_left_out(session)
    page = pages.get("/planning", params={"region": "Arctic"})
    assert "Parts the machines run without" in page.text
    assert 'hx-get="/planning/fill-rate"' in page.text
    shown = pages.get("/planning/fill-rate", params={"region": "Arctic", "fill_rate": 0.9})
    assert shown.status_code == 200
    said = " ".join(shown.text.split())
    assert "the 1 part the machines run without needs targets worth" in said
    assert "None of them has a target there now." in said
    assert "with the plant and the hubs holding what they hold now, the depots have" in said
    assert "The plant and the hubs serve every region and keep their targets" in said
    assert "Save these targets (fill rate 90.0%)" in said
    network = " ".join(pages.get("/planning/fill-rate", params={"fill_rate": 0.9}).text.split())
    assert "their suppliers' delays included" in network and "keep their targets" not in network
    assert "P-2" in said and "P-4" not in said and "P-1" not in said
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
    assert token
    form = {"region": "Arctic", "fill_rate": "0.9", "fingerprint": _shown(shown.text)}
    assert pages.post("/planning/fill-rate", data=form).status_code == 403  # no token
    form["csrf_token"] = token.group(1)
    wiper = PartRecord(
        number="P-6", name="Wiper", group=ComponentGroup.body, unit_cost=Decimal(30), weight_kg=1
    )
    PARTS.apply(session, [Item(wiper)])
    BOMS.apply(session, [Item(BomRecord(model="CB-12", part="P-6", quantity=2))])
    session.commit()
    stale = pages.post("/planning/fill-rate", data=form)
    assert stale.status_code == 200 and "nothing was saved" in stale.text and "P-6" in stale.text
    assert not any(row["target"] for row in client.get("/api/stock").json()["items"])
    saved = pages.post("/planning/fill-rate", data={**form, "fingerprint": _shown(stale.text)})
    assert saved.status_code == 200 and "Targets saved: 2 changed" in saved.text
    targets = {
        (row["part"], row["location"]): row["target"]
        for row in client.get("/api/stock").json()["items"]
        if row["target"] is not None
    }
    problem = parse_problem(
        client.get("/api/plans/build", params={"region": "Arctic", "parts": "not_critical"}).json()
    )
    stock = fill_rate_stock(problem, 0.9)[:, problem.location_index()["DEPOT-N"]]
    assert problem.part_ids == ("P-2", "P-6")
    assert targets == {("P-2", "DEPOT-N"): stock[0], ("P-6", "DEPOT-N"): stock[1]}
    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "set_target")).all()
    assert len(rows) == 2
    assert "The targets set now are these." in saved.text
    assert "The targets set there now hold" in saved.text
    again = pages.get("/planning/fill-rate", params={"region": "Arctic", "fill_rate": 0.9})
    assert "The targets set now are these." in again.text
    assert 'name="fingerprint"' not in again.text  # nothing to save
    assert pages.post("/planning/fill-rate", data={**form, "fill_rate": "2"}).status_code == 422


def test_a_regional_manager_sizes_only_its_regions(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """Another region, an unknown one and the whole network are 404 for a regional manager;
    its own region answers."""
    planned_network(session)
    parts_left_out(session)
    with TestClient(create_app(settings)) as manager:
        sign_in(manager, make_user("arctic-sizer", Role.regional_manager, regions=("Arctic",)))
        own = manager.get("/planning/fill-rate", params={"region": "Arctic"})
        assert own.status_code == 200 and "P-2" in own.text
        assert 'name="fingerprint"' not in own.text  # no parts.write: no form, but a reason
        assert "Saving targets is for those who may change stock" in own.text
        for region in ("Baltic", "Nowhere", ""):
            answer = manager.get("/planning/fill-rate", params={"region": region})
            assert answer.status_code == 404, region
        assert "the whole network is planned by those who see every region" in answer.text
