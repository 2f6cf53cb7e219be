"""Permission and scope attacks: customers see only the technicians they employ, a regional
manager only its regions'; another region's rows are 404 to read and unknown in a body."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Role
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import CourseKind
from fleetcare.workforce.schemas import CourseRecord
from fleetcare.workforce.tables import COURSES, GRANTS
from tests.workforce.factories import crew, day_ahead, grant, technician, work_order


def codes(answer: object) -> list[str]:
    return [t["code"] for t in answer.json()["items"]]  # type: ignore[attr-defined]


def test_customer_sees_only_its_own_technicians(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """NORD sees CERT-1 and TRN-1 (its employees), not the maker's engineers (404); WEST
    employs nobody and sees nobody; neither may write (403)."""
    crew(session)
    nord = client_for(Role.customer, customer="NORD")
    west = client_for(Role.customer, "west-user", customer="WEST")
    listed = nord.get("/api/workforce/technicians")
    assert codes(listed) == ["CERT-1", "TRN-1"] and listed.json()["total"] == 2
    assert nord.get("/api/workforce/technicians/ENG-1").status_code == 404
    assert nord.get("/api/workforce/technicians/ENG-1/ladder").status_code == 404
    assert west.get("/api/workforce/technicians").json() == {
        "items": [],
        "total": 0,
        "total_is_estimate": False,
        "next_cursor": None,
    }
    body = technician("NEW-1").model_dump(mode="json")
    assert nord.post("/api/workforce/technicians", json=body).status_code == 403
    assert (
        nord.get(
            "/api/dispatch/problem", params={"region": "Arctic", "date": day_ahead().isoformat()}
        ).status_code
        == 403
    )


def test_regional_manager_only_its_regions(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """Baltic's manager lists BAL-1 only; Arctic's technicians are 404 to read and patch, unknown
    in an assignment; a technician it creates in Arctic is refused; Arctic's problem is 404 and
    Arctic's work orders are unknown jobs in a plan."""
    crew(session)
    order = work_order(session)
    baltic = client_for(Role.regional_manager, regions=("Baltic",))
    assert codes(baltic.get("/api/workforce/technicians")) == ["BAL-1"]
    assert baltic.get("/api/workforce/technicians/ENG-1").status_code == 404
    assert baltic.patch("/api/workforce/technicians/ENG-1", json={"name": "x"}).status_code == 404
    grant = {"family": "city_bus", "level": "trainee", "expires_on": "2099-01-01"}
    assert baltic.post("/api/workforce/technicians/TRN-1/grants", json=grant).status_code == 404
    moved = baltic.patch("/api/workforce/technicians/BAL-1", json={"region": "Arctic"})
    assert moved.status_code == 422 and moved.json()["detail"][0]["loc"][-1] == "region"
    created = baltic.post(
        "/api/workforce/technicians", json=technician("NEW-1").model_dump(mode="json")
    )
    assert created.status_code == 422
    assert (
        baltic.post(
            "/api/workforce/technicians",
            json=technician("NEW-2", region="Baltic").model_dump(mode="json"),
        ).status_code
        == 201
    )
    day = day_ahead().isoformat()
    assigned = baltic.post(
        "/api/workforce/assignments",
        json={
            "technician": "CERT-1",
            "work_order": order,
            "start": f"{day}T09:00:00",
            "end": f"{day}T10:00:00",
        },
    )
    assert assigned.status_code == 422 and assigned.json()["detail"][0]["loc"][-1] == "technician"
    assert (
        baltic.get("/api/dispatch/problem", params={"region": "Arctic", "date": day}).status_code
        == 404
    )
    plan = {
        "routes": [
            {"crew": ["BAL-1"], "stops": [{"job": f"WO-{order}", "start": "09:00", "end": "10:00"}]}
        ]
    }
    forged = baltic.post("/api/dispatch/publish", json={"date": day, "plan": plan})
    assert forged.status_code == 422
    assert forged.json()["detail"][0]["loc"][1:] == ["plan.routes[0].stops[0].job"]


