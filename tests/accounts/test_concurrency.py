"""Simultaneous failed sign-ins: every failure is counted, none crashes, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.accounts.models import LoginFailure
from fleetcare.accounts.service import FREE_ATTEMPTS
from fleetcare.core.permissions import Role

REQUESTS = 12


def test_parallel_failed_sign_ins_are_all_counted(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Real parallel wrong passwords: only 401 or 429, and each 401 adds one to both counters."""
    make_user("mia", Role.planner)
    start = threading.Barrier(REQUESTS)

    def guess(n: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            start.wait()
            answer = http.post(
                "/api/auth/token", data={"username": "mia", "password": f"wrong-{n}"}
            )
            return answer.status_code

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        statuses = Counter(pool.map(guess, range(REQUESTS)))
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] >= FREE_ATTEMPTS
    counters = {c.key: c.failures for c in session.scalars(select(LoginFailure))}
    assert counters == {"user:mia": statuses[401], "addr:127.0.0.1": statuses[401]}
