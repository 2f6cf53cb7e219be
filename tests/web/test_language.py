"""The request's language: ``?lang=``, then the cookie, then ``Accept-Language``, then the default;
and the request's context reaches answers made below the routes (admission's refusals)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

from fleetcare.core.config import Settings
from fleetcare.web.app import create_app
from fleetcare.web.headers import chosen_locale


def _page_language(answer: object) -> str:
    found = re.search(r'<html lang="([a-z]+)">', answer.text)  # type: ignore[attr-defined]
    assert found, answer.text[:200]  # type: ignore[attr-defined]
    return found.group(1)


def test_the_query_wins_over_the_cookie_and_the_header(anonymous: TestClient) -> None:
    assert _page_language(anonymous.get("/login")) == "en"
    assert _page_language(anonymous.get("/login?lang=ru")) == "ru"
    assert _page_language(anonymous.get("/login", headers={"Accept-Language": "ru-RU,ru"})) == "ru"
    anonymous.cookies.set("lang", "ru")
    assert _page_language(anonymous.get("/login")) == "ru"
    assert _page_language(anonymous.get("/login?lang=en")) == "en"
    anonymous.cookies.set("lang", "xx")  # unsupported: falls through to the header, then default
    assert _page_language(anonymous.get("/login")) == "en"


def test_the_default_language_is_the_settings(settings: Settings) -> None:
    russian = settings.model_copy(update={"default_locale": "ru"})
    with TestClient(create_app(russian)) as browser:
        assert _page_language(browser.get("/login")) == "ru"
        assert _page_language(browser.get("/login?lang=en")) == "en"
        assert _page_language(browser.get("/login?lang=de")) == "ru"


def _connection(query: str = "", headers: dict[str, str] | None = None) -> HTTPConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "query_string": query.encode(), "headers": raw, "path": "/"}
    return HTTPConnection(scope)


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("", {}, "en"),
        ("lang=ru", {}, "ru"),
        ("lang=zz", {"Accept-Language": "ru"}, "ru"),
        ("", {"Cookie": "lang=ru"}, "ru"),
        ("lang=en", {"Cookie": "lang=ru", "Accept-Language": "ru"}, "en"),
        ("", {"Accept-Language": "de-DE,ru;q=0.5"}, "en"),  # only the first language is read
    ],
)
def test_chosen_locale(query: str, headers: dict[str, str], expected: str) -> None:
    assert chosen_locale(_connection(query, headers), ("en", "ru"), "en") == expected


def test_a_refusal_below_the_routes_carries_the_headers(settings: Settings) -> None:
    """Admission's 413 is made before any route runs; it still gets the security headers."""
    small = settings.model_copy(update={"max_body_bytes": 1024})
    with TestClient(create_app(small)) as browser:
        answer = browser.post(
            "/api/regions",
            content=b"x" * 4096,
            headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
        )
    assert answer.status_code == 413
    assert answer.headers["x-frame-options"] == "DENY"
    assert "nonce-" in answer.headers["content-security-policy"]
