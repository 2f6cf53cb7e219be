"""No double booking under concurrency, on both databases: real parallel HTTP requests for
overlapping assignments of one technician — exactly one wins."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fleetcare.core.db import get_sessionmaker
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import issue_token
from fleetcare.service.models import WorkOrder
from fleetcare.workforce import service as workforce
from fleetcare.workforce.models import Assignment
from fleetcare.workforce.schemas import PlanDocument
from tests.conftest import TEST_SECRET
from tests.workforce.factories import crew, day_ahead, work_order

REQUESTS = 8


def _race(live_server: str, token: str, bodies: list[dict[str, object]], path: str) -> Counter[int]:
    start = threading.Barrier(len(bodies))

    def post(body: dict[str, object]) -> int:
        with httpx.Client(
            base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            start.wait()
            return http.post(path, json=body).status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return Counter(pool.map(post, bodies))


def test_two_overlapping_assignments_one_wins(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Two concurrent overlapping assignments of CERT-1 (on two work orders): one 201, one 409."""
    crew(session)
    orders = [work_order(session), work_order(session, "BUS-002")]
    token = issue_token(make_user("dispatch-1", Role.dispatcher), TEST_SECRET)
    day = day_ahead().isoformat()
    bodies: list[dict[str, object]] = [
        {
            "technician": "CERT-1",
            "work_order": o,
            "start": f"{day}T09:00:00",
            "end": f"{day}T11:00:00",
        }
        for o in orders
    ]
    assert _race(live_server, token, bodies, "/api/workforce/assignments") == Counter(
        {201: 1, 409: 1}
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_many_overlapping_assignments_and_plans_one_wins(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Eight concurrent writers — assignments and one-stop plans — all overlapping on ENG-1:
    exactly one 201; ENG-1 holds one assignment."""
    crew(session)
    orders = [work_order(session, s) for s in ("BUS-001", "BUS-002", "BUS-003")]
    token = issue_token(make_user("dispatch-2", Role.dispatcher), TEST_SECRET)
    day = day_ahead().isoformat()
    bodies: list[dict[str, object]] = []
    for n in range(REQUESTS):
        order = orders[n % len(orders)]
        minute = 10 + n
        if n % 2:
            bodies.append(
                {
                    "technician": "ENG-1",
                    "work_order": order,
                    "start": f"{day}T09:{minute}:00",
                    "end": f"{day}T10:30:00",
                }
            )
        else:
            stop = {"job": f"WO-{order}", "start": f"09:{minute}", "end": "10:30"}
            bodies.append({"date": day, "plan": {"routes": [{"crew": ["ENG-1"], "stops": [stop]}]}})
    start = threading.Barrier(REQUESTS)

    def post(body: dict[str, object]) -> int:
        path = "/api/dispatch/publish" if "plan" in body else "/api/workforce/assignments"
        with httpx.Client(
            base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            start.wait()
            return http.post(path, json=body).status_code

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        statuses = Counter(pool.map(post, bodies))
    assert statuses[201] == 1, statuses
    # the losers: 409 (overlap), or 422 when a plan names a work order a winner already scheduled
    assert statuses[409] + statuses[422] == REQUESTS - 1, statuses
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_publish_beside_a_transition_takes_the_locks_in_the_same_order(
    db: str, session: Session
) -> None:
    """A transition holds the job's defect (it locks the defect, then the work order); a
    publish of that job waits for the defect instead of holding the work order first, so
    neither is aborted as a deadlock (PostgreSQL; SQLite's writers take turns)."""
    if not db.startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL only")
    crew(session)
    order = work_order(session)
    defect = session.get(WorkOrder, order)
    assert defect is not None
    defect_id = defect.defect_id
    session.commit()
    maker = get_sessionmaker(db)
    outcome: dict[str, str] = {}
    transition = maker()
    transition.execute(text("SELECT id FROM defects WHERE id = :i FOR UPDATE"), {"i": defect_id})

    def publish() -> None:
        stop = {"job": f"WO-{order}", "start": "09:10", "end": "10:30"}
        plan = PlanDocument.model_validate({"routes": [{"crew": ["ENG-1"], "stops": [stop]}]})
        with maker() as other:
            try:
                workforce.publish_plan(other, system("test"), plan, day_ahead())
                other.commit()
                outcome["publish"] = "ok"
            except Exception as exc:
                outcome["publish"] = repr(exc)

    thread = threading.Thread(target=publish)
    thread.start()
    time.sleep(1.0)  # the publish now waits on the defect
    transition.execute(text("SELECT id FROM work_orders WHERE id = :i FOR UPDATE"), {"i": order})
    transition.rollback()
    transition.close()
    thread.join(30)
    assert outcome == {"publish": "ok"}
