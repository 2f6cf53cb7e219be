"""Courses and training sessions over REST: the trainer must be valid on the session's days,
attendees and results, the month filter, and the regional scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Role
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.tables import GRANTS, TECHNICIANS
from tests.conftest import sign_in
from tests.workforce.factories import crew, grant, technician

COURSE = {"code": "CB-P", "name": "Bus practice", "family": "city_bus", "kind": "practical"}


def session_body(**fields: Any) -> dict[str, Any]:
    body = {
        "code": "S-1",
        "course": "CB-P",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-04",
        "region": "Arctic",
        "place": "North depot",
        "trainer": "ENG-1",
    }
    return {**body, **fields}


def test_trainer_must_be_valid_on_the_session_days(client: TestClient, session: Session) -> None:
    """A certified (not trainer) technician, or a trainer whose grant expires during the
    session: 422 naming ``trainer``; a valid trainer: 201."""
    crew(session)
    GRANTS.apply(
        session, [grant("BAL-1", "city_bus", Level.trainer, date(2025, 1, 1), date(2026, 3, 4))]
    )
    session.commit()
    assert client.post("/api/workforce/courses", json=COURSE).status_code == 201
    for trainer in ("CERT-1", "BAL-1"):
        answer = client.post("/api/workforce/sessions", json=session_body(trainer=trainer))
        assert answer.status_code == 422, trainer
        assert answer.json()["detail"][0]["loc"][-1] == "trainer"
    backwards = client.post("/api/workforce/sessions", json=session_body(ends_on="2026-03-01"))
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["loc"][-1] == "ends_on"
    made = client.post("/api/workforce/sessions", json=session_body())
    assert made.status_code == 201, made.text
    assert (made.json()["family"], made.json()["attendees"]) == ("city_bus", [])


def test_attendees_and_results(client: TestClient, session: Session) -> None:
    """Enrol, then pass: the session lists the result and the trainee's ladder counts the
    practical."""
    crew(session)
    client.post("/api/workforce/courses", json=COURSE)
    client.post("/api/workforce/sessions", json=session_body())
    path = "/api/workforce/sessions/S-1/attendees"
    assert (
        client.post(path, json={"technician": "TRN-1"}).json()["attendees"][0]["result"]
        == "enrolled"
    )
    passed = client.post(path, json={"technician": "TRN-1", "result": "passed"})
    assert [(a["technician"], a["result"]) for a in passed.json()["attendees"]] == [
        ("TRN-1", "passed")
    ]
    ladder = client.get("/api/workforce/technicians/TRN-1/ladder").json()
    assert next(f for f in ladder["families"] if f["family"] == "city_bus")["practical_passed"]
    unknown = client.post(path, json={"technician": "NOBODY"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "technician"


def test_sessions_by_month_and_scope(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """``month`` keeps the sessions running in it (one spanning the month's end too); a Baltic
    manager sees none of Arctic's and cannot add one there (422 naming ``region``)."""
    crew(session)
    client.post("/api/workforce/courses", json=COURSE)
    client.post("/api/workforce/sessions", json=session_body())
    span = session_body(code="S-2", starts_on="2026-03-30", ends_on="2026-04-02")
    assert client.post("/api/workforce/sessions", json=span).status_code == 201
    march = client.get("/api/workforce/sessions", params={"month": "2026-03-15"}).json()
    april = client.get("/api/workforce/sessions", params={"month": "2026-04-01"}).json()
    assert [s["code"] for s in march["items"]] == ["S-1", "S-2"]
    assert [s["code"] for s in april["items"]] == ["S-2"]
    baltic = client_for(Role.regional_manager, regions=("Baltic",))
    assert baltic.get("/api/workforce/sessions").json()["total"] == 0
    assert baltic.get("/api/workforce/sessions/S-1").status_code == 404
    refused = baltic.post("/api/workforce/sessions", json=session_body(code="S-3"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "region"
    nord = client_for(Role.customer, customer="NORD")
    assert nord.get("/api/workforce/sessions").json()["total"] == 2  # its own region's


def test_technician_create_read_patch(client: TestClient, session: Session) -> None:
    """POST → 201; a taken code → 422; GET by code; PATCH a shift off and a new home; the list
    pages with its total; every change audited."""
    crew(session)
    body = {
        "code": "NEW-1",
        "name": "Nina New",
        "kind": "local",
        "employer": "NORD",
        "region": "Arctic",
        "home_latitude": 68.9,
        "home_longitude": 33.0,
        "mon": "08:00-16:00",
    }
    made = client.post("/api/workforce/technicians", json=body)
    assert made.status_code == 201 and made.json()["tue"] is None
    assert client.post("/api/workforce/technicians", json=body).status_code == 422
    patched = client.patch(
        "/api/workforce/technicians/NEW-1", json={"mon": None, "home_latitude": 69.0}
    )
    assert patched.status_code == 200
    assert (patched.json()["mon"], patched.json()["home_latitude"]) == (None, 69.0)
    assert client.get("/api/workforce/technicians/NEW-1").json()["name"] == "Nina New"
    page = client.get("/api/workforce/technicians", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and [t["code"] for t in page["items"]] == ["CERT-1", "ENG-1"]
    assert client.get("/api/workforce/technicians", params={"q": "nina"}).json()["total"] == 1
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity == "technicians", AuditEntry.key == "NEW-1"
        )
    ).all()
    assert sorted(actions) == ["create", "update"]


def test_a_customer_reads_its_own_peoples_results_only(
    client: TestClient,
    client_for: Callable[..., TestClient],
    session: Session,
    anonymous: TestClient,
    make_user: Callable[..., str],
) -> None:
    """Two customers' technicians in one session of their region: each customer reads the
    session with its own attendees only (not the other's names and results), and its
    training page does not link the maker's trainer, whose page it may not open."""
    crew(session)
    polar = {"code": "POLAR", "name": "Polar Mining", "region": "Arctic"}
    assert client.post("/api/customers", json=polar).status_code == 201
    TECHNICIANS.apply(session, [Item(technician("POL-1", employer="POLAR"))])
    session.commit()
    client.post("/api/workforce/courses", json=COURSE)
    client.post("/api/workforce/sessions", json=session_body())
    path = "/api/workforce/sessions/S-1/attendees"
    client.post(path, json={"technician": "TRN-1", "result": "passed"})
    client.post(path, json={"technician": "POL-1", "result": "failed"})
    everyone = client.get("/api/workforce/sessions/S-1").json()["attendees"]
    assert [a["technician"] for a in everyone] == ["POL-1", "TRN-1"]
    nord = client_for(Role.customer, customer="NORD")
    assert [
        a["technician"] for a in nord.get("/api/workforce/sessions/S-1").json()["attendees"]
    ] == ["TRN-1"]
    listed = nord.get("/api/workforce/sessions").json()["items"][0]["attendees"]
    assert [(a["technician"], a["result"]) for a in listed] == [("TRN-1", "passed")]
    assert nord.get("/api/workforce/technicians/ENG-1").status_code == 404
    sign_in(anonymous, make_user("nord-page", Role.customer, customer="NORD"))
    page = anonymous.get("/workforce/training", params={"month": "2026-03"}).text
    assert "ENG-1" in page and 'href="/workforce/technicians/ENG-1"' not in page
    assert 'href="/workforce/technicians/TRN-1"' in page and "POL-1" not in page
    anonymous.cookies.clear()
    sign_in(anonymous, make_user("staff-page", Role.admin))
    staff = anonymous.get("/workforce/training", params={"month": "2026-03"}).text
    assert 'href="/workforce/technicians/ENG-1"' in staff and "POL-1" in staff
