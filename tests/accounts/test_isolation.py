"""Scopes: a customer sees only its own machines, a regional manager only its regions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.fleet.factories import small_fleet
from tests.parts.factories import small_network


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


def test_a_filter_on_anothers_region_shows_that_region_chosen(
    anonymous: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """Arctic's manager filtering the units by Baltic gets an empty list with Baltic still
    chosen in the filter (not "all", which would read as an empty fleet); the options list
    its own region only."""
    from tests.conftest import sign_in

    small_fleet(session, units=2)
    sign_in(anonymous, make_user("arctic-lister", Role.regional_manager, regions=("Arctic",)))
    page = anonymous.get("/units", params={"region": "Baltic"}).text
    assert "LIFT-001" not in page and "BUS-001" not in page
    assert '<option value="Baltic" selected>Baltic</option>' in page
    assert page.count('value="Baltic"') == 1 and '<option value="Arctic" >' in page
    own = anonymous.get("/units", params={"region": "Arctic"}).text
    assert "BUS-001" in own and 'value="Baltic"' not in own


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


# --- the attack: a manager of Arctic after Baltic's depot, serials and customers ---------------
BALTIC_SECRETS = ("DEPOT-B", "Depot-B", "LIFT-001", "WO-WEST", "West", "Baltic")


def _assert_reveals_nothing(text: str, where: str) -> None:
    # the language switcher links this very address: the reader's own words, not the server's
    text = re.sub(r'<span class="languages".*?</span>', "", text, flags=re.S)
    leaked = [secret for secret in BALTIC_SECRETS if secret in text]
    assert not leaked, f"{where} reveals {leaked}"


def two_region_network(session: Session, admin: TestClient) -> dict[str, int]:
    """DEPOT-A serves Arctic, DEPOT-B Baltic; Baltic's stock, moves, a transfer, a reservation,
    a target and moves naming Baltic's unit LIFT-001 and work orders. Returns ids by name."""
    small_fleet(session, units=1)
    small_network(session)
    locations = {r["code"]: r["id"] for r in admin.get("/api/locations").json()["items"]}
    for code, region in (("DEPOT-A", "Arctic"), ("DEPOT-B", "Baltic")):
        answer = admin.patch(f"/api/locations/{locations[code]}", json={"region": region})
        assert answer.status_code == 200, answer.text
    moves = [
        {"kind": "receipt", "part": "P-1", "location": "DEPOT-B", "quantity": 5},
        {"kind": "receipt", "part": "P-1", "location": "HUB", "quantity": 10},
        {"kind": "receipt", "part": "P-1", "location": "DEPOT-A", "quantity": 3},
        {"kind": "cannibalisation", "part": "P-3", "location": "DEPOT-B", "quantity": 1}
        | {"unit": "LIFT-001", "work_order": "WO-WEST-1", "note": "off LIFT-001"},
        {"kind": "cannibalisation", "part": "P-3", "location": "HUB", "quantity": 1}
        | {"unit": "LIFT-001", "work_order": "WO-WEST-2", "note": "LIFT-001, West depot"},
    ]
    for move in moves:
        assert admin.post("/api/stock/moves", json=move).status_code == 201
    for destination in ("DEPOT-B", "DEPOT-A"):
        shipped = admin.post(
            "/api/stock/transfers",
            json={"part": "P-1", "origin": "HUB", "destination": destination, "quantity": 1},
        )
        assert shipped.status_code == 201, shipped.text
    for location, order in (("DEPOT-B", "WO-WEST-3"), ("HUB", "WO-WEST-4")):
        held = admin.post(
            "/api/stock/reservations",
            json={"part": "P-1", "location": location, "quantity": 1, "work_order": order},
        )
        assert held.status_code == 201, held.text
    admin.put("/api/stock/targets", json=[{"part": "P-1", "location": "DEPOT-B", "target": 20}])
    parts = {r["number"]: r["id"] for r in admin.get("/api/parts").json()["items"]}
    return locations | parts


