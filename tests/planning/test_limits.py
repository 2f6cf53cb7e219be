"""Heavy work over REST is bounded: part-locations per request, curve points, numbers too
large for 64 bits, the heavy pool's queue, and a regional manager's regions."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.planning import service, views
from fleetcare.web.app import create_app
from tests.conftest import TEST_SECRET, sign_in
from tests.planning.factories import planned_network
from tests.planning.test_varimetric import TWO_ECHELON

# TWO_ECHELON with every optional number too, so that each numeric position is tried
FULL: dict[str, Any] = copy.deepcopy(TWO_ECHELON)
FULL["locations"][0]["resupply_sd_days"] = 2.0
for _leaf in FULL["locations"][1:]:
    _leaf.update(emergency_days=1.0, emergency_cost_per_kg=5.0)
FULL["parts"][0].update(weight_kg=2.0, grey_price=500.0, resupply_days={"HUB": 25})
HUGE = (10**30, -(10**30), 2**63, 10**400)


@pytest.fixture(autouse=True)
def _fresh_solves() -> None:
    """Each test solves its own network: the solve cache starts empty."""
    service.cache.clear()


def numeric_paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every number in ``document``."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from numeric_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for n, value in enumerate(document):
            yield from numeric_paths(value, (*prefix, n))
    elif isinstance(document, int | float) and not isinstance(document, bool):
        yield prefix


def with_value(document: Any, path: tuple[Any, ...], value: object) -> Any:
    """A copy of ``document`` with ``value`` at ``path``."""
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


def wide(parts: int, locations: int) -> dict[str, Any]:
    """A well-formed problem of ``parts`` × ``locations`` part-locations (a star of depots)."""
    depots = [f"D{n}" for n in range(locations - 1)]
    return {
        "format": "fleetcare-plan/1",
        "locations": [{"id": "HUB", "parent": None, "resupply_days": 20}]
        + [{"id": d, "parent": "HUB", "resupply_days": 2, "units": 5} for d in depots],
        "parts": [
            {"id": f"P{n}", "unit_cost": 10.0, "demand_per_day": {depots[0]: 0.01}}
            for n in range(parts)
        ],
    }


@pytest.fixture
def capped(settings: Settings, make_user: Callable[..., str]) -> Iterator[TestClient]:
    """An admin's client on an app that allows 100 part-locations per request."""
    make_user("capped-admin", Role.admin)
    app = create_app(settings.model_copy(update={"max_plan_cells": 100}))
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {issue_token('capped-admin', TEST_SECRET)}"
        yield test_client


