"""The request's language: ``?lang=``, then the cookie, then ``Accept-Language``, then the default;
and the request's context reaches answers made below the routes (admission's refusals)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

from fleetcare.core.config import Settings
from fleetcare.web.app import create_app
from fleetcare.web.headers import accepted_languages, chosen_locale


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
        ("", {"Accept-Language": "de-DE,ru;q=0.5"}, "ru"),  # the first supported one
        ("", {"Accept-Language": "ru;q=0.4,en-GB;q=0.8"}, "en"),  # by weight, not order
        ("", {"Accept-Language": "ru;q=0,de"}, "en"),  # q=0: not Russian
        ("", {"Accept-Language": "ru;q=zz,en;q=0.1"}, "en"),  # a weight that is not a number
        ("", {"Accept-Language": "*"}, "en"),
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


def test_accepted_languages_by_weight_then_order() -> None:
    assert accepted_languages("de-DE,ru;q=0.5,en;q=0.7") == ["de", "en", "ru"]
    assert accepted_languages("RU-ru, en ; q=1.0") == ["ru", "en"]
    assert accepted_languages("") == []
    assert len(accepted_languages("x," * 10_000)) == 32  # a header's first 32 ranges only


def _language_cookies(answer: Any) -> list[str]:
    return [c for c in answer.headers.get_list("set-cookie") if c.startswith("lang=")]


def test_the_switcher_keeps_the_page_and_remembers_the_choice(anonymous: TestClient) -> None:
    """The page header links this page in each other language; following one keeps the
    choice in the ``lang`` cookie, so the next page is in it too."""
    english = anonymous.get("/login?next=%2Funits")
    assert 'href="?next=%2Funits&amp;lang=ru" lang="ru"' in english.text
    assert _language_cookies(english) == []
    russian = anonymous.get("/login?next=%2Funits&lang=ru")
    assert _language_cookies(russian) == ["lang=ru; Path=/; Max-Age=31536000; SameSite=Lax"]
    assert 'href="?next=%2Funits&amp;lang=en" lang="en"' in russian.text
    assert _page_language(anonymous.get("/login")) == "ru"
    assert _language_cookies(anonymous.get("/login?lang=ru")) == []  # kept already


def test_a_page_in_russian_reads_the_catalogue(anonymous: TestClient) -> None:
    from fleetcare.core.i18n import gettext, set_locale

    set_locale("ru")
    sign_in = gettext("Sign in")
    page = anonymous.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert f"<h1>{sign_in}</h1>" in page.text or f">{sign_in}<" in page.text
    assert sign_in != "Sign in" and "Sign in<" not in page.text


@pytest.mark.parametrize("path", ["//evil.example/x", "/%2F%2Fevil.example/x", "/\\evil.example"])
def test_the_switcher_never_leaves_the_page(anonymous: TestClient, path: str) -> None:
    """Whatever the path holds, the switcher links this page's query only: a crafted address
    (``//evil.example/x`` answers fleetcare's 404 page) cannot make it link another site."""
    page = anonymous.get(path)
    links = re.findall(r'<a href="([^"]*)" lang="ru"', page.text)
    assert links and all(link.startswith("?") for link in links), links


def test_a_page_drawn_for_a_form_links_no_other_language(pages: TestClient) -> None:
    """A page redrawn in answer to a POST (a refused form) has no GET address to link in
    another language: the switcher shows the current one only, never a link that is a 405."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', pages.get("/units").text)
    assert token
    refused = pages.post("/workforce/technicians/NOBODY/grants", data={"csrf_token": token[1]})
    assert refused.status_code in (404, 422)
    assert 'lang="ru" hreflang="ru"' not in refused.text and "languages" in refused.text


def test_answers_vary_by_language(anonymous: TestClient) -> None:
    """Caches keep one copy per language: every answer varies by ``Accept-Language`` and the
    cookie, each named once."""
    for path in ("/login", "/api/health", "/nowhere"):
        vary = [name.strip() for name in anonymous.get(path).headers["vary"].split(",")]
        assert {"Accept-Language", "Cookie"} <= set(vary) and len(vary) == len(set(vary))


def test_the_frameworks_errors_read_in_the_readers_language(anonymous: TestClient) -> None:
    """An address no route answers: the page says so in the reader's words, not the
    framework's English phrase."""
    from fleetcare.core.i18n import translations

    english = anonymous.get("/no/such/page")
    russian = anonymous.get("/no/such/page", headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 404
    assert "There is no page at this address." in english.text and "Not Found" not in english.text
    words = translations("ru").gettext("There is no page at this address.")
    assert words in russian.text and words != "There is no page at this address."
