"""Signing in: tokens, sessions, throttling, anti-forgery tokens."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token, secret_key
from tests.conftest import TEST_PASSWORD, TEST_SECRET, sign_in


def token_for(test_client: TestClient, username: str, password: str = TEST_PASSWORD) -> object:
    return test_client.post("/api/auth/token", data={"username": username, "password": password})


def test_password_flow_gives_a_working_token(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """The OAuth2 password flow returns a bearer token that opens the API."""
    make_user("ann", Role.planner)
    answer = anonymous.post("/api/auth/token", data={"username": "ann", "password": TEST_PASSWORD})
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600  # an hour by default
    assert answer.headers["cache-control"] == "no-store"
    me = anonymous.get("/api/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["username"] == "ann" and me.json()["role"] == "planner"


def test_wrong_missing_tampered_expired(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """Wrong passwords, unknown users, and bad, tampered or expired tokens all answer 401."""
    make_user("bob", Role.dispatcher)
    assert (
        anonymous.post(
            "/api/auth/token", data={"username": "bob", "password": "nope-nope"}
        ).status_code
        == 401
    )
    assert (
        anonymous.post("/api/auth/token", data={"username": "ghost", "password": "x"}).status_code
        == 401
    )
    assert anonymous.get("/api/units").status_code == 401
    good = issue_token("bob", TEST_SECRET)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    expired = issue_token("bob", TEST_SECRET, now=datetime.now(UTC) - timedelta(hours=9))
    foreign = issue_token("bob", "some-other-key-of-sufficient-length-000000")
    for token in (tampered, expired, foreign, "not-a-jwt"):
        answer = anonymous.get("/api/units", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
        assert answer.headers["www-authenticate"] == "Bearer"
    assert (
        anonymous.get("/api/units", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )


def test_disabled_user_is_locked_out_at_once(
    client: TestClient, anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """Disabling an account stops its existing token and its sign-ins."""
    make_user("carol", Role.technician)
    token = issue_token("carol", TEST_SECRET)
    assert anonymous.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/api/users/carol/disable").json()["active"] is False
    assert anonymous.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert (
        anonymous.post(
            "/api/auth/token", data={"username": "carol", "password": TEST_PASSWORD}
        ).status_code
        == 401
    )


def test_repeated_failures_slow_down(anonymous: TestClient, make_user: Callable[..., str]) -> None:
    """After five failures from an address: 429 with Retry-After, even for the right password."""
    make_user("dave", Role.planner)
    for _ in range(5):
        assert (
            anonymous.post(
                "/api/auth/token", data={"username": "dave", "password": "wrong-one"}
            ).status_code
            == 401
        )
    slowed = anonymous.post("/api/auth/token", data={"username": "dave", "password": TEST_PASSWORD})
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1


def test_pages_need_a_session(anonymous: TestClient, make_user: Callable[..., str]) -> None:
    """A page redirects to the login form; after sign-in it renders; sign-out ends the session."""
    first = anonymous.get("/units?region=Arctic", follow_redirects=False)
    assert (
        first.status_code == 303
        and first.headers["location"] == "/login?next=/units%3Fregion%3DArctic"
    )
    signed = sign_in(anonymous, make_user("erin", Role.planner))
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert anonymous.get("/units").status_code == 200
    page = anonymous.get("/units").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        anonymous.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert anonymous.get("/units", follow_redirects=False).status_code == 303


def test_forms_without_the_anti_forgery_token_are_refused(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """Login and logout posts without the session's token answer 403."""
    make_user("fay", Role.planner)
    anonymous.get("/login")
    assert (
        anonymous.post("/login", data={"username": "fay", "password": TEST_PASSWORD}).status_code
        == 403
    )
    assert (
        anonymous.post(
            "/login", data={"username": "fay", "password": TEST_PASSWORD, "csrf_token": "forged"}
        ).status_code
        == 403
    )
    sign_in(anonymous, "fay")
    assert anonymous.post("/logout").status_code == 403
    assert anonymous.post("/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403


def test_wrong_password_on_the_form(anonymous: TestClient, make_user: Callable[..., str]) -> None:
    """A wrong password re-shows the form with a message, 401."""
    answer = sign_in(anonymous, make_user("gus", Role.planner), password="not-his-password")
    assert answer.status_code == 401 and "Wrong username or password" in answer.text


def test_no_open_redirect(anonymous: TestClient, make_user: Callable[..., str]) -> None:
    """``next`` may only point inside the site."""
    make_user("hal", Role.planner)
    form = anonymous.get("/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    answer = anonymous.post(
        "/login",
        data={
            "username": "hal",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_generated_secret_key_is_private(tmp_path: Path) -> None:
    """Without FLEETCARE_SECRET_KEY a key is generated once into var/, readable by its owner."""
    settings = Settings(var_dir=tmp_path / "var", secret_key="")
    key = secret_key(settings)
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 40 and path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(Settings(var_dir=tmp_path / "var", secret_key="")) == key


def test_oversized_body_is_refused(client: TestClient) -> None:
    """A body over the limit answers 413, not 500."""
    answer = client.post(
        "/api/regions",
        content=b'{"name": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413


def test_failures_from_one_address_slow_it_down(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """Guessing across many accounts from one address is throttled too."""
    make_user("kim", Role.planner)
    for n in range(5):
        assert token_for(anonymous, f"guess-{n}", "wrong-pass").status_code == 401  # type: ignore[attr-defined]
    assert token_for(anonymous, "kim").status_code == 429  # type: ignore[attr-defined]


def test_non_ascii_anti_forgery_token_is_refused_not_a_crash(
    anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """A forged token with non-ASCII characters, in the form or the header, answers 403."""
    make_user("lea", Role.planner)
    anonymous.get("/login")
    form = {"username": "lea", "password": TEST_PASSWORD, "csrf_token": "jeton-forgé"}
    assert anonymous.post("/login", data=form).status_code == 403
    sign_in(anonymous, "lea")
    header = {b"X-CSRF-Token": "jeton-forgé".encode("latin-1")}
    assert anonymous.post("/logout", headers=header).status_code == 403


def test_sign_ins_and_failures_are_audited(
    client: TestClient, anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    """A sign-in, a failed one (even with an overlong name) and a sign-out each leave a row."""
    make_user("ines", Role.planner)
    token = token_for(anonymous, "ines")
    token_for(anonymous, "ines", "wrong-password")
    token_for(anonymous, "x" * 200, "wrong-password")
    access = token.json()["access_token"]  # type: ignore[attr-defined]
    anonymous.post("/api/auth/logout", headers={"Authorization": f"Bearer {access}"})
    entries = client.get("/api/audit", params={"entity": "users", "limit": 100}).json()["items"]
    actions = [(e["action"], e["key"][:10]) for e in entries]
    assert ("sign_in", "ines") in actions and ("sign_in_failed", "ines") in actions
    assert ("sign_in_failed", "x" * 10) in actions and ("sign_out", "ines") in actions


def test_the_last_active_admin_keeps_its_rights(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    """The only admin (the client's) cannot be disabled or demoted (422); with a second one
    it can be demoted; disabling an account disabled already writes nothing new."""
    me = client.get("/api/me").json()["username"]
    assert client.post(f"/api/users/{me}/disable").status_code == 422
    demote = client.post(f"/api/users/{me}/role", json={"role": "planner"})
    assert demote.status_code == 422 and demote.json()["detail"][0]["loc"][-1] == "role"
    make_user("second-admin", Role.admin)
    make_user("dave", Role.technician)
    assert client.post("/api/users/dave/disable").status_code == 200
    assert client.post("/api/users/dave/disable").json()["active"] is False  # as it was
    assert client.post("/api/users/second-admin/role", json={"role": "planner"}).status_code == 200
