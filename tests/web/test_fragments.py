"""What an HTMX fragment request gets when it cannot be answered: a sign-in that comes back to
the page, or the refusal in place of the fragment (not a whole page inside it)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.service import service
from fleetcare.web.app import create_app
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


def test_a_refusal_no_page_caught_reads_as_a_page(settings: Settings) -> None:
    """A 409 or 422 that a page's code lets through answers the page as HTML (its ``problem``
    block to HTMX), and the API the same refusal as JSON."""
    app = create_app(settings)

    @app.get("/fragment-that-conflicts")
    @app.get("/api/fragment-that-conflicts")
    def conflicts() -> None:
        raise service.Conflict("WO-7 is done already")

    @app.get("/fragment-with-bad-input")
    def refuses() -> None:
        raise InvalidInput([FieldError("quantity", "must be at least 1")])

    with TestClient(app) as client:
        page = client.get("/fragment-that-conflicts", headers={"HX-Request": "true"})
        assert page.status_code == 409 and page.headers["content-type"].startswith("text/html")
        assert 'class="problems" role="alert"' in page.text and "WO-7 is done already" in page.text
        api = client.get("/api/fragment-that-conflicts")
        assert api.status_code == 409 and api.json() == {"detail": "WO-7 is done already"}
        bad = client.get("/fragment-with-bad-input", headers={"HX-Request": "true"})
        assert bad.status_code == 422 and "quantity: must be at least 1" in bad.text
