"""Grants through the API: the ladder rule at N−1 and N supervised jobs, the practical, who
may grant, expiry before grant; the technician's ladder with what falls due."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today
from fleetcare.fleet.models import ProductFamily
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import (
    Assignment,
    CourseKind,
    Result,
    Technician,
)
from fleetcare.workforce.schemas import AttendanceRecord, CourseRecord, SessionRecord
from fleetcare.workforce.tables import ATTENDANCES, COURSES, GRANTS, TRAINING_SESSIONS
from tests.workforce.factories import crew, grant, work_order

N = 3


@pytest.fixture(autouse=True)
def fewer_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """N = 3 supervised jobs (FLEETCARE_LADDER_SUPERVISED_JOBS)."""
    monkeypatch.setenv("FLEETCARE_LADDER_SUPERVISED_JOBS", str(N))


def supervised(session: Session, jobs: int) -> None:
    """``jobs`` countersigned trainee jobs of TRN-1 on buses, written directly."""
    trainee = session.scalars(select(Technician).where(Technician.code == "TRN-1")).one()
    signer = session.scalars(select(Technician).where(Technician.code == "CERT-1")).one()
    for _n in range(jobs):
        order = work_order(session)
        start = datetime(2025, 3, 1, 9)
        session.add(
            Assignment(
                technician_id=trainee.id,
                work_order_id=order,
                family=ProductFamily.city_bus,
                level=Level.trainee,
                start_at=start,
                end_at=start + timedelta(hours=2),
                created_at=start,
                created_by="test",
                countersigned_by_id=signer.id,
                countersigned_at=start,
            )
        )
    session.commit()


def practical(session: Session, result: Result) -> None:
    """TRN-1 in a practical bus session run by ENG-1 last month, with ``result``."""
    COURSES.apply(
        session,
        [
            Item(
                CourseRecord(
                    code="CB-P", name="Bus practice", family="city_bus", kind=CourseKind.practical
                )
            )
        ],  # type: ignore[arg-type]
    )
    start = today() - timedelta(days=30)
    TRAINING_SESSIONS.apply(
        session,
        [
            Item(
                SessionRecord(
                    code="S-1",
                    course="CB-P",
                    starts_on=start,
                    ends_on=start + timedelta(days=2),
                    region="Arctic",
                    place="North depot",
                    trainer="ENG-1",
                )
            )
        ],
    )
    ATTENDANCES.apply(
        session, [Item(AttendanceRecord(session="S-1", technician="TRN-1", result=result))]
    )
    session.commit()


def promote(client: TestClient, **fields: Any) -> Any:
    body = {
        "family": "city_bus",
        "level": "certified",
        "expires_on": "2099-01-01",
        "trainer": "ENG-1",
    }
    return client.post("/api/workforce/technicians/TRN-1/grants", json={**body, **fields})


def test_promotion_at_n_minus_one_and_n(client: TestClient, session: Session) -> None:
    """N−1 supervised jobs: 409 naming the count; N with a passed practical: 201, audited with
    the trainer; the trainee is certified from then on."""
    crew(session)
    practical(session, Result.passed)
    supervised(session, N - 1)
    refused = promote(client)
    assert refused.status_code == 409
    assert f"{N - 1} of {N} supervised jobs" in refused.json()["detail"]
    supervised(session, 1)
    granted = promote(client)
    assert granted.status_code == 201, granted.text
    assert granted.json()["granted_by"] == "ENG-1" and granted.json()["valid_today"]
    ladder = client.get("/api/workforce/technicians/TRN-1/ladder").json()
    assert ladder["may_do"] == {"city_bus": "certified"}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "grant")).one()
    assert entry.actor == "admin" and "ENG-1" in str(entry.after)


def test_a_backdated_grant_counts_only_jobs_signed_by_its_day(
    client: TestClient, session: Session
) -> None:
    """N jobs countersigned today: a certification dated yesterday is refused (0 of N by
    then), one dated today is granted; the ladder of yesterday counts none."""
    crew(session)
    practical(session, Result.passed)
    supervised(session, N)
    session.execute(update(Assignment).values(countersigned_at=datetime.combine(today(), time(8))))
    session.commit()
    yesterday = (today() - timedelta(days=1)).isoformat()
    refused = promote(client, granted_on=yesterday)
    assert refused.status_code == 409 and f"0 of {N} supervised jobs" in refused.json()["detail"]
    then = client.get("/api/workforce/technicians/TRN-1/ladder", params={"on": yesterday})
    assert [f["supervised_jobs"] for f in then.json()["families"]] == [0]
    assert promote(client, granted_on=today().isoformat()).status_code == 201


def test_no_promotion_without_a_passed_practical(client: TestClient, session: Session) -> None:
    """N supervised jobs but a failed practical: 409 naming the practical."""
    crew(session)
    practical(session, Result.failed)
    supervised(session, N)
    refused = promote(client)
    assert refused.status_code == 409 and "practical" in refused.json()["detail"]
    ladder = client.get("/api/workforce/technicians/TRN-1/ladder").json()
    bus = next(f for f in ladder["families"] if f["family"] == "city_bus")
    assert (bus["supervised_jobs"], bus["practical_passed"], bus["eligible"]) == (N, False, False)


def test_who_may_grant(client: TestClient, session: Session) -> None:
    """Certified needs a trainer: none named, a certified colleague, the technician itself, an
    unknown code, or a trainer whose grant expired: 422 naming ``trainer``."""
    crew(session)
    practical(session, Result.passed)
    supervised(session, N)
    for trainer in (None, "CERT-1", "TRN-1", "NOBODY"):
        answer = promote(client, trainer=trainer)
        assert answer.status_code == 422, trainer
        assert answer.json()["detail"][0]["loc"][-1] == "trainer"
    GRANTS.apply(session, [grant("BAL-1", "city_bus", Level.trainer, date(2020, 1, 1), today())])
    session.commit()
    expired = promote(client, trainer="BAL-1")
    assert (
        expired.status_code == 422 and "not a valid trainer" in expired.json()["detail"][0]["msg"]
    )
    assert promote(client, trainer="ENG-1").status_code == 201


def test_expiry_before_grant_is_422(client: TestClient, session: Session) -> None:
    """A grant expiring on or before its grant day: 422 naming expires_on (API and import)."""
    crew(session)
    answer = client.post(
        "/api/workforce/technicians/BAL-1/grants",
        json={
            "family": "road_machine",
            "level": "trainee",
            "granted_on": "2026-05-01",
            "expires_on": "2026-05-01",
        },
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "expires_on"


def test_trainer_level_needs_certified(client: TestClient, session: Session) -> None:
    """A trainee cannot be made trainer (409); a certified technician can (201)."""
    crew(session)
    body = {
        "family": "city_bus",
        "level": "trainer",
        "expires_on": "2099-01-01",
        "trainer": "ENG-1",
    }
    assert client.post("/api/workforce/technicians/TRN-1/grants", json=body).status_code == 409
    assert client.post("/api/workforce/technicians/CERT-1/grants", json=body).status_code == 201


def test_ladder_shows_what_falls_due(client: TestClient, session: Session) -> None:
    """A grant expiring in 30 days falls due; the technician may still do the family today,
    and not on the expiry day."""
    crew(session)
    soon = today() + timedelta(days=30)
    GRANTS.apply(session, [grant("BAL-1", "road_machine", Level.certified, date(2025, 1, 1), soon)])
    session.commit()
    ladder = client.get("/api/workforce/technicians/BAL-1/ladder").json()
    assert [g["family"] for g in ladder["falling_due"]] == ["road_machine"]
    assert ladder["may_do"]["road_machine"] == "certified"
    later = client.get("/api/workforce/technicians/BAL-1/ladder", params={"on": soon.isoformat()})
    assert "road_machine" not in later.json()["may_do"]
