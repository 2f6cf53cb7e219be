"""The request's transaction: committed before the response leaves, so a client never sees
success for a write the database then refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from fleetcare.core.db import get_sessionmaker
from fleetcare.fleet.models import Region


def test_a_failed_commit_is_the_answer(client: TestClient, db: str, session: Session) -> None:
    """When the commit fails the client gets the error (409), not the handler's 201."""

    def refuse(_session: Any) -> None:
        raise IntegrityError("COMMIT", None, Exception("deferred constraint violated"))

    factory = get_sessionmaker(db)
    event.listen(factory, "before_commit", refuse)
    try:
        answer = client.post(
            "/api/regions", json={"name": "Taiga", "country": "Russia", "climate": "cold"}
        )
    finally:
        event.remove(factory, "before_commit", refuse)
    assert answer.status_code == 409, answer.text
    assert session.scalars(select(Region).where(Region.name == "Taiga")).first() is None


def test_a_database_error_that_lost_no_connection_is_not_answered_as_retryable(
    client: TestClient, db: str
) -> None:
    """Only a lost connection is 503 with Retry-After; any other ``OperationalError`` (a
    missing table, a timeout) is a fault to fix and is left to the server's error handling."""

    def fail(_session: Any) -> None:
        raise OperationalError("COMMIT", None, Exception("no such table: regions"))

    factory = get_sessionmaker(db)
    event.listen(factory, "before_commit", fail)
    try:
        with pytest.raises(OperationalError):
            client.post(
                "/api/regions", json={"name": "Taiga", "country": "Russia", "climate": "cold"}
            )
    finally:
        event.remove(factory, "before_commit", fail)
