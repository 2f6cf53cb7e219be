"""Assignments over REST: no double booking, the supervision rule, countersigning."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.workforce.factories import crew, day_ahead, work_order


def _at(hour: int, minute: int = 0) -> str:
    return f"{day_ahead().isoformat()}T{hour:02d}:{minute:02d}:00"


def _assign(client: TestClient, code: str, order: int, start: str, end: str) -> object:
    return client.post(
        "/api/workforce/assignments",
        json={"technician": code, "work_order": order, "start": start, "end": end},
    )


def test_overlap_is_409_and_touching_is_fine(client: TestClient, session: Session) -> None:
    """A second assignment overlapping the first by a minute is 409; one starting at its end is
    201 (intervals are [start, end))."""
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    assert _assign(client, "CERT-1", first, _at(9), _at(11)).status_code == 201
    clash = _assign(client, "CERT-1", second, _at(10, 59), _at(12))
    assert clash.status_code == 409 and "CERT-1 already holds" in clash.json()["detail"]
    assert _assign(client, "CERT-1", second, _at(11), _at(12)).status_code == 201
