"""The planning facade: the problem from the database, cached solves, one solve at a time."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.errors import Busy
from fleetcare.planning import service
from fleetcare.planning.service import SingleFlight
from tests.planning.factories import planned_network


@pytest.fixture(autouse=True)
def _fresh_solves() -> None:
    """Each test solves its own network: the solve cache starts empty."""
    service.cache.clear()


def test_load_problem_has_the_network_and_its_stock(client: TestClient, session: Session) -> None:
    """The region's problem, the stock it holds now at each part-location, and its currency;
    a region without machines gives None."""
    planned_network(session)
    receipt = {"kind": "receipt", "part": "P-1", "location": "DEPOT-N", "quantity": 2}
    assert client.post("/api/stock/moves", json=receipt).status_code in (200, 201)
    session.expire_all()
    loaded = service.load_problem(session, region="Arctic")
    assert loaded is not None
    problem = loaded.problem
    assert problem.part_ids == ("P-1",) and set(problem.location_ids) == {"DEPOT-N", "HUB", "PLANT"}
    index = problem.location_index()
    assert loaded.current[0, index["DEPOT-N"]] == 2 and loaded.current.sum() == 2
    assert loaded.currency != ""
    assert service.load_problem(session, region="Nowhere") is None


def test_solve_walks_one_cached_solve_to_every_target(session: Session) -> None:
    """A second target and a second call reuse the region's hulls: one solve in all."""
    planned_network(session)
    first = service.solve(session, region="Arctic", target=0.9)
    second = service.solve(session, region="Arctic", target=0.97)
    assert first is not None and second is not None
    assert first.source is second.source and service.cache.computed == 1
    assert first.curve.last.availability >= 0.9 and second.curve.last.availability >= 0.97
    assert second.plan(first.curve.last.cost).last.cost == pytest.approx(first.curve.last.cost)
    assert service.solve(session, region="Nowhere", target=0.9) is None


def test_two_concurrent_requests_for_one_key_compute_once() -> None:
    """While one caller computes a key, a second asking for it waits and takes its value."""
    flights: SingleFlight[str] = SingleFlight()
    calls: list[int] = []
    answers: list[str] = []

    def compute() -> str:
        calls.append(1)
        deadline = time.monotonic() + 10
        while flights.waiting("k") < 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # hold the key until the second caller waits for it
        return "solved"

    threads = [threading.Thread(target=lambda: answers.append(flights.get("k", compute)))]
    threads[0].start()
    while not calls:
        time.sleep(0.001)
    threads.append(threading.Thread(target=lambda: answers.append(flights.get("k", compute))))
    threads[1].start()
    for thread in threads:
        thread.join(timeout=20)
    assert answers == ["solved", "solved"] and len(calls) == 1 and flights.computed == 1


def test_waiting_for_another_callers_value_is_bounded() -> None:
    """While one caller computes a key: a waiter past ``wait_seconds`` gets ``Busy``, and so
    at once does a caller beyond ``max_waiting``; nothing is kept from them, the computing
    caller's value is kept, and the key's lock goes once everyone has left."""
    flights: SingleFlight[str] = SingleFlight(wait_seconds=0.2, max_waiting=1)
    release = threading.Event()
    started = threading.Event()
    answers: list[str] = []

    def compute() -> str:
        started.set()
        release.wait(10)
        return "solved"

    computing = threading.Thread(target=lambda: answers.append(flights.get("k", compute)))
    computing.start()
    assert started.wait(10)
    outcomes: list[str] = []

    def wait_for_it() -> None:
        try:
            outcomes.append(flights.get("k", compute))
        except Busy:
            outcomes.append("busy")

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    deadline = time.monotonic() + 10
    while flights.waiting("k") < 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    with pytest.raises(Busy):  # one computes, one waits: the next is refused at once
        flights.get("k", compute)
    waiter.join(timeout=10)
    assert outcomes == ["busy"]  # waited 0.2 s, then gave up
    release.set()
    computing.join(timeout=10)
    assert answers == ["solved"] and flights.computed == 1
    assert flights.get("k", compute) == "solved" and flights.in_flight() == []


def test_a_stale_value_is_computed_again_and_the_oldest_key_goes_first() -> None:
    """Past ``seconds`` a key is computed again; beyond ``size`` keys the oldest is dropped."""
    flights: SingleFlight[int] = SingleFlight(seconds=0.0, size=2)
    assert flights.get("a", lambda: 1) == 1 and flights.get("a", lambda: 2) == 2
    flights = SingleFlight(size=2)
    for key in ("a", "b", "c"):
        flights.get(key, lambda: 0)
    assert flights.held() == ["b", "c"] and flights.computed == 3


def test_remember_computes_once_per_solve(session: Session) -> None:
    """What is derived from a solve is computed once for it, whatever the target walked."""
    planned_network(session)
    solved = service.solve(session, region="Arctic", target=0.9)
    again = service.solve(session, region="Arctic", target=0.97)
    assert solved is not None and again is not None
    calls: list[int] = []
    first = service.remember(solved, "rows", lambda: calls.append(1) or [1, 2])
    assert service.remember(again, "rows", lambda: calls.append(1) or [3]) == first == [1, 2]
    assert len(calls) == 1


def test_the_lock_tables_stay_bounded_whatever_keys_are_asked() -> None:
    """After 1,000 distinct keys (one of them failing), the cache holds ``size`` values and no
    key's lock: a lock lives only while someone computes or waits for its key."""
    flights: SingleFlight[int] = SingleFlight(size=4)
    for n in range(1_000):
        flights.get(("db", f"region {n}"), lambda n=n: n)  # type: ignore[misc]
    with pytest.raises(ZeroDivisionError):
        flights.get("fails", lambda: 1 // 0)
    assert len(flights.held()) == 4 and flights.in_flight() == []
    assert flights.waiting("fails") == 0 and flights.get("fails", lambda: 7) == 7


def test_what_is_derived_from_a_solve_is_bounded(session: Session) -> None:
    """A solve keeps the ``DERIVED_SIZE`` values asked last, whatever number of keys is asked."""
    planned_network(session)
    solved = service.solve(session, region="Arctic", target=0.9)
    assert solved is not None
    for n in range(1_000):
        service.remember(solved, ("simulated", n), lambda n=n: n)  # type: ignore[misc]
    derived = solved.source.derived
    assert len(derived.held()) == service.DERIVED_SIZE and derived.in_flight() == []
    assert derived.held()[-1] == ("simulated", 999)
