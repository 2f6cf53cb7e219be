"""A password change, a role change, disabling and signing out end earlier tokens and sessions."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.accounts import service
from fleetcare.core.config import Settings
from fleetcare.core.db import transaction
from fleetcare.core.permissions import Role, system
from fleetcare.web.app import create_app
from tests.conftest import TEST_PASSWORD, sign_in
from tests.fleet.factories import small_fleet


def _bearer(test_client: TestClient, username: str, password: str = TEST_PASSWORD) -> str:
    answer = test_client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _me(test_client: TestClient, token: str) -> int:
    return test_client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_signing_out_ends_every_token_and_session(
    settings: Settings, anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """POST /api/auth/logout voids the tokens and page sessions; a new sign-in works."""
    make_user("dora", Role.planner)
    first, second = _bearer(anonymous, "dora"), _bearer(anonymous, "dora")
    with TestClient(create_app(settings)) as browser:
        assert sign_in(browser, "dora").status_code == 303
        assert browser.get("/units", follow_redirects=False).status_code == 200
        out = anonymous.post("/api/auth/logout", headers={"Authorization": f"Bearer {first}"})
        assert out.status_code == 204
        assert _me(anonymous, first) == 401 and _me(anonymous, second) == 401
        assert browser.get("/units", follow_redirects=False).status_code == 303
    assert _me(anonymous, _bearer(anonymous, "dora")) == 200


def test_signing_out_of_a_page_ends_the_tokens(
    settings: Settings, anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """The page's sign-out button ends the account's bearer tokens too."""
    make_user("emil", Role.dispatcher)
    token = _bearer(anonymous, "emil")
    with TestClient(create_app(settings)) as browser:
        sign_in(browser, "emil")
        form = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/units").text)
        assert form, "every page's sign-out form carries the anti-forgery token"
        data = {"csrf_token": form.group(1)}
        assert browser.post("/logout", data=data, follow_redirects=False).status_code == 303
    assert _me(anonymous, token) == 401


def test_password_and_role_changes_end_tokens(
    client: TestClient, anonymous: TestClient, make_user: Callable[..., str], db: str
) -> None:
    """After a new password or a new role, the tokens issued before answer 401."""
    make_user("fyodor", Role.technician)
    token = _bearer(anonymous, "fyodor")
    changed = client.post("/api/users/fyodor/role", json={"role": "planner"})
    assert changed.status_code == 200 and changed.json()["role"] == "planner"
    assert _me(anonymous, token) == 401
    token = _bearer(anonymous, "fyodor")
    assert _me(anonymous, token) == 200
    with transaction(db, write=True) as writing:
        service.set_password(writing, "fyodor", "a-new-pass-word", by=system("test"))
    assert _me(anonymous, token) == 401
    assert _me(anonymous, _bearer(anonymous, "fyodor", "a-new-pass-word")) == 200


def test_a_role_change_is_checked_and_audited(
    client: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """A regional manager needs known regions; the change is in the audit log."""
    small_fleet(session)
    make_user("galina", Role.planner)
    bad = client.post("/api/users/galina/role", json={"role": "regional_manager"})
    assert bad.status_code == 422 and "regions" in bad.text
    good = client.post(
        "/api/users/galina/role", json={"role": "regional_manager", "regions": ["Arctic"]}
    )
    assert good.status_code == 200 and good.json()["regions"] == ["Arctic"]
    entries = client.get("/api/audit", params={"entity": "users"}).json()["items"]
    assert any(e["action"] == "set_role" and e["key"] == "galina" for e in entries)
    assert client.post("/api/users/nobody/role", json={"role": "planner"}).status_code == 404


def test_tokens_live_as_long_as_configured(
    db: str, anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """FLEETCARE_TOKEN_MINUTES sets the bearer token's lifetime."""
    make_user("hanna", Role.planner)
    settings = Settings(database_url=db, secret_key="s" * 40, token_minutes=5)
    with TestClient(create_app(settings)) as other:
        answer = other.post(
            "/api/auth/token", data={"username": "hanna", "password": TEST_PASSWORD}
        )
    assert answer.json()["expires_in"] == 300