def test_manager_reads_no_other_regions_stock(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """Arctic's manager asking for Baltic's depot, its ledger, moves and proposals finds nothing,
    sees the upstream network with Baltic's serials and work orders blanked, and gets 404."""
    ids = two_region_network(session, client)
    assert "DEPOT-B" in client.get("/api/stock/proposals").text  # there is something to hide
    upstream = [
        line for line in client.get("/api/stock/proposals").json() if line["origin"] != "HUB"
    ]
    assert any("DEPOT-B" in line["serves"] for line in upstream)  # the hub restocked for B
    depot_b_moves = {
        m["id"]
        for m in client.get("/api/stock/moves", params={"location": "DEPOT-B"}).json()["items"]
    }
    manager = client_for(Role.regional_manager, "arctic-stock", regions=("Arctic",))
    probes = {
        "/api/stock?location=DEPOT-B": 0,
        "/api/stock/moves?location=DEPOT-B": 0,
        "/api/lanes?location=DEPOT-B": 0,
        "/api/stock/reservations?work_order=WO-WEST-3": 0,
        "/api/stock/reservations?work_order=WO-WEST-4": 0,  # upstream, but not its work order
    }
    for url, total in probes.items():
        answer = manager.get(url)
        assert answer.status_code == 200 and answer.json()["total"] == total, url
    for url in (
        "/api/stock",
        "/api/stock/moves?limit=200",
        "/api/locations",
        "/api/lanes",
        "/api/stock/reservations",
        "/api/stock/transfers",
        "/api/stock/proposals",
        "/api/stock/verify",
        "/api/export/locations",
        "/api/export/lanes",
        "/api/export/stock",
        "/api/export/targets",
    ):
        answer = manager.get(url)
        assert answer.status_code == 200, url
        _assert_reveals_nothing(answer.text, url)
    codes = [r["code"] for r in manager.get("/api/locations").json()["items"]]
    assert codes == ["DEPOT-A", "HUB", "PLANT"]  # its depot and the upstream network
    # the check counts only the balances it may see, not the network's
    everywhere = client.get("/api/stock/verify").json()["checked"]
    assert 0 < manager.get("/api/stock/verify").json()["checked"] < everywhere
    ledger = manager.get("/api/stock/moves", params={"limit": 200}).json()["items"]
    assert not depot_b_moves & {m["id"] for m in ledger}
    upstream = [m for m in ledger if m["location"] == "HUB" and m["kind"] == "cannibalisation"]
    assert [(m["unit"], m["work_order"], m["note"]) for m in upstream] == [(None, None, None)]
    transfers = manager.get("/api/stock/transfers").json()["items"]
    assert [(t["origin"], t["destination"]) for t in transfers] == [("HUB", "DEPOT-A")]
    missing = manager.get(f"/api/locations/{ids['DEPOT-B']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"location {ids['DEPOT-B']} not found"}
    # it may not move stock anywhere: the same 403 at its own depot as at Baltic's
    for location in ("DEPOT-A", "DEPOT-B"):
        move = {"kind": "receipt", "part": "P-1", "location": location, "quantity": 1}
        assert manager.post("/api/stock/moves", json=move).status_code == 403


def test_manager_pages_show_no_other_regions_stock(
    client: TestClient,
    anonymous: TestClient,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """The locations, a location, ledger, part and proposals pages hide Baltic from Arctic."""
    from tests.conftest import sign_in

    ids = two_region_network(session, client)
    sign_in(anonymous, make_user("arctic-pages", Role.regional_manager, regions=("Arctic",)))
    for url in (
        "/locations",
        f"/locations/{ids['HUB']}",
        f"/locations/{ids['DEPOT-A']}",
        "/stock/ledger",
        "/stock/ledger?location=DEPOT-B",
        f"/parts/{ids['P-1']}",
        f"/parts/{ids['P-3']}",
        "/stock/proposals",
    ):
        answer = anonymous.get(url)
        assert answer.status_code == 200, url
        _assert_reveals_nothing(answer.text.replace('value="DEPOT-B"', ""), url)  # its own words
    hidden = anonymous.get(f"/locations/{ids['DEPOT-B']}")
    assert hidden.status_code == 404
    _assert_reveals_nothing(hidden.text, "the 404 page")


def test_manager_writes_reveal_no_other_regions_rows(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """Baltic's serial, customer, site and region answer Arctic's manager like unknown or
    unusable ones, with the same words as for rows that do not exist or that it sees."""
    ids = small_fleet(session, units=1)
    bus = ids[0]
    manager = client_for(Role.regional_manager, "arctic-writer", regions=("Arctic",))

    def refusal(answer: Any) -> tuple[int, list[str], list[str]]:
        detail = answer.json()["detail"]
        return answer.status_code, [d["loc"][-1] for d in detail], [d["msg"] for d in detail]

    unit = {
        "model": "CB-12",
        "customer": "NORD",
        "site": "North depot",
        "delivered_on": "2024-01-01",
    }
    for serial in ("LIFT-001", "BUS-001"):  # Baltic's and its own: the same words
        answer = manager.post("/api/units", json=unit | {"serial": serial})
        assert refusal(answer) == (422, ["serial"], [f"serial '{serial}' cannot be used"])
    for customer in ("WEST", "NOPE"):  # Baltic's customer and none at all
        answer = manager.patch(f"/api/units/{bus}", json={"customer": customer})
        assert refusal(answer) == (422, ["customer"], [f"unknown customer '{customer}'"])
        _assert_reveals_nothing(answer.text.replace("WEST", ""), "reassigning")
    for site in ("West depot", "Nowhere"):
        answer = manager.patch(f"/api/units/{bus}", json={"site": site})
        assert refusal(answer) == (422, ["site"], [f"unknown site '{site}'"])
    for region in ("Baltic", "Nowhere"):
        site = {"name": "Far site", "region": region, "latitude": 60, "longitude": 30}
        answer = manager.post("/api/sites", json=site)
        assert refusal(answer) == (422, ["region"], [f"unknown region '{region}'"])
    taken_site = {"name": "West depot", "region": "Arctic", "latitude": 60, "longitude": 30}
    assert refusal(manager.post("/api/sites", json=taken_site)) == (
        422,
        ["name"],
        ["name 'West depot' cannot be used"],
    )
    taken_code = {"code": "WEST", "name": "Mine", "region": "Arctic"}
    assert refusal(manager.post("/api/customers", json=taken_code)) == (
        422,
        ["code"],
        ["code 'WEST' cannot be used"],
    )
    delivery = {
        "reference": "D-9",
        "customer": "WEST",
        "model": "CB-12",
        "quantity": 1,
        "shipped_on": "2024-01-01",
    }
    assert refusal(manager.post("/api/deliveries", json=delivery)) == (
        422,
        ["customer"],
        ["unknown customer 'WEST'"],
    )
    assert manager.get(f"/api/units/{bus}").json()["customer"] == "NORD"  # nothing changed
    assert manager.patch(f"/api/units/{bus}", json={"status": "down"}).status_code == 200
    # the admin, who sees everything, still hears which key is taken
    assert refusal(client.post("/api/units", json=unit | {"serial": "LIFT-001"}))[2] == [
        "serial 'LIFT-001' is already taken"
    ]
