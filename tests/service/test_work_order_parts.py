"""Parts on a work order: reserved from the depot serving the unit, issued when done, released
when cancelled; a part not available answers 409 and is resolved by waiting, an emergency
transfer, cannibalisation or a grey purchase — and the attacks on these routes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.analytics.history import load_history
from fleetcare.core.audit import AuditEntry
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import issue_token
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import Unit
from fleetcare.fleet.schemas import UnitRecord
from fleetcare.fleet.tables import UNITS
from fleetcare.parts.models import Location, Part, StockLevel
from fleetcare.service import service
from tests.conftest import TEST_SECRET
from tests.parts.factories import receive
from tests.service.factories import service_network

WO = "/api/service/work-orders"
RACERS = 8


def order(client: TestClient | httpx.Client, serial: str = "BUS-001") -> int:
    """Open a work order on a new down engine defect of ``serial``; its id."""
    body = {"unit": serial, "component_group": "engine", "symptom": "smoke", "down": True}
    defect = client.post("/api/service/defects", json=body).json()
    answer = client.post(WO, json={"defect": defect["id"]})
    assert answer.status_code == 201, answer.text
    order_id: int = answer.json()["id"]
    return order_id


def resolution(client: TestClient, order_id: int, part: str, quantity: int) -> str:
    """Ask for ``quantity`` of ``part`` on the work order; the address that resolves the line."""
    line = client.post(f"{WO}/{order_id}/parts", json={"part": part, "quantity": quantity})
    return f"{WO}/{order_id}/parts/{line.json()['line']['id']}/resolution"


def move(client: TestClient, order_id: int, *states: str) -> Any:
    """Move the work order through ``states``; the last answer."""
    answer = None
    for state in states:
        answer = client.post(f"{WO}/{order_id}/transitions", json={"to": state})
    return answer


def balance(session: Session, part: str, location: str) -> tuple[int, int, int]:
    """(on hand, reserved, in transit) of a part at a location."""
    session.commit()  # a fresh snapshot
    row = session.scalars(
        select(StockLevel)
        .join(Part, Part.id == StockLevel.part_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(Part.number == part, Location.code == location)
    ).first()
    return (0, 0, 0) if row is None else (row.on_hand, row.reserved, row.in_transit)


def test_reserved_at_the_serving_depot_issued_when_done(
    client: TestClient, session: Session
) -> None:
    """Without a location the depot of the unit's region holds the pieces; done issues them."""
    service_network(session)
    receive(session, "P-1", "DEPOT-A", 3)
    order_id = order(client)
    answer = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 2})
    assert answer.status_code == 201, answer.text
    line = answer.json()
    assert (line["location"], line["status"], line["quantity"]) == ("DEPOT-A", "reserved", 2)
    assert balance(session, "P-1", "DEPOT-A") == (3, 2, 0)
    assert client.get(f"{WO}/{order_id}").json()["parts"][0]["id"] == line["id"]
    assert move(client, order_id, "scheduled", "in_progress", "done").status_code == 200
    assert balance(session, "P-1", "DEPOT-A") == (1, 0, 0)
    assert client.get(f"{WO}/{order_id}").json()["parts"][0]["status"] == "issued"
    actions = set(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "work_order_parts"))
    )
    assert {"add", "issued"} <= actions


def test_cancelled_releases(client: TestClient, session: Session) -> None:
    """Cancelling the work order gives the reserved pieces back, in the same transaction."""
    service_network(session)
    receive(session, "P-2", "DEPOT-B", 1)
    order_id = order(client)
    body = {"part": "P-2", "quantity": 1, "location": "DEPOT-B"}
    assert client.post(f"{WO}/{order_id}/parts", json=body).status_code == 201
    assert balance(session, "P-2", "DEPOT-B") == (1, 1, 0)
    assert move(client, order_id, "cancelled").status_code == 200
    assert balance(session, "P-2", "DEPOT-B") == (1, 0, 0)
    assert client.get(f"{WO}/{order_id}").json()["parts"][0]["status"] == "released"


