"""The service REST contract: defects, warranty decisions, work orders, and the attacks on them
(a foreign unit, another region, illegal moves, times in the future or out of order, hours
below the last reading, oversized text) — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.clock import utcnow
from fleetcare.core.i18n import translations
from fleetcare.core.permissions import Role
from tests.service.factories import service_fleet

Clients = Callable[..., TestClient]


def defect(client: TestClient, **fields: object) -> dict[str, object]:
    """Report a defect (BUS-001, engine, down) and return the answer's body."""
    body = {"unit": "BUS-001", "component_group": "engine", "symptom": "smoke", "down": True}
    answer = client.post("/api/service/defects", json={**body, **fields})
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def unit_status(client: TestClient, serial: str) -> str:
    """The unit's status as the fleet API shows it."""
    status: str = client.get("/api/units", params={"q": serial}).json()["items"][0]["status"]
    return status


def test_report_answers_the_contract_and_decides_warranty(
    client: TestClient, session: Session
) -> None:
    """201 with id, unit, group, status open, down, reported_at and the decision with reasons."""
    service_fleet(session)
    body = defect(client, reported_at="2024-03-01T08:30:00", hours=1500)
    assert {"id", "unit", "component_group", "status", "down", "reported_at", "warranty"} <= set(
        body
    )
    assert (body["unit"], body["component_group"], body["status"], body["down"]) == (
        "BUS-001",
        "engine",
        "open",
        True,
    )
    assert body["reported_at"] == "2024-03-01T08:30:00"
    warranty = body["warranty"]
    assert isinstance(warranty, dict)
    assert warranty["decision"] == "covered"
    assert warranty["warranty_until"] == "2026-02-01"
    assert (warranty["hours_limit"], warranty["hours"]) == (10000, 1500)
    assert warranty["reasons"]
    now = defect(client, down=False, component_group="cab")
    assert now["warranty"]["decision"] == "not_covered"  # type: ignore[index]


def test_a_defects_reasons_read_in_each_readers_language(
    client: TestClient, session: Session
) -> None:
    """The reasons are kept as notes, not as the words of whoever reported the defect: a report
    made from Russian pages reads in English to an English reader, and the other way round;
    numbers as each language writes them."""
    service_fleet(session)
    english = defect(client, reported_at="2024-03-01T08:30:00", hours=1500)
    client.headers["Accept-Language"] = "ru"
    russian = defect(client, reported_at="2024-03-01T08:30:00", hours=1500)
    russian_later = client.get(f"/api/service/defects/{english['id']}").json()
    del client.headers["Accept-Language"]
    english_later = client.get(f"/api/service/defects/{russian['id']}").json()
    english_reasons = english["warranty"]["reasons"]  # type: ignore[index]
    russian_reasons = russian["warranty"]["reasons"]  # type: ignore[index]
    assert english_later["warranty"]["reasons"] == english_reasons
    assert russian_later["warranty"]["reasons"] == russian_reasons
    assert english_reasons[0] == "policy for engine: 36 months or 10,000 h"
    assert russian_reasons[0] != english_reasons[0]
    assert "10\xa0000" in russian_reasons[0] and "36" in russian_reasons[0]
    engine = translations("ru").gettext("Engine").lower()  # the group's words, not its code
    assert engine in russian_reasons[0] and "engine" not in russian_reasons[0]
    assert "2026-02-01" in english_reasons[1] and "2026-02-01" in russian_reasons[1]


def test_reported_at_never_in_the_future(client: TestClient, session: Session) -> None:
    """A report dated in the future (even later today) is 422 naming reported_at."""
    service_fleet(session)
    base = {"unit": "BUS-001", "component_group": "engine", "symptom": "x", "down": False}
    for later in (utcnow() + timedelta(minutes=5), utcnow() + timedelta(days=2)):
        answer = client.post(
            "/api/service/defects", json={**base, "reported_at": later.isoformat()}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"][-1] == "reported_at"


def test_hours_below_the_last_reading(client: TestClient, session: Session) -> None:
    """Hours below the unit's latest reading at the time are refused, naming ``hours``."""
    service_fleet(session)
    body = {"unit": "BUS-001", "component_group": "engine", "symptom": "x", "down": False}
    answer = client.post("/api/service/defects", json={**body, "hours": 999})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "hours"]
    assert client.post("/api/service/defects", json={**body, "hours": 1000}).status_code == 201
    early = {**body, "hours": 10, "reported_at": "2024-01-01T00:00:00"}  # before the reading
    assert client.post("/api/service/defects", json=early).status_code == 201


