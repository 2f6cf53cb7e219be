"""Deals over REST: the stage machine (legal moves, illegal 409 naming the move), shipment
creating the delivery and units once, delivery dating them, scope and permission attacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.clock import today
from fleetcare.core.permissions import Role
from fleetcare.fleet.models import Delivery, Unit
from tests.cooperation.factories import cooperation_world


def _id(client: TestClient, reference: str) -> int:
    found = client.get("/api/deals", params={"q": reference}).json()["items"]
    return int(next(d["id"] for d in found if d["reference"] == reference))


def _move(client: TestClient, deal_id: int, **body: object) -> object:
    return client.post(f"/api/deals/{deal_id}/transitions", json=body)


def test_list_and_create(client: TestClient, session: Session) -> None:
    """The list answers {"items","total"}; a new deal starts as a lead; a duplicate is 422."""
    cooperation_world(session)
    page = client.get("/api/deals").json()
    assert page["total"] == 3
    assert [d["reference"] for d in page["items"]] == ["DL-A", "DL-B", "DL-W"]
    assert page["items"][0]["region"] == "Arctic"
    body = {
        "reference": "DL-N",
        "customer": "NORD",
        "model": "CB-12",
        "quantity": 3,
        "value": "250000.00",
        "currency": "EUR",
    }
    made = client.post("/api/deals", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["stage"] == "lead"
    again = client.post("/api/deals", json=body)
    assert again.status_code == 422
    assert again.json()["detail"][0]["loc"] == ["body", "reference"]
    lost = client.post("/api/deals", json={**body, "reference": "DL-L", "stage": "lost"})
    assert lost.status_code == 422
    assert lost.json()["detail"][0]["loc"][-1] == "lost_reason"


def test_illegal_move_is_409_naming_it(client: TestClient, session: Session) -> None:
    """lead → delivered is refused with 409 naming both stages; nothing changes."""
    cooperation_world(session)
    deal_id = _id(client, "DL-W")
    answer = _move(client, deal_id, to="delivered")
    assert answer.status_code == 409
    assert "lead" in answer.text and "delivered" in answer.text
    assert client.get(f"/api/deals/{deal_id}").json()["stage"] == "lead"


def test_legal_moves_and_lost_with_reason(client: TestClient, session: Session) -> None:
    """lead → negotiation → lost needs a reason (422 naming it), then is kept and audited."""
    cooperation_world(session)
    deal_id = _id(client, "DL-W")
    assert _move(client, deal_id, to="negotiation").json()["stage"] == "negotiation"
    missing = _move(client, deal_id, to="lost")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "reason"]
    lost = _move(client, deal_id, to="lost", reason="a competitor's lifts were cheaper")
    assert lost.json()["stage"] == "lost"
    assert lost.json()["lost_reason"] == "a competitor's lifts were cheaper"
    moves = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "deals", AuditEntry.action == "transition")
        .order_by(AuditEntry.id)
    ).all()
    assert [(m.before or {}).get("stage") for m in moves] == ["lead", "negotiation"]
    assert _move(client, deal_id, to="lead").json()["lost_reason"] is None


def test_shipment_creates_delivery_and_units_once(client: TestClient, session: Session) -> None:
    """Shipping the signed DL-B creates delivery DL-B and 2 units DL-B-0001/2 at North depot;
    a second shipment is 409 and creates nothing; delivery dates the units' warranty."""
    cooperation_world(session)
    deal_id = _id(client, "DL-B")
    shipped_on = today() - timedelta(days=10)
    answer = _move(client, deal_id, to="shipped", on=shipped_on.isoformat())
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery"] == "DL-B"
    assert answer.json()["units"] == 2
    listed = client.get("/api/units", params={"delivery": "DL-B"}).json()["items"]
    assert sorted(u["serial"] for u in listed) == ["DL-B-0001", "DL-B-0002"]  # its page's link
    again = _move(client, deal_id, to="shipped")
    assert again.status_code == 409
    session.rollback()
    units = session.scalars(select(Unit).where(Unit.serial.like("DL-B-%"))).all()
    assert sorted(u.serial for u in units) == ["DL-B-0001", "DL-B-0002"]
    assert {u.site.name for u in units} == {"North depot"}
    assert (
        session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.reference == "DL-B")
        )
        == 1
    )
    early = _move(client, deal_id, to="delivered", on=(shipped_on - timedelta(days=1)).isoformat())
    assert early.status_code == 422
    assert early.json()["detail"][0]["loc"] == ["body", "on"]
    delivered_on = today() - timedelta(days=2)
    done = _move(client, deal_id, to="delivered", on=delivered_on.isoformat())
    assert done.json()["stage"] == "delivered"
    session.rollback()
    units = session.scalars(select(Unit).where(Unit.serial.like("DL-B-%"))).all()
    assert {(u.delivered_on, u.warranty_start) for u in units} == {(delivered_on, delivered_on)}
    delivery = session.scalars(select(Delivery).where(Delivery.reference == "DL-B")).one()
    assert (delivery.shipped_on, delivery.delivered_on) == (shipped_on, delivered_on)
    frozen = client.patch(f"/api/deals/{deal_id}", json={"quantity": 3})
    assert frozen.status_code == 409


