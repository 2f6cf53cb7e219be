"""A small workforce on the service tests' fleet: an Arctic trainer, a certified local and a
trainee for city buses, a Baltic engineer for lifts, every day 08:00–18:00."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.clock import today
from fleetcare.core.permissions import system
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas as service_schemas
from fleetcare.service import service
from fleetcare.service.tables import SERVICE_LEVELS
from fleetcare.workforce import schemas
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import TechnicianKind
from fleetcare.workforce.tables import GRANTS, TECHNICIANS
from tests.service.factories import service_fleet

BY = system("test")
ALL_DAYS = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SINCE = date(2024, 1, 1)
UNTIL = date(2099, 1, 1)


def day_ahead(days: int = 7) -> date:
    """A day ``days`` ahead of today (a working day for everyone here)."""
    return today() + timedelta(days=days)


def technician(
    code: str,
    region: str = "Arctic",
    kind: TechnicianKind = TechnicianKind.local,
    employer: str | None = None,
    **fields: object,
) -> schemas.TechnicianRecord:
    """A technician record working every day 08:00–18:00 unless ``fields`` say otherwise."""
    values: dict[str, object] = {
        "code": code,
        "name": f"Tech {code}",
        "kind": kind,
        "employer": employer,
        "region": region,
        "home_latitude": 68.95 if region == "Arctic" else 54.7,
        "home_longitude": 33.05 if region == "Arctic" else 20.5,
        "languages": "ru",
        **ALL_DAYS,
        **fields,
    }
    return schemas.TechnicianRecord.model_validate(values)


def grant(
    code: str, family: str, level: Level, since: date = SINCE, until: date = UNTIL
) -> Item[schemas.GrantRecord]:
    """An imported grant (the maker's records)."""
    return Item(
        schemas.GrantRecord(
            technician=code,
            family=family,  # type: ignore[arg-type]
            level=level,
            granted_on=since,
            expires_on=until,
            granted_by="plant",
        )
    )


def crew(session: Session) -> list[int]:
    """``service_fleet`` + ENG-1 (trainer, buses), CERT-1 (certified, NORD's), TRN-1 (trainee,
    NORD's) in Arctic, BAL-1 (certified, lifts) in Baltic, and a 4-hour response level in
    Arctic; returns the unit ids."""
    ids = service_fleet(session)
    TECHNICIANS.apply(
        session,
        [
            Item(technician("ENG-1", kind=TechnicianKind.engineer)),
            Item(technician("CERT-1", employer="NORD")),
            Item(technician("TRN-1", employer="NORD")),
            Item(technician("BAL-1", region="Baltic", kind=TechnicianKind.engineer)),
        ],
    )
    GRANTS.apply(
        session,
        [
            grant("ENG-1", "city_bus", Level.trainer),
            grant("CERT-1", "city_bus", Level.certified),
            grant("TRN-1", "city_bus", Level.trainee),
            grant("BAL-1", "passenger_lift", Level.certified),
        ],
    )
    SERVICE_LEVELS.apply(
        session,
        [
            Item(
                service_schemas.ServiceLevelRecord(
                    region="Arctic", response_hours=4, restore_hours=48
                )
            )
        ],
    )
    session.commit()
    return ids


def work_order(session: Session, serial: str = "BUS-001") -> int:
    """A defect on ``serial`` with an open work order; its id."""
    defect = service.report_defect(
        session,
        service_schemas.DefectCreate(
            unit=serial, component_group=ComponentGroup.engine, symptom="no start", down=False
        ),
        by=BY,
    )
    order_id = service.open_work_order(
        session, service_schemas.WorkOrderCreate(defect=defect.id), by=BY
    )
    session.commit()
    return order_id


def finish(session: Session, order_id: int) -> None:
    """Move a work order to done."""
    for to in ("scheduled", "in_progress", "done"):
        state = service.work_order_read(session, order_id)
        if state.status.value == to:
            continue
        if to == "scheduled" and state.status.value != "open":
            continue
        service.transition(
            session, order_id, service_schemas.TransitionCreate.model_validate({"to": to}), by=BY
        )
    session.commit()


def book(client: TestClient, code: str, order: int, start: int, end: int) -> Any:
    """Assign ``code`` to work order ``order`` from ``start`` to ``end`` o'clock of
    ``day_ahead()`` through the API (201 or the test fails); the assignment's body."""
    day = day_ahead().isoformat()
    body = {
        "technician": code,
        "work_order": order,
        "start": f"{day}T{start:02d}:00:00",
        "end": f"{day}T{end:02d}:00:00",
    }
    answer = client.post("/api/workforce/assignments", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()
