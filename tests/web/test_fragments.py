"""What an HTMX fragment request gets when it cannot be answered: a sign-in that comes back to
the page, or the refusal in place of the fragment (not a whole page inside it)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.planning.factories import planned_network

FRAGMENT = "/planning/plan?region=Arctic&target=0.9&budget=0"


def test_a_signed_out_fragment_sends_its_page_to_sign_in_and_back(anonymous: TestClient) -> None:
    """The whole page goes to sign in (``HX-Redirect``) with the page it was on as ``next``,
    not the fragment's address; a page of another origin is not named."""
    page = "/planning?region=Arctic&target=0.9"
    answer = anonymous.get(
        FRAGMENT, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    )
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/login?next=" + quote(page)
    foreign = anonymous.get(
        FRAGMENT, headers={"HX-Request": "true", "HX-Current-URL": "https://elsewhere.example/x"}
    )
    assert foreign.headers["HX-Redirect"] == "/login?next=/"
    plain = anonymous.get(FRAGMENT, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/login?next=")


def test_a_refused_fragment_answers_the_refusal_alone(pages: TestClient, session: Session) -> None:
    """A fragment of a region that does not exist is 404 with the message only, which HTMX
    swaps in place (``responseHandling`` in the layout); the page itself is a whole page."""
    planned_network(session)
    fragment = pages.get(
        "/planning/plan",
        params={"region": "Nowhere", "target": 0.9, "budget": 0},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 404
    assert 'class="problems" role="alert"' in fragment.text and "Nowhere" in fragment.text
    assert "<header" not in fragment.text and "<html" not in fragment.text
    whole = pages.get("/planning/plan", params={"region": "Nowhere", "target": 0.9, "budget": 0})
    assert whole.status_code == 404 and "<header" in whole.text
    layout = pages.get("/planning").text
    assert '"responseHandling": [{"code": "204", "swap": false}' in layout.replace("&#34;", '"')
