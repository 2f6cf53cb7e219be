"""Simultaneous failed sign-ins: every failure is counted, none crashes, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fleetcare.accounts import service
from fleetcare.accounts.models import LoginFailure
from fleetcare.accounts.throttle import FREE_ATTEMPTS
from fleetcare.core.clock import utcnow
from fleetcare.core.permissions import Role

REQUESTS = 12


def test_parallel_failed_sign_ins_are_all_counted(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Real parallel wrong passwords: only 401 or 429, and each 401 adds one to each counter."""
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
    assert counters == dict.fromkeys(
        ["user:mia", "pair:127.0.0.1 mia", "addr:127.0.0.1"], statuses[401]
    )


BURST = 20


def _guesses(live_server: str, username: str, *, parallel: bool) -> Counter[int]:
    """Send BURST wrong passwords for ``username``, all at once or one after another."""
    start = threading.Barrier(BURST if parallel else 1)

    def guess(n: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            start.wait()
            answer = http.post(
                "/api/auth/token", data={"username": username, "password": f"wrong-{n}"}
            )
            return answer.status_code

    if not parallel:
        return Counter(guess(n) for n in range(BURST))
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        return Counter(pool.map(guess, range(BURST)))


def test_a_burst_gets_no_more_guesses_than_a_sequence(
    live_server: str,
    session: Session,
    make_user: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """20 wrong passwords at once get no more password checks than 20 one after another."""
    make_user("nell", Role.planner)
    instant = utcnow()  # the clock stands still: no delay runs out during the test
    monkeypatch.setattr(service, "utcnow", lambda: instant)
    checks: list[str] = []
    real_verify = service.verify_password

    def counted_verify(password_hash: str | None, password: str) -> bool:
        checks.append(password)  # list.append is atomic under the GIL
        return real_verify(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counted_verify)
    sequential = _guesses(live_server, "nell", parallel=False)
    sequential_checks = len(checks)
    session.execute(delete(LoginFailure))
    session.commit()
    checks.clear()
    burst = _guesses(live_server, "nell", parallel=True)
    assert sequential == {401: FREE_ATTEMPTS, 429: BURST - FREE_ATTEMPTS}
    assert sequential_checks == FREE_ATTEMPTS
    assert burst == sequential and len(checks) == sequential_checks
