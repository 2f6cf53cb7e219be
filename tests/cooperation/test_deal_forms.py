"""The deal forms: create at /deals/new and edit at /deals/{id}/edit — the anti-forgery token,
problems shown on the form with nothing kept, a regional manager held to its regions, a
customer refused, the frozen terms of a shipped deal, and the audit rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.cooperation.models import Deal
from fleetcare.cooperation.stages import Stage
from fleetcare.core.audit import AuditEntry
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.cooperation.factories import cooperation_world

NEW = {
    "reference": "DL-NEW",
    "customer": "NORD",
    "model": "CB-12",
    "site": "North depot",
    "quantity": "4",
    "value": "250000.50",
    "currency": "EUR",
    "stage": "negotiation",
    "expected_signing": "2027-03-01",
    "expected_delivery": "",
}


def token_of(browser: TestClient, path: str) -> str:
    """The anti-forgery token of the form at ``path``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).text)
    assert found, path
    return found.group(1)


def browser_for(
    settings: Settings, make_user: Callable[..., str], name: str, role: Role, **binding: object
) -> TestClient:
    """A browser signed in through the login page as a new user."""
    browser = TestClient(create_app(settings))
    sign_in(browser, make_user(name, role, **binding))
    return browser


def _deal(session: Session, reference: str) -> Deal | None:
    session.commit()  # end the test's read transaction: see what the app has committed since
    session.expire_all()
    return session.scalars(select(Deal).where(Deal.reference == reference)).first()


def test_create_shows_the_deal_and_audits(pages: TestClient, session: Session) -> None:
    """A valid form creates the deal at the chosen stage with its terms, redirects to it, and
    leaves one audit row; the list links the form."""
    cooperation_world(session)
    assert 'href="/deals/new"' in pages.get("/deals").text
    form = pages.get("/deals/new")
    assert form.status_code == 200 and 'list="customers"' in form.text and "NORD" in form.text
    created = pages.post(
        "/deals/new",
        data={**NEW, "csrf_token": token_of(pages, "/deals/new")},
        follow_redirects=False,
    )
    assert created.status_code == 303
    deal = _deal(session, "DL-NEW")
    assert deal is not None and created.headers["location"] == f"/deals/{deal.id}"
    assert (deal.stage, deal.quantity, deal.value, deal.currency) == (
        Stage.negotiation,
        4,
        Decimal("250000.50"),
        "EUR",
    )
    assert str(deal.expected_signing) == "2027-03-01" and deal.expected_delivery is None
    session.commit()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "deals", AuditEntry.key == "DL-NEW")
    ).all()
    assert [(e.action, e.actor) for e in entries] == [("create", "page-admin")]


def test_refused_form_keeps_nothing(pages: TestClient, session: Session) -> None:
    """Every problem shows on the form (422) with the values typed kept; no row is written:
    missing fields, a bad quantity, a site outside the customer's region, a taken reference,
    a stage a new deal cannot start at."""
    cooperation_world(session)
    token = token_of(pages, "/deals/new")
    empty = pages.post("/deals/new", data={"csrf_token": token, "reference": "DL-X"})
    assert empty.status_code == 422
    for field in ("customer: required", "model: required", "value: required"):
        assert field in empty.text
    assert 'value="DL-X"' in empty.text
    bad = pages.post(
        "/deals/new", data={**NEW, "quantity": "0", "site": "West depot", "csrf_token": token}
    )
    assert bad.status_code == 422 and "quantity" in bad.text
    wrong_site = pages.post("/deals/new", data={**NEW, "site": "West depot", "csrf_token": token})
    assert wrong_site.status_code == 422 and "not in the customer&#39;s region" in wrong_site.text
    taken = pages.post("/deals/new", data={**NEW, "reference": "DL-A", "csrf_token": token})
    assert taken.status_code == 422
    shipped = pages.post("/deals/new", data={**NEW, "stage": "shipped", "csrf_token": token})
    assert shipped.status_code == 422 and "starts at lead, negotiation or signed" in shipped.text
    assert _deal(session, "DL-NEW") is None
    assert session.scalar(select(func.count()).select_from(Deal)) == 3


def test_forged_or_missing_token_is_refused(pages: TestClient, session: Session) -> None:
    """Without the session's token, both forms answer 403 and write nothing."""
    cooperation_world(session)
    assert pages.post("/deals/new", data=NEW).status_code == 403
    forged = pages.post("/deals/new", data={**NEW, "csrf_token": "forged"})
    assert forged.status_code == 403
    deal = _deal(session, "DL-A")
    assert deal is not None
    edit = pages.post(
        f"/deals/{deal.id}/edit", data={**NEW, "reference": "DL-A", "csrf_token": "forged"}
    )
    assert edit.status_code == 403
    assert _deal(session, "DL-NEW") is None and _deal(session, "DL-A") is not None


