"""The database edges of dispatch: the region's problem document, and publishing a plan all or
nothing, with forged plans refused by path."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.clock import utcnow
from fleetcare.core.permissions import system
from fleetcare.service import service
from fleetcare.workforce.models import Assignment
from fleetcare.workforce.plan_problem import dispatch_problem
from tests.workforce.factories import crew, day_ahead, work_order


def publish(client: TestClient, routes: list[dict[str, Any]]) -> Any:
    plan = {"routes": routes, "unassigned": [], "travel_minutes": 0}
    return client.post(
        "/api/dispatch/publish", json={"date": day_ahead().isoformat(), "plan": plan}
    )


def stop(order: int, start: str = "09:00", end: str = "10:30") -> dict[str, str]:
    return {"job": f"WO-{order}", "arrive": start, "start": start, "end": end}


def paths(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [".".join(str(p) for p in e["loc"][1:]) for e in answer.json()["detail"]]


def assignments(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Assignment)) or 0


def test_problem_document(client: TestClient, session: Session) -> None:
    """Arctic's document: its on-shift technicians with certified and trainee families, its open
    work orders with site, family, minutes and a window ending at the 4-hour response target or
    the shift end; a technician with the day off is left out."""
    crew(session)
    order = work_order(session)
    lift = work_order(session, "LIFT-001")  # Baltic: not in Arctic's document
    off = client.post(
        "/api/workforce/technicians/CERT-1/days-off", json={"day": day_ahead().isoformat()}
    )
    assert off.status_code == 201
    again = client.post(
        "/api/workforce/technicians/CERT-1/days-off", json={"day": day_ahead().isoformat()}
    )
    assert again.status_code == 422
    answer = client.get(
        "/api/dispatch/problem", params={"region": "Arctic", "date": day_ahead().isoformat()}
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (
        document["format"] == "fleetcare-dispatch/1" and document["date"] == day_ahead().isoformat()
    )
    assert (document["speed_kmh"], document["road_factor"]) == (60, 1.3)
    assert [t["id"] for t in document["technicians"]] == ["ENG-1", "TRN-1"]
    eng, trn = document["technicians"]
    assert eng == {
        "id": "ENG-1",
        "home": [68.95, 33.05],
        "shift": ["08:00", "18:00"],
        "certified": ["city_bus"],
        "trainee": [],
    }
    assert (trn["certified"], trn["trainee"]) == ([], ["city_bus"])
    (job,) = document["jobs"]
    assert job == {
        "id": f"WO-{order}",
        "at": [68.9, 33.1],
        "window": ["08:00", "18:00"],  # reported now: the 4-hour target passed before that day
        "minutes": 90,
        "family": "city_bus",
    }
    assert f"WO-{lift}" not in str(document)


def test_window_follows_the_response_target() -> None:
    """The window's rule: from the day's first shift start (or now) to report + target, clipped."""
    from fleetcare.workforce.shifts import parse_shift, window

    day = day_ahead()
    shifts = [parse_shift("08:00-18:00"), parse_shift("07:30-16:00")]
    reported = datetime.combine(day, datetime.min.time()) + timedelta(hours=6)
    now = reported - timedelta(days=2)
    assert window(day, shifts, reported, 4, now) == (
        datetime.combine(day, datetime.min.time()) + timedelta(hours=7, minutes=30),
        reported + timedelta(hours=4),
    )
    assert window(day, shifts, reported, 48, now)[1] == datetime.combine(
        day, datetime.min.time()
    ) + timedelta(hours=18)  # type: ignore[index]
    assert window(day, shifts, reported, 0.5, now)[1] == datetime.combine(
        day, datetime.min.time()
    ) + timedelta(hours=18)  # type: ignore[index]
    assert window(day, [], reported, 4, now) is None


def test_a_past_day_is_refused(session: Session) -> None:
    """A day already over cannot be dispatched: 422 naming ``date``."""
    crew(session)
    try:
        dispatch_problem(session, system(), "Arctic", utcnow().date() - timedelta(days=1))
    except Exception as exc:  # InvalidInput
        assert "date" in str(exc)
    else:
        raise AssertionError("a past day was dispatched")


def test_publish_writes_every_crew_member_and_schedules(
    client: TestClient, session: Session
) -> None:
    """A crew of a certified technician and a trainee on two stops: four assignments, both work
    orders scheduled, one transition each."""
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    answer = publish(
        client,
        [{"crew": ["CERT-1", "TRN-1"], "stops": [stop(first), stop(second, "11:00", "12:30")]}],
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert sorted(body["work_orders"]) == sorted([first, second])
    assert sorted(
        (a["technician"], a["work_order"], a["level"]) for a in body["assignments"]
    ) == sorted(
        [
            ("CERT-1", first, "certified"),
            ("TRN-1", first, "trainee"),
            ("CERT-1", second, "certified"),
            ("TRN-1", second, "trainee"),
        ]
    )
    session.expire_all()
    assert service.work_order_read(session, first).status.value == "scheduled"
    assert assignments(session) == 4


def test_forged_plans_name_the_path(client: TestClient, session: Session) -> None:
    """Unknown technician, another region's work order, a trainee alone, a stop outside the
    shift, a job twice, a technician in two routes: 422 naming each path; nothing written."""
    crew(session)
    order, other = work_order(session), work_order(session, "BUS-002")
    lift = work_order(session, "LIFT-001")
    assert paths(publish(client, [{"crew": ["GHOST"], "stops": [stop(order)]}])) == [
        "plan.routes[0].crew[0]"
    ]
    assert "plan.routes[0].stops[0].job" in paths(
        publish(client, [{"crew": ["CERT-1"], "stops": [stop(lift)]}])
    )
    assert paths(publish(client, [{"crew": ["TRN-1"], "stops": [stop(order)]}])) == [
        "plan.routes[0].crew"
    ]
    assert paths(
        publish(
            client, [{"crew": ["CERT-1"], "stops": [stop(order), stop(other, "17:00", "19:00")]}]
        )
    ) == ["plan.routes[0].stops[1].start"]
    assert paths(
        publish(
            client, [{"crew": ["CERT-1"], "stops": [stop(order), stop(order, "11:00", "12:00")]}]
        )
    ) == ["plan.routes[0].stops[1].job"]
    assert paths(
        publish(
            client,
            [
                {"crew": ["CERT-1"], "stops": [stop(order)]},
                {"crew": ["ENG-1", "CERT-1"], "stops": [stop(other)]},
            ],
        )
    ) == ["plan.routes[1].crew[1]"]
    assert paths(
        publish(client, [{"crew": ["CERT-1"], "stops": [stop(order, "9:00", "25:00")]}])
    ) == [
        "plan.routes[0].stops[0].start",
        "plan.routes[0].stops[0].end",
    ]
    assert assignments(session) == 0
    assert service.work_order_read(session, order).status.value == "open"


def test_a_conflict_publishes_nothing(client: TestClient, session: Session) -> None:
    """One member already booked at the second stop: 409, and neither the first stop's
    assignments nor any transition are written."""
    crew(session)
    first, second, held = (work_order(session, s) for s in ("BUS-001", "BUS-002", "BUS-003"))
    booked = client.post(
        "/api/workforce/assignments",
        json={
            "technician": "ENG-1",
            "work_order": held,
            "start": f"{day_ahead()}T11:30:00",
            "end": f"{day_ahead()}T12:00:00",
        },
    )
    assert booked.status_code == 201
    answer = publish(
        client, [{"crew": ["ENG-1"], "stops": [stop(first), stop(second, "11:00", "12:30")]}]
    )
    assert answer.status_code == 409 and "ENG-1 already holds" in answer.json()["detail"]
    assert assignments(session) == 1
    assert service.work_order_read(session, first).status.value == "open"


def test_a_job_booked_already_is_not_dispatched_again(client: TestClient, session: Session) -> None:
    """A plan for a job a crew holds already (from an earlier plan, or published twice): 409
    naming the job and the assignment, nothing written; the first crew stays alone."""
    crew(session)
    order = work_order(session)
    assert publish(client, [{"crew": ["CERT-1"], "stops": [stop(order)]}]).status_code == 201
    again = publish(client, [{"crew": ["ENG-1"], "stops": [stop(order, "14:00", "15:30")]}])
    assert again.status_code == 409 and f"WO-{order} is booked already" in again.text
    assert assignments(session) == 1


def test_a_job_published_for_an_earlier_day_is_not_offered_on_a_later_one(
    client: TestClient, session: Session
) -> None:
    """Published for a day ahead, a job is left out of the problem of a week later and a plan
    for it then is 409; once that visit is over (now past its end, the work order still open)
    it is offered again."""
    crew(session)
    order = work_order(session)
    assert publish(client, [{"crew": ["CERT-1"], "stops": [stop(order)]}]).status_code == 201
    later = day_ahead(14)
    document = client.get("/api/dispatch/problem", params={"region": "Arctic", "date": later})
    assert document.status_code == 200, document.text
    assert f"WO-{order}" not in {job["id"] for job in document.json()["jobs"]}
    plan = {"routes": [{"crew": ["ENG-1"], "stops": [stop(order)]}], "unassigned": []}
    again = client.post(
        "/api/dispatch/publish",
        json={"date": later.isoformat(), "plan": {**plan, "travel_minutes": 0}},
    )
    assert again.status_code == 409 and f"WO-{order} is booked already" in again.text
    after_the_visit = datetime.combine(day_ahead(), datetime.min.time()) + timedelta(hours=12)
    offered = dispatch_problem(session, system("test"), "Arctic", later, now=after_the_visit)
    assert f"WO-{order}" in {job["id"] for job in offered["jobs"]}
