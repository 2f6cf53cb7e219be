"""Planning over REST: build, evaluate, optimise, save as targets; bad requests are 422."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.planning.problem import parse_problem
from tests.planning.factories import parts_left_out, planned_network
from tests.planning.test_varimetric import TWO_ECHELON


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
        "/api/plans/evaluate",
        json={"problem": problem, "stock": plan["stock"]},
    ).json()
    assert abs(evaluated["availability"] - plan["availability"]) < 1e-12
    saved = client.post("/api/plans/targets", json=plan["stock"])
    assert saved.status_code == 200 and saved.json()["updated"] >= 1
    targets = {
        (row["location"], row["target"])
        for row in client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    }
    assert targets == {(loc, n) for loc, n in plan["stock"]["P-1"].items()}


def test_the_stock_held_answers_as_a_stock_file(client: TestClient, session: Session) -> None:
    """``GET /api/plans/stock``: on hand + in transit of the region's part-locations, as the
    stock file ``plan evaluate`` reads; the whole network's too."""
    planned_network(session)
    assert client.get("/api/plans/stock", params={"region": "Arctic"}).json() == {}
    moved = client.post(
        "/api/stock/moves",
        json={"kind": "receipt", "part": "P-1", "location": "HUB", "quantity": 4},
    )
    assert moved.status_code == 201, moved.text
    shipped = client.post(
        "/api/stock/transfers",
        json={"part": "P-1", "origin": "HUB", "destination": "DEPOT-N", "quantity": 1},
    )
    assert shipped.status_code == 201, shipped.text
    held = client.get("/api/plans/stock", params={"region": "Arctic"}).json()
    assert held == {"P-1": {"HUB": 3, "DEPOT-N": 1}}
    assert client.get("/api/plans/stock").json() == held
    problem = client.get("/api/plans/build", params={"region": "Arctic"}).json()
    evaluated = client.post("/api/plans/evaluate", json={"problem": problem, "stock": held})
    assert evaluated.status_code == 200
    assert evaluated.json()["parts"]["P-1"]["DEPOT-N"]["stock"] == 1


def test_build_plans_the_critical_parts_unless_asked_for_all(
    client: TestClient, session: Session
) -> None:
    """``GET /api/plans/build`` holds the critical parts and names the others;
    ``parts=all`` plans every fitted part with a cost, the stock file follows the same
    parts, and any other value is 422 on ``parts``."""
    planned_network(session)
    parts_left_out(session)
    critical = client.get("/api/plans/build", params={"region": "Arctic"}).json()
    assert [part["id"] for part in critical["parts"]] == ["P-1", "P-4"]
    assert critical["left_out"] == {"P-2": "not_critical", "P-3": "no_cost"}
    other = client.get("/api/plans/build", params={"region": "Arctic", "parts": "not_critical"})
    assert [part["id"] for part in other.json()["parts"]] == ["P-2"]
    every = client.get("/api/plans/build", params={"region": "Arctic", "parts": "all"}).json()
    assert [part["id"] for part in every["parts"]] == ["P-1", "P-2", "P-4"]
    received = client.post(
        "/api/stock/moves",
        json={"kind": "receipt", "part": "P-2", "location": "HUB", "quantity": 5},
    )
    assert received.status_code == 201, received.text
    assert client.get("/api/plans/stock", params={"region": "Arctic"}).json() == {}
    held = client.get("/api/plans/stock", params={"region": "Arctic", "parts": "all"}).json()
    assert held == {"P-2": {"HUB": 5}}
    for route in ("/api/plans/build", "/api/plans/stock"):
        wrong = client.get(route, params={"parts": "some"})
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "parts"


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
    half = client.post("/api/plans/targets", json={"P-1": {"HUB": 1.5}})
    [said] = half.json()["detail"]
    assert said["loc"][-1] == "P-1.HUB" and said["msg"].startswith("pieces: ")
    assert "validation error" not in said["msg"]  # it says what is wrong, not that something is


def test_optimise_names_the_stopping_rule_it_refuses(client: TestClient) -> None:
    """Neither target nor budget, or a target beyond the caps: 422 on ``target_availability``,
    the message naming the body's keys."""
    neither = client.post("/api/plans/optimise", json={"problem": TWO_ECHELON})
    assert neither.status_code == 422
    assert neither.json()["detail"] == [
        {
            "loc": ["body", "target_availability"],
            "msg": "give exactly one of target_availability and budget",
            "type": "value_error",
        }
    ]
    body = {"problem": TWO_ECHELON, "target_availability": 0.9999999, "max_pieces": 2}
    unreachable = client.post("/api/plans/optimise", json=body)
    assert unreachable.status_code == 422
    (detail,) = unreachable.json()["detail"]
    assert detail["loc"] == ["body", "target_availability"]
    assert detail["msg"].startswith("target_availability 0.9999999 is not reachable within 2 ")
