"""The one clock: naive UTC times, as every table stores them.

``frozen(at)`` makes the clock read ``at`` inside a block (in this thread or task only): the
demo writes its history through the facades as it happened, each record stamped with the time
of its event rather than the time of the build.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_FROZEN: ContextVar[datetime | None] = ContextVar("fleetcare_clock_frozen", default=None)


def now() -> datetime:
    """Now, in UTC, with the time zone (for signed tokens and other aware times)."""
    frozen = _FROZEN.get()
    return datetime.now(UTC) if frozen is None else frozen


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the database columns are naive UTC)."""
    return now().replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as the tables keep it: naive UTC (an aware moment converted, a naive one
    taken as UTC already). OverflowError at the calendar's ends is the caller's to word."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def today() -> date:
    """Today's date in UTC."""
    return now().date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Read ``at`` (naive: UTC) as now inside the block; the clock runs again after it."""
    token = _FROZEN.set(at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC))
    try:
        yield
    finally:
        _FROZEN.reset(token)
