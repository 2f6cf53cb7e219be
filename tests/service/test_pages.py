"""Service pages: the board, a defect, a work order with its buttons, the unit fragment, the
customer portal with photos, and the attacks on them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.clock import utcnow
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.fleet.models import Unit, UnitStatus
from fleetcare.parts.models import ComponentGroup
from fleetcare.service.schemas import WarrantyPolicyRecord
from fleetcare.service.tables import WARRANTY_POLICIES
from fleetcare.web.app import create_app
from tests.conftest import TEST_SECRET, sign_in
from tests.service.factories import service_fleet
from tests.service.images import jpeg, png
from tests.service.test_claims import WO
from tests.service.test_claims import setup as claims_setup
from tests.service.test_sla import levels

PNG = png(2, 1)
JPEG = jpeg(1, 2)
PHP = b"<?php system($_GET['c']); ?>"


@pytest.fixture
def browser_for(
    db: str, tmp_path: Path, make_user: Callable[..., str]
) -> Callable[..., tuple[TestClient, str]]:
    """A signed-in page client of a new user (photos under a temporary var dir) and its token."""

    def make(role: Role, name: str, **binding: object) -> tuple[TestClient, str]:
        settings = Settings(
            database_url=db, secret_key=TEST_SECRET, var_dir=tmp_path, max_photo_bytes=1000
        )
        browser = TestClient(create_app(settings))
        assert sign_in(browser, make_user(name, role, **binding)).status_code == 303
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', browser.get("/").text)
        assert token
        return browser, token.group(1)

    return make


def report(  # type: ignore[no-untyped-def]
    browser: TestClient,
    token: str,
    unit: str = "BUS-001",
    files=None,
    symptom: str = "black smoke at idle",
):
    """Post the portal form with the token."""
    return browser.post(
        "/portal/defects",
        data={
            "csrf_token": token,
            "unit": unit,
            "component_group": "engine",
            "symptom": symptom,
            "down": "true",
        },
        files=files or [],
        follow_redirects=False,
    )


def test_board_work_order_and_decision(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """A dispatcher sees the defect on the board, opens a work order, moves it with the buttons
    (an illegal move is 409), and overrides the warranty decision with a reason."""
    service_fleet(session)
    customer, ctoken = browser_for(Role.customer, "nord", customer="NORD")
    answer = report(customer, ctoken)
    assert answer.status_code == 303
    defect_id = int(answer.headers["location"].rsplit("/", 1)[1])
    dispatcher, token = browser_for(Role.dispatcher, "disp")
    board = dispatcher.get("/service", params={"region": "Arctic"})
    assert board.status_code == 200 and f"#{defect_id}" in board.text and "BUS-001" in board.text
    fragment = dispatcher.get(
        "/service", params={"region": "Arctic"}, headers={"HX-Request": "true"}
    )
    assert "<nav" not in fragment.text and "black smoke" in fragment.text
    assert 'hx-get="/service?region=Arctic&amp;status=open" hx-trigger="every 60s"' in fragment.text
    assert "BUS-001" not in dispatcher.get("/service", params={"region": "Baltic"}).text
    opened = dispatcher.post(
        f"/service/defects/{defect_id}/work-orders",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    order_url = opened.headers["location"]
    page = dispatcher.get(order_url)
    assert 'value="scheduled"' in page.text and 'value="done"' not in page.text
    assert '<span class="status status-down">down</span>' in page.text  # reported down
    assert "Parts" in page.text and "covered" in page.text
    move = order_url + "/transitions"
    assert dispatcher.post(move, data={"to": "scheduled"}).status_code == 403  # no token
    wrong = dispatcher.post(move, data={"csrf_token": token, "to": "done"})
    assert wrong.status_code == 409 and "cannot move" in wrong.text
    for to in ("scheduled", "in_progress", "done"):
        moved = dispatcher.post(move, data={"csrf_token": token, "to": to}, follow_redirects=False)
        assert moved.status_code == 303, to
    done = dispatcher.get(order_url).text  # restored: the unit was down, is no longer
    assert "status-down" not in done and '<span class="muted">was down</span>' in done
    decided = dispatcher.post(
        f"/service/defects/{defect_id}/warranty",
        data={"csrf_token": token, "decision": "not_covered", "reason": "misuse"},
    )
    assert decided.status_code == 200 and "misuse" in decided.text and "disp" in decided.text
    assert ">Resolved<" in customer.get(f"/service/defects/{defect_id}").text
    assert customer.post(move, data={"csrf_token": ctoken, "to": "cancelled"}).status_code == 403


def test_unit_fragment(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The unit page loads its service record, which shows warranty, defects and downtime."""
    unit_ids = service_fleet(session)
    admin, token = browser_for(Role.admin, "boss")
    assert report(admin, token).status_code == 303
    assert f'hx-get="/units/{unit_ids[0]}/service"' in admin.get(f"/units/{unit_ids[0]}").text
    fragment = admin.get(f"/units/{unit_ids[0]}/service")
    assert fragment.status_code == 200 and "<nav" not in fragment.text
    assert "Hours left" in fragment.text and "black smoke" in fragment.text
    assert "still down" in fragment.text
    planner, _token = browser_for(Role.planner, "plan")
    assert planner.get(f"/units/{unit_ids[0]}/service").status_code == 200
    west, _t = browser_for(Role.customer, "west", customer="WEST")
    assert west.get(f"/units/{unit_ids[0]}/service").status_code == 404
    shown = re.findall(r"Until</dt><dd>([^<]*)<", fragment.text)
    assert shown == ["2025-02-01"]  # BUS-001: from 2023-02-01, the whole machine's 24 months
    other = WarrantyPolicyRecord(model="CB-12", component_group=ComponentGroup.other, months=1)
    WARRANTY_POLICIES.apply(session, [Item(other)])
    session.commit()  # the "other" group's own policy is not the machine's
    again = admin.get(f"/units/{unit_ids[0]}/service").text
    assert re.findall(r"Until</dt><dd>([^<]*)<", again) == ["2025-02-01"]