def test_oversized_symptom_and_reason(client: TestClient, session: Session) -> None:
    """A symptom over 2,000 characters or a reason over 500 is 422; at the limit it is taken."""
    service_fleet(session)
    body = {"unit": "BUS-001", "component_group": "engine", "down": False}
    big = client.post("/api/service/defects", json={**body, "symptom": "x" * 2001})
    assert big.status_code == 422
    assert big.json()["detail"][0]["loc"][-1] == "symptom"
    made = defect(client, symptom="x" * 2000, down=False)
    close = client.post(f"/api/service/defects/{made['id']}/close", json={"reason": "y" * 501})
    assert close.status_code == 422


def test_customer_reports_only_on_its_own_units(
    client_for: Clients, client: TestClient, session: Session
) -> None:
    """A customer reports on its unit (201) and gets 404 for another customer's; lists and
    reads show it only its own."""
    service_fleet(session)
    nord = client_for(Role.customer, "nord-user", customer="NORD")
    mine = defect(nord)
    body = {"unit": "LIFT-001", "component_group": "lifting", "symptom": "x", "down": True}
    foreign = nord.post("/api/service/defects", json=body)
    assert foreign.status_code == 404
    assert unit_status(client, "LIFT-001") == "in_service"
    other = defect(client, **body)
    listed = nord.get("/api/service/defects").json()
    assert [d["id"] for d in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    assert nord.get(f"/api/service/defects/{other['id']}").status_code == 404
    assert nord.post("/api/service/work-orders", json={"defect": mine["id"]}).status_code == 403


def test_regional_manager_sees_only_its_regions(
    client_for: Clients, client: TestClient, session: Session
) -> None:
    """Another region's defects and work orders are absent from a manager's lists."""
    service_fleet(session)
    arctic = defect(client)
    baltic = defect(client, unit="LIFT-001", component_group="lifting")
    client.post("/api/service/work-orders", json={"defect": baltic["id"]})
    manager = client_for(Role.regional_manager, "north", regions=("Arctic",))
    assert [d["id"] for d in manager.get("/api/service/defects").json()["items"]] == [arctic["id"]]
    assert manager.get("/api/service/defects", params={"region": "Baltic"}).json() == {
        "items": [],
        "total": 0,
        "total_is_estimate": False,
        "next_cursor": None,
    }
    assert manager.get("/api/service/work-orders").json()["total"] == 0
    assert manager.get(f"/api/service/defects/{baltic['id']}").status_code == 404
    body = {"unit": "LIFT-001", "component_group": "lifting", "symptom": "x", "down": False}
    assert manager.post("/api/service/defects", json=body).status_code == 404
    everyone = client.get("/api/service/defects", params={"region": "Baltic"}).json()
    assert [d["id"] for d in everyone["items"]] == [baltic["id"]]


def test_work_order_states_and_illegal_moves(client: TestClient, session: Session) -> None:
    """Legal moves answer 200 with the order and its history; illegal ones 409 naming the move;
    a second active order for the defect is 409."""
    service_fleet(session)
    made = defect(client)
    opened = client.post("/api/service/work-orders", json={"defect": made["id"]})
    assert opened.status_code == 201
    order = opened.json()
    assert (order["defect"], order["status"]) == (made["id"], "open")
    again = client.post("/api/service/work-orders", json={"defect": made["id"]})
    assert again.status_code == 409
    url = f"/api/service/work-orders/{order['id']}/transitions"
    illegal = client.post(url, json={"to": "done"})
    assert illegal.status_code == 409
    assert "open" in illegal.json()["detail"] and "done" in illegal.json()["detail"]
    for state in ("scheduled", "in_progress", "waiting_parts", "in_progress"):
        moved = client.post(url, json={"to": state, "reason": "field"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == state
    assert client.post(url, json={"to": "scheduled"}).status_code == 409
    assert client.post(url, json={"to": "in_progress"}).status_code == 409
    done = client.post(url, json={"to": "done"}).json()
    assert [h["to_status"] for h in done["history"]] == [
        "open",
        "scheduled",
        "in_progress",
        "waiting_parts",
        "in_progress",
        "done",
    ]
    for state in ("cancelled", "open", "in_progress"):
        assert client.post(url, json={"to": state}).status_code == 409
    assert client.get(f"/api/service/defects/{made['id']}").json()["status"] == "resolved"
    listed = client.get("/api/service/work-orders", params={"status": "done"}).json()
    assert listed["total"] == 1
    assert client.post("/api/service/work-orders", json={"defect": made["id"]}).status_code == 409
    assert (
        client.post("/api/service/work-orders/999/transitions", json={"to": "done"}).status_code
        == 404
    )


def test_transition_times(client: TestClient, session: Session) -> None:
    """``at`` keeps a late-recorded event's real time; never in the future, never before the
    previous transition (422 naming ``at``)."""
    service_fleet(session)
    now = utcnow()
    made = defect(client, reported_at=(now - timedelta(days=3)).isoformat())
    order = client.post(
        "/api/service/work-orders",
        json={"defect": made["id"], "at": (now - timedelta(days=2)).isoformat()},
    ).json()
    url = f"/api/service/work-orders/{order['id']}/transitions"
    future = client.post(
        url, json={"to": "scheduled", "at": (now + timedelta(hours=1)).isoformat()}
    )
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"][-1] == "at"
    before = client.post(
        url, json={"to": "scheduled", "at": (now - timedelta(days=2, hours=1)).isoformat()}
    )
    assert before.status_code == 422
    assert before.json()["detail"][0]["loc"][-1] == "at"
    day = (now - timedelta(days=1)).replace(microsecond=0)
    assert client.post(url, json={"to": "scheduled", "at": day.isoformat()}).status_code == 200
    same = client.post(url, json={"to": "in_progress", "at": day.isoformat()})
    assert same.status_code == 200
    earlier = client.post(url, json={"to": "done", "at": (day - timedelta(seconds=1)).isoformat()})
    assert earlier.status_code == 422
    done = client.post(url, json={"to": "done", "at": (day + timedelta(hours=5)).isoformat()})
    assert done.json()["history"][-1]["at"] == (day + timedelta(hours=5)).isoformat()
    read = client.get(f"/api/service/defects/{made['id']}").json()
    assert read["down_until"] == (day + timedelta(hours=5)).isoformat()


def test_unit_status_follows_its_down_defects(client: TestClient, session: Session) -> None:
    """Down from the first down defect until the last of them is closed or its order ends."""
    service_fleet(session)
    assert unit_status(client, "BUS-001") == "in_service"
    first = defect(client)
    second = defect(client, component_group="brakes")
    defect(client, component_group="cab", down=False)
    assert unit_status(client, "BUS-001") == "down"
    order = client.post("/api/service/work-orders", json={"defect": first["id"]}).json()
    url = f"/api/service/work-orders/{order['id']}/transitions"
    assert client.post(url, json={"to": "cancelled", "reason": "duplicate"}).status_code == 200
    assert unit_status(client, "BUS-001") == "down"
    closed = client.post(f"/api/service/defects/{second['id']}/close", json={"reason": "no fault"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert unit_status(client, "BUS-001") == "in_service"
    again = client.post(f"/api/service/defects/{second['id']}/close", json={"reason": "again"})
    assert again.status_code == 409
    # the cancelled order's defect is still open; a new order may be opened for it
    assert client.post("/api/service/work-orders", json={"defect": first["id"]}).status_code == 201
    busy = client.post(f"/api/service/defects/{first['id']}/close", json={"reason": "x"})
    assert busy.status_code == 409


def test_warranty_override_is_audited(
    client_for: Clients, client: TestClient, session: Session
) -> None:
    """A person confirms or overrides the decision with a reason; the computed one is kept."""
    service_fleet(session)
    made = defect(client, down=False)
    url = f"/api/service/defects/{made['id']}/warranty"
    technician = client_for(Role.technician, "tech")
    assert technician.post(url, json={"decision": "covered", "reason": "x"}).status_code == 403
    assert client.post(url, json={"decision": "covered"}).status_code == 422
    assert client.post(url, json={"decision": "maybe", "reason": "x"}).status_code == 422
    answer = client.post(url, json={"decision": "covered", "reason": "goodwill"})
    assert answer.status_code == 200
    warranty = answer.json()["warranty"]
    assert (warranty["decision"], warranty["computed"]) == ("covered", "not_covered")
    assert (warranty["decided_by"], warranty["reason"]) == ("admin", "goodwill")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "warranty")).all()
    assert [(e.action, e.actor) for e in entries] == [("override", "admin")]


def test_every_change_is_audited(client: TestClient, session: Session) -> None:
    """Report, open, transition, close and the unit's status each leave an audit entry."""
    service_fleet(session)
    made = defect(client)
    order = client.post("/api/service/work-orders", json={"defect": made["id"]}).json()
    client.post(f"/api/service/work-orders/{order['id']}/transitions", json={"to": "cancelled"})
    client.post(f"/api/service/defects/{made['id']}/close", json={"reason": "no fault found"})
    actions = {
        (e.entity, e.action)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.actor == "admin"))
    }
    assert {
        ("defects", "report"),
        ("work_orders", "open"),
        ("work_orders", "transition"),
        ("defects", "close"),
        ("units", "status"),
        ("downtimes", "downtime"),
    } <= actions
