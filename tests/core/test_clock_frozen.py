"""``clock.frozen``: inside the block every reading of the clock is the frozen time (naive UTC,
or an aware time converted); outside it, and after an error in it, the clock runs again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from fleetcare.core import clock


def test_frozen_and_released() -> None:
    at = datetime(2024, 3, 1, 8, 30)
    with clock.frozen(at):
        assert clock.utcnow() == at
        assert clock.now() == at.replace(tzinfo=UTC)
        assert clock.today() == date(2024, 3, 1)
        with clock.frozen(at + timedelta(hours=1)):
            assert clock.utcnow() == at + timedelta(hours=1)
        assert clock.utcnow() == at
    assert clock.utcnow() - datetime.now(UTC).replace(tzinfo=None) < timedelta(seconds=5)
    moscow = datetime(2024, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=3)))
    with clock.frozen(moscow):
        assert clock.utcnow() == at
    with pytest.raises(RuntimeError), clock.frozen(at):
        raise RuntimeError
    assert clock.today() != date(2024, 3, 1)