def test_a_reservation_ended_through_the_stock_api(client: TestClient, session: Session) -> None:
    """Released at the stock API, the line counts as short: done refused (409, nothing
    written), reserving again works, and the order completes; issued there, the work order
    can still be cancelled, without a second issue. Never stuck, never two orders on the
    same pieces."""
    service_network(session)
    receive(session, "P-1", "DEPOT-A", 3)
    order_id = order(client)
    line = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 2}).json()
    released = client.post(f"/api/stock/reservations/{line['reservation']}/release")
    assert released.status_code == 200
    assert balance(session, "P-1", "DEPOT-A") == (3, 0, 0)
    refused = move(client, order_id, "scheduled", "in_progress", "done")
    assert refused.status_code == 409 and f"line {line['id']}" in refused.text
    again = client.post(f"{WO}/{order_id}/parts/{line['id']}/reserve")
    assert again.status_code == 200 and again.json()["status"] == "reserved", again.text
    assert balance(session, "P-1", "DEPOT-A") == (3, 2, 0)
    assert move(client, order_id, "done").status_code == 200
    assert balance(session, "P-1", "DEPOT-A") == (1, 0, 0)

    second = order(client, "BUS-002")
    line = client.post(f"{WO}/{second}/parts", json={"part": "P-1", "quantity": 1}).json()
    issued = client.post(f"/api/stock/reservations/{line['reservation']}/issue")
    assert issued.status_code == 200
    assert move(client, second, "cancelled").status_code == 200  # not stuck
    assert client.get(f"{WO}/{second}").json()["parts"][0]["status"] == "issued"
    assert balance(session, "P-1", "DEPOT-A") == (0, 0, 0)  # issued once
    follows = session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.startswith("follow."))
    ).all()
    assert sorted(follows) == ["follow.issued", "follow.released"]


def test_short_line_then_wait_and_reserve_again(client: TestClient, session: Session) -> None:
    """Not available: 409 with the kept line and the options; done is refused naming the
    unreserved part; wait is a backorder; once stock arrives the line is reserved and issued."""
    service_network(session)
    order_id = order(client)
    answer = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 1})
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["available"] == 0
    assert body["options"] == ["wait", "emergency", "cannibalise", "grey"]
    line = body["line"]
    assert line["status"] == "short"
    refused = move(client, order_id, "scheduled", "in_progress", "done")
    assert refused.status_code == 409
    assert "never reserved" in refused.json()["detail"] and "P-1" in refused.json()["detail"]
    url = f"{WO}/{order_id}/parts/{line['id']}"
    waited = client.post(f"{url}/resolution", json={"option": "wait"})
    assert waited.status_code == 200, waited.text
    assert (waited.json()["status"], waited.json()["option"]) == ("waiting", "wait")
    assert client.post(f"{url}/reserve").status_code == 409
    receive(session, "P-1", "DEPOT-A", 1)
    assert client.post(f"{url}/reserve").json()["status"] == "reserved"
    assert move(client, order_id, "done").status_code == 200
    assert balance(session, "P-1", "DEPOT-A") == (0, 0, 0)


