"""Two batches of readings of one unit at once, on both databases: the second waits for the
first and is judged against its readings, so the meters never run backwards."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.db import transaction
from fleetcare.core.errors import InvalidInput
from fleetcare.fleet.models import UsageReading
from fleetcare.fleet.schemas import UsageRecord
from fleetcare.fleet.usage import USAGE, UsageTable
from tests.fleet.factories import small_fleet


def test_a_reading_beside_an_uncommitted_later_one_is_judged_against_it(
    db: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch writes 200 h on 1 March and holds its transaction open; the second
    brings 300 h on 1 February — backwards against the first. It is refused once the first
    commits (without the unit's lock it passed, and both were stored)."""
    small_fleet(session)
    written = threading.Event()
    original = UsageTable._write

    def slow_write(self: UsageTable, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if threading.current_thread().name.startswith("first"):
            written.set()
            threading.Event().wait(0.5)  # the transaction stays open meanwhile
        return result

    monkeypatch.setattr(UsageTable, "_write", slow_write)

    def reading(day: datetime, hours: float) -> str:
        record = UsageRecord(serial="BUS-001", taken_at=day, engine_hours=hours)
        try:
            with transaction(db, write=True) as thread_session:
                USAGE.apply(thread_session, [Item(record)])
        except InvalidInput:
            return "refused"
        return "stored"

    def first() -> str:
        threading.current_thread().name = "first"
        return reading(datetime(2024, 3, 1), 200.0)

    def second() -> str:
        assert written.wait(timeout=10)
        return reading(datetime(2024, 2, 1), 300.0)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [pool.submit(first), pool.submit(second)]
        assert [o.result() for o in outcomes] == ["stored", "refused"]
    hours = session.scalars(select(UsageReading.engine_hours).order_by(UsageReading.taken_at)).all()
    assert hours == sorted(h for h in hours if h is not None)
