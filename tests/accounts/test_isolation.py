"""Scopes: a customer sees only its own machines, a regional manager only its regions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.fleet.factories import small_fleet


def test_customer_sees_only_its_own(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """A customer user lists, reads and exports its own units only; the others answer 404."""
    ids = small_fleet(session, units=2)
    bus, lift = ids[0], ids[-1]
    client.post(
        "/api/usage", json={"serial": "LIFT-001", "taken_at": "2024-01-01", "engine_hours": 5}
    )
    reading = client.post(
        "/api/usage", json={"serial": "BUS-001", "taken_at": "2024-01-01", "engine_hours": 7}
    )
    nord = client_for(Role.customer, "nord-user", customer="NORD")
    assert [u["serial"] for u in nord.get("/api/units").json()["items"]] == ["BUS-001", "BUS-002"]
    assert nord.get(f"/api/units/{bus}").status_code == 200
    assert nord.get(f"/api/units/{lift}").status_code == 404
    assert nord.get(f"/api/units/{lift}/usage").status_code == 404
    assert [r["serial"] for r in nord.get("/api/usage").json()["items"]] == ["BUS-001"]
    assert nord.get(f"/api/usage/{reading.json()['id']}").status_code == 200
    assert [c["code"] for c in nord.get("/api/customers").json()["items"]] == ["NORD"]
    assert [r["name"] for r in nord.get("/api/regions").json()["items"]] == ["Arctic"]
    assert nord.get("/api/deliveries").json()["total"] == 1
    exported = nord.get("/api/export/units", params={"format": "csv"})
    assert (
        exported.status_code == 200
        and "BUS-001" in exported.text
        and "LIFT-001" not in exported.text
    )
    foreign = nord.post(
        "/api/usage", json={"serial": "LIFT-001", "taken_at": "2024-02-01", "engine_hours": 9}
    )
    assert (
        foreign.status_code == 422
        and foreign.json()["detail"][0]["msg"] == "unknown unit 'LIFT-001'"
    )
    assert nord.post("/api/units", json={}).status_code == 403


def test_regional_manager_only_its_regions(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """A regional manager lists and changes its regions only; elsewhere is 404 or refused."""
    ids = small_fleet(session, units=1)
    manager = client_for(Role.regional_manager, "arctic-boss", regions=("Arctic",))
    assert [u["serial"] for u in manager.get("/api/units").json()["items"]] == ["BUS-001"]
    assert manager.get(f"/api/units/{ids[-1]}").status_code == 404
    assert manager.patch(f"/api/units/{ids[-1]}", json={"status": "down"}).status_code == 404
    assert manager.patch(f"/api/units/{ids[0]}", json={"status": "down"}).json()["status"] == "down"
    moved = manager.patch(f"/api/units/{ids[0]}", json={"site": "West depot"})
    assert moved.status_code == 422 and moved.json()["detail"][0]["loc"] == ["body", "site"]
    elsewhere = manager.post(
        "/api/units",
        json={
            "serial": "X-1",
            "model": "PL-630",
            "customer": "WEST",
            "site": "West depot",
            "delivered_on": "2024-01-01",
        },
    )
    assert elsewhere.status_code == 422
    assert manager.get("/api/units", params={"q": "X-1"}).json()["total"] == 0
    assert (
        manager.post(
            "/api/regions", json={"name": "New", "country": "R", "climate": "cold"}
        ).status_code
        == 403
    )


def test_pages_are_scoped_too(
    anonymous: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """The units page of a customer user shows only its own units."""
    from tests.conftest import sign_in

    ids = small_fleet(session, units=2)
    sign_in(anonymous, make_user("west-user", Role.customer, customer="WEST"))
    page = anonymous.get("/units").text
    assert "LIFT-001" in page and "BUS-001" not in page
    assert anonymous.get(f"/units/{ids[0]}").status_code == 404
    assert anonymous.get("/admin/audit").status_code == 403


def test_changes_are_audited(client: TestClient, session: Session) -> None:
    """Creating and changing a unit leaves who, what, before and after in the audit log."""
    small_fleet(session)
    created = client.post(
        "/api/units",
        json={
            "serial": "NEW-1",
            "model": "CB-12",
            "customer": "NORD",
            "site": "North depot",
            "delivered_on": "2024-01-01",
        },
    ).json()
    client.patch(f"/api/units/{created['id']}", json={"status": "down"})
    entries = client.get("/api/audit", params={"entity": "units", "actor": "admin"}).json()["items"]
    update, create = entries[0], entries[1]
    assert (create["action"], create["key"], create["before"]) == ("create", "NEW-1", None)
    assert create["after"]["site"] == "North depot"
    assert (update["action"], update["before"]["status"], update["after"]["status"]) == (
        "update",
        "in_service",
        "down",
    )
    refused = client.patch(f"/api/units/{created['id']}", json={"status": "lost"})
    assert refused.status_code == 422
    audited = client.get("/api/audit", params={"entity": "units", "actor": "admin"}).json()
    assert audited["total"] == 2  # the refused change left no entry
