"""A row stored before a check was tightened still reads: the lists answer it as stored
(a read reports what is stored), never a 500, though an input with it is refused now."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.workforce.factories import crew


def test_rows_written_before_todays_checks_still_read(client: TestClient, session: Session) -> None:
    crew(session)  # the small fleet, its deliveries and technicians
    part = {"number": "P-1", "name": "Pump", "group": "engine", "unit_cost": "10", "weight_kg": 1}
    assert client.post("/api/parts", json=part).status_code == 201
    session.execute(text("UPDATE parts SET currency = 'ZZZ' WHERE number = 'P-1'"))
    session.execute(text("UPDATE technicians SET code = 'EU/1' WHERE code = 'ENG-1'"))
    session.execute(text("UPDATE deliveries SET shipped_on = '0001-01-01'"))
    session.commit()
    parts = client.get("/api/parts")
    assert parts.status_code == 200 and "ZZZ" in parts.text
    technicians = client.get("/api/workforce/technicians")
    assert technicians.status_code == 200 and "EU/1" in technicians.text
    deliveries = client.get("/api/deliveries")
    assert deliveries.status_code == 200 and "0001-01-01" in deliveries.text
    refused = client.post(
        "/api/stock/moves",
        json={
            "kind": "grey_purchase",
            "part": "P-2",
            "location": "HUB",
            "quantity": 1,
            "price": "5",
            "currency": "ZZZ",
        },
    )
    assert refused.status_code == 422  # what is new is held to the checks
    assert refused.json()["detail"][0]["loc"][-1] == "currency"
