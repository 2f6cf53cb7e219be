"""The one clock: naive UTC times, as every table stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """Now, in UTC, with the time zone (for signed tokens and other aware times)."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the database columns are naive UTC)."""
    return now().replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC."""
    return now().date()
