"""Usage readings: whatever order they arrive in, stored meters never run backwards."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.errors import InvalidInput
from fleetcare.fleet.models import Unit, UsageReading
from fleetcare.fleet.schemas import UsageRecord
from fleetcare.fleet.usage import USAGE
from tests.fleet.factories import small_fleet

START = datetime(2024, 1, 1)
readings = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 500).map(float)),
    min_size=1,
    max_size=12,
    unique_by=lambda pair: pair[0],
)
examples = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def record(day: int, hours: float) -> UsageRecord:
    return UsageRecord(serial="BUS-001", taken_at=START + timedelta(days=day), engine_hours=hours)


def stored_hours(session: Session) -> list[float | None]:
    statement = (
        select(UsageReading.engine_hours)
        .join(Unit)
        .where(Unit.serial == "BUS-001")
        .order_by(UsageReading.taken_at)
    )
    return list(session.scalars(statement))


def ensure_fleet(session: Session) -> None:
    if session.scalar(select(Unit.id).limit(1)) is None:
        small_fleet(session)


@examples
@given(batch=readings)
def test_one_batch_is_accepted_exactly_when_ordered(
    session: Session, batch: list[tuple[int, float]]
) -> None:
    """A batch is written iff, by time, its hours never decrease; the unit shows the newest."""
    ensure_fleet(session)
    try:
        by_time = [hours for _day, hours in sorted(batch)]
        ordered = all(a <= b for a, b in pairwise(by_time))
        try:
            result = USAGE.apply(session, [Item(record(d, h)) for d, h in batch])
        except InvalidInput as exc:
            assert not ordered
            assert {e.field for e in exc.errors} == {"engine_hours"}
            assert stored_hours(session) == []
            return
        assert ordered
        assert result.created == len(batch)
        assert stored_hours(session) == by_time
        unit = session.scalars(select(Unit).where(Unit.serial == "BUS-001")).one()
        session.refresh(unit)
        assert unit.engine_hours == by_time[-1]
        assert unit.last_reading_at == START + timedelta(days=max(d for d, _h in batch))
    finally:
        session.rollback()


@examples
@given(arrivals=readings)
def test_readings_one_by_one_keep_the_series_ordered(
    session: Session, arrivals: list[tuple[int, float]]
) -> None:
    """Readings sent one at a time, in any order: each accepted one keeps the series ordered."""
    ensure_fleet(session)
    try:
        for day, hours in arrivals:
            before = stored_hours(session)
            try:
                USAGE.apply(session, [Item(record(day, hours), must_be_new=True)])
            except InvalidInput:
                assert stored_hours(session) == before
                continue
            after = [h for h in stored_hours(session) if h is not None]
            assert after == sorted(after)
            assert len(after) == len(before) + 1
    finally:
        session.rollback()


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), -1.0, 1.7e308, 1_000_001.0])
def test_meter_values_must_be_real_and_non_negative(hours: float) -> None:
    """NaN, infinity, negative and absurd meter values are refused by the record itself (an
    absurd one would overflow the early warning's sums)."""
    with pytest.raises(ValueError, match="engine_hours"):
        record(1, hours)
