"""The parts REST API: catalogue, network, moves, reservations, transfers, targets, proposals."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.audit import AuditEntry
from tests.parts.factories import receive, small_network


def fields(answer: Any) -> list[str]:
    return [str(item["loc"][-1]) for item in answer.json()["detail"]]


def test_catalogue_and_network(client: TestClient, session: Session) -> None:
    """Parts, BOM lines, locations and lanes are created by natural keys and listed."""
    small_network(session)
    client.post("/api/models", json={"code": "CB-12", "family": "city_bus", "name": "Bus"})
    part = client.post(
        "/api/parts",
        json={
            "number": "P-9",
            "name": "Turbocharger",
            "group": "engine",
            "unit_cost": "95000.00",
            "currency": "RUB",
            "weight_kg": 18.5,
            "repairable": True,
            "grey_price": "400000",
            "superseded_by": None,
        },
    )
    assert part.status_code == 201, part.text
    assert part.json()["unit_cost"] == "95000.00" and part.json()["currency"] == "RUB"
    assert (
        client.patch(f"/api/parts/{part.json()['id']}", json={"superseded_by": "P-1"}).json()[
            "superseded_by"
        ]
        == "P-1"
    )
    url = f"/api/parts/{part.json()['id']}"
    assert client.patch(url, json={"supplier": "Bosch"}).json()["supplier"] == "Bosch"
    assert client.patch(url, json={"supplier": None}).json()["supplier"] is None  # cleared
    bom = client.post(
        "/api/boms", json={"model": "CB-12", "part": "P-9", "quantity": 1, "critical": True}
    )
    assert bom.status_code == 201 and bom.json()["critical"] is True
    line = f"/api/boms/{bom.json()['id']}"
    assert client.get(line).json() == bom.json()
    changed = client.patch(line, json={"quantity": 4, "critical": False})
    assert (changed.json()["quantity"], changed.json()["critical"]) == (4, False)
    assert client.patch(line, json={"part": "P-1"}).status_code == 422  # the key stays
    assert client.get("/api/boms/999999").status_code == 404
    assert client.get("/api/parts", params={"model": "CB-12"}).json()["items"][0]["number"] == "P-9"
    assert client.get("/api/parts", params={"q": "turbo"}).json()["total"] == 1
    depot = client.post(
        "/api/locations",
        json={
            "code": "DEPOT-C",
            "name": "C",
            "kind": "depot",
            "latitude": 61,
            "longitude": 30,
            "parent": "HUB",
        },
    )
    assert depot.status_code == 201 and depot.json()["parent"] == "HUB"
    lane = client.post(
        "/api/lanes",
        json={
            "origin": "HUB",
            "destination": "DEPOT-C",
            "mode": "rail",
            "lead_time_days": 4,
            "lead_time_sd_days": 1,
            "cost_per_kg": "7.5",
        },
    )
    assert lane.status_code == 201 and lane.json()["mode"] == "rail"
    lane_url = f"/api/lanes/{lane.json()['id']}"
    assert client.get(lane_url).json() == lane.json()
    slower = client.patch(lane_url, json={"lead_time_days": 9, "mode": "road"})
    assert (slower.json()["lead_time_days"], slower.json()["mode"]) == (9, "road")
    assert client.patch(lane_url, json={"lead_time_days": 0}).status_code == 422
    assert client.patch("/api/lanes/999999", json={"emergency": True}).status_code == 404
    audited = session.scalars(
        select(AuditEntry.entity).where(AuditEntry.action == "update").order_by(AuditEntry.id)
    ).all()
    assert {"boms", "lanes"} <= set(audited)
    assert client.get("/api/lanes", params={"location": "DEPOT-C"}).json()["total"] == 1


def test_network_refuses_bad_input(client: TestClient, session: Session) -> None:
    """A loop in the tree, a lane to itself, an unknown parent, a negative cost: 422."""
    small_network(session)
    plant = next(
        loc for loc in client.get("/api/locations").json()["items"] if loc["code"] == "PLANT"
    )
    loop = client.patch(f"/api/locations/{plant['id']}", json={"parent": "DEPOT-A"})
    assert loop.status_code == 422 and fields(loop) == ["parent"]
    # renaming the hub under its own child is a loop too (the tree is followed by row id)
    hub = next(loc for loc in client.get("/api/locations").json()["items"] if loc["code"] == "HUB")
    renamed = client.patch(
        f"/api/locations/{hub['id']}", json={"code": "HUB2", "parent": "DEPOT-A"}
    )
    assert renamed.status_code == 422 and fields(renamed) == ["parent"]
    assert client.get("/api/stock/proposals").status_code == 200  # no loop was stored
    # and a part cannot supersede itself under a new number
    p1 = client.get("/api/parts", params={"q": "P-1"}).json()["items"][0]
    itself_renamed = client.patch(
        f"/api/parts/{p1['id']}", json={"number": "P-1B", "superseded_by": "P-1"}
    )
    assert itself_renamed.status_code == 422
    itself = client.post(
        "/api/lanes",
        json={
            "origin": "HUB",
            "destination": "HUB",
            "mode": "road",
            "lead_time_days": 1,
            "cost_per_kg": "1",
        },
    )
    assert itself.status_code == 422 and "destination" in fields(itself)
    orphan = client.post(
        "/api/locations",
        json={
            "code": "X",
            "name": "X",
            "kind": "depot",
            "latitude": 0,
            "longitude": 0,
            "parent": "NOWHERE",
        },
    )
    assert orphan.status_code == 422 and fields(orphan) == ["parent"]
    cheap = client.post(
        "/api/parts",
        json={"number": "P-8", "name": "x", "group": "body", "unit_cost": "-1", "weight_kg": 1},
    )
    assert cheap.status_code == 422 and fields(cheap) == ["unit_cost"]
    twice = client.post(
        "/api/parts",
        json={"number": "P-1", "name": "x", "group": "body", "unit_cost": "1", "weight_kg": 1},
    )
    assert twice.status_code == 422 and fields(twice) == ["number"]


def test_moves_and_the_ledger(client: TestClient, session: Session) -> None:
    """Receipts, issues, grey purchases and cannibalisations move the balance; too much is 409."""
    small_network(session)
    assert (
        client.post(
            "/api/stock/moves",
            json={"kind": "receipt", "part": "P-1", "location": "DEPOT-A", "quantity": 3},
        ).status_code
        == 201
    )
    grey = client.post(
        "/api/stock/moves",
        json={"kind": "grey_purchase", "part": "P-1", "location": "DEPOT-A", "quantity": 1},
    )
    assert (
        grey.status_code == 201 and grey.json()["price"] == "4250.00"
    )  # five times the unit cost by default
    no_unit = client.post(
        "/api/stock/moves",
        json={"kind": "cannibalisation", "part": "P-1", "location": "DEPOT-A", "quantity": 1},
    )
    assert no_unit.status_code == 422 and fields(no_unit) == ["unit"]
    ghost = client.post(
        "/api/stock/moves",
        json={
            "kind": "cannibalisation",
            "part": "P-1",
            "location": "DEPOT-A",
            "quantity": 1,
            "unit": "NO-SUCH-UNIT",
        },
    )
    assert ghost.status_code == 422 and fields(ghost) == ["unit"]
    too_many = client.post(
        "/api/stock/moves",
        json={
            "kind": "issue",
            "part": "P-1",
            "location": "DEPOT-A",
            "quantity": 5,
            "work_order": "WO-1",
        },
    )
    assert too_many.status_code == 409 and too_many.json()["available"] == 4
    assert too_many.json()["detail"].startswith("not enough stock at DEPOT-A: 4 available")
    negative = client.post(
        "/api/stock/moves",
        json={"kind": "receipt", "part": "P-1", "location": "DEPOT-A", "quantity": -2},
    )
    assert negative.status_code == 422
    unknown = client.post(
        "/api/stock/moves",
        json={"kind": "receipt", "part": "NOPE", "location": "DEPOT-A", "quantity": 1},
    )
    assert unknown.status_code == 422 and fields(unknown) == ["part"]
    balance = client.get("/api/stock", params={"part": "P-1", "location": "DEPOT-A"}).json()[
        "items"
    ][0]
    assert (balance["on_hand"], balance["available"]) == (4, 4)
    ledger = client.get("/api/stock/moves", params={"part": "P-1"}).json()
    assert [m["kind"] for m in ledger["items"]] == ["grey_purchase", "receipt"]
    assert client.get("/api/stock/verify").json()["mismatches"] == []


def test_reservation_contract(client: TestClient, session: Session) -> None:
    """Reserve → 201 with the reservation; more than available → 409; issue and release."""
    small_network(session)
    receive(session, "P-2", "DEPOT-B", 5)
    held = client.post(
        "/api/stock/reservations",
        json={"part": "P-2", "location": "DEPOT-B", "quantity": 3, "work_order": "WO-7"},
    )
    assert held.status_code == 201, held.text
    assert {
        k: held.json()[k] for k in ("part", "location", "quantity", "work_order", "status")
    } == {
        "part": "P-2",
        "location": "DEPOT-B",
        "quantity": 3,
        "work_order": "WO-7",
        "status": "active",
    }
    refused = client.post(
        "/api/stock/reservations", json={"part": "P-2", "location": "DEPOT-B", "quantity": 3}
    )
    assert refused.status_code == 409
    assert refused.json()["available"] == 2 and "2 available" in refused.json()["detail"]
    stock = client.get("/api/stock", params={"part": "P-2", "location": "DEPOT-B"}).json()["items"][
        0
    ]
    assert (stock["on_hand"], stock["reserved"], stock["available"], stock["in_transit"]) == (
        5,
        3,
        2,
        0,
    )
    issued = client.post(f"/api/stock/reservations/{held.json()['id']}/issue")
    assert issued.json()["status"] == "issued"
    assert client.post(f"/api/stock/reservations/{held.json()['id']}/release").status_code == 422
    second = client.post(
        "/api/stock/reservations", json={"part": "P-2", "location": "DEPOT-B", "quantity": 2}
    )
    assert (
        client.post(f"/api/stock/reservations/{second.json()['id']}/release").json()["status"]
        == "released"
    )
    stock = client.get("/api/stock", params={"part": "P-2", "location": "DEPOT-B"}).json()["items"][
        0
    ]
    assert (stock["on_hand"], stock["reserved"]) == (2, 0)
    assert (
        client.post(
            "/api/stock/reservations", json={"part": "P-2", "location": "DEPOT-B", "quantity": 0}
        ).status_code
        == 422
    )


def test_transfers_targets_and_proposals(client: TestClient, session: Session) -> None:
    """Targets yield proposals; accepting them ships along the lanes; receiving lands the stock."""
    small_network(session)
    receive(session, "P-1", "HUB", 4)
    assert client.put(
        "/api/stock/targets",
        json=[
            {"part": "P-1", "location": "DEPOT-A", "target": 3},
            {"part": "P-1", "location": "HUB", "target": 2},
        ],
    ).json() == {"updated": 2, "unchanged": 0}
    lines = client.get("/api/stock/proposals").json()
    assert [(p["origin"], p["destination"], p["quantity"], p["mode"]) for p in lines] == [
        ("HUB", "DEPOT-A", 3, "rail"),
        (None, "PLANT", 1, None),  # the hub falls below its own target; the plant has none to send
    ]
    assert (
        lines[0]["freight_cost"] == "360.00" and lines[0]["currency"] == "RUB"
    )  # 3 × 12 kg × 10 RUB/kg
    stale = client.post(
        "/api/stock/proposals/accept", json={"lines": [{**lines[0], "quantity": 9}]}
    )
    assert stale.status_code == 422
    for quantity in (0, -3):  # not a quantity: 422, not a 500
        bad = client.post(
            "/api/stock/proposals/accept", json={"lines": [{**lines[0], "quantity": quantity}]}
        )
        assert bad.status_code == 422, bad.text
    twice = client.post(
        "/api/stock/proposals/accept",
        json={"lines": [{**lines[0], "quantity": 2}, {**lines[0], "quantity": 2}]},
    )
    assert twice.status_code == 422  # 2 + 2 > the 3 proposed: the same line counts together
    accepted = client.post("/api/stock/proposals/accept", json={"lines": [lines[0]]})
    assert accepted.status_code == 200, accepted.text
    transfer = accepted.json()[0]
    assert (transfer["status"], transfer["mode"], transfer["quantity"]) == ("in_transit", "rail", 3)
    depot = client.get("/api/stock", params={"part": "P-1", "location": "DEPOT-A"}).json()["items"][
        0
    ]
    assert (depot["on_hand"], depot["in_transit"], depot["target"]) == (0, 3, 3)
    assert (
        client.post(f"/api/stock/transfers/{transfer['id']}/receive").json()["status"] == "received"
    )
    depot = client.get("/api/stock", params={"part": "P-1", "location": "DEPOT-A"}).json()["items"][
        0
    ]
    assert (depot["on_hand"], depot["in_transit"]) == (3, 0)
    emergency = client.post(
        "/api/stock/transfers",
        json={
            "part": "P-1",
            "origin": "HUB",
            "destination": "DEPOT-B",
            "quantity": 1,
            "emergency": True,
        },
    )
    assert emergency.status_code == 422 and fields(emergency) == ["destination"]  # no air lane to B
    assert client.get("/api/stock/verify").json()["mismatches"] == []


def test_default_grey_price_is_in_the_parts_currency(client: TestClient, session: Session) -> None:
    """A part priced in euros: its default grey price (5 × unit cost) is in euros too."""
    small_network(session)
    created = client.post(
        "/api/parts",
        json={
            "number": "E-1",
            "name": "Imported pump",
            "group": "hydraulics",
            "unit_cost": "100",
            "currency": "EUR",
            "weight_kg": 3,
        },
    )
    assert created.status_code == 201, created.text

    def grey(**priced: str) -> Any:
        """A grey purchase of one E-1 at DEPOT-A, with ``price`` and ``currency`` if given."""
        body = {"kind": "grey_purchase", "part": "E-1", "location": "DEPOT-A", "quantity": 1}
        return client.post("/api/stock/moves", json=body | priced)

    listed = grey()
    assert listed.status_code == 201, listed.text
    assert (listed.json()["price"], listed.json()["currency"]) == ("500.00", "EUR")
    paid = grey(price="700", currency="USD")
    assert (paid.json()["price"], paid.json()["currency"]) == ("700.00", "USD")  # as given
    priced = grey(price="650")
    assert (priced.json()["price"], priced.json()["currency"]) == ("650.00", "EUR")  # the part's
    made_up = grey(price="650", currency="ZZZ")
    assert made_up.status_code == 422 and fields(made_up) == ["currency"]  # not ISO 4217
    typed = grey(price="650", currency=" usd")
    assert typed.status_code == 201 and typed.json()["currency"] == "USD"  # as people type it


def test_accepting_all_skips_lines_without_a_lane(client: TestClient, session: Session) -> None:
    """DEPOT-C has no lane from the hub: accept-all ships the rest; choosing that line is 422."""
    small_network(session)
    receive(session, "P-1", "HUB", 6)
    new_depot = {"code": "DEPOT-C", "name": "C", "kind": "depot", "parent": "HUB"}
    assert (
        client.post(
            "/api/locations", json={**new_depot, "latitude": 60, "longitude": 30}
        ).status_code
        == 201
    )
    client.put(
        "/api/stock/targets",
        json=[
            {"part": "P-1", "location": "DEPOT-A", "target": 1},
            {"part": "P-1", "location": "DEPOT-C", "target": 1},
        ],
    )
    lines = client.get("/api/stock/proposals").json()
    to_b = [line for line in lines if line["destination"] == "DEPOT-C"]
    assert to_b and to_b[0]["mode"] is None  # no ordinary lane HUB → DEPOT-C
    refused = client.post("/api/stock/proposals/accept", json={"lines": to_b})
    assert refused.status_code == 422 and "no ordinary lane" in refused.text
    everything = client.post("/api/stock/proposals/accept", json={"lines": []})
    assert everything.status_code == 200, everything.text
    assert [t["destination"] for t in everything.json()] == ["DEPOT-A"]


def test_accepting_the_lines_that_serve_one_location(
    client: TestClient, session: Session, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """With 3 at the hub, DEPOT-A wants 2 and DEPOT-B 1: ``location`` DEPOT-B accepts its line
    alone (API), DEPOT-A's stays proposed; the CLI lists and accepts DEPOT-A's by the same
    rule; an unknown code accepts nothing."""
    small_network(session)
    receive(session, "P-1", "HUB", 3)
    client.put(
        "/api/stock/targets",
        json=[
            {"part": "P-1", "location": "DEPOT-A", "target": 2},
            {"part": "P-1", "location": "DEPOT-B", "target": 1},
        ],
    )
    nothing = client.post("/api/stock/proposals/accept", json={"location": "NOWHERE"})
    assert nothing.status_code == 200 and nothing.json() == []
    line = client.get("/api/stock/proposals").json()[0]
    both = client.post("/api/stock/proposals/accept", json={"lines": [line], "location": "X"})
    assert both.status_code == 422 and "not both" in both.text
    for_b = client.post("/api/stock/proposals/accept", json={"location": "DEPOT-B"})
    assert for_b.status_code == 200, for_b.text
    assert [(t["destination"], t["quantity"]) for t in for_b.json()] == [("DEPOT-B", 1)]
    left = client.get("/api/stock/proposals").json()
    assert [(line["destination"], line["quantity"]) for line in left] == [("DEPOT-A", 2)]
    listed = runner.invoke(
        app, ["stock", "proposals", "--location", "DEPOT-B", "--json"], env=cli_env
    )
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    taken = runner.invoke(
        app, ["stock", "proposals", "--accept", "--location", "DEPOT-A"], env=cli_env
    )
    assert taken.exit_code == 0, taken.stderr
    assert client.get("/api/stock/proposals").json() == []


def test_target_changes_are_audited(client: TestClient, session: Session) -> None:
    """PUT /api/stock/targets leaves who changed which target, from what to what."""
    small_network(session)
    body = [{"part": "P-1", "location": "DEPOT-A", "target": 3}]
    assert client.put("/api/stock/targets", json=body).json()["updated"] == 1
    assert client.put("/api/stock/targets", json=body).json()["unchanged"] == 1  # no new entry
    entries = client.get("/api/audit", params={"entity": "stock", "actor": "admin"}).json()["items"]
    changes = [e for e in entries if e["action"] == "set_target"]
    assert len(changes) == 1
    assert changes[0]["key"] == "P-1@DEPOT-A"
    assert (changes[0]["before"], changes[0]["after"]) == ({"target": None}, {"target": 3})


def test_proposals_beyond_one_targets_limit_are_listed(
    client: TestClient, session: Session
) -> None:
    """Needs add up the tree past any one target's bound: still listed, not a 500."""
    small_network(session)
    targets = [
        {"part": "P-1", "location": location, "target": 10_000_000} for location in ("PLANT", "HUB")
    ]
    assert client.put("/api/stock/targets", json=targets).status_code == 200
    lines = client.get("/api/stock/proposals")
    assert lines.status_code == 200, lines.text
    assert [(p["origin"], p["destination"], p["quantity"]) for p in lines.json()] == [
        (None, "PLANT", 20_000_000)
    ]


