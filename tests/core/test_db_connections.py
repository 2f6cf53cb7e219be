"""PostgreSQL connections that die: one idle in the pool is pinged and replaced before use; one
that dies right after use fails its request with 503 and ``Retry-After``, and the next request
is served on a fresh connection."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from fleetcare.core import db as core_db
from fleetcare.core.db import get_engine

pytestmark = pytest.mark.skipif(
    not os.environ.get("FLEETCARE_TEST_PG"), reason="PostgreSQL only (FLEETCARE_TEST_PG)"
)


def _terminate_others(url: str) -> int:
    """End every other session on ``url``'s database, as a server restart would; how many."""
    killer = create_engine(url, poolclass=NullPool)
    try:
        with killer.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        killer.dispose()
    return int(ended)


def _backend_pid(url: str) -> int:
    with get_engine(url).connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _postgres(database_url: str) -> str:
    """``database_url`` on PostgreSQL, its pool emptied (earlier tests leave several
    connections in it, and the pool hands out any of them)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    get_engine(database_url).dispose()
    return database_url


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _postgres(db)
    first = _backend_pid(url)
    assert _backend_pid(url) == first  # the pool hands the same connection back
    assert _terminate_others(url) >= 1
    monkeypatch.setattr(core_db, "IDLE_PING_SECONDS", 0.0)  # it has been idle long enough
    replaced = _backend_pid(url)
    assert replaced != first
    assert _backend_pid(url) == replaced


def test_a_recently_used_connection_is_not_pinged(db: str) -> None:
    """The trade against ``pool_pre_ping``: a connection back in the pool within
    ``IDLE_PING_SECONDS`` is used without a round trip first, so if it died meanwhile the
    statement itself fails (and the pool replaces its connections)."""
    url = _postgres(db)
    first = _backend_pid(url)
    _terminate_others(url)
    with pytest.raises(OperationalError) as failed:
        _backend_pid(url)
    assert failed.value.connection_invalidated
    assert _backend_pid(url) != first


def test_a_connection_lost_in_a_request_answers_503_then_the_next_is_served(
    db: str, client: TestClient
) -> None:
    _postgres(db)
    assert client.get("/api/regions").status_code == 200
    _terminate_others(db)
    lost = client.get("/api/regions")
    assert lost.status_code == 503, lost.text
    assert lost.headers["Retry-After"] == "1"
    assert "pg_" not in lost.text and "SELECT" not in lost.text  # no database internals
    assert client.get("/api/regions").status_code == 200
