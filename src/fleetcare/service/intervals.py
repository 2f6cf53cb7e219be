"""Time intervals: the union of a unit's down stretches and their length in a window (pure).

An interval is ``(start, end)`` with ``end`` None while it is still open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime | None]
DAY = timedelta(days=1)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals merged where they overlap or touch, by start; an open one absorbs the rest."""
    merged: list[Interval] = []
    for start, end in sorted(intervals, key=lambda i: i[0]):
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start <= last_end:
                longer = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_start, longer)
                continue
        merged.append((start, end))
    return merged


def days_within(intervals: Iterable[Interval], start: datetime, end: datetime) -> float:
    """Days of the union of ``intervals`` that fall in [start, end); each moment counted once."""
    total = timedelta()
    for first, last in union(intervals):
        lower, upper = max(first, start), min(last or end, end)
        if upper > lower:
            total += upper - lower
    return total / DAY
