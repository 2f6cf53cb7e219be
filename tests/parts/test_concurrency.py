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
