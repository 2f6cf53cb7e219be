"""Parts pages render for staff, are refused to customers, and accept proposals with the token."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.parts.models import Location
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.parts.factories import depot_without_lane, receive, small_network


def test_parts_pages(pages: TestClient, session: Session) -> None:
    """Search, a part, the tree, a location, the ledger: all render with their data."""
    small_network(session)
    receive(session, "P-1", "HUB", 4)
    listing = pages.get("/parts", params={"q": "Part 1"})
    assert listing.status_code == 200 and "P-1" in listing.text and "P-2" not in listing.text
    fragment = pages.get("/parts", params={"group": "filters"}, headers={"HX-Request": "true"})
    assert "<nav" not in fragment.text and "P-2" in fragment.text
    part_id = re.search(r'href="/parts/(\d+)">P-1<', listing.text)
    assert part_id
    part = pages.get(f"/parts/{part_id.group(1)}")
    assert "Where it sits" in part.text and "HUB" in part.text and ">Receipt<" in part.text
    tree = pages.get("/locations")
    assert tree.status_code == 200 and "DEPOT-A" in tree.text and ">Rail<" in tree.text
    hub_id = re.search(r'href="/locations/(\d+)">HUB<', tree.text)
    assert hub_id and "P-1" in pages.get(f"/locations/{hub_id.group(1)}").text
    assert ">Receipt<" in pages.get("/stock/ledger", params={"part": "P-1"}).text


def test_accepting_proposals_on_the_page(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """The accept button posts with the anti-forgery token and ships the proposed transfers."""
    small_network(session)
    receive(session, "P-1", "HUB", 4)
    client.put("/api/stock/targets", json=[{"part": "P-1", "location": "DEPOT-A", "target": 2}])
    page = pages.get("/stock/proposals")
    assert "Accept" in page.text and "DEPOT-A" in page.text
    assert ">For<" in page.text and "<td>DEPOT-A</td>" in page.text
    russian = pages.get("/stock/proposals", params={"lang": "ru"}).text
    assert re.search(r'<td class="num">\d+,\d</td>', russian)  # lead days: a decimal comma
    assert "5,0 ± 0,0" in pages.get("/locations", params={"lang": "ru"}).text  # HUB → DEPOT-A
    pages.get("/", params={"lang": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    assert pages.post("/stock/proposals/accept").status_code == 403
    done = pages.post(
        "/stock/proposals/accept",
        data={"csrf_token": token.group(1)},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and "1 transfer or purchase created" in done.text
    assert "<header" not in done.text  # the list alone, swapped into #proposals
    assert client.get("/api/stock/transfers").json()["total"] == 1


def test_proposals_filtered_by_the_location_they_serve(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """With nothing at the hub, DEPOT-A's target climbs to a purchase at the plant that
    serves it: filtering by DEPOT-A shows that line, filtering by another location shows
    none, and the filtered button accepts the lines shown."""
    small_network(session)
    client.put(
        "/api/stock/targets",
        json=[
            {"part": "P-1", "location": "DEPOT-A", "target": 2},
            {"part": "P-1", "location": "DEPOT-B", "target": 1},
        ],
    )
    every = pages.get("/stock/proposals").text
    accept = 'action="/stock/proposals/accept"'
    assert accept in every and "<td>DEPOT-A, DEPOT-B</td>" in every
    mine = pages.get("/stock/proposals", params={"location": "DEPOT-A"}).text
    assert "<td>PLANT</td>" in mine and "Accept 1 line for DEPOT-A" in mine
    assert '<input type="hidden" name="location" value="DEPOT-A">' in mine
    none = pages.get("/stock/proposals", params={"location": "NOWHERE"}).text
    assert "<td>PLANT</td>" not in none and accept not in none
    assert "No line goes to NOWHERE or serves it now." in none
    spaced = pages.get("/stock/proposals", params={"location": " DEPOT-A "}).text
    assert "Accept 1 line for DEPOT-A" in spaced  # a code as people paste it
    too_long = pages.get("/stock/proposals", params={"location": "D" * 41})
    assert too_long.status_code == 422
    token = re.search(r'name="csrf_token" value="([^"]+)"', mine)
    assert token
    done = pages.post(
        "/stock/proposals/accept", data={"csrf_token": token.group(1), "location": "DEPOT-A"}
    )
    assert done.status_code == 200 and "1 transfer or purchase created" in done.text
    assert accept not in done.text  # nothing left for DEPOT-A: no button


def test_locations_waiting_for_stock_upstream_are_said_to_wait(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """With nothing anywhere, the plant's purchase is proposed and the hub and DEPOT-A below
    it are said to wait for it; once it is accepted and on its way, nothing is proposed and
    the page says they wait, not that every part is at its target; once the plant has it,
    the hub is proposed and DEPOT-A still waits."""
    small_network(session)
    client.put(
        "/api/stock/targets",
        json=[
            {"part": "P-1", "location": "DEPOT-A", "target": 2},
            {"part": "P-1", "location": "HUB", "target": 1},
        ],
    )
    page = pages.get("/stock/proposals")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token and "2 part-locations below their targets wait" in page.text
    done = pages.post("/stock/proposals/accept", data={"csrf_token": token.group(1)})
    assert done.status_code == 200, done.text
    assert "Nothing to propose now." in done.text and "every planned part" not in done.text
    assert "2 part-locations below their targets wait" in done.text
    purchase = client.get("/api/stock/transfers").json()["items"][0]
    assert (purchase["origin"], purchase["destination"], purchase["quantity"]) == (
        None,
        "PLANT",
        3,
    )
    received = client.post(f"/api/stock/transfers/{purchase['id']}/receive")
    assert received.status_code == 200, received.text
    again = pages.get("/stock/proposals")
    assert "<td>PLANT</td><td>HUB</td>" in again.text
    assert "1 part-location below its target waits" in again.text


def test_accept_all_names_the_lines_it_skips(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """Accepting all on the page ships what has a lane and names the line it had to skip."""
    small_network(session)
    depot_without_lane(session)
    receive(session, "P-1", "HUB", 10)
    client.put("/api/stock/targets", json=[{"part": "P-1", "location": "DEPOT-A", "target": 3}])
    page = pages.get("/stock/proposals")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    done = pages.post("/stock/proposals/accept", data={"csrf_token": token.group(1)})
    assert done.status_code == 200 and "1 transfer or purchase created" in done.text
    assert "Skipped, no lane to ship on: P-1 HUB → DEPOT-C" in done.text
    assert [t["destination"] for t in client.get("/api/stock/transfers").json()["items"]] == [
        "DEPOT-A"
    ]


def test_a_stored_loop_does_not_hang_the_pages(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """A parent loop already in the database (older data, two racing edits) still renders."""
    small_network(session)
    depot_a = select(Location.id).where(Location.code == "DEPOT-A").scalar_subquery()
    session.execute(update(Location).where(Location.code == "PLANT").values(parent_id=depot_a))
    session.commit()
    answers: dict[str, int] = {}

    def fetch() -> None:
        answers["tree"] = pages.get("/locations").status_code
        answers["page"] = pages.get("/stock/proposals").status_code
        answers["api"] = client.get("/api/stock/proposals").status_code

    worker = threading.Thread(target=fetch, daemon=True)  # before the fix it never returned
    worker.start()
    worker.join(timeout=20)
    assert answers == {"tree": 200, "page": 200, "api": 200}


def test_customers_do_not_see_the_parts_pages(
    anonymous: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """A customer user is refused the parts pages (403) and sees no Parts link."""
    from tests.fleet.factories import small_fleet

    small_fleet(session)
    sign_in(anonymous, make_user("nord", Role.customer, customer="NORD"))
    assert anonymous.get("/parts").status_code == 403
    assert 'href="/parts"' not in anonymous.get("/units").text


def test_receive_a_transfer_on_the_locations_page(
    client: TestClient,
    pages: TestClient,
    settings: Settings,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """DEPOT-A's page lists the transfer on its way and books it in (on hand rises, the row
    goes); twice is 422 on the page; through another location's address 404; a technician
    (no stock.move) sees the row without the button and is refused (403)."""
    small_network(session)
    receive(session, "P-1", "HUB", 5)
    body = {"part": "P-1", "origin": "HUB", "destination": "DEPOT-A", "quantity": 2}
    shipped = client.post("/api/stock/transfers", json=body)
    assert shipped.status_code == 201, shipped.text
    transfer = shipped.json()["id"]
    ids = {code: id_ for code, id_ in session.execute(select(Location.code, Location.id))}
    depot, hub = ids["DEPOT-A"], ids["HUB"]
    page = pages.get(f"/locations/{depot}").text
    assert 'id="arriving"' in page and f"#{transfer}" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    action = f"/locations/{depot}/transfers/{transfer}/receive"
    assert f'action="{action}"' in page
    elsewhere = pages.post(
        f"/locations/{hub}/transfers/{transfer}/receive", data={"csrf_token": token[1]}
    )
    assert elsewhere.status_code == 404
    booked = pages.post(action, data={"csrf_token": token[1]}, follow_redirects=False)
    assert booked.status_code == 303
    assert booked.headers["location"] == f"/locations/{depot}?received={transfer}"
    stock = client.get("/api/stock", params={"part": "P-1", "location": "DEPOT-A"}).json()
    assert (stock["items"][0]["on_hand"], stock["items"][0]["in_transit"]) == (2, 0)
    after = pages.get(booked.headers["location"]).text
    assert 'id="arriving"' not in after
    assert f"Transfer #{transfer} received: 2 pieces of P-1." in after
    # the notice is said only where the transfer was booked in, and never refuses the page
    for other in (f"/locations/{hub}?received={transfer}", f"/locations/{depot}?received=999"):
        answer = pages.get(other)
        assert answer.status_code == 200 and 'id="received"' not in answer.text
    again = pages.post(action, data={"csrf_token": token[1]})
    assert again.status_code == 422 and "received already" in again.text
    shipped = client.post("/api/stock/transfers", json=body).json()["id"]
    with TestClient(create_app(settings)) as technician:
        sign_in(technician, make_user("tech", Role.technician))
        seen = technician.get(f"/locations/{depot}")
        assert f"#{shipped}" in seen.text and "Receive</button>" not in seen.text
        refused = technician.post(
            f"/locations/{depot}/transfers/{shipped}/receive", data={"csrf_token": token[1]}
        )
        assert refused.status_code == 403
