"""Concurrent writers, on both databases: fifty reservations against five pieces (exactly five
succeed), transfers both ways, simultaneous accepts, an accept beside a transfer, stock counts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.db import transaction
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.parts import ledger, schemas, service
from fleetcare.parts.balances import set_on_hand
from fleetcare.parts.ledger import verify
from fleetcare.parts.models import (
    Location,
    LocationKind,
    Part,
    StockLevel,
    StockMove,
    TransportMode,
)
from fleetcare.parts.proposals import accept_proposals, proposals
from fleetcare.parts.stock_tables import TARGETS
from fleetcare.parts.tables import LANES, LOCATIONS
from tests.conftest import TEST_SECRET
from tests.parts.factories import BY, receive, small_network

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


def _outcome(db: str, work: Callable[[Session], object]) -> str:
    """Run ``work`` in a write transaction of its own: "ok", or the name of what it raised."""
    try:
        with transaction(db, write=True) as session:
            work(session)
    except Exception as exc:  # the outcome is what the tests compare
        return type(exc).__name__
    return "ok"


def _pause_after_first_move(monkeypatch: pytest.MonkeyPatch, mine: threading.local) -> Any:
    """After the first ledger move of a thread that set ``mine.pause``, signal and hold 1 s.

    The pause is where a second transaction can take the locks the first one needs later.
    """
    moved = threading.Event()
    original = ledger.move

    def move(session: Session, **kwargs: Any) -> StockMove:
        entry = original(session, **kwargs)
        if getattr(mine, "pause", False) and not moved.is_set():
            moved.set()
            time.sleep(1)
        return entry

    monkeypatch.setattr(ledger, "move", move)
    return moved


def test_an_accept_beside_a_transfer_does_not_deadlock(
    db: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepting HUB → DEPOT-0 then HUB → DEPOT-A while DEPOT-A → DEPOT-0 ships: both commit.

    DEPOT-0 is the newest location (highest id), so without locking every balance first the
    accept would hold DEPOT-0 and wait for DEPOT-A, which the transfer holds while it waits
    for DEPOT-0.
    """
    small_network(session)
    depot = {"name": "Depot 0", "kind": LocationKind.depot, "latitude": 60, "longitude": 30}
    LOCATIONS.apply(session, [Item(schemas.LocationRecord(code="DEPOT-0", parent="HUB", **depot))])
    lane = {"mode": TransportMode.road, "lead_time_days": 1, "cost_per_kg": Decimal("1")}
    LANES.apply(
        session,
        [
            Item(schemas.LaneRecord(origin=origin, destination="DEPOT-0", **lane))
            for origin in ("HUB", "DEPOT-A")
        ],
    )
    TARGETS.apply(
        session,
        [
            Item(schemas.TargetRecord(part="P-1", location=code, target=target))
            for code, target in (("DEPOT-0", 1), ("DEPOT-A", 8))
        ],
    )
    session.commit()
    receive(session, "P-1", "HUB", 10)
    receive(session, "P-1", "DEPOT-A", 5)
    assert [(p.destination, p.quantity) for p in proposals(session)] == [
        ("DEPOT-0", 1),
        ("DEPOT-A", 3),
    ]
    mine = threading.local()
    accepting = _pause_after_first_move(monkeypatch, mine)

    def accept(thread_session: Session) -> object:
        mine.pause = True
        return accept_proposals(thread_session, [], by=BY)

    def transfer(thread_session: Session) -> object:
        body = schemas.TransferCreate(
            part="P-1", origin="DEPOT-A", destination="DEPOT-0", quantity=1
        )
        return service.ship(thread_session, body, by=BY)

    def after_the_accept_moved() -> str:
        accepting.wait(timeout=10)
        return _outcome(db, transfer)

    with ThreadPoolExecutor(max_workers=2) as pool:
        accepted = pool.submit(_outcome, db, accept)
        shipped = pool.submit(after_the_accept_moved)
        assert (accepted.result(), shipped.result()) == ("ok", "ok")
    session.expire_all()
    assert verify(session)[1] == []


def test_simultaneous_counts_do_not_add_up(
    db: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two counts of 8 where 5 were booked leave 8 on hand (one +3 adjustment), not 11."""
    small_network(session)
    receive(session, "P-1", "DEPOT-A", 5)
    mine = threading.local()
    first_counted = _pause_after_first_move(monkeypatch, mine)

    def count(thread_session: Session) -> object:
        part = thread_session.scalars(select(Part).where(Part.number == "P-1")).one()
        location = thread_session.scalars(select(Location).where(Location.code == "DEPOT-A")).one()
        return set_on_hand(thread_session, part, location, 8, by=BY)

    def first(thread_session: Session) -> object:
        mine.pause = True
        return count(thread_session)

    def second() -> str:
        first_counted.wait(timeout=10)  # the first count has read 5 and booked +3, uncommitted
        return _outcome(db, count)

    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = [pool.submit(_outcome, db, first), pool.submit(second)]
        assert [c.result() for c in counted] == ["ok", "ok"]
    balance = session.scalars(select(StockLevel)).one()
    session.refresh(balance)
    assert balance.on_hand == 8
    assert verify(session)[1] == []