def test_emergency_transfer_along_the_emergency_lane(client: TestClient, session: Session) -> None:
    """Emergency ships from the origin of the emergency lane (HUB → DEPOT-A by air)."""
    service_network(session)
    receive(session, "P-1", "HUB", 2)
    order_id = order(client)
    line = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 1}).json()
    url = f"{WO}/{order_id}/parts/{line['line']['id']}/resolution"
    answer = client.post(url, json={"option": "emergency"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "in_transit" and answer.json()["transfer"]
    assert balance(session, "P-1", "HUB") == (1, 0, 0)
    assert balance(session, "P-1", "DEPOT-A") == (0, 0, 1)
    # DEPOT-B has no emergency lane in
    other = order(client, "BUS-002")
    body = {"part": "P-1", "quantity": 1, "location": "DEPOT-B"}
    short = client.post(f"{WO}/{other}/parts", json=body).json()["line"]
    bad = client.post(f"{WO}/{other}/parts/{short['id']}/resolution", json={"option": "emergency"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "option"


def test_cannibalisation_downs_the_donor(client: TestClient, session: Session) -> None:
    """The part is taken from a donor unit: the line is reserved, and the donor gets its own
    down defect 'parts taken for work order N'."""
    service_network(session)
    order_id = order(client)
    line = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 1}).json()
    url = f"{WO}/{order_id}/parts/{line['line']['id']}/resolution"
    assert client.post(url, json={"option": "cannibalise", "donor": "BUS-001"}).status_code == 422
    answer = client.post(url, json={"option": "cannibalise", "donor": "BUS-003"})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["status"], result["donor"]) == ("reserved", "BUS-003")
    donor = client.get(f"/api/service/defects/{result['donor_defect']}").json()
    assert donor["unit"] == "BUS-003" and donor["down"] is True
    assert donor["symptom"] == f"parts taken for work order {order_id}"
    units = client.get("/api/units", params={"q": "BUS-003"}).json()["items"]
    assert units[0]["status"] == "down"


def test_a_donors_defect_is_not_a_failure_to_the_reliability_maths(
    client: TestClient, session: Session
) -> None:
    """The fleet's failure history (``analytics.history``) counts the engine defect the work
    order repairs, not the donor's 'parts taken' defect of the same group."""
    service_network(session)
    url = resolution(client, order(client), "P-1", 1)
    taken = client.post(url, json={"option": "cannibalise", "donor": "BUS-003"})
    assert taken.status_code == 200, taken.text
    session.expire_all()
    history = load_history(session)
    assert history.failure_group == ["engine"]  # BUS-001's; BUS-003's was of the engine too


def test_a_donor_must_carry_the_pieces_it_gives(client: TestClient, session: Session) -> None:
    """A donor whose model's bill of materials lacks the part, or carries fewer pieces than
    the line needs, is refused on ``donor`` and nothing moves: no stock, no donor defect."""
    service_network(session)
    order_id = order(client)
    fewer = client.post(
        resolution(client, order_id, "P-1", 3), json={"option": "cannibalise", "donor": "BUS-003"}
    )
    assert fewer.status_code == 422
    assert fewer.json()["detail"][0]["loc"][-1] == "donor"
    assert "BUS-003 carries 2 of P-1, fewer than the 3" in fewer.json()["detail"][0]["msg"]
    none = client.post(
        resolution(client, order_id, "P-2", 1), json={"option": "cannibalise", "donor": "BUS-003"}
    )
    assert none.status_code == 422
    assert "BUS-003 has no P-2 to give" in none.json()["detail"][0]["msg"]
    moves = client.get("/api/stock/moves", params={"kind": "cannibalisation"}).json()
    assert moves["total"] == 0
    assert client.get("/api/units", params={"q": "BUS-003"}).json()["items"][0]["status"] == (
        "in_service"
    )


def test_a_donor_is_one_of_the_customers_own_machines(client: TestClient, session: Session) -> None:
    """NORD's work order may not strip WEST's machine: 422 on ``donor`` naming it, and
    nothing moves (no stock, no donor defect, the donor still in service)."""
    service_network(session)
    url = resolution(client, order(client), "P-1", 1)
    refused = client.post(url, json={"option": "cannibalise", "donor": "LIFT-001"})
    assert refused.status_code == 422
    [said] = refused.json()["detail"]
    assert said["loc"][-1] == "donor" and "LIFT-001 belongs to another customer" in said["msg"]
    assert client.get("/api/stock/moves", params={"kind": "cannibalisation"}).json()["total"] == 0
    assert client.get("/api/units", params={"q": "LIFT-001"}).json()["items"][0]["status"] == (
        "in_service"
    )
    assert client.get("/api/service/defects", params={"unit": "LIFT-001"}).json()["total"] == 0


def test_a_donor_in_another_region_is_not_named_to_the_reader(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """NORD's work order in the Arctic cannibalised NORD's bus at the Baltic site: Arctic's
    regional manager reads the line without the donor's serial or defect; NORD, the
    dispatcher and a manager of both regions (who see the donor) read them."""
    service_network(session)
    fleet_service.create(
        session,
        UNITS,
        by=system("test"),
        record=UnitRecord(
            serial="BUS-WEST",
            model="CB-12",
            customer="NORD",
            site="West depot",
            delivered_on=date(2023, 2, 1),
        ),
    )
    session.commit()
    order_id = order(client)
    taken = client.post(
        resolution(client, order_id, "P-1", 1), json={"option": "cannibalise", "donor": "BUS-WEST"}
    )
    assert taken.status_code == 200, taken.text
    nord = client_for(Role.customer, "nord", customer="NORD")
    arctic = client_for(Role.regional_manager, "arctic", regions=("Arctic",))
    both = client_for(Role.regional_manager, "both", regions=("Arctic", "Baltic"))
    for read in (arctic.get(f"{WO}/{order_id}").json(), arctic.get(WO).json()["items"][0]):
        assert (read["parts"][0]["donor"], read["parts"][0]["donor_defect"]) == (None, None)
    for reader in (client, nord, both):
        own = reader.get(f"{WO}/{order_id}").json()["parts"][0]
        assert own["donor"] == "BUS-WEST" and own["donor_defect"] is not None


def test_grey_purchase_marks_the_unit_non_genuine(client: TestClient, session: Session) -> None:
    """A grey purchase records its price and currency, reserves the piece, and becomes a
    non-genuine engine part fitted to the unit, the fact the warranty rule reads."""
    service_network(session)
    order_id = order(client)
    line = client.post(f"{WO}/{order_id}/parts", json={"part": "P-1", "quantity": 1}).json()
    url = f"{WO}/{order_id}/parts/{line['line']['id']}/resolution"
    body = {"option": "grey", "price": "4250.50", "currency": "EUR"}
    answer = client.post(url, json=body)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["price"], answer.json()["currency"]) == ("4250.50", "EUR")
    assert answer.json()["status"] == "reserved"
    fittings = service.coverage.grey_fittings(session, _unit(session, "BUS-001"))
    assert [f.component_group for f in fittings] == ["engine"]


def _unit(session: Session, serial: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.serial == serial)).one()


