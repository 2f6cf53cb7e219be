"""Read-only transactions (``transaction(..., reads=True)``, every GET request's): a change
through one is refused before it reaches the database; on PostgreSQL their statements run
without BEGIN and COMMIT, and the pooled connection is an ordinary transactional one again
for the next writer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from fleetcare.core.db import ReadOnlyViolation, transaction
from fleetcare.fleet.models import ClimateClass, Region


def _regions(url: str) -> list[str]:
    with transaction(url) as session:
        return list(session.scalars(select(Region.name).order_by(Region.name)))


def _add_region(url: str, name: str) -> None:
    with transaction(url, write=True) as session:
        session.add(Region(name=name, country="Norway", climate=ClimateClass.arctic))


def test_a_read_transaction_refuses_a_new_row(db: str) -> None:
    with pytest.raises(ReadOnlyViolation), transaction(db, reads=True) as session:
        session.add(Region(name="Finnmark", country="Norway", climate=ClimateClass.arctic))
        session.flush()
    assert _regions(db) == []


def test_a_read_transaction_refuses_a_changed_row(db: str) -> None:
    _add_region(db, "Finnmark")
    with pytest.raises(ReadOnlyViolation), transaction(db, reads=True) as session:
        region = session.scalars(select(Region)).one()
        region.name = "Troms"
        session.flush()
    assert _regions(db) == ["Finnmark"]


@pytest.mark.parametrize("statement", ["insert", "update"])
def test_a_read_transaction_refuses_write_statements(db: str, statement: str) -> None:
    _add_region(db, "Finnmark")
    write: Any = (
        insert(Region).values(name="Troms", country="Norway", climate=ClimateClass.arctic)
        if statement == "insert"
        else update(Region).values(name="Troms")
    )
    with pytest.raises(ReadOnlyViolation), transaction(db, reads=True) as session:
        session.execute(write)
    assert _regions(db) == ["Finnmark"]


def test_a_read_transaction_reads(db: str) -> None:
    _add_region(db, "Finnmark")
    with transaction(db, reads=True) as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 1
        assert session.scalars(select(Region.name)).all() == ["Finnmark"]


def test_on_postgresql_reads_autocommit_and_the_next_writer_is_atomic(db: str) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    with transaction(db, reads=True) as session:
        assert session.connection().connection.dbapi_connection.autocommit  # type: ignore[union-attr]
    # the pool hands the same connection to a writer: a transaction again, rolled back whole
    with pytest.raises(RuntimeError), transaction(db, write=True) as session:
        assert not session.connection().connection.dbapi_connection.autocommit  # type: ignore[union-attr]
        session.add(Region(name="Finnmark", country="Norway", climate=ClimateClass.arctic))
        session.flush()
        raise RuntimeError("the writer fails after its insert")
    assert _regions(db) == []


def test_get_requests_read_and_posts_write(
    client: TestClient, request_sessions: list[dict[str, bool]]
) -> None:
    assert client.get("/api/regions").status_code == 200
    created = client.post(
        "/api/regions", json={"name": "Finnmark", "country": "Norway", "climate": "arctic"}
    )
    assert created.status_code == 201, created.text
    assert request_sessions == [{"write": False, "reads": True}, {"write": True, "reads": False}]


def test_a_read_transaction_streams_rows(db: str) -> None:
    """A server-side cursor (``yield_per``) needs a transaction on PostgreSQL: the read
    transaction begins one for it, and the rows stream."""
    for name in ("Finnmark", "Troms", "Nordland"):
        _add_region(db, name)
    statement = select(Region.name).order_by(Region.name).execution_options(yield_per=2)
    with transaction(db, reads=True) as session:
        assert list(session.scalars(statement)) == ["Finnmark", "Nordland", "Troms"]
        assert list(session.scalars(statement)) == ["Finnmark", "Nordland", "Troms"]


def test_a_read_transaction_lets_an_attribute_be_set_to_its_own_value(db: str) -> None:
    """Only a net change is a write: setting a loaded row's attribute to the value it holds
    flushes nothing."""
    _add_region(db, "Finnmark")
    with transaction(db, reads=True) as session:
        region = session.scalars(select(Region)).one()
        region.name = "Finnmark"
        session.flush()
    assert _regions(db) == ["Finnmark"]


@pytest.mark.parametrize("route", ["connection", "bulk"])
def test_a_read_transaction_refuses_core_and_bulk_writes(db: str, route: str) -> None:
    """Past the ORM: a Core insert on the session's connection, and a bulk insert, are
    refused at the cursor (in autocommit they would otherwise be stored at once)."""
    row = {"name": "Troms", "country": "Norway", "climate": ClimateClass.arctic}
    with pytest.raises(ReadOnlyViolation), transaction(db, reads=True) as session:
        if route == "connection":
            session.connection().execute(insert(Region).values(**row))
        else:
            session.bulk_insert_mappings(Region, [row])  # type: ignore[arg-type]
    assert _regions(db) == []
