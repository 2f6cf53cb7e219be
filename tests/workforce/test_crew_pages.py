"""A work order's crew on its page: who is on it, and countersigning a trainee's job from the
page once the work order is done — the reader's own technician offered first, refusals shown in
the fragment, only for those who may move work orders, and never another customer's crew."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import form_token, sign_in
from tests.workforce.factories import book, crew, finish, work_order


def test_countersign_from_the_work_orders_page(
    client: TestClient,
    settings: Settings,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """The work order's page loads its crew; before the job is done the trainee's row says so;
    once done a technician account linked to CERT-1 countersigns with CERT-1 offered first, and
    the trainee's row then names the signer; a second try is 409 in the fragment."""
    crew(session)
    order = work_order(session)
    book(client, "CERT-1", order, 9, 12)
    trainee = book(client, "TRN-1", order, 9, 11)
    with TestClient(create_app(settings)) as browser:
        sign_in(browser, make_user("cert1", Role.technician))
        assert (
            client.patch("/api/workforce/technicians/CERT-1", json={"account": "cert1"}).status_code
            == 200
        )
        page = browser.get(f"/service/work-orders/{order}").text
        assert f'hx-get="/workforce/work-orders/{order}/crew"' in page
        early = browser.get(f"/workforce/work-orders/{order}/crew", headers={"HX-Request": "true"})
        assert early.status_code == 200 and "<nav" not in early.text
        assert (
            "once the work order is done" in early.text and "Countersign</button>" not in early.text
        )
        finish(session, order)
        fragment = browser.get(f"/workforce/work-orders/{order}/crew").text
        assert re.search(r'<select name="by"[^>]*><option value="CERT-1">', fragment)
        sign = f"/workforce/assignments/{trainee['id']}/countersign"
        form = {"csrf_token": form_token(fragment), "by": "CERT-1"}
        done = browser.post(sign, data=form, follow_redirects=False)
        assert (
            done.status_code == 303 and done.headers["location"] == f"/service/work-orders/{order}"
        )
        signed = client.get(f"/api/workforce/assignments/{trainee['id']}").json()
        assert signed["countersigned_by"] == "CERT-1"
        again = browser.post(sign, data=form, headers={"HX-Request": "true"})
        assert again.status_code == 409 and "countersigned already" in again.text
        assert "<nav" not in again.text
        forged = browser.post(sign, data={**form, "by": "TRN-1"}, headers={"HX-Request": "true"})
        assert forged.status_code in (409, 422)


def test_attacks(
    client: TestClient,
    settings: Settings,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """A planner (no service.transition) may read the crew but not countersign (403); a
    customer sees only its own people's rows, and another customer's work order not at all;
    a post without the anti-forgery token is 403."""
    crew(session)
    order = work_order(session)
    book(client, "CERT-1", order, 9, 12)
    trainee = book(client, "TRN-1", order, 9, 11)
    finish(session, order)
    sign = f"/workforce/assignments/{trainee['id']}/countersign"
    with TestClient(create_app(settings)) as planner:
        sign_in(planner, make_user("plan", Role.planner))
        fragment = planner.get(f"/workforce/work-orders/{order}/crew").text
        assert "TRN-1" in fragment and "Countersign</button>" not in fragment
        posted = planner.post(sign, data={"csrf_token": form_token(fragment), "by": "CERT-1"})
        assert posted.status_code == 403
        assert planner.post(sign, data={"by": "CERT-1"}).status_code == 403
        assert planner.get("/workforce/work-orders/999999/crew").status_code == 404
    with TestClient(create_app(settings)) as west:
        sign_in(west, make_user("west", Role.customer, customer="WEST"))
        assert west.get(f"/workforce/work-orders/{order}/crew").status_code == 404
    with TestClient(create_app(settings)) as nord:
        sign_in(nord, make_user("nord", Role.customer, customer="NORD"))
        own = nord.get(f"/workforce/work-orders/{order}/crew")
        assert own.status_code == 200 and "CERT-1" in own.text  # NORD employs its crew
