"""Scheduled maintenance: the next due by calendar and by hours, the missed tasks the warranty
rule reads, the ``maintenance-plans`` table, maintenance done as a work order of kind
``maintenance``, and ``fleetcare service overdue``."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today, utcnow
from fleetcare.core.permissions import EVERYTHING
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.maintenance import Done, Plan, missed, next_due
from fleetcare.service.warranty import Reading
from tests.service.factories import service_fleet

PLAN = Plan(every_hours=500, every_months=6, tolerance_hours=50, tolerance_days=14)
START = date(2023, 2, 1)


def test_next_due_by_calendar_and_by_hours() -> None:
    """Due six months after the start; late by exactly the tolerance is not overdue, a day
    more is; 550 h is within 500 + 50, 551 h is not; a maintenance done restarts both."""
    assert next_due(PLAN, START, [], None, date(2023, 8, 15)).overdue is False
    late = next_due(PLAN, START, [], None, date(2023, 8, 16))
    assert (late.due_on, late.overdue_by_days, late.overdue) == (date(2023, 8, 1), 15, True)
    within = next_due(PLAN, START, [], Reading(date(2023, 3, 1), 550), date(2023, 3, 2))
    assert (within.due_hours, within.overdue) == (500, False)
    assert next_due(PLAN, START, [], Reading(date(2023, 3, 1), 551), date(2023, 3, 2)).overdue
    after = next_due(PLAN, START, [Done(date(2023, 7, 20), 480)], None, date(2023, 8, 16))
    assert (after.due_on, after.due_hours, after.overdue) == (date(2024, 1, 20), 980, False)
    unknown = next_due(PLAN, START, [Done(date(2023, 7, 20), None)], None, date(2023, 8, 16))
    assert unknown.due_hours == 1000  # done on time: 500 + 500


def test_missed_tasks() -> None:
    """The calendar task of each cycle with its tolerance, and an hours task on the day a
    reading first went past due + tolerance; a maintenance done before that day clears it."""
    readings = [Reading(date(2023, 6, 1), 300), Reading(date(2023, 9, 1), 600)]
    tasks = missed(PLAN, START, [], readings)
    assert [(str(t.task), t.due_on, t.tolerance_days) for t in tasks] == [
        ("every 6 months", date(2023, 8, 1), 14),
        ("every 500 h", date(2023, 9, 1), 0),
    ]
    assert not tasks[1].overdue_at(date(2023, 9, 1)) and tasks[1].overdue_at(date(2023, 9, 2))
    done = missed(PLAN, START, [Done(date(2023, 8, 10), 450)], readings)
    assert done[0].done_on == date(2023, 8, 10)
    assert [str(t.task) for t in done].count("every 500 h") == 0  # 600 ≤ 450 + 500 + 50


def plans(session: Session) -> None:
    """CB-12: every 6 months (30 days' grace) or 500 h (50 h' grace)."""
    service.MAINTENANCE_PLANS.apply(
        session,
        [
            Item(
                schemas.MaintenancePlanRecord(
                    model="CB-12",
                    every_months=6,
                    every_hours=500,
                    tolerance_days=30,
                    tolerance_hours=50,
                )
            )
        ],
    )
    session.commit()


def test_overdue_and_maintenance_done(
    client: TestClient,
    session: Session,
    runner: CliRunner,
    cli_env: dict[str, str],
) -> None:
    """Every CB-12 bus is overdue (BUS-001 by hours and calendar); a maintenance work order
    done yesterday takes BUS-002 off the list; the CLI prints the same, narrowed by region."""
    service_fleet(session)
    plans(session)
    overdue = service.overdue(session, EVERYTHING, today=today())
    assert [u.serial for u in overdue] == ["BUS-001", "BUS-002", "BUS-003"]
    assert (overdue[0].due_on, overdue[0].due_hours, overdue[0].hours) == (
        date(2023, 8, 1),
        500,
        1000,
    )
    yesterday = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    body = {
        "unit": "BUS-002",
        "component_group": "other",
        "symptom": "6-month service",
        "down": False,
        "reported_at": yesterday.isoformat(),
    }
    defect = client.post("/api/service/defects", json=body).json()
    opened = client.post(
        "/api/service/work-orders",
        json={"defect": defect["id"], "kind": "maintenance", "at": yesterday.isoformat()},
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["kind"] == "maintenance"
    for to in ("scheduled", "in_progress", "done"):
        url = f"/api/service/work-orders/{opened.json()['id']}/transitions"
        assert client.post(url, json={"to": to, "at": yesterday.isoformat()}).status_code == 200
    session.commit()
    assert [u.serial for u in service.overdue(session, EVERYTHING, today=today())] == [
        "BUS-001",
        "BUS-003",
    ]
    result = runner.invoke(app, ["service", "overdue", "--region", "Arctic", "--json"], env=cli_env)
    assert result.exit_code == 0, result.stderr
    assert [u["serial"] for u in json.loads(result.stdout)] == ["BUS-001", "BUS-003"]
    baltic = runner.invoke(app, ["service", "overdue", "--region", "Baltic", "--json"], env=cli_env)
    assert json.loads(baltic.stdout) == []
    text = runner.invoke(app, ["service", "overdue"], env=cli_env)
    assert text.exit_code == 0 and "BUS-001" in text.stdout
    assert (
        client.post(
            "/api/service/work-orders", json={"defect": defect["id"], "kind": "inspection"}
        ).status_code
        == 422
    )


def test_missed_maintenance_sends_warranty_to_review(session: Session) -> None:
    """BUS-001's first 6-month service (due 2023-08-01, 30 days' grace) was never done: on
    2024-03-01 its engine warranty is ``review`` naming the maintenance."""
    service_fleet(session)
    before = service.check_warranty(session, "BUS-001", ComponentGroup.engine, date(2024, 3, 1))
    assert before.decision.value == "covered"
    plans(session)
    after = service.check_warranty(session, "BUS-001", ComponentGroup.engine, date(2024, 3, 1))
    assert after.decision.value == "review"
    assert any("maintenance" in reason for reason in map(str, after.reasons))