def test_a_shipped_deal_may_be_renamed(client: TestClient, session: Session) -> None:
    """The reference of a shipped deal changes (its delivery stays its own); the frozen fields
    stay frozen."""
    cooperation_world(session)
    deal_id = _id(client, "DL-B")
    assert client.post(f"/api/deals/{deal_id}/transitions", json={"to": "shipped"}).status_code
    renamed = client.patch(f"/api/deals/{deal_id}", json={"reference": "DL-B2"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["reference"] == "DL-B2" and renamed.json()["delivery"] is not None
    assert client.patch(f"/api/deals/{deal_id}", json={"quantity": 1}).status_code == 409


def test_a_shipment_dated_before_the_calendar_is_refused(
    client: TestClient, session: Session
) -> None:
    """Shipped "on" 0001-01-01: 422 naming ``on``, no delivery written."""
    cooperation_world(session)
    deal_id = _id(client, "DL-B")
    body = {"to": "shipped", "on": "0001-01-01"}
    refused = client.post(f"/api/deals/{deal_id}/transitions", json=body)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "on"
    assert client.get(f"/api/deals/{deal_id}").json()["delivery"] is None


def test_shipment_with_supplied_serials(client: TestClient, session: Session) -> None:
    """Supplied serials must be one per machine and new; a taken serial is 422, nothing kept."""
    cooperation_world(session)
    deal_id = _id(client, "DL-B")
    short = _move(client, deal_id, to="shipped", serials=["X-1"])
    assert short.status_code == 422
    assert short.json()["detail"][0]["loc"] == ["body", "serials"]
    taken = _move(client, deal_id, to="shipped", serials=["X-1", "BUS-001"])
    assert taken.status_code == 422
    assert taken.json()["detail"][0]["loc"] == ["body", "serials"]
    session.rollback()
    assert (
        session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.reference == "DL-B")
        )
        == 0
    )
    good = _move(client, deal_id, to="shipped", serials=["X-1", "X-2"])
    assert good.status_code == 200
    assert client.get(f"/api/deals/{deal_id}").json()["units"] == 2


def test_shipment_needs_a_site(client: TestClient, session: Session) -> None:
    """A signed deal without a site cannot ship (422 naming site)."""
    cooperation_world(session)
    made = client.post(
        "/api/deals",
        json={
            "reference": "DL-S",
            "customer": "NORD",
            "model": "CB-12",
            "quantity": 1,
            "value": "1",
            "currency": "USD",
            "stage": "signed",
        },
    )
    answer = _move(client, made.json()["id"], to="shipped")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "site"]


def test_scope_attacks(client_for: Callable[..., TestClient], session: Session) -> None:
    """A Baltic manager sees Baltic deals only: an Arctic deal is 404 to read, move and patch,
    and naming an Arctic customer is 422; a customer sees only its own deals and no trade."""
    cooperation_world(session)
    admin = client_for(Role.admin, "boss")
    arctic = _id(admin, "DL-A")
    baltic = client_for(Role.regional_manager, "balt", regions=("Baltic",))
    assert [d["reference"] for d in baltic.get("/api/deals").json()["items"]] == ["DL-W"]
    assert baltic.get(f"/api/deals/{arctic}").status_code == 404
    assert _move(baltic, arctic, to="signed").status_code == 404  # type: ignore[attr-defined]
    assert baltic.patch(f"/api/deals/{arctic}", json={"quantity": 1}).status_code == 404
    foreign = baltic.post(
        "/api/deals",
        json={
            "reference": "DL-X",
            "customer": "NORD",
            "model": "CB-12",
            "quantity": 1,
            "value": "1",
            "currency": "USD",
        },
    )
    assert foreign.status_code == 422
    assert foreign.json()["detail"][0]["loc"] == ["body", "customer"]
    assert baltic.get("/api/dashboard", params={"region": "Arctic"}).status_code == 404
    customer = client_for(Role.customer, "nord", customer="NORD")
    assert [d["reference"] for d in customer.get("/api/deals").json()["items"]] == ["DL-A", "DL-B"]
    assert (
        customer.post(f"/api/deals/{arctic}/transitions", json={"to": "signed"}).status_code == 403
    )
    assert customer.get("/api/trade").status_code == 403
    assert customer.get("/api/dashboard").status_code == 403
    assert customer.get("/api/export/trade").status_code == 403
    technician = client_for(Role.technician, "tech")
    assert technician.get("/api/deals").status_code == 403
    assert technician.get("/api/export/deals").status_code == 403


def test_oversized_and_malformed_bodies(client: TestClient, session: Session) -> None:
    """A huge body is refused before parsing (413); unknown fields and bad stages are 422."""
    cooperation_world(session)
    deal_id = _id(client, "DL-A")
    big = client.post(
        f"/api/deals/{deal_id}/transitions",
        content=b"{" + b" " * 3_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413
    assert _move(client, deal_id, to="won").status_code == 422
    assert _move(client, deal_id, to="signed", extra=1).status_code == 422
    future = _move(client, deal_id, to="signed", on=(date.today() + timedelta(days=5)).isoformat())
    assert future.status_code == 422
    assert client.get("/api/deals/0").status_code == 422
