"""Served under a prefix (``root_path``), ``/api`` is still the API and pages are still pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.web.app import create_app
from tests.conftest import TEST_PASSWORD, TEST_SECRET

PREFIX = "/fleet"


@pytest.fixture
def prefixed(settings: Settings) -> Iterator[TestClient]:
    """The app behind a proxy that serves it under ``PREFIX``."""
    with TestClient(create_app(settings), root_path=PREFIX) as test_client:
        yield test_client


def test_api_under_a_prefix_takes_bearer_tokens(
    prefixed: TestClient, make_user: Callable[..., str]
) -> None:
    """``PREFIX/api`` reads the bearer token and answers errors in JSON."""
    token = issue_token(make_user("ivy", Role.planner), TEST_SECRET)
    bearer = {"Authorization": f"Bearer {token}"}
    me = prefixed.get(f"{PREFIX}/api/me", headers=bearer, follow_redirects=False)
    assert me.status_code == 200 and me.json()["username"] == "ivy"
    missing = prefixed.get(f"{PREFIX}/api/units/999999", headers=bearer)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"


def test_api_under_a_prefix_ignores_the_session_cookie(
    prefixed: TestClient, make_user: Callable[..., str]
) -> None:
    """A signed-in browser session opens pages but not ``PREFIX/api`` (no CSRF-free cookie API)."""
    make_user("jay", Role.admin)
    form = prefixed.get(f"{PREFIX}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    signed = prefixed.post(
        f"{PREFIX}/login",
        data={"username": "jay", "password": TEST_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert prefixed.get(f"{PREFIX}/units").status_code == 200
    assert prefixed.get(f"{PREFIX}/api/me", follow_redirects=False).status_code == 401
    created = prefixed.post(
        f"{PREFIX}/api/regions",
        json={"name": "Taiga", "country": "Russia", "climate": "cold"},
        follow_redirects=False,
    )
    assert created.status_code == 401


def test_signed_in_pages_say_their_times_are_utc(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """Every page of a signed-in reader says that its dates and times are UTC, in the
    reader's language; the sign-in page, which shows none, does not."""
    from tests.conftest import sign_in

    assert "times-in-utc" not in anonymous.get("/login").text
    sign_in(anonymous, make_user("utc-reader", Role.planner))
    assert "Dates and times are in UTC." in anonymous.get("/").text
    assert "Даты и время указаны по UTC." in anonymous.get("/", params={"lang": "ru"}).text