@pytest.mark.parametrize("route", ["evaluate", "optimise", "baselines", "fill-rate"])
def test_too_many_part_locations_is_413_pointing_to_the_cli(
    capped: TestClient, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A problem naming more part-locations than the cap is refused (413) from the raw
    document, before it is parsed; the message names the cap and the command to use."""
    parsed: list[object] = []
    monkeypatch.setattr(views, "parse_problem", lambda d: parsed.append(d))
    body: dict[str, Any] = {"problem": wide(11, 10), "target_availability": 0.9}
    if route == "fill-rate":
        body = {"problem": wide(11, 10), "fill_rate": 0.9}
    answer = capped.post(f"/api/plans/{route}", json=body)
    assert answer.status_code == 413, answer.text
    detail = answer.json()["detail"]
    assert "110 part-locations" in detail and "more than 100 part-locations" in detail
    assert "`fleetcare plan ...`" in detail and not parsed
    monkeypatch.undo()
    assert capped.post(f"/api/plans/{route}", json={**body, "problem": wide(10, 10)}).is_success


def test_optimise_answers_at_most_max_points_keeping_first_and_plan(client: TestClient) -> None:
    """The curve is thinned evenly to ``max_points``: the first point and the plan answered
    (the last) are kept, and ``curve_points_total`` tells how many there were."""
    body = {"problem": TWO_ECHELON, "target_availability": 0.999}
    whole = client.post("/api/plans/optimise", json={**body, "max_points": 10_000}).json()
    total = whole["curve_points_total"]
    assert total == len(whole["curve"]) > 5
    thinned = client.post("/api/plans/optimise", json={**body, "max_points": 5}).json()
    assert thinned["curve_points_total"] == total and len(thinned["curve"]) == 5
    assert thinned["curve"][0] == whole["curve"][0] and thinned["curve"][-1] == whole["curve"][-1]
    assert thinned["curve"][-1]["cost"] == thinned["cost"]
    assert all(point in whole["curve"] for point in thinned["curve"])
    for bad in (1, 10_001, 10**30):
        refused = client.post("/api/plans/optimise", json={**body, "max_points": bad})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "max_points"


@pytest.mark.parametrize("value", HUGE, ids=["1e30", "-1e30", "2**63", "1e400"])
def test_numbers_too_large_for_64_bits_are_422_naming_the_field(
    client: TestClient, value: int
) -> None:
    """Every number of a problem, a stock plan and a request body, set to an integer beyond
    64 bits (or a float's range): 422 naming the field, never a 500."""
    stock = {"P": {"A": 1, "HUB": 2}}
    for path in numeric_paths(FULL):
        problem = with_value(FULL, path, value)
        by_location = path[-2] in ("demand_per_day", "resupply_days")  # {location: number}
        field = str(path[-2] if by_location else path[-1])
        for route, body in (
            ("evaluate", {"problem": problem, "stock": stock}),
            ("baselines", {"problem": problem, "stock": stock}),
            ("optimise", {"problem": problem, "target_availability": 0.9}),
        ):
            answer = client.post(f"/api/plans/{route}", json=body)
            assert answer.status_code == 422, (route, path, answer.text)
            details = answer.json()["detail"]
            assert all(detail["loc"][-1] == "problem" for detail in details)
            assert any(f": {field}: " in detail["msg"] for detail in details), (route, details)
    for location in ("A", "HUB"):
        for route in ("evaluate", "baselines"):
            body = {"problem": FULL, "stock": {"P": {location: value}}}
            answer = client.post(f"/api/plans/{route}", json=body)
            assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "stock"
    for name in ("target_availability", "budget", "max_pieces", "max_points"):
        answer = client.post("/api/plans/optimise", json={"problem": FULL, name: value})
        assert answer.status_code == 422, (name, answer.text)
        assert name in {d["loc"][-1] for d in answer.json()["detail"]}


@pytest.mark.parametrize("value", HUGE, ids=["1e30", "-1e30", "2**63", "1e400"])
def test_targets_too_large_for_64_bits_are_422(
    client: TestClient, session: Session, value: int
) -> None:
    """A target stock beyond 64 bits is 422 naming the part-location (on PostgreSQL too,
    where it would not fit the column), and nothing is saved."""
    planned_network(session)
    answer = client.post("/api/plans/targets", json={"P-1": {"DEPOT-N": value, "HUB": 1}})
    assert answer.status_code == 422, answer.text
    assert [d["loc"][-1] for d in answer.json()["detail"]] == ["P-1.DEPOT-N"]
    items = client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    assert not any(row["target"] for row in items)


def test_a_full_pool_answers_503_with_retry_after(
    settings: Settings, make_user: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one worker and no queue, a second heavy request while the first runs is 503 with
    ``Retry-After`` (JSON over REST, the error page on the planning page); the held request
    takes no write slot (a write still passes with one slot); released, the first completes."""
    make_user("pool-admin", Role.admin)
    app = create_app(
        settings.model_copy(
            update={"heavy_workers": 1, "heavy_queue": 0, "max_concurrent_writes": 1}
        )
    )
    started, release = threading.Event(), threading.Event()
    real = views.evaluate

    def held(*args: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real(*args)

    answers: list[int] = []
    with TestClient(app) as api, TestClient(app) as browser:
        api.headers["Authorization"] = f"Bearer {issue_token('pool-admin', TEST_SECRET)}"
        sign_in(browser, make_user("pool-page-admin", Role.admin))
        monkeypatch.setattr(views, "evaluate", held)
        try:
            body = {"problem": TWO_ECHELON, "stock": {}}
            first = threading.Thread(
                target=lambda: answers.append(
                    api.post("/api/plans/evaluate", json=body).status_code
                )
            )
            first.start()
            assert started.wait(30)
            busy = api.post("/api/plans/optimise", json={**body, "target_availability": 0.9})
            assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
            assert "busy" in busy.json()["detail"]
            page = browser.get("/planning", params={"region": ""})
            assert page.status_code == 503 and "Retry-After" in page.headers
            # a write is not held behind the computation
            assert api.post("/api/plans/targets", json={}).status_code == 200
        finally:
            release.set()
            first.join(30)
        assert answers == [200]
        after = api.post("/api/plans/optimise", json={**body, "target_availability": 0.9})
        assert after.status_code == 200


def test_regional_manager_builds_only_its_regions(
    client_for: Callable[..., TestClient], client: TestClient, session: Session
) -> None:
    """A regional manager builds its region's problem; another region, an unknown one and the
    whole network answer alike, 404. Other staff are unchanged."""
    planned_network(session)
    manager = client_for(Role.regional_manager, "arctic-manager", regions=("Arctic",))
    own = manager.get("/api/plans/build", params={"region": "Arctic"})
    assert own.status_code == 200 and own.json()["parts"]
    refused = [
        manager.get("/api/plans/build", params=params)
        for params in ({"region": "Baltic"}, {"region": "Nowhere"}, {})
    ]
    assert [answer.status_code for answer in refused] == [404, 404, 404]
    assert refused[0].json()["detail"].replace("Baltic", "Nowhere") == refused[1].json()["detail"]
    assert client.get("/api/plans/build").status_code == 200
    assert client.get("/api/plans/build", params={"region": "Baltic"}).status_code == 200
    planner = client_for(Role.planner)
    assert planner.get("/api/plans/build", params={"region": "Arctic"}).status_code == 200
    # the stock the problem holds: the same regions, the same refusals
    assert manager.get("/api/plans/stock", params={"region": "Arctic"}).status_code == 200
    refused = [
        manager.get("/api/plans/stock", params=params)
        for params in ({"region": "Baltic"}, {"region": "Nowhere"}, {})
    ]
    assert [answer.status_code for answer in refused] == [404, 404, 404]
    assert planner.get("/api/plans/stock").status_code == 200
