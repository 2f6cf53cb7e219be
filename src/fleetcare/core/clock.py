"""The one clock: naive UTC times, as every table stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the database columns are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()
