"""Workforce pages: the technicians list, a technician's page with its ladder and the grant
form (CSRF, audited), the training calendar, and their scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import CourseKind
from fleetcare.workforce.schemas import CourseRecord, SessionRecord
from fleetcare.workforce.tables import COURSES, GRANTS, TRAINING_SESSIONS
from tests.conftest import sign_in
from tests.workforce.factories import crew, grant


def browser(
    settings: Settings, make_user: Callable[..., str], role: Role, **binding: object
) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    assert sign_in(client, make_user(f"page-{role.value}", role, **binding)).status_code == 303
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").text)
    assert token
    return client, token.group(1)


def test_list_and_technician_pages(pages: TestClient, session: Session) -> None:
    """The list names every technician with its region; the technician page shows what it may
    do today, its supervised jobs and what falls due within 60 days."""
    crew(session)
    GRANTS.apply(
        session,
        [
            grant(
                "CERT-1",
                "road_machine",
                Level.certified,
                today() - timedelta(days=300),
                today() + timedelta(days=20),
            )
        ],
    )
    session.commit()
    listed = pages.get("/workforce")
    assert listed.status_code == 200
    for code in ("ENG-1", "CERT-1", "TRN-1", "BAL-1"):
        assert f'/workforce/technicians/{code}"' in listed.text
    filtered = pages.get("/workforce", params={"region": "Baltic"})
    assert "BAL-1" in filtered.text and "ENG-1" not in filtered.text
    page = pages.get("/workforce/technicians/CERT-1")
    assert page.status_code == 200
    assert "May do today" in page.text and "road_machine" in page.text
    assert "Falling due" in page.text and (today() + timedelta(days=20)).isoformat() in page.text
    trainee = pages.get("/workforce/technicians/TRN-1").text
    assert "0 / 10" in trainee and "no practical session of the family passed" in trainee
    assert pages.get("/workforce/technicians/NOBODY").status_code == 404


def test_grant_form_needs_csrf_and_is_audited(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """Without the token: 403. A trainee grant: redirect and an audit entry. A promotion of a
    non-eligible trainee: 409 on the page naming what is missing."""
    crew(session)
    client, token = browser(settings, make_user, Role.admin)
    form = {"family": "road_machine", "level": "trainee", "expires_on": "2099-01-01"}
    assert client.post("/workforce/technicians/BAL-1/grants", data=form).status_code == 403
    done = client.post(
        "/workforce/technicians/BAL-1/grants",
        data={**form, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "grant"))
        .one()
        .key.startswith("BAL-1/")
    )
    refused = client.post(
        "/workforce/technicians/TRN-1/grants",
        data={
            "family": "city_bus",
            "level": "certified",
            "expires_on": "2099-01-01",
            "trainer": "ENG-1",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 409 and "supervised jobs" in refused.text


def test_training_calendar(pages: TestClient, session: Session) -> None:
    """The month's sessions by region with trainer and course; another month shows none."""
    crew(session)
    COURSES.apply(
        session,
        [
            Item(
                CourseRecord(
                    code="CB-P", name="Bus practice", family="city_bus", kind=CourseKind.practical
                )
            )
        ],
    )  # type: ignore[arg-type]
    start = today().replace(day=3)
    TRAINING_SESSIONS.apply(
        session,
        [
            Item(
                SessionRecord(
                    code="S-9",
                    course="CB-P",
                    starts_on=start,
                    ends_on=start + timedelta(days=1),
                    region="Arctic",
                    place="North depot",
                    trainer="ENG-1",
                )
            )
        ],
    )
    session.commit()
    calendar = pages.get("/workforce/training", params={"month": start.strftime("%Y-%m")})
    assert calendar.status_code == 200
    assert (
        "Arctic" in calendar.text and "Bus practice" in calendar.text and "ENG-1" in calendar.text
    )
    empty = pages.get("/workforce/training", params={"month": "2001-01"})
    assert "No training session this month." in empty.text
    assert pages.get("/workforce/training", params={"month": "nope"}).status_code == 422
    for month in ("2026-13", "2026-00", "0001-01", "3000-01"):  # no such month, or off the calendar
        assert pages.get("/workforce/training", params={"month": month}).status_code == 422
    edge = pages.get("/workforce/training", params={"month": "1900-01"}).text
    assert "month=1899" not in edge


def test_pages_are_scoped(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A Baltic manager's list holds BAL-1 only and Arctic's technician page is 404; a customer
    sees its own employees' pages only."""
    crew(session)
    manager, _token = browser(settings, make_user, Role.regional_manager, regions=("Baltic",))
    listed = manager.get("/workforce").text
    assert "BAL-1" in listed and "ENG-1" not in listed
    assert manager.get("/workforce/technicians/ENG-1").status_code == 404
    customer, _token = browser(settings, make_user, Role.customer, customer="NORD")
    assert customer.get("/workforce/technicians/TRN-1").status_code == 200
    assert customer.get("/workforce/technicians/ENG-1").status_code == 404
