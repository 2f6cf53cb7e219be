"""Downtime and availability: the union of holds per unit, on a hand-made history."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from fleetcare.fleet import schemas as fleet_schemas
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import Unit
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.intervals import days_within, union
from fleetcare.service.models import Downtime
from tests.service.factories import BY, service_fleet


def at(day: int, hour: int = 0) -> datetime:
    """A moment in March 2024."""
    return datetime(2024, 3, day, hour)


def test_union_merges_overlapping_touching_and_open_intervals() -> None:
    """Overlaps and touching ends merge; an open interval absorbs every later one."""
    assert union([(at(3), at(5)), (at(2), at(4)), (at(5), at(6)), (at(8), at(9))]) == [
        (at(2), at(6)),
        (at(8), at(9)),
    ]
    assert union([(at(2), None), (at(3), at(4)), (at(9), at(10))]) == [(at(2), None)]
    assert days_within([(at(1), at(3)), (at(2), at(4))], at(2), at(10)) == 2.0
    assert days_within([(at(1), None)], at(2), at(4)) == 2.0


def _down(session: Session, serial: str, start: datetime, end: datetime) -> None:
    """A down defect on ``serial`` from ``start``, closed (no fault found) at ``end``."""
    body = schemas.DefectCreate(
        unit=serial,
        component_group=ComponentGroup.engine,
        symptom="stops",
        down=True,
        reported_at=start,
    )
    made = service.report_defect(session, body, by=BY)
    service.close_defect(session, made.id, schemas.DefectClose(reason="ok", at=end), by=BY)


def test_availability_on_a_hand_made_history(
    client: TestClient, client_for: object, session: Session
) -> None:
    """Machine-days from entry into service; down-days from the records, overlaps once."""
    service_fleet(session)
    fleet_service.create(
        session,
        fleet_service.UNITS,
        fleet_schemas.UnitRecord(
            serial="BUS-NEW",
            model="CB-12",
            customer="NORD",
            site="North depot",
            delivered_on=date(2024, 3, 6),
        ),
        by=BY,
    )
    _down(session, "BUS-001", at(2), at(4))
    _down(session, "BUS-001", at(3), at(5))  # overlaps the first: 2 → 5 March, 3 days
    _down(session, "BUS-002", datetime(2024, 2, 25), at(2, 12))  # 1.5 days in the period
    bus3 = session.scalar(select(Unit.id).where(Unit.serial == "BUS-003"))
    assert bus3 is not None
    session.add_all(  # two records overlapping by hand: 6 → 9 March, 3 days
        [
            Downtime(unit_id=bus3, started_at=at(6), ended_at=at(8)),
            Downtime(unit_id=bus3, started_at=at(7), ended_at=at(9)),
        ]
    )
    session.commit()
    bus1 = session.scalar(select(Unit.id).where(Unit.serial == "BUS-001"))
    records = session.execute(
        select(Downtime.started_at, Downtime.ended_at).where(Downtime.unit_id == bus1)
    ).all()
    assert [tuple(r) for r in records] == [(at(2), at(5))]

    params = {"region": "Arctic", "from": "2024-03-01", "to": "2024-03-10"}
    answer = client.get("/api/service/availability", params=params).json()
    assert answer == {
        "region": "Arctic",
        "from": "2024-03-01",
        "to": "2024-03-10",
        "machine_days": 35.0,  # 3 buses × 10 days + BUS-NEW from 6 March: 5 days
        "down_days": 7.5,
        "availability": round(1 - 7.5 / 35, 6),
    }
    baltic = client.get("/api/service/availability", params={**params, "region": "Baltic"})
    assert baltic.json()["machine_days"] == 10.0
    assert baltic.json()["down_days"] == 0.0
    manager = client_for(Role.regional_manager, "west", regions=("Baltic",))  # type: ignore[operator]
    theirs = manager.get("/api/service/availability", params=params).json()
    assert (theirs["machine_days"], theirs["availability"]) == (0.0, None)
    backwards = client.get(
        "/api/service/availability", params={"from": "2024-03-10", "to": "2024-03-01"}
    )
    assert backwards.status_code == 422
