"""``fleetcare dispatch plan`` and ``POST /api/dispatch/plan``: a region's day from the
database, solved, printed and published; the problem's booked rule; cancelling the last
assignment of a scheduled work order reopens it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.audit import AuditEntry
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role, system
from fleetcare.service import schemas as service_schemas
from fleetcare.service import service as service_facade
from fleetcare.service.models import WorkOrderTransition
from fleetcare.service.states import WorkOrderStatus
from fleetcare.web.app import create_app
from fleetcare.workforce.day_plan import plan_bars, plan_rows, routes_figure, travel_minutes
from fleetcare.workforce.models import Assignment
from fleetcare.workforce.plan_problem import ROAD_FACTOR, SPEED_KMH, dispatch_problem
from tests.workforce.factories import crew, day_ahead, work_order

SITE = (68.9, 33.1)  # the service fleet's Arctic site
HOME = (68.95, 33.05)  # the Arctic technicians' home


def plan_args(*extra: str, day: str | None = None) -> list[str]:
    when = day or day_ahead().isoformat()
    return ["dispatch", "plan", "--region", "Arctic", "--date", when, "--seconds", "0.5", *extra]


def count(session: Session) -> int:
    """Assignments written; the read snapshot is ended before and after (SQLite's WAL)."""
    session.commit()
    found = session.scalar(select(func.count()).select_from(Assignment)) or 0
    session.commit()
    return found


def at(hhmm: str) -> str:
    return f"{day_ahead().isoformat()}T{hhmm}:00"


def assign(client: TestClient, code: str, order: int, start: str, end: str) -> Any:
    body = {"technician": code, "work_order": order, "start": at(start), "end": at(end)}
    answer = client.post("/api/workforce/assignments", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_cli_plan_prints_publishes_and_has_nothing_left(
    runner: CliRunner, cli_env: dict[str, str], session: Session
) -> None:
    """The plan serves both bus jobs; --publish writes them; a second --publish of the same
    day finds nothing new to do and writes nothing."""
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    shown = runner.invoke(app, plan_args("--json"), env=cli_env)
    assert shown.exit_code == 0, shown.stderr
    plan = json.loads(shown.stdout)
    served = sorted(s["job"] for r in plan["routes"] for s in r["stops"])
    assert served == sorted([f"WO-{first}", f"WO-{second}"])
    assert "Jobs served: 2" in shown.stderr and count(session) == 0
    table = runner.invoke(app, plan_args(), env=cli_env)
    assert table.exit_code == 0 and f"WO-{first}" in table.stderr and "city_bus" in table.stderr
    published = runner.invoke(app, plan_args("--publish"), env=cli_env)
    assert published.exit_code == 0, published.stderr
    assert "Published:" in published.stderr
    written = count(session)
    assert written >= 2  # a trainee riding along adds its own
    for order in (first, second):
        assert service_facade.work_order_read(session, order).status.value == "scheduled"
    again = runner.invoke(app, plan_args("--publish", "--json"), env=cli_env)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["routes"] == []
    assert "Nothing to publish" in again.stderr and count(session) == written


def test_cli_plan_bad_input_and_conflict(
    runner: CliRunner,
    cli_env: dict[str, str],
    session: Session,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unknown region, a past day, a malformed date: exit 2 naming the option; a plan that
    collides with an assignment made meanwhile: exit 1 naming it, nothing written."""
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    unknown = runner.invoke(
        app,
        ["dispatch", "plan", "--region", "Nowhere", "--date", day_ahead().isoformat()],
        env=cli_env,
    )
    assert unknown.exit_code == 2 and "--region: region 'Nowhere' not found" in unknown.stderr
    past = runner.invoke(app, plan_args(day="2001-01-01"), env=cli_env)
    assert past.exit_code == 2 and "--date:" in past.stderr
    malformed = runner.invoke(app, plan_args(day="2026-13-45"), env=cli_env)
    assert malformed.exit_code == 2 and "--date" in malformed.stderr
    held = assign(client, "CERT-1", first, "09:00", "10:30")
    forged = {
        "routes": [
            {
                "crew": ["CERT-1"],
                "stops": [
                    {"job": f"WO-{second}", "arrive": "09:30", "start": "09:30", "end": "11:00"}
                ],
                "travel_minutes": 10.0,
            }
        ],
        "unassigned": [],
        "travel_minutes": 10.0,
    }
    monkeypatch.setattr(
        "fleetcare.workforce.routing.solve_document", lambda _problem, _options: forged
    )
    before = count(session)
    clash = runner.invoke(app, plan_args("--publish"), env=cli_env)
    assert clash.exit_code == 1, clash.stderr
    assert str(held["id"]) in clash.stderr and count(session) == before
    assert service_facade.work_order_read(session, second).status.value == "open"


def test_rest_plan_scope_permission_and_body(
    client: TestClient,
    client_for: Callable[..., TestClient],
    session: Session,
    settings: Settings,
    make_user: Callable[..., str],
) -> None:
    """Admin: {problem, plan}; a regional manager of Baltic asking for Arctic: 404; a customer:
    403; a past day, too many seconds, an unknown field: 422 naming it; oversized: 413."""
    crew(session)
    order = work_order(session)
    body = {"region": "Arctic", "date": day_ahead().isoformat(), "seconds": 0.5}
    answer = client.post("/api/dispatch/plan", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["problem"]["format"] == "fleetcare-dispatch/1"
    assert [j["id"] for j in result["problem"]["jobs"]] == [f"WO-{order}"]
    assert [s["job"] for r in result["plan"]["routes"] for s in r["stops"]] == [f"WO-{order}"]
    assert count(session) == 0  # planning writes nothing
    baltic = client_for(Role.regional_manager, regions=("Baltic",))
    assert baltic.post("/api/dispatch/plan", json=body).status_code == 404
    assert baltic.post("/api/dispatch/plan", json=body | {"region": "Baltic"}).status_code == 200
    nord = client_for(Role.customer, customer="NORD")
    assert nord.post("/api/dispatch/plan", json=body).status_code == 403
    for bad, field in (
        ({"date": "2001-01-01"}, "date"),
        ({"seconds": 31}, "seconds"),
        ({"seed": -1}, "seed"),
        ({"crews": 3}, "crews"),
    ):
        refused = client.post("/api/dispatch/plan", json=body | bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"][-1] == field
    from fleetcare.core.security import issue_token
    from tests.conftest import TEST_SECRET

    make_user("small-planner", Role.dispatcher)
    small = create_app(settings.model_copy(update={"max_body_bytes": 2_000}))
    with TestClient(small) as caller:
        caller.headers["Authorization"] = f"Bearer {issue_token('small-planner', TEST_SECRET)}"
        padded = body | {"region": "Arctic" + " " * 3_000}
        assert caller.post("/api/dispatch/plan", json=padded).status_code == 413


def test_the_problem_leaves_out_booked_work(client: TestClient, session: Session) -> None:
    """A work order holding an assignment is no job; a technician booked in the morning starts
    when it could be home from that job (end + travel home, rounded up to the minute); one
    booked to the end of its shift is left out."""
    crew(session)
    first, second, third = (work_order(session, s) for s in ("BUS-001", "BUS-002", "BUS-003"))
    assign(client, "CERT-1", first, "09:00", "10:30")
    assign(client, "ENG-1", second, "16:30", "18:00")
    document = dispatch_problem(session, system(), "Arctic", day_ahead())
    assert [j["id"] for j in document["jobs"]] == [f"WO-{third}"]
    shifts = {t["id"]: t["shift"] for t in document["technicians"]}
    assert "ENG-1" not in shifts  # home after 18:00
    back = travel_minutes(SITE, HOME, ROAD_FACTOR, SPEED_KMH)
    assert 0 < back < 30
    ready = datetime(2000, 1, 1, 10, 30) + timedelta(minutes=back)
    ready = ready.replace(second=0) + timedelta(minutes=1)  # rounded up: back is not whole
    assert shifts["CERT-1"] == [ready.strftime("%H:%M"), "18:00"]
    assert shifts["TRN-1"] == ["08:00", "18:00"]


def test_cancelling_the_last_assignment_reopens_the_work_order(
    client: TestClient, session: Session
) -> None:
    """A crew of CERT-1 and TRN-1 on a work order: cancelling the trainee's leaves it
    scheduled; cancelling the last moves it back to open, with its transition and an audit
    row, and it is a job of the day's problem again."""
    crew(session)
    order = work_order(session)
    cover = assign(client, "CERT-1", order, "09:00", "10:30")
    trainee = assign(client, "TRN-1", order, "09:00", "10:30")
    service_facade.transition(
        session,
        order,
        service_schemas.TransitionCreate.model_validate({"to": "scheduled"}),
        by=system("test"),
    )
    session.commit()
    assert client.delete(f"/api/workforce/assignments/{trainee['id']}").status_code == 204
    session.commit()
    assert service_facade.work_order_read(session, order).status.value == "scheduled"
    assert client.delete(f"/api/workforce/assignments/{cover['id']}").status_code == 204
    session.commit()
    assert service_facade.work_order_read(session, order).status.value == "open"
    back = session.scalars(
        select(WorkOrderTransition).where(
            WorkOrderTransition.work_order_id == order,
            WorkOrderTransition.from_status == WorkOrderStatus.scheduled,
            WorkOrderTransition.to_status == WorkOrderStatus.open,
        )
    ).one()
    assert back.actor == "admin" and back.reason is not None
    audited = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "work_orders", AuditEntry.key == str(order))
        .order_by(AuditEntry.id)
    ).all()
    assert audited[-1].after is not None and audited[-1].after["status"] == "open"
    document = dispatch_problem(session, system(), "Arctic", day_ahead())
    assert [j["id"] for j in document["jobs"]] == [f"WO-{order}"]


def test_plan_rows_and_figures() -> None:
    """Rows and bars follow the route from the crew's home; the plot is a plain scatter with
    km-equal axes (no geo trace)."""
    problem = {
        "date": "2030-01-07",
        "speed_kmh": 60,
        "road_factor": 1.0,
        "technicians": [{"id": "T1", "home": [60.0, 30.0], "shift": ["08:00", "18:00"]}],
        "jobs": [
            {
                "id": "A",
                "at": [60.0, 31.0],
                "window": ["08:00", "18:00"],
                "minutes": 60,
                "family": "bus",
            },
            {
                "id": "B",
                "at": [61.0, 31.0],
                "window": ["08:00", "18:00"],
                "minutes": 60,
                "family": "bus",
            },
        ],
    }
    plan = {
        "routes": [
            {
                "crew": ["T1"],
                "stops": [{"job": "A", "arrive": "08:56", "start": "08:56", "end": "09:56"}],
                "travel_minutes": 111.2,
            }
        ],
        "unassigned": [{"job": "B", "reason": "capacity"}],
        "travel_minutes": 111.2,
    }
    (row,) = plan_rows(problem, plan)
    assert row.job == "A" and row.travel == pytest.approx(55.6, abs=0.1)  # 55.6 km at 60 km/h
    bars = plan_bars(problem, plan)
    assert [(b.kind, b.start.strftime("%H:%M")) for b in bars] == [
        ("travel", "08:00"),
        ("work", "08:56"),
        ("travel", "09:56"),
    ]
    figure = routes_figure(problem, plan)
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    assert figure["layout"]["yaxis"]["scaleratio"] == pytest.approx(1 / 0.5, rel=0.02)
    assert figure["data"][-1]["x"] == [31.0]  # B marked as left out


def test_a_rider_without_the_family_is_booked_as_a_trainee(
    client: TestClient, session: Session
) -> None:
    """The solver pairs a trainee with a colleague certified in the trainee's family, who may
    serve other families too: on such a stop the rider without a grant for the job's family
    is assigned as a trainee beside the certified member, so its time is booked and the next
    problem of the day does not offer it before the stop ends; a crew where nobody holds the
    family is refused."""
    from fleetcare.core.bulk import Item
    from fleetcare.workforce.tables import TECHNICIANS
    from tests.workforce.factories import technician

    crew(session)
    TECHNICIANS.apply(session, [Item(technician("NEW-1"))])  # no grant at all
    session.commit()
    order = work_order(session)
    stop = {"job": f"WO-{order}", "arrive": "09:00", "start": "09:00", "end": "10:30"}
    alone = {
        "date": day_ahead().isoformat(),
        "plan": {"routes": [{"crew": ["NEW-1"], "stops": [stop]}]},
    }
    refused = client.post("/api/dispatch/publish", json=alone)
    assert refused.status_code == 422 and "no valid grant" in refused.text
    paired = {
        "date": day_ahead().isoformat(),
        "plan": {"routes": [{"crew": ["CERT-1", "NEW-1"], "stops": [stop]}]},
    }
    answer = client.post("/api/dispatch/publish", json=paired)
    assert answer.status_code == 201, answer.text
    booked = {a["technician"]: a["level"] for a in answer.json()["assignments"]}
    assert booked == {"CERT-1": "certified", "NEW-1": "trainee"}
    session.expire_all()
    offered = {
        t["id"]: t["shift"]
        for t in dispatch_problem(session, system(), "Arctic", day_ahead())["technicians"]
    }
    assert "NEW-1" not in offered or offered["NEW-1"][0] >= "10:30"