def test_edit_changes_only_what_differs(pages: TestClient, session: Session) -> None:
    """The edit form shows the stored terms; saving a new value and a date writes one audit
    update holding only those fields."""
    cooperation_world(session)
    deal = _deal(session, "DL-A")
    assert deal is not None
    path = f"/deals/{deal.id}/edit"
    shown = pages.get(path)
    assert shown.status_code == 200 and 'value="1000000.00"' in shown.text
    assert 'href="' + path + '"' in pages.get(f"/deals/{deal.id}").text
    saved = pages.post(
        path,
        data={
            "reference": "DL-A",
            "customer": "NORD",
            "model": "CB-12",
            "site": "North depot",
            "quantity": "10",
            "value": "1200000",
            "currency": "USD",
            "expected_delivery": "2027-06-30",
            "csrf_token": token_of(pages, path),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    changed = _deal(session, "DL-A")
    assert changed is not None and changed.value == Decimal("1200000")
    assert str(changed.expected_delivery) == "2027-06-30"
    session.commit()
    update = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "deals", AuditEntry.action == "update")
    ).one()
    assert update.after is not None
    assert set(update.after) >= {"value", "expected_delivery"}
    assert update.before is not None and update.before["value"] != update.after["value"]


def test_shipped_deal_keeps_what_was_shipped(pages: TestClient, session: Session) -> None:
    """A shipped deal's form offers no customer, model, quantity or site; its value can
    change; a forged quantity is 409 on the form and nothing changes."""
    cooperation_world(session)
    deal = _deal(session, "DL-B")  # signed, 2 buses
    assert deal is not None
    token = token_of(pages, f"/deals/{deal.id}")
    moved = pages.post(
        f"/deals/{deal.id}/move",
        data={"to": "shipped", "on": "2025-01-10", "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    path = f"/deals/{deal.id}/edit"
    form = pages.get(path).text
    assert 'name="quantity"' not in form and 'name="customer"' not in form
    base = {"reference": "DL-B", "value": "7500000", "currency": "RUB", "csrf_token": token}
    forged = pages.post(path, data={**base, "quantity": "3"})
    assert forged.status_code == 409 and "keeps its quantity" in forged.text
    assert _deal(session, "DL-B").value == Decimal("7000000")  # type: ignore[union-attr]
    assert pages.post(path, data=base, follow_redirects=False).status_code == 303
    assert _deal(session, "DL-B").value == Decimal("7500000")  # type: ignore[union-attr]


def test_manager_is_held_to_its_regions(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A Baltic manager creates deals for Baltic customers only (Arctic's NORD is unknown to
    it, 422), cannot open an Arctic deal's form (404) and edits its own."""
    cooperation_world(session)
    browser = browser_for(settings, make_user, "balt", Role.regional_manager, regions=("Baltic",))
    token = token_of(browser, "/deals/new")
    foreign = browser.post("/deals/new", data={**NEW, "csrf_token": token})
    assert foreign.status_code == 422 and "unknown customer &#39;NORD&#39;" in foreign.text
    assert _deal(session, "DL-NEW") is None
    arctic, baltic = _deal(session, "DL-A"), _deal(session, "DL-W")
    assert arctic is not None and baltic is not None
    assert browser.get(f"/deals/{arctic.id}/edit").status_code == 404
    posted = browser.post(
        f"/deals/{arctic.id}/edit", data={**NEW, "reference": "DL-A", "csrf_token": token}
    )
    assert posted.status_code == 404
    own = browser.post(
        "/deals/new",
        data={
            **NEW,
            "customer": "WEST",
            "model": "PL-630",
            "site": "West depot",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert own.status_code == 303 and _deal(session, "DL-NEW") is not None


def test_customer_may_not_use_the_forms(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A customer reads its deals but both forms are 403 to it, even with a valid token."""
    cooperation_world(session)
    browser = browser_for(settings, make_user, "west", Role.customer, customer="WEST")
    deal = _deal(session, "DL-W")
    assert deal is not None
    token = token_of(browser, f"/deals/{deal.id}")
    assert browser.get("/deals/new").status_code == 403
    assert browser.get(f"/deals/{deal.id}/edit").status_code == 403
    refused = browser.post(
        "/deals/new", data={**NEW, "customer": "WEST", "model": "PL-630", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert 'href="/deals/new"' not in browser.get("/deals").text
    assert _deal(session, "DL-NEW") is None