def test_technician_role_reads_but_may_not_write(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """A technician user reads the workforce and countersigns, but cannot create technicians,
    assign, grant or publish (403)."""
    crew(session)
    tech = client_for(Role.technician)
    assert tech.get("/api/workforce/technicians").json()["total"] == 4
    assert tech.post("/api/workforce/technicians", json={}).status_code == 403
    assert tech.post("/api/workforce/assignments", json={}).status_code == 403
    assert tech.post("/api/workforce/technicians/TRN-1/grants", json={}).status_code == 403
    assert tech.post("/api/dispatch/publish", json={}).status_code == 403


def test_oversized_and_malformed_bodies(client: TestClient, session: Session) -> None:
    """A plan of too many routes, a malformed shift, an unknown field: 422, never 500."""
    crew(session)
    routes = [{"crew": ["X"], "stops": []}] * 1001
    big = client.post(
        "/api/dispatch/publish", json={"date": day_ahead().isoformat(), "plan": {"routes": routes}}
    )
    assert big.status_code in (413, 422)
    bad_shift = technician("S-1").model_dump(mode="json") | {"mon": "18:00-08:00"}
    answer = client.post("/api/workforce/technicians", json=bad_shift)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "mon"
    extra = client.post(
        "/api/workforce/technicians", json=technician("S-2").model_dump(mode="json") | {"salary": 1}
    )
    assert extra.status_code == 422
    engineer = technician("S-3").model_dump(mode="json") | {"kind": "engineer", "employer": "NORD"}
    assert (
        client.post("/api/workforce/technicians", json=engineer).json()["detail"][0]["loc"][-1]
        == "employer"
    )
    for code in ("MUR/1", "Q?1", "A#1", "50%", "B\\1"):  # its pages could not address it
        slashed = technician("S-4").model_dump(mode="json") | {"code": code}
        refused = client.post("/api/workforce/technicians", json=slashed)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "code"


def test_dates_at_the_calendar_edges(
    client: TestClient, pages: TestClient, session: Session
) -> None:
    """The last and first days the calendar knows answer, never 500: a ladder on 9999-12-31,
    sessions of December 9999, the calendar of 1900-01 and 2999-12 (0001-01 and 9999-12 are off
    its calendar: 422), an assignment at year 1."""
    crew(session)
    assert (
        client.get(
            "/api/workforce/technicians/ENG-1/ladder", params={"on": "9999-12-31"}
        ).status_code
        == 200
    )
    assert client.get("/api/workforce/sessions", params={"month": "9999-12-31"}).status_code == 200
    assert client.get("/api/workforce/assignments", params={"day": "9999-12-31"}).status_code == 200
    for month in ("0001-01", "9999-12"):  # off the calendar (1900–2999): refused, not 500
        assert pages.get("/workforce/training", params={"month": month}).status_code == 422
    for month in ("1900-01", "2999-12"):
        assert pages.get("/workforce/training", params={"month": month}).status_code == 200
    order = work_order(session)
    early = client.post(
        "/api/workforce/assignments",
        json={
            "technician": "ENG-1",
            "work_order": order,
            "start": "0001-01-01T00:00:00+05:00",
            "end": "0001-01-01T01:00:00+05:00",
        },
    )
    assert early.status_code == 422


def test_a_manager_cancels_its_technician_on_another_regions_order(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """Baltic's BAL-1, certified for buses, sent to an Arctic bus: Baltic's manager reads the
    assignment and cancels it (no 404 naming an Arctic defect)."""
    crew(session)
    GRANTS.apply(session, [grant("BAL-1", "city_bus", Level.certified)])
    session.commit()
    order = work_order(session)  # a bus in Arctic
    day = day_ahead().isoformat()
    body = {"technician": "BAL-1", "work_order": order}
    made = client.post(
        "/api/workforce/assignments", json=body | {"start": f"{day}T09:00", "end": f"{day}T10:00"}
    )
    assert made.status_code == 201, made.text
    baltic = client_for(Role.regional_manager, "baltic", regions=("Baltic",))
    url = f"/api/workforce/assignments/{made.json()['id']}"
    assert baltic.get(url).status_code == 200
    cancelled = baltic.delete(url)
    assert cancelled.status_code in (200, 204), cancelled.text
    assert client.get(url).status_code == 404  # gone


def test_a_manager_names_no_trainer_of_another_region(
    client_for: Callable[..., TestClient], session: Session
) -> None:
    """Baltic's manager naming Arctic's ENG-1 as a session's trainer gets the answer of a code
    that does not exist (422 on ``trainer``), so codes elsewhere cannot be probed."""
    crew(session)
    course = CourseRecord(
        code="CB-P", name="Bus practice", family="city_bus", kind=CourseKind.practical
    )
    COURSES.apply(session, [Item(course)])
    session.commit()
    baltic = client_for(Role.regional_manager, "baltic", regions=("Baltic",))
    day = day_ahead().isoformat()
    body = {"course": "CB-P", "starts_on": day, "ends_on": day, "region": "Baltic", "place": "D"}
    answers = [
        baltic.post("/api/workforce/sessions", json=body | {"code": code, "trainer": trainer})
        for code, trainer in (("S-1", "ENG-1"), ("S-2", "NOBODY"))
    ]
    assert [a.status_code for a in answers] == [422, 422]
    messages = [a.json()["detail"][0]["msg"] for a in answers]
    assert messages == ["unknown trainer 'ENG-1'", "unknown trainer 'NOBODY'"]
