"""Shifts and the dispatch window: parsing, and the window rule as a property."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.workforce.shifts import Shift, parse_shift, window

DAY = date(2026, 12, 7)
MIDNIGHT = datetime.combine(DAY, time())


def test_parse_shift() -> None:
    """``HH:MM-HH:MM`` with start before end; anything else is refused with a reason."""
    assert parse_shift("08:00-17:30") == Shift(time(8), time(17, 30))
    for bad in ("17:00-08:00", "08:00-08:00", "8-17", "24:00-25:00", "08:60-09:00"):
        with pytest.raises(ValueError):
            parse_shift(bad)


minutes = st.integers(min_value=0, max_value=24 * 60 - 2)


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(st.integers(min_value=0, max_value=22 * 60))
    length = draw(st.integers(min_value=1, max_value=24 * 60 - 1 - start))
    first = MIDNIGHT + timedelta(minutes=start)
    return Shift(first.time(), (first + timedelta(minutes=length)).time())


@given(
    st.lists(shifts(), min_size=1, max_size=4),
    st.integers(min_value=-5 * 24 * 60, max_value=24 * 60),
    st.one_of(st.none(), st.floats(min_value=0.25, max_value=96)),
    st.integers(min_value=-3 * 24 * 60, max_value=24 * 60),
)
def test_window_rule(
    day_shifts: list[Shift], reported: int, target: float | None, now: int
) -> None:
    """Property: a window starts at the later of the first shift start and now, ends by the
    last shift end, never before it starts, and ends at the response target when that falls
    inside; None only when the day's work is over."""
    reported_at = MIDNIGHT + timedelta(minutes=reported)
    moment = MIDNIGHT + timedelta(minutes=now)
    first = datetime.combine(DAY, min(s.start for s in day_shifts))
    last = datetime.combine(DAY, max(s.end for s in day_shifts))
    found = window(DAY, day_shifts, reported_at, target, moment)
    lower = max(first, moment)
    if lower >= last:
        assert found is None
        return
    assert found is not None
    start, end = found
    assert start == lower and start <= end <= last
    if target is not None:
        due = reported_at + timedelta(hours=target)
        if lower <= due <= last:
            assert end == due
        else:
            assert end == last
