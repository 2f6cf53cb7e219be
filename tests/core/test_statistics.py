"""The planner's statistics after bulk writes: ``ANALYZE`` in the writing transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fleetcare.core import bulk
from fleetcare.core.statistics import refresh_statistics
from fleetcare.exchange.registry import TABLES
from tests.fleet.factories import small_fleet

UNITS_CSV = """serial,model,customer,site,delivered_on,warranty_start,status
BUS-101,CB-12,NORD,North depot,2023-03-01,2023-03-10,in_service
BUS-102,CB-12,NORD,North depot,2023-03-01,,down
"""


def analysed_rows(session: Session, table: str) -> float | None:
    """What the planner believes ``table`` holds: PostgreSQL's ``reltuples`` (-1 before the
    first ANALYZE), SQLite's row count in ``sqlite_stat1`` (None before)."""
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT reltuples FROM pg_class WHERE relname = :t"
        return float(session.execute(text(query), {"t": table}).scalar_one())
    if not session.execute(
        text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).first():
        return None
    stat = session.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table})
    first = stat.scalars().first()
    return None if first is None else float(str(first).split()[0])


def test_refresh_counts_the_transactions_own_rows(session: Session) -> None:
    """Run in the writing transaction, ANALYZE sees the rows just written, before the commit."""
    small_fleet(session, units=4)
    refresh_statistics(session, ["units"])
    assert analysed_rows(session, "units") == 5
    refresh_statistics(session)  # every table
    assert analysed_rows(session, "sites") == 2
    session.commit()


def test_unknown_table_is_refused(session: Session) -> None:
    """Only the models' tables may be named: nothing else reaches the SQL."""
    with pytest.raises(ValueError, match="not a table"):
        refresh_statistics(session, ["units; DROP TABLE units"])


def test_bulk_import_refreshes_statistics(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of ``ANALYZE_FROM_ROWS`` rows or more leaves the planner its statistics."""
    small_fleet(session, units=1)
    before = analysed_rows(session, "units")
    monkeypatch.setattr(bulk, "ANALYZE_FROM_ROWS", 2)
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    bulk.import_file(session, TABLES["units"], path, actor="test")
    assert analysed_rows(session, "units") == 4 != before
    session.commit()