def test_portal_photos_and_attacks(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]], tmp_path: Path
) -> None:
    """Photos are taken by content and size, stored under var/photos, shown only to those who
    may see the defect; a renamed PHP file, an oversized image, another's unit, no token: all
    refused."""
    service_fleet(session)
    nord, token = browser_for(Role.customer, "nord", customer="NORD")
    files = [("photo", ("a.png", PNG, "image/png")), ("photo", ("b.jpeg", JPEG, "image/jpeg"))]
    answer = report(nord, token, files=files)
    assert answer.status_code == 303
    defect_url = answer.headers["location"]
    page = nord.get(defect_url)
    names = re.findall(r'src="(/service/defects/\d+/photos/[0-9a-f]{32}\.(?:png|jpg))"', page.text)
    assert len(names) == 2
    assert nord.get(names[0]).content in (PNG, JPEG)
    assert len(list((tmp_path / "photos").rglob("*"))) == 3  # the folder and two photos
    php = [("photo", ("shell.jpg", PHP, "image/jpeg"))]
    assert report(nord, token, files=php).status_code == 422
    big = [("photo", ("big.png", PNG + b"\x00" * 2000, "image/png"))]
    assert report(nord, token, files=big).status_code == 413
    assert report(nord, token, unit="LIFT-001").status_code == 422  # WEST's machine: unknown
    no_token = nord.post(
        "/portal/defects",
        data={"unit": "BUS-001", "component_group": "engine", "symptom": "x"},
        files=files,
    )
    assert no_token.status_code == 403
    west, _t = browser_for(Role.customer, "west", customer="WEST")
    assert west.get(names[0]).status_code == 404
    assert west.get(defect_url).status_code == 404
    assert nord.get(defect_url + "/photos/..%2Fsecret_key").status_code == 404
    portal = nord.get("/portal")
    assert "black smoke" in portal.text and "LIFT-001" not in portal.text


