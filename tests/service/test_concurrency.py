"""Concurrent writers over real HTTP, on both databases: of simultaneous work orders for one
defect, or simultaneous moves of one work order, exactly one wins and the rest answer 409."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from tests.conftest import TEST_SECRET
from tests.service.factories import service_fleet

REQUESTS = 12


def _parallel(
    live_server: str, token: str, send: Callable[[httpx.Client, int], int]
) -> Counter[int]:
    """Run ``send`` from REQUESTS threads released at once; count the status codes."""
    start = threading.Barrier(REQUESTS)

    def one(n: int) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=live_server, timeout=60, headers=headers) as http:
            start.wait()
            return send(http, n)

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return Counter(pool.map(one, range(REQUESTS)))


def test_one_work_order_per_defect_and_one_move_wins(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """12 simultaneous work orders → 1 × 201; 12 simultaneous moves to ``scheduled``, then 12
    to ``cancelled`` → 1 × 200 each; the history holds exactly those two moves."""
    service_fleet(session)
    token = issue_token(make_user("dispatch-1", Role.dispatcher), TEST_SECRET)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers) as http:
        body = {"unit": "BUS-001", "component_group": "engine", "symptom": "x", "down": True}
        defect = http.post("/api/service/defects", json=body).json()

    def open_order(http: httpx.Client, _n: int) -> int:
        return http.post("/api/service/work-orders", json={"defect": defect["id"]}).status_code

    assert _parallel(live_server, token, open_order) == Counter({201: 1, 409: REQUESTS - 1})
    with httpx.Client(base_url=live_server, headers=headers) as http:
        orders = http.get("/api/service/work-orders").json()
    assert orders["total"] == 1
    url = f"/api/service/work-orders/{orders['items'][0]['id']}/transitions"

    for state in ("scheduled", "cancelled"):

        def move(http: httpx.Client, _n: int, to: str = state) -> int:
            return http.post(url, json={"to": to}).status_code

        assert _parallel(live_server, token, move) == Counter({200: 1, 409: REQUESTS - 1})
    with httpx.Client(base_url=live_server, headers=headers) as http:
        order = http.get(f"/api/service/work-orders/{orders['items'][0]['id']}").json()
        units = http.get("/api/units", params={"q": "BUS-001"}).json()["items"]
    assert [h["to_status"] for h in order["history"]] == ["open", "scheduled", "cancelled"]
    assert units[0]["status"] == "in_service"


def test_simultaneous_down_reports_on_one_unit(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Down defects reported at once on one unit and then closed at once leave one consistent
    history: every report is taken, and the unit ends in service with no open downtime."""
    service_fleet(session)
    token = issue_token(make_user("dispatch-2", Role.dispatcher), TEST_SECRET)

    def report(http: httpx.Client, _n: int) -> int:
        body = {"unit": "BUS-002", "component_group": "brakes", "symptom": "x", "down": True}
        return http.post("/api/service/defects", json=body).status_code

    assert _parallel(live_server, token, report) == Counter({201: REQUESTS})
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers) as http:
        ids = [d["id"] for d in http.get("/api/service/defects").json()["items"]]
        assert (
            http.get("/api/units", params={"q": "BUS-002"}).json()["items"][0]["status"] == "down"
        )

    def close(http: httpx.Client, n: int) -> int:
        return http.post(f"/api/service/defects/{ids[n]}/close", json={"reason": "ok"}).status_code

    assert _parallel(live_server, token, close) == Counter({200: REQUESTS})
    with httpx.Client(base_url=live_server, headers=headers) as http:
        unit = http.get("/api/units", params={"q": "BUS-002"}).json()["items"][0]
    assert unit["status"] == "in_service"
