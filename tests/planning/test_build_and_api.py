"""Planning from the database and over REST: build, evaluate, optimise, save as targets."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import Item
from fleetcare.parts import schemas
from fleetcare.parts.models import ComponentGroup, LocationKind, TransportMode
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS
from fleetcare.planning.problem import parse_problem
from tests.fleet.factories import small_fleet


def planned_network(session: Session) -> None:
    """The small fleet (3 buses in the Arctic) served by DEPOT-N under a hub and a plant."""
    small_fleet(session)
    PARTS.apply(
        session,
        [
            Item(
                schemas.PartRecord(
                    number="P-1",
                    name="Brake pad",
                    group=ComponentGroup.brakes,
                    unit_cost=Decimal("500"),
                    weight_kg=2.0,
                    grey_price=Decimal("2600"),
                )
            )
        ],
    )
    BOMS.apply(
        session, [Item(schemas.BomRecord(model="CB-12", part="P-1", quantity=2, critical=True))]
    )
    rows = [
        ("PLANT", LocationKind.plant, None, None),
        ("HUB", LocationKind.hub, "PLANT", None),
        ("DEPOT-N", LocationKind.depot, "HUB", "Arctic"),
    ]
    LOCATIONS.apply(
        session,
        [
            Item(
                schemas.LocationRecord(
                    code=c, name=c, kind=k, latitude=60, longitude=30, parent=p, region=r
                )
            )
            for c, k, p, r in rows
        ],
    )
    LANES.apply(
        session,
        [
            Item(
                schemas.LaneRecord(
                    origin=o,
                    destination=d,
                    mode=m,
                    lead_time_days=t,
                    lead_time_sd_days=sd,
                    cost_per_kg=Decimal(money),
                    emergency=m is TransportMode.air,
                )
            )
            for o, d, m, t, sd, money in (
                ("PLANT", "HUB", TransportMode.rail, 2, 0, "5"),
                ("HUB", "DEPOT-N", TransportMode.rail, 6, 1.5, "5"),
                ("HUB", "DEPOT-N", TransportMode.air, 1, 0, "120"),
            )
        ],
    )
    session.commit()


def test_build_then_optimise_then_targets(client: TestClient, session: Session) -> None:
    """The built problem has the depot's machines and demand; its plan becomes the targets."""
    planned_network(session)
    problem = client.get("/api/plans/build", params={"region": "Arctic"}).json()
    assert [(loc["id"], loc.get("units")) for loc in problem["locations"]] == [
        ("DEPOT-N", 3),
        ("HUB", None),
        ("PLANT", None),
    ]
    assert (
        problem["locations"][0]["resupply_days"] == 6
        and problem["locations"][2]["resupply_days"] == 90
    )
    assert (
        problem["parts"][0]["id"] == "P-1" and problem["parts"][0]["demand_per_day"]["DEPOT-N"] > 0
    )
    # what the simulation reads: the ordinary lane's spread, the emergency lane, weight, grey
    depot = problem["locations"][0]
    assert (depot["resupply_sd_days"], depot["emergency_days"]) == (1.5, 1)
    assert depot["emergency_cost_per_kg"] == 120.0
    assert (problem["parts"][0]["weight_kg"], problem["parts"][0]["grey_price"]) == (2.0, 2600.0)
    parse_problem(problem)
    answer = client.post(
        "/api/plans/optimise", json={"problem": problem, "target_availability": 0.97}
    )
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["availability"] >= 0.97 and plan["curve"][0] == {
        "cost": 0.0,
        "availability": plan["curve"][0]["availability"],
    }
    evaluated = client.post(
        "/api/plans/evaluate", json={"problem": problem, "stock": plan["stock"]}
    ).json()
    assert abs(evaluated["availability"] - plan["availability"]) < 1e-12
    saved = client.post("/api/plans/targets", json=plan["stock"])
    assert saved.status_code == 200 and saved.json()["updated"] >= 1
    targets = {
        (row["location"], row["target"])
        for row in client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    }
    assert targets == {(loc, n) for loc, n in plan["stock"]["P-1"].items()}


def test_bad_plans_are_422(client: TestClient, session: Session) -> None:
    """A broken problem, both stopping rules, an unknown part in the targets: 422, field named."""
    planned_network(session)
    problem = client.get("/api/plans/build").json()
    broken = client.post("/api/plans/evaluate", json={"problem": {**problem, "format": "x"}})
    assert broken.status_code == 422 and broken.json()["detail"][0]["loc"][-1] == "problem"
    both = client.post(
        "/api/plans/optimise", json={"problem": problem, "target_availability": 0.9, "budget": 9}
    )
    assert both.status_code == 422
    assert client.post("/api/plans/targets", json={"NOPE": {"HUB": 1}}).status_code == 422
    assert client.post("/api/plans/targets", json={"P-1": {"HUB": -1}}).status_code == 422


def test_cli_build(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``fleetcare plan build`` writes a problem that ``plan evaluate`` accepts."""
    planned_network(session)
    out = tmp_path / "problem.json"
    built = runner.invoke(app, ["plan", "build", "--out", str(out)], env=cli_env)
    assert built.exit_code == 0, built.stderr
    assert json.loads(out.read_text())["format"] == "fleetcare-plan/1"
    stock = tmp_path / "stock.json"
    stock.write_text('{"P-1": {"DEPOT-N": 2}}')
    assert (
        runner.invoke(
            app, ["plan", "evaluate", str(out), "--stock", str(stock)], env=cli_env
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["plan", "build", "--region", "Nowhere", "--out", str(out)], env=cli_env
        ).exit_code
        == 2
    )