def test_reservation_and_transfer_lists_cost_what_they_return(
    client: TestClient, session: Session
) -> None:
    """A page of 6 reservations or transfers takes as many SQL statements as a page of 2:
    the rows' details are read for the page at once, not row by row."""
    from sqlalchemy import event

    small_network(session)
    receive(session, "P-2", "DEPOT-B", 12)
    receive(session, "P-1", "HUB", 12)
    for k in range(6):
        held = client.post(
            "/api/stock/reservations",
            json={"part": "P-2", "location": "DEPOT-B", "quantity": 1, "work_order": f"WO-{k}"},
        )
        assert held.status_code == 201, held.text
        client.put(
            "/api/stock/targets", json=[{"part": "P-1", "location": "DEPOT-A", "target": k + 1}]
        )
        line = client.get("/api/stock/proposals").json()[0]
        assert client.post("/api/stock/proposals/accept", json={"lines": [line]}).status_code == 200
    engine = session.get_bind()

    def statements(path: str, limit: int) -> tuple[int, int]:
        seen: list[str] = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
        event.listen(engine, "before_cursor_execute", listen)
        try:
            answer = client.get(path, params={"limit": limit})
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        assert answer.status_code == 200, answer.text
        return len(answer.json()["items"]), len(seen)

    for path in ("/api/stock/reservations", "/api/stock/transfers"):
        (few, cost_few), (many, cost_many) = statements(path, 2), statements(path, 6)
        assert (few, many) == (2, 6)
        assert cost_many == cost_few, (path, cost_few, cost_many)


def test_a_purchase_over_one_transfers_limit_goes_in_several(
    client: TestClient, session: Session
) -> None:
    """The root's purchase may exceed one transfer's 1,000,000 pieces: accepting it (all, or
    the line chosen) makes transfers of at most that many, never a 500."""
    small_network(session)
    target = [{"part": "P-1", "location": "PLANT", "target": 2_500_000}]
    assert client.put("/api/stock/targets", json=target).status_code == 200
    [line] = client.get("/api/stock/proposals").json()
    assert (line["origin"], line["destination"], line["quantity"]) == (None, "PLANT", 2_500_000)
    too_many = client.post(
        "/api/stock/proposals/accept", json={"lines": [{**line, "quantity": 10**30}]}
    )
    assert too_many.status_code == 422
    accepted = client.post("/api/stock/proposals/accept", json={"lines": [line]})
    assert accepted.status_code == 200, accepted.text
    assert [t["quantity"] for t in accepted.json()] == [1_000_000, 1_000_000, 500_000]
    plant = client.get("/api/stock", params={"part": "P-1", "location": "PLANT"}).json()["items"]
    assert plant[0]["in_transit"] == 2_500_000
    assert client.get("/api/stock/proposals").json() == []
