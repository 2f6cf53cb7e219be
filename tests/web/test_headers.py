"""Security headers on every answer; inline scripts run only with the answer's nonce."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.fleet.factories import small_fleet

FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _nonce(answer: object) -> str:
    policy = answer.headers["content-security-policy"]  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy)
    assert found, policy
    return found.group(1)


def test_every_answer_carries_the_headers(anonymous: TestClient, client: TestClient) -> None:
    """Pages, the API, errors and static files all carry them; each answer has its own nonce."""
    answers = [
        anonymous.get("/login"),
        anonymous.get("/api/health"),
        client.get("/api/units/999999"),
        anonymous.get("/static/app.css"),
        anonymous.get("/docs"),
    ]
    for answer in answers:
        for name, value in FIXED.items():
            assert answer.headers[name] == value, (answer.url, name)
        assert "strict-transport-security" not in answer.headers
    assert len({_nonce(answer) for answer in answers}) == len(answers)


def test_inline_scripts_carry_the_nonce(
    settings: Settings, session: Session, make_user: Callable[..., str]
) -> None:
    """Every inline script of a page has the answer's nonce; no page has inline handlers."""
    unit_id = small_fleet(session)[0]
    make_user("viewer", Role.admin)
    with TestClient(create_app(settings)) as browser:
        sign_in(browser, "viewer")
        for path in ("/units", f"/units/{unit_id}", "/regions", "/docs", "/planning"):
            page = browser.get(path)
            assert page.status_code == 200, path
            nonce = _nonce(page)
            scripts = re.findall(r"<script([^>]*)>", page.text)
            inline = [s for s in scripts if "src=" not in s]
            assert all(f'nonce="{nonce}"' in s for s in inline), (path, inline)
            assert not re.search(r"\son[a-z]+\s*=", page.text), path
            assert f'"inlineScriptNonce": "{nonce}"' in page.text or path == "/docs"


def test_https_deployments_get_hsts_and_secure_cookies(
    db: str, make_user: Callable[..., str]
) -> None:
    """With FLEETCARE_HTTPS=1 the answer says HTTPS only and the session cookie is Secure."""
    make_user("secure-user", Role.planner)
    settings = Settings(database_url=db, secret_key="h" * 40, https=True)
    with TestClient(create_app(settings), base_url="https://testserver") as browser:
        answer = sign_in(browser, "secure-user")
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
        cookie = answer.headers["set-cookie"]
        assert "fleetcare_session=" in cookie and "secure" in cookie.lower()


def test_a_defects_500_carries_the_headers(settings: Settings) -> None:
    """An exception no handler turns into an answer (a defect): 500 with the headers, and
    the exception still raised to the server, which logs it."""
    app = create_app(settings)

    @app.get("/api/broken-on-purpose")
    def broken() -> None:
        raise RuntimeError("a defect")

    answer = TestClient(app, raise_server_exceptions=False).get("/api/broken-on-purpose")
    assert answer.status_code == 500 and answer.json() == {"detail": "internal error"}
    for name, value in FIXED.items():
        assert answer.headers[name] == value
    _nonce(answer)
