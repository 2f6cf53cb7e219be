"""``fleetcare dispatch solve`` and ``POST /api/dispatch/solve``: the same answer, bad input
named by its field (exit 2 / 422), permissions, the body limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.fleet.factories import small_fleet
from tests.workforce.routing.checker import check_plan
from tests.workforce.routing.factories import FAR, NEAR, TOWN, job, person, problem

DOCUMENT = problem(
    [person("T1", TOWN, ["bus"]), person("T4", NEAR, [], ["bus"])],
    [job("WO-17", NEAR, "bus", ("09:00", "12:00"), 90), job("WO-23", FAR, "mining")],
)
URL = "/api/dispatch/solve"


def test_cli_prints_the_plan(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(DOCUMENT))
    done = runner.invoke(app, ["dispatch", "solve", str(path), "--seconds", "0.5", "--json"])
    assert done.exit_code == 0, done.stderr
    answer = json.loads(done.stdout)
    assert check_plan(DOCUMENT, answer) == 1
    assert [route["crew"] for route in answer["routes"]] == [["T1", "T4"]]
    assert answer["unassigned"] == [{"job": "WO-23", "reason": "no one certified for mining"}]
    baseline = runner.invoke(app, ["dispatch", "solve", str(path), "--baseline", "--json"])
    assert baseline.exit_code == 0
    assert [route["crew"] for route in json.loads(baseline.stdout)["routes"]] == [["T1"]]


def test_cli_bad_input_exits_2_naming_the_field(runner: CliRunner, tmp_path: Path) -> None:
    bad = json.loads(json.dumps(DOCUMENT))
    bad["jobs"][1]["window"] = ["12:00", "10:00"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    done = runner.invoke(app, ["dispatch", "solve", str(path), "--json"])
    assert done.exit_code == 2
    assert f"{path}: jobs[1].window: it ends before it starts" in done.stderr
    assert done.stdout == ""
    path.write_text("{not json")
    done = runner.invoke(app, ["dispatch", "solve", str(path)])
    assert done.exit_code == 2 and "not JSON" in done.stderr
    path.write_text("[" * 5000 + "]" * 5000)
    done = runner.invoke(app, ["dispatch", "solve", str(path)])
    assert done.exit_code == 2 and "not JSON: nested too deeply" in done.stderr
    surrogate = json.loads(json.dumps(DOCUMENT))
    surrogate["jobs"][0]["id"] = "\ud800"
    path.write_text(json.dumps(surrogate))  # the escape, as JSON writes it
    done = runner.invoke(app, ["dispatch", "solve", str(path)])
    assert done.exit_code == 2 and "lone surrogate" in done.stderr


def test_rest_answers_the_plan(client_for: Callable[..., TestClient]) -> None:
    dispatcher = client_for(Role.dispatcher)
    answer = dispatcher.post(URL, json={**DOCUMENT, "seconds": 0.5, "seed": 3})
    assert answer.status_code == 200, answer.text
    assert check_plan(DOCUMENT, answer.json()) == 1
    assert [route["crew"] for route in answer.json()["routes"]] == [["T1", "T4"]]


def test_rest_refuses_other_roles(client_for: Callable[..., TestClient], session: Session) -> None:
    small_fleet(session)  # the customer NORD and the region Arctic
    for role in (Role.customer, Role.planner, Role.technician):
        binding = {"customer": "NORD"} if role is Role.customer else {}
        caller = client_for(role, **binding)
        assert caller.post(URL, json=DOCUMENT).status_code == 403, role


def test_rest_serves_the_regional_manager(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """A regional manager plans its region's dispatch (dispatch.plan), so it may solve too:
    the route computes only, on the document it is sent, and reads no row."""
    small_fleet(session)
    caller = client_for(Role.regional_manager, regions=("Arctic",))
    assert caller.post(URL, json=DOCUMENT).status_code == 200


def test_rest_bad_input_is_422_naming_the_field(client: TestClient) -> None:
    bad = json.loads(json.dumps(DOCUMENT))
    bad["technicians"][0]["home"] = [95, 33]
    answer = client.post(URL, json=bad)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "technicians[0].home[0]"]
    for key, value in (("seconds", 31), ("seconds", "5"), ("seed", -1)):
        answer = client.post(URL, json={**DOCUMENT, key: value})
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", key]
    many = {**DOCUMENT, "jobs": [job(f"J{n}", NEAR, "bus") for n in range(2_001)]}
    answer = client.post(URL, json=many)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "jobs"]
    raw = client.post(URL, content=b"[1, 2]", headers={"content-type": "application/json"})
    assert raw.status_code == 422


def test_rest_oversized_body_is_413(settings: Settings, make_user: Callable[..., str]) -> None:
    from fleetcare.core.security import issue_token
    from tests.conftest import TEST_SECRET

    make_user("small-admin", Role.admin)
    small = create_app(settings.model_copy(update={"max_body_bytes": 2_000}))
    with TestClient(small) as caller:
        caller.headers["Authorization"] = f"Bearer {issue_token('small-admin', TEST_SECRET)}"
        padded = {**DOCUMENT, "jobs": [job(f"J{n}", NEAR, "bus") for n in range(40)]}
        assert caller.post(URL, json=padded).status_code == 413
        assert caller.post(URL, json={**DOCUMENT, "seconds": 0.2}).status_code == 200