def test_a_report_on_several_lines_is_kept_as_written(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The text area's lines (CR LF from a browser) are kept, as LF, and shown on their lines;
    a control character is still refused, and the refused form keeps the machine-down box."""
    service_fleet(session)
    nord, token = browser_for(Role.customer, "nord", customer="NORD")
    answer = report(nord, token, symptom="black smoke at idle\r\nthen it stalls\tuphill")
    assert answer.status_code == 303, answer.text
    page = nord.get(answer.headers["location"])
    assert '<dd class="written">black smoke at idle\nthen it stalls\tuphill</dd>' in page.text
    full = report(nord, token, symptom=("x" * 399 + "\r\n") * 4 + "x" * 400)  # 2,000 with LF
    assert full.status_code == 303, full.text
    refused = report(nord, token, symptom="black\x07smoke")
    assert refused.status_code == 422
    assert 'name="down" value="true" checked' in refused.text


def test_portal_machine_field_and_reports_pages(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The machine field suggests working machines of the reader's scope as it types (a
    retired one never; another customer's never), past any first batch; the reports list
    pages."""
    service_fleet(session)
    bus = session.scalars(select(Unit).where(Unit.serial == "BUS-002")).one()
    bus.status = UnitStatus.retired
    session.commit()
    nord, token = browser_for(Role.customer, "nord", customer="NORD")
    portal = nord.get("/portal").text
    assert 'list="unit-choices"' in portal and 'hx-get="/portal/units"' in portal
    assert '<option value="BUS-001">' in portal and "BUS-002" not in portal
    typed = nord.get("/portal/units", params={"unit": "BUS-00"})
    assert typed.status_code == 200 and "<nav" not in typed.text
    assert '<option value="BUS-003">' in typed.text and "BUS-002" not in typed.text
    assert "LIFT-001" not in nord.get("/portal/units", params={"unit": "LIFT"}).text
    assert nord.get("/portal/units", params={"unit": "x" * 121}).status_code == 422
    admin, _token = browser_for(Role.admin, "boss")
    assert "LIFT-001" in admin.get("/portal/units", params={"unit": "LIFT"}).text
    for n in range(27):
        assert report(nord, token, symptom=f"knock {n}").status_code == 303
    first = nord.get("/portal").text
    assert "Your reports" in first and "1–25 of 27" in first and 'href="/portal?offset=25"' in first
    second = nord.get("/portal", params={"offset": 25}).text
    assert "26–27 of 27" in second and "knock 0" in second and "knock 26" not in second
    assert "Reported defects" in admin.get("/portal").text


def test_measured_availability_on_the_planning_page(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The planning page loads each region's measured availability of the last 12 months; a
    regional manager sees only its regions."""
    service_fleet(session)
    admin, token = browser_for(Role.admin, "boss")
    assert report(admin, token).status_code == 303  # BUS-001 is down from now on
    assert 'hx-get="/service/availability' in admin.get("/planning").text
    table = admin.get("/service/availability", params={"region": "Arctic"})
    assert table.status_code == 200 and "Arctic" in table.text and "Baltic" in table.text
    assert "<strong>Arctic</strong>" in table.text and "%" in table.text
    manager, _t = browser_for(Role.regional_manager, "north", regions=("Arctic",))
    assert "Baltic" not in manager.get("/service/availability").text


def test_breached_only_lists_a_defect_once_with_its_live_order(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """A defect whose first work order was cancelled late (breached) and whose second is
    breached too: one row, linking the second (live) order, and a total of one."""
    service_fleet(session)
    levels(session)
    reported = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    body = {"unit": "BUS-001", "component_group": "brakes", "symptom": "x", "down": True}
    defect = client.post("/api/service/defects", json=body | {"reported_at": reported.isoformat()})
    defect_id = defect.json()["id"]
    first = client.post(WO, json={"defect": defect_id, "at": reported.isoformat()}).json()["id"]
    late = (reported + timedelta(hours=30)).isoformat()
    cancel = client.post(f"{WO}/{first}/transitions", json={"to": "cancelled", "at": late})
    assert cancel.status_code == 200, cancel.text
    second = client.post(WO, json={"defect": defect_id}).json()["id"]
    assert client.get(WO, params={"breached": "true"}).json()["total"] == 2  # both orders
    dispatcher, _token = browser_for(Role.dispatcher, "disp")
    board = dispatcher.get("/service", params={"breached": "true"}).text
    assert len(re.findall(rf'href="/service/defects/{defect_id}">#{defect_id}<', board)) == 1
    assert f"/service/work-orders/{second}" in board
    assert f"/service/work-orders/{first}" not in board


def test_board_sla_clocks_and_breached_only(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The board shows each work order's response and restore clocks against Arctic's targets;
    an old report is breached and "breached only" keeps it alone."""
    service_fleet(session)
    levels(session)
    old = client.post(
        "/api/service/defects",
        json={
            "unit": "BUS-001",
            "component_group": "engine",
            "symptom": "old leak",
            "down": True,
            "reported_at": "2024-03-01T08:00:00",
        },
    ).json()["id"]
    fresh = client.post(
        "/api/service/defects",
        json={
            "unit": "BUS-002",
            "component_group": "cab",
            "symptom": "new rattle",
            "down": False,
            "reported_at": (utcnow() - timedelta(hours=3.5)).isoformat(),
        },
    ).json()["id"]
    for defect in (old, fresh):
        assert client.post(WO, json={"defect": defect}).status_code == 201
    dispatcher, _token = browser_for(Role.dispatcher, "disp")
    board = dispatcher.get("/service").text
    assert "Response, h" in board and "Restore, h" in board
    assert f"#{old}<" in board and f"#{fresh}<" in board
    assert board.count('class="sla status sla-breached"') == 2  # the old one's two clocks
    assert board.count(" at risk</span>") == 1  # the fresh one's response: 3.5 of 4 h
    assert board.count('class="sla status sla-at-risk"') == 1  # amber, apart from the red
    assert board.count('<tr class="sla-row-breached">') == 1
    assert board.count('<tr class="sla-row-at-risk">') == 1
    assert "/ 4" in board and "/ 24" in board
    late = dispatcher.get("/service", params={"breached": "true"}).text
    assert f"#{old}<" in late and f"#{fresh}<" not in late
    assert 'name="breached" value="true" checked' in late
    fragment = dispatcher.get(
        "/service", params={"breached": "true"}, headers={"HX-Request": "true"}
    )
    assert "breached=true" in fragment.text and "<nav" not in fragment.text


def test_parts_options_and_labour_forms(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """A technician adds parts (one short: 409 with the options) and enters labour; only a
    dispatcher resolves the short line; a customer sees no parts forms and is refused; no
    token: 403."""
    claims_setup(session)  # DEPOT-A: 2 of P-1, 1 of P-2
    defect = client.post(
        "/api/service/defects",
        json={"unit": "BUS-001", "component_group": "engine", "symptom": "x", "down": True},
    ).json()["id"]
    order = client.post(WO, json={"defect": defect}).json()["id"]
    url = f"/service/work-orders/{order}"
    tech, ttoken = browser_for(Role.technician, "tech")
    page = tech.get(url).text
    assert f'action="/service/work-orders/{order}/parts"' in page
    assert "parts/resolution" not in page and "No parts yet." in page
    added = tech.post(
        url + "/parts",
        data={"csrf_token": ttoken, "part": "P-1", "quantity": "2"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    short = tech.post(url + "/parts", data={"csrf_token": ttoken, "part": "P-2", "quantity": "5"})
    assert short.status_code == 409 and "choose an option" in short.text
    assert "DEPOT-A" in short.text and ">Reserved<" in short.text and ">Short<" in short.text
    bad = tech.post(url + "/parts", data={"csrf_token": ttoken, "part": "P-1", "quantity": "0"})
    assert bad.status_code == 422
    assert tech.post(url + "/parts", data={"part": "P-1", "quantity": "1"}).status_code == 403
    line = client.get(f"{WO}/{order}").json()["parts"][1]
    assert line["status"] == "short"
    resolution = url + "/parts/resolution"
    refused = tech.post(
        resolution, data={"csrf_token": ttoken, "line": line["id"], "option": "wait"}
    )
    assert refused.status_code == 403

    dispatcher, token = browser_for(Role.dispatcher, "disp")
    assert "parts/resolution" in dispatcher.get(url).text
    grey = {"csrf_token": token, "line": line["id"], "option": "grey", "currency": "RUB"}
    assert dispatcher.post(resolution, data=grey).status_code == 422  # no price
    assert (
        dispatcher.post(resolution, data={"line": line["id"], "option": "wait"}).status_code == 403
    )
    waited = dispatcher.post(
        resolution,
        data={"csrf_token": token, "line": line["id"], "option": "wait"},
        follow_redirects=False,
    )
    assert waited.status_code == 303
    assert ">Waiting<" in dispatcher.get(url).text

    labour = {
        "csrf_token": ttoken,
        "faulty_serial": "ENG-123",
        "labour_hours": "3.1",
        "travel_km": "120.55",
        "replacement_serial": "",
    }
    assert tech.post(url + "/labour", data=labour, follow_redirects=False).status_code == 303
    shown = tech.get(url).text
    assert "ENG-123" in shown and "3.10" in shown and "120.6" in shown
    # the browser takes any number the API takes: a stored 3.1 h never blocks the form
    assert 'name="labour_hours" type="number" min="0" step="any" value="3.1"' in shown
    assert client.get(f"{WO}/{order}").json()["replacement_serial"] is None
    wrong = tech.post(url + "/labour", data={"csrf_token": ttoken, "labour_hours": "-1"})
    assert wrong.status_code == 422 and "labour_hours" in wrong.text
    assert tech.post(url + "/labour", data={"labour_hours": "1"}).status_code == 403

    nord, ctoken = browser_for(Role.customer, "nord", customer="NORD")
    seen = nord.get(url)
    assert seen.status_code == 200 and "P-1" in seen.text
    assert "/parts" not in seen.text and "/labour" not in seen.text
    for path, data in (
        ("/parts", {"part": "P-1", "quantity": "1"}),
        ("/parts/resolution", {"line": line["id"], "option": "wait"}),
        ("/labour", {"labour_hours": "1"}),
    ):
        assert nord.post(url + path, data={"csrf_token": ctoken, **data}).status_code == 403, path


def test_claim_beside_the_decision(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """A covered repair done shows its warranty claim and the supplier's recovery claim, with
    totals and currency, beside the decision on the defect and work order pages."""
    claims_setup(session)
    defect = client.post(
        "/api/service/defects",
        json={
            "unit": "BUS-001",
            "component_group": "engine",
            "symptom": "x",
            "down": True,
            "reported_at": "2024-03-01T08:00:00",
        },
    ).json()["id"]
    order = client.post(WO, json={"defect": defect}).json()["id"]
    assert (
        client.post(f"{WO}/{order}/parts", json={"part": "P-1", "quantity": 2}).status_code == 201
    )
    dispatcher, token = browser_for(Role.dispatcher, "disp")
    assert "Claims" not in dispatcher.get(f"/service/defects/{defect}").text
    labour = {"csrf_token": token, "labour_hours": "3.5", "travel_km": "120"}
    assert dispatcher.post(f"/service/work-orders/{order}/labour", data=labour).status_code == 200
    for to in ("scheduled", "in_progress", "done"):
        assert client.post(f"{WO}/{order}/transitions", json={"to": to}).status_code == 200
    for url in (f"/service/defects/{defect}", f"/service/work-orders/{order}"):
        page = dispatcher.get(url).text
        assert "Claims" in page and "RUB2,175.00" in page and "RUB1,700.00" in page, url
        table = page.split("<h2>Claims</h2>")[1]
        assert not re.search(r'<td class="num">\d', table)  # every amount with its currency
        assert "Volga Diesel" in page and ">Warranty<" in page and ">Recovery<" in page
    overridden = dispatcher.post(
        f"/service/defects/{defect}/warranty",
        data={"csrf_token": token, "decision": "not_covered", "reason": "misuse"},
    )
    assert overridden.status_code == 409 and "was made under this decision" in overridden.text


def test_a_report_may_carry_photos_beyond_the_general_body_limit(
    db: str, tmp_path: Path, session: Session, make_user: Callable[..., str]
) -> None:
    """The portal's report has its own body limit (its photos and fields): a photo larger than
    FLEETCARE_MAX_BODY_BYTES goes through there, while other writes keep the general limit."""
    service_fleet(session)
    settings = Settings(
        database_url=db,
        secret_key=TEST_SECRET,
        var_dir=tmp_path,
        max_body_bytes=2_000,
        max_photo_bytes=5_000,
    )
    with TestClient(create_app(settings)) as browser:
        assert sign_in(browser, make_user("nord-big", Role.customer, customer="NORD")).status_code
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', browser.get("/").text)
        assert token
        photo = [("photo", ("big.png", png(2, 1, padding=4_000), "image/png"))]
        assert report(browser, token.group(1), files=photo).status_code == 303
        too_big = [("photo", ("huge.png", png(2, 1, padding=6_000), "image/png"))]
        assert report(browser, token.group(1), files=too_big).status_code == 413
        other = browser.post("/logout", data={"csrf_token": token.group(1), "padding": "x" * 3_000})
        assert other.status_code == 413


def test_close_a_defect_from_its_page(
    session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """A dispatcher closes a defect that needs no work, with its reason; without a reason 422,
    twice 409, a customer 403 (and no form for it)."""
    service_fleet(session)
    nord, nord_token = browser_for(Role.customer, "nord", customer="NORD")
    url = report(nord, nord_token).headers["location"]
    assert "Close the defect" not in nord.get(url).text
    dispatcher, token = browser_for(Role.dispatcher, "disp")
    assert 'action="' + url + '/close"' in dispatcher.get(url).text
    empty = dispatcher.post(url + "/close", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422
    closed = dispatcher.post(
        url + "/close",
        data={"csrf_token": token, "reason": "no fault found on test drive"},
        follow_redirects=False,
    )
    assert closed.status_code == 303 and closed.headers["location"] == url
    page = dispatcher.get(url).text
    assert "Closed" in page and "Close the defect" not in page
    again = dispatcher.post(url + "/close", data={"csrf_token": token, "reason": "again"})
    assert again.status_code == 409 and "already" in again.text
    refused = nord.post(url + "/close", data={"csrf_token": nord_token, "reason": "mine"})
    assert refused.status_code == 403