def test_attacks(client: TestClient, session: Session) -> None:
    """Another work order's line and an unknown work order are 404; forged options, a donor
    with grey, an absurd or negative price, a bad currency and unknown fields are 422; a
    resolved line cannot be resolved again (409)."""
    service_network(session)
    first, second = order(client), order(client, "BUS-002")
    line = client.post(f"{WO}/{first}/parts", json={"part": "P-1", "quantity": 1}).json()["line"]
    assert (
        client.post(
            f"{WO}/{second}/parts/{line['id']}/resolution", json={"option": "wait"}
        ).status_code
        == 404
    )
    assert client.post(f"{WO}/999999/parts", json={"part": "P-1", "quantity": 1}).status_code == 404
    url = f"{WO}/{first}/parts/{line['id']}/resolution"
    for forged in (
        {"option": "steal"},
        {"option": "WAIT"},
        {"option": "grey", "price": "1e30", "currency": "EUR"},
        {"option": "grey", "price": "99999999999", "currency": "EUR"},
        {"option": "grey", "price": "-5", "currency": "EUR"},
        {"option": "grey", "price": "10", "currency": "euro"},
        {"option": "grey", "price": "10"},
        {"option": "wait", "price": "10", "currency": "EUR"},
        {"option": "grey", "price": "10", "currency": "EUR", "donor": "BUS-003"},
        {"option": "cannibalise"},
        {"option": "wait", "extra": 1},
    ):
        assert client.post(url, json=forged).status_code == 422, forged
    for bad in (
        {"part": "NOPE", "quantity": 1},
        {"part": "P-1", "quantity": 0},
        {"part": "P-1", "quantity": 1, "location": "NOWHERE"},
    ):
        assert client.post(f"{WO}/{first}/parts", json=bad).status_code == 422, bad
    assert client.post(url, json={"option": "wait"}).status_code == 200
    assert client.post(url, json={"option": "cannibalise", "donor": "BUS-003"}).status_code == 200
    assert client.post(url, json={"option": "wait"}).status_code == 409
    assert move(client, second, "cancelled").status_code == 200
    assert (
        client.post(f"{WO}/{second}/parts", json={"part": "P-1", "quantity": 1}).status_code == 409
    )


def test_two_work_orders_race_for_the_last_piece(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Work orders on 12 threads reserve the last piece at once: exactly one gets it (201),
    the others answer 409 with their line kept short; the balance holds one reserved."""
    service_network(session)
    receive(session, "P-3", "DEPOT-A", 1)
    token = issue_token(make_user("racer", Role.dispatcher), TEST_SECRET)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers) as http:
        orders = [order(http, "BUS-001") for _ in range(RACERS)]
    start = threading.Barrier(RACERS)

    def one(order_id: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60, headers=headers) as http:
            start.wait()
            body = {"part": "P-3", "quantity": 1}
            return http.post(f"{WO}/{order_id}/parts", json=body).status_code

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        codes = Counter(pool.map(one, orders))
    assert codes == Counter({201: 1, 409: RACERS - 1})
    assert balance(session, "P-3", "DEPOT-A") == (1, 1, 0)
