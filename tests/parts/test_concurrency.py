"""Fifty simultaneous reservations against five pieces: exactly five succeed, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.parts.ledger import verify
from tests.conftest import TEST_SECRET
from tests.parts.factories import receive, small_network

REQUESTS = 50
IN_STOCK = 5


def test_parallel_reservations_never_double_book(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Real parallel HTTP requests: 5 × 201, 45 × 409, 5 reserved, the ledger intact."""
    small_network(session)
    receive(session, "P-1", "DEPOT-A", IN_STOCK)
    token = issue_token(make_user("dispatch-1", Role.dispatcher), TEST_SECRET)
    start = threading.Barrier(REQUESTS)

    def reserve(n: int) -> int:
        with httpx.Client(
            base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            start.wait()
            answer = http.post(
                "/api/stock/reservations",
                json={"part": "P-1", "location": "DEPOT-A", "quantity": 1, "work_order": f"WO-{n}"},
            )
            if answer.status_code == 409:
                assert answer.json()["available"] == 0
            return answer.status_code

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        statuses = Counter(pool.map(reserve, range(REQUESTS)))
    assert statuses == Counter({201: IN_STOCK, 409: REQUESTS - IN_STOCK})
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as http:
        balance = http.get("/api/stock", params={"part": "P-1", "location": "DEPOT-A"}).json()[
            "items"
        ][0]
        held = http.get("/api/stock/reservations", params={"status": "active", "limit": 100}).json()
    assert (balance["on_hand"], balance["reserved"], balance["available"]) == (
        IN_STOCK,
        IN_STOCK,
        0,
    )
    assert held["total"] == IN_STOCK
    session.expire_all()
    assert verify(session)[1] == []


def test_opposite_transfers_and_parallel_accepts(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Transfers both ways between two locations at once never deadlock into a 500; ten
    simultaneous "accept all" ship the proposals once."""
    small_network(session)
    receive(session, "P-1", "HUB", 40)
    receive(session, "P-1", "DEPOT-A", 40)
    token = issue_token(make_user("planner-1", Role.admin), TEST_SECRET)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers) as http:
        back = {"origin": "DEPOT-A", "destination": "HUB", "mode": "road", "lead_time_days": 3}
        assert http.post("/api/lanes", json={**back, "cost_per_kg": "1"}).status_code == 201
    start = threading.Barrier(20)

    def transfer(n: int) -> int:
        origin, destination = ("HUB", "DEPOT-A") if n % 2 else ("DEPOT-A", "HUB")
        with httpx.Client(base_url=live_server, timeout=60, headers=headers) as http:
            start.wait()
            body = {"part": "P-1", "origin": origin, "destination": destination, "quantity": 1}
            return http.post("/api/stock/transfers", json=body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(transfer, range(20)))
    assert statuses == Counter({201: 20})

    with httpx.Client(base_url=live_server, headers=headers) as http:
        http.put("/api/stock/targets", json=[{"part": "P-2", "location": "DEPOT-A", "target": 3}])
        receive(session, "P-2", "HUB", 10)
        proposed = http.get("/api/stock/proposals").json()
    assert [(p["destination"], p["quantity"]) for p in proposed] == [("DEPOT-A", 3)]
    accept_start = threading.Barrier(10)

    def accept(_n: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60, headers=headers) as http:
            accept_start.wait()
            answer = http.post("/api/stock/proposals/accept", json={"lines": []})
            assert answer.status_code == 200, answer.text
            return len(answer.json())

    with ThreadPoolExecutor(max_workers=10) as pool:
        shipped = list(pool.map(accept, range(10)))
    assert sorted(shipped) == [0] * 9 + [1]
    session.expire_all()
    assert verify(session)[1] == []
