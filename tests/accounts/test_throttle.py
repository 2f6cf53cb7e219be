"""The throttling rule, as attacks: what one address, one valid account or many addresses get."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.accounts.models import LoginFailure
from fleetcare.accounts.service import sign_in
from fleetcare.accounts.throttle import (
    ACCOUNT_FREE_ATTEMPTS,
    FORGET_AFTER,
    FREE_ATTEMPTS,
    MAX_DELAY_SECONDS,
    Keys,
    count_failure,
    delay,
    wait_seconds,
)
from fleetcare.core.clock import utcnow
from fleetcare.core.permissions import Role
from tests.conftest import TEST_PASSWORD

ADDRESSES = 12
Attempt = Callable[..., int]  # (username, password, address, now) -> HTTP-like status


@pytest.fixture
def attempt(session: Session) -> Iterator[Attempt]:
    """One sign-in, committed as the request would: 200, 401 (wrong) or 429 (must wait)."""

    def attempt(username: str, password: str, address: str, now: datetime) -> int:
        outcome = sign_in(session, username, password, address, now=now)
        session.commit()
        if outcome.retry_after_seconds:
            return 429
        return 200 if outcome.principal else 401

    yield attempt


def test_a_valid_account_does_not_reset_its_address(
    attempt: Attempt, make_user: Callable[..., str]
) -> None:
    """Signing in to one's own account between guesses at others does not earn more guesses."""
    make_user("mallory", Role.technician)
    make_user("victim", Role.planner)
    now = utcnow()
    statuses = []
    for n in range(FREE_ATTEMPTS):
        statuses.append(attempt(f"guess-{n}", "wrong-pass", "198.51.100.7", now))
        statuses.append(attempt("mallory", TEST_PASSWORD, "198.51.100.7", now))
    assert statuses == [401, 200] * (FREE_ATTEMPTS - 1) + [401, 429]
    assert attempt("victim", "wrong-pass", "198.51.100.7", now) == 429


def test_a_success_clears_only_that_account_at_that_address(
    attempt: Attempt, session: Session, make_user: Callable[..., str]
) -> None:
    """After typos, the right password deletes the account's record at the address, no more."""
    make_user("quinn", Role.planner)
    now = utcnow()
    attempt("quinn", "typo-typo", "192.0.2.10", now)
    attempt("quinn", "typo-typo", "192.0.2.11", now)
    assert attempt("quinn", TEST_PASSWORD, "192.0.2.10", now) == 200
    assert {row.key: row.failures for row in session.scalars(select(LoginFailure))} == {
        "addr:192.0.2.10": 1,
        "addr:192.0.2.11": 1,
        "pair:192.0.2.11 quinn": 1,
        "user:quinn": 2,
    }


def test_one_address_cannot_lock_the_admin_out_of_another(
    attempt: Attempt, make_user: Callable[..., str]
) -> None:
    """Hammering ``admin`` from A for hours never stops the admin at B, even after a typo there."""
    make_user("admin", Role.admin)
    now = utcnow()
    for _ in range(ACCOUNT_FREE_ATTEMPTS + 10):  # 2.5 hours, each guess as soon as A may
        now += timedelta(seconds=MAX_DELAY_SECONDS)
        assert attempt("admin", "wrong-pass", "203.0.113.66", now) == 401
    now += timedelta(seconds=10)
    assert attempt("admin", TEST_PASSWORD, "203.0.113.66", now) == 429  # A itself waits
    assert attempt("admin", "typo-typo", "192.0.2.1", now) == 401  # B, one typo
    for _ in range(3):  # A goes on guessing, and B's wait never starts again
        now += timedelta(seconds=MAX_DELAY_SECONDS // 3)
        attempt("admin", "wrong-pass", "203.0.113.66", now)
    assert attempt("admin", TEST_PASSWORD, "192.0.2.1", now) == 200
    assert attempt("admin", TEST_PASSWORD, "192.0.2.2", now) == 200


def test_guessing_from_many_addresses_is_slowed_down(
    attempt: Attempt, make_user: Callable[..., str]
) -> None:
    """Past the account's allowance, each further address gets one guess, then waits."""
    make_user("admin", Role.admin)
    now = utcnow()
    statuses = {
        (n, k): attempt("admin", f"guess-{n}-{k}", f"203.0.113.{n}", now)
        for n in range(ADDRESSES)
        for k in range(FREE_ATTEMPTS)
    }
    answered = sum(status == 401 for status in statuses.values())
    addresses_before = ACCOUNT_FREE_ATTEMPTS // FREE_ATTEMPTS
    assert answered == ACCOUNT_FREE_ATTEMPTS + (ADDRESSES - addresses_before)  # 28 of 60
    last = ADDRESSES - 1
    assert statuses[(last, 0)] == 401 and statuses[(last, 1)] == 429  # below its own five
    wait = delay(answered, ACCOUNT_FREE_ATTEMPTS)  # 256 s from its own failure
    again = now + timedelta(seconds=wait - 1)
    assert attempt("admin", "guess-again", f"203.0.113.{last}", again) == 429
    assert attempt("admin", TEST_PASSWORD, "192.0.2.1", again) == 200  # the admin, elsewhere


def test_failures_are_forgotten_after_an_idle_hour(
    attempt: Attempt, make_user: Callable[..., str]
) -> None:
    """An address with no failure for FORGET_AFTER starts again with its free attempts."""
    make_user("rita", Role.planner)
    now = utcnow()
    for n in range(FREE_ATTEMPTS):
        assert attempt(f"guess-{n}", "wrong-pass", "198.51.100.8", now) == 401
    assert attempt("rita", TEST_PASSWORD, "198.51.100.8", now) == 429
    assert attempt("rita", TEST_PASSWORD, "198.51.100.8", now + FORGET_AFTER) == 200


def test_a_username_cannot_name_another_counter() -> None:
    """No name, however shaped, shares a counter with another account or another address."""
    names = ["sam", "sam@192.0.2.5", "192.0.2.5 sam", "pair:192.0.2.5 sam", "addr:192.0.2.5"]
    addresses = ["192.0.2.5", "198.51.100.1"]
    keys = [Keys.of(name, address) for name in names for address in addresses]
    per_address = {k.address for k in keys} | {k.pair for k in keys}
    assert len({k.pair for k in keys}) == len(keys)
    assert len({k.account for k in keys}) == len(names)
    assert not per_address & {k.account for k in keys}


def test_free_attempts_never_wait_for_failures_dated_after_them(session: Session) -> None:
    """An attempt that queued for its turn behind others reads their failures as later than
    itself; under the free limit that is no reason to wait (it once answered 429 to the fourth
    of twelve parallel wrong passwords on PostgreSQL)."""
    keys = Keys.of("mia", "127.0.0.1")
    earlier = datetime(2026, 12, 1, 12, 0, 0)
    for _ in range(min(FREE_ATTEMPTS, ACCOUNT_FREE_ATTEMPTS) - 1):
        count_failure(session, keys, earlier + timedelta(seconds=1))
    session.flush()
    assert wait_seconds(session, keys, earlier) == 0
