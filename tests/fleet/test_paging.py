"""Keyset paging over REST: ``cursor`` and ``next_cursor``; a forged cursor is a 422, not a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.fleet.factories import small_fleet


def walk(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, following ``next_cursor`` page after page."""
    items: list[dict[str, Any]] = []
    answer = client.get(path, params=params).json()
    while True:
        items += answer["items"]
        assert answer["total_is_estimate"] is False
        if answer["next_cursor"] is None:
            return items
        answer = client.get(path, params={**params, "cursor": answer["next_cursor"]}).json()


def test_units_by_cursor_match_units_by_offset(client: TestClient, session: Session) -> None:
    """Following ``next_cursor`` gives the same rows in the same order as one long page; the
    last page has no ``next_cursor``; ``total`` is the same on every page."""
    small_fleet(session, units=7)
    whole = client.get("/api/units", params={"limit": 100}).json()
    assert whole["next_cursor"] is None and whole["total"] == 8
    assert walk(client, "/api/units", limit=3) == whole["items"]
    first = client.get("/api/units", params={"limit": 3}).json()
    second = client.get("/api/units", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [u["serial"] for u in second["items"]] == ["BUS-004", "BUS-005", "BUS-006"]
    assert second["total"] == 8


def test_cursor_keeps_the_callers_scope(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """A cursor only says where to start: a customer following it still sees only its units,
    and an admin's cursor shows the customer nothing more."""
    small_fleet(session, units=3)
    admin = client_for(Role.admin, "boss")
    customer = client_for(Role.customer, "west", customer="WEST")
    assert [u["serial"] for u in walk(customer, "/api/units", limit=1)] == ["LIFT-001"]
    admins = admin.get("/api/units", params={"limit": 1}).json()["next_cursor"]
    after = customer.get("/api/units", params={"cursor": admins}).json()
    assert [u["serial"] for u in after["items"]] == ["LIFT-001"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "eyJrIjpbXX0.c2lnbmF0dXJl",  # well-formed, but the tag is made up
        "W1sicyIsIkJVUy0wMDEiXSxbImkiLDFdXQ.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_forged_cursor_is_a_422_naming_it(
    client: TestClient, session: Session, cursor: str
) -> None:
    """A cursor the server did not sign is refused with 422 naming ``cursor`` in the query."""
    small_fleet(session, units=2)
    answer = client.get("/api/units", params={"cursor": cursor})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_oversized_or_foreign_cursor_is_a_422(client: TestClient, session: Session) -> None:
    """An oversized cursor, or one of another list (regions), is refused too."""
    small_fleet(session, units=2)
    oversized = client.get("/api/units", params={"cursor": "a" * 5000})
    assert oversized.status_code == 422
    regions = client.get("/api/regions", params={"limit": 1}).json()["next_cursor"]
    assert regions is not None
    foreign = client.get("/api/units", params={"cursor": regions})
    assert foreign.status_code == 422
    assert foreign.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_usage_pages_by_cursor(client: TestClient, session: Session) -> None:
    """The usage list (ordered by unit and time, unique together) pages by cursor too."""
    small_fleet(session, units=2)
    for day in range(1, 6):
        body = {"serial": "BUS-001", "taken_at": f"2024-01-0{day}T08:00:00", "engine_hours": day}
        assert client.post("/api/usage", json=body).status_code == 201
    whole = client.get("/api/usage", params={"limit": 100}).json()["items"]
    assert len(whole) == 5
    assert walk(client, "/api/usage", limit=2) == whole
