"""The query planner's statistics, refreshed after bulk writes.

PostgreSQL plans from the statistics ``ANALYZE`` gathers; autovacuum gathers them only some time
after a table changes, so right after a bulk load it plans from none (10,000 demo units were
estimated at 33 rows, and a 50-row list page joined and sorted all 9,403 matches).
``refresh_statistics`` runs ``ANALYZE`` inside the writing transaction, after the rows are
written: it samples the transaction's own new rows, and the statistics are seen by everyone
when it commits (PostgreSQL documentation, "ANALYZE"; "The Statistics Used by the Planner").
SQLite's ``ANALYZE`` fills ``sqlite_stat1`` the same way, which its planner reads.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.orm import Session

from fleetcare.core.db import Base

ANALYZE_FROM_ROWS = 1_000  # an import that writes fewer rows leaves it to autovacuum


def refresh_statistics(session: Session, tables: Collection[str] = ()) -> None:
    """``ANALYZE`` the named tables (every table when none is named) in ``session``'s
    transaction. Names must be tables of the models (``ValueError`` otherwise)."""
    unknown = sorted(set(tables) - set(Base.metadata.tables))
    if unknown:
        raise ValueError(f"not a table: {', '.join(unknown)}")
    preparer = session.get_bind().dialect.identifier_preparer
    if session.get_bind().dialect.name == "postgresql" or not tables:
        names = ", ".join(preparer.quote(name) for name in sorted(tables))
        session.execute(text(f"ANALYZE {names}".rstrip()))
        return
    for name in sorted(tables):  # SQLite analyses one table (or everything) at a time
        session.execute(text(f"ANALYZE {preparer.quote(name)}"))
