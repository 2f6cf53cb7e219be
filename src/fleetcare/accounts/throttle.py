"""Sign-in throttling: three failure counters, the wait they impose, and taking a guess atomically.

The counters (rows of ``login_failures``, keyed by name):

``addr:A``          failures from address A, whatever the account. Slows one address trying many
                    accounts. A success never resets it (else a valid account of one's own would
                    reset it between guesses at the others).
``pair:A N``        failures of account N from address A: that A has failed on N, and when
                    last. A success of N from A deletes it.
``user:N``          failures of account N from every address, never reset by a success. It
                    slows guessing N from many addresses: an address that has failed on N
                    waits, after its own last failure on N, as long as ``user:N``'s count says.
                    An address that has not failed on N never waits for it, and one that has
                    waits from its own failure, not the others': nobody can keep N locked out
                    of an address they do not share.

``addr:A`` allows ``FREE_ATTEMPTS`` failures and ``user:N`` ``ACCOUNT_FREE_ATTEMPTS``; after
that the wait is 1, 2, 4 … up to ``MAX_DELAY_SECONDS`` seconds. (``addr:A`` counts every
failure ``pair:A N`` counts, so a limit of its own on ``pair:A N`` would never bind.) A counter
with no failure for ``FORGET_AFTER`` starts again from zero.

Atomicity: on PostgreSQL, :func:`take_turn` takes a transaction-level advisory lock per counter
(in one global order, so two sign-ins cannot deadlock) before the counters are read; the locks
are held until the transaction commits, after the failure is counted. Concurrent attempts that
share a counter therefore run one after another, each seeing the failures of those before it.
On SQLite a sign-in is a write transaction that begins IMMEDIATE, holding the database's single
write lock from the start: sign-ins already run one at a time.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fleetcare.accounts.addresses import bucket
from fleetcare.accounts.models import LoginFailure

FREE_ATTEMPTS = 5  # failures allowed per address, whatever the accounts
ACCOUNT_FREE_ATTEMPTS = 20  # failures allowed per account from all addresses together
MAX_DELAY_SECONDS = 300
FORGET_AFTER = timedelta(hours=1)  # a counter idle this long starts again from zero
LOCK_CLASS = 0x5F1A  # first key of the pg_advisory_xact_lock(int, int) pairs taken here


@dataclass(frozen=True)
class Keys:
    """The three counters one sign-in attempt reads and writes."""

    address: str
    pair: str
    account: str

    @classmethod
    def of(cls, username: str, address: str) -> Keys:
        name, where = username[:150], bucket(address)
        # Distinct prefixes: no username can make its counter another one's.
        return cls(address=f"addr:{where}", pair=f"pair:{where} {name}", account=f"user:{name}")

    def all(self) -> list[str]:
        return [self.address, self.pair, self.account]


def delay(failures: int, free: int) -> int:
    """Seconds to wait after ``failures`` failures when ``free`` are allowed: 0, 1, 2, 4 … 300."""
    if failures < free:
        return 0
    return int(min(2 ** min(failures - free, 16), MAX_DELAY_SECONDS))


def _lock_id(key: str) -> int:
    """A stable signed 32-bit number for ``key`` (a collision only makes two keys queue)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big", signed=True)


def take_turn(session: Session, keys: Keys) -> None:
    """Queue behind every other sign-in sharing a counter with this one, until commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for lock_id in sorted({_lock_id(key) for key in keys.all()}):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :id)"), {"cls": LOCK_CLASS, "id": lock_id}
        )


def wait_seconds(session: Session, keys: Keys, now: datetime) -> int:
    """Seconds this attempt must still wait (0: it may check the password).

    The address waits out its own delay; if it has failed on the account, also the account's
    delay, timed from its own last failure on the account: the account's failures elsewhere
    lengthen that wait but cannot restart it, so no one else can keep it going.
    """
    rows = session.scalars(select(LoginFailure).where(LoginFailure.key.in_(keys.all())))
    failures = {row.key: row for row in rows if now - row.last_failure_at < FORGET_AFTER}
    address, pair, account = (failures.get(key) for key in keys.all())
    until = [now]
    if address and delay(address.failures, FREE_ATTEMPTS):
        until.append(address.last_failure_at + _seconds(delay(address.failures, FREE_ATTEMPTS)))
    if pair and account and delay(account.failures, ACCOUNT_FREE_ATTEMPTS):
        until.append(
            pair.last_failure_at + _seconds(delay(account.failures, ACCOUNT_FREE_ATTEMPTS))
        )
    return math.ceil((max(until) - now).total_seconds())


def _seconds(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def count_failure(session: Session, keys: Keys, now: datetime) -> None:
    """Add one failure to each counter in a single upsert (a forgotten one starts again at 1)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LoginFailure).values(
        [{"key": key, "failures": 1, "last_failure_at": now} for key in keys.all()]
    )
    forgotten = LoginFailure.last_failure_at <= now - FORGET_AFTER
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginFailure.key],
            set_={
                "failures": case((forgotten, 1), else_=LoginFailure.failures + 1),
                "last_failure_at": statement.excluded.last_failure_at,
            },
        )
    )


def count_success(session: Session, keys: Keys) -> None:
    """A success clears this account's failures from this address, and nothing else."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys.pair))
