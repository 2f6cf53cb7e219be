"""SLA clocks: response (reported → in_progress) and restore (reported → done) against the
customer's service level, else the region's; breached and at-risk flags, and the
``breached=true`` list — golden cases with fixed times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.clock import utcnow
from fleetcare.core.permissions import Role
from fleetcare.service import schemas
from fleetcare.service.sla import clock
from fleetcare.service.tables import SERVICE_LEVELS
from tests.service.factories import service_fleet

WO = "/api/service/work-orders"
T0 = datetime(2024, 3, 1, 8, 0)


def test_clock_golden_cases() -> None:
    """Exactly the target is met; more is breached; a running clock at 80 % is at risk, at
    79 % not; a stopped clock is never at risk; no target flags nothing."""
    now = T0 + timedelta(hours=100)
    assert clock(T0, T0 + timedelta(hours=4), 4, now).breached is False
    assert clock(T0, T0 + timedelta(hours=4, seconds=1), 4, now).breached is True
    running = clock(T0, None, 10, T0 + timedelta(hours=8))
    assert (running.elapsed_hours, running.at_risk, running.breached) == (8.0, True, False)
    assert clock(T0, None, 10, T0 + timedelta(hours=7.9)).at_risk is False
    assert clock(T0, T0 + timedelta(hours=9), 10, now).at_risk is False
    assert clock(T0, None, None, now) == clock(T0, None, None, now)
    assert clock(T0, None, None, now).breached is False
    assert clock(T0, None, 1, T0 - timedelta(hours=1)).elapsed_hours == 0.0


def levels(session: Session) -> None:
    """Arctic's default: respond in 4 h, restore in 24 h; WEST (Baltic): 2 h and 8 h."""
    SERVICE_LEVELS.apply(
        session,
        [
            Item(schemas.ServiceLevelRecord(region="Arctic", response_hours=4, restore_hours=24)),
            Item(
                schemas.ServiceLevelRecord(
                    region="Baltic", customer="WEST", response_hours=2, restore_hours=8
                )
            ),
        ],
    )
    session.commit()


def work(client: TestClient, serial: str, reported: datetime, *moves: tuple[str, float]) -> int:
    """A down defect reported at ``reported``, a work order opened then, and ``moves`` made
    ``hours`` after the report; the work order's id."""
    body = {
        "unit": serial,
        "component_group": "brakes",
        "symptom": "x",
        "down": True,
        "reported_at": reported.isoformat(),
    }
    defect = client.post("/api/service/defects", json=body).json()
    order = client.post(WO, json={"defect": defect["id"], "at": reported.isoformat()}).json()
    for to, hours in moves:
        at = (reported + timedelta(hours=hours)).isoformat()
        answer = client.post(f"{WO}/{order['id']}/transitions", json={"to": to, "at": at})
        assert answer.status_code == 200, answer.text
    order_id: int = order["id"]
    return order_id


def test_work_order_clocks_and_the_breached_list(
    client: TestClient, session: Session, client_for: Callable[..., TestClient]
) -> None:
    """Golden: responded in 3 h and restored in 26 h (Arctic 4/24: restore breached); WEST's
    2.5 h response breaches its own 2 h; a cancelled order stops its clocks; a running order
    at 87.5 % of its response target is at risk; the list keeps the breached, scoped."""
    service_fleet(session)
    levels(session)
    late_restore = work(client, "BUS-001", T0, ("scheduled", 1), ("in_progress", 3), ("done", 26))
    west = work(client, "LIFT-001", T0, ("scheduled", 1), ("in_progress", 2.5), ("done", 7))
    cancelled = work(client, "BUS-003", T0, ("cancelled", 1))
    risky = work(client, "BUS-002", utcnow() - timedelta(hours=3.5))

    sla = client.get(f"{WO}/{late_restore}").json()["sla"]
    assert sla["response"] == {
        "target_hours": 4.0,
        "elapsed_hours": 3.0,
        "stopped_at": "2024-03-01T11:00:00",
        "breached": False,
        "at_risk": False,
    }
    assert (sla["restore"]["target_hours"], sla["restore"]["elapsed_hours"]) == (24.0, 26.0)
    assert (sla["restore"]["breached"], sla["breached"]) == (True, True)
    west_sla = client.get(f"{WO}/{west}").json()["sla"]
    assert (west_sla["response"]["target_hours"], west_sla["response"]["breached"]) == (2.0, True)
    assert (west_sla["restore"]["elapsed_hours"], west_sla["restore"]["breached"]) == (7.0, False)
    stopped = client.get(f"{WO}/{cancelled}").json()["sla"]
    assert stopped["restore"]["elapsed_hours"] == 1.0 and stopped["breached"] is False
    running = client.get(f"{WO}/{risky}").json()["sla"]
    assert running["response"]["stopped_at"] is None
    assert (running["at_risk"], running["breached"]) == (True, False)

    listed = client.get(WO, params={"breached": "true"}).json()
    assert listed["total"] == 2
    assert {o["id"] for o in listed["items"]} == {late_restore, west}
    arctic = client.get(WO, params={"breached": "true", "region": "Arctic"}).json()
    assert [o["id"] for o in arctic["items"]] == [late_restore]
    assert client.get(WO, params={"breached": "false"}).json()["total"] == 2
    paged = client.get(WO, params={"breached": "true", "limit": 1, "offset": 1}).json()
    assert (paged["total"], len(paged["items"])) == (2, 1)
    done = client.get(WO, params={"breached": "true", "status": "done"}).json()
    assert done["total"] == 2
    customer = client_for(Role.customer, "west-user", customer="WEST")
    mine = customer.get(WO, params={"breached": "true"}).json()
    assert [o["id"] for o in mine["items"]] == [west]
    manager = client_for(Role.regional_manager, "baltic-boss", regions=("Baltic",))
    assert [o["id"] for o in manager.get(WO, params={"breached": "true"}).json()["items"]] == [west]
    assert client.get(WO, params={"breached": "maybe"}).status_code == 422
