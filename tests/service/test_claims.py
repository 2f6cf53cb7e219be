"""Warranty claims: a covered repair done claims its parts at cost, labour × the region's rate
and travel × its km rate; a supplier's part yields a recovery claim; claims are listed and
exported within scope; the claim's fields are entered on the active work order only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Role
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts.models import ComponentGroup
from fleetcare.parts.tables import PARTS
from fleetcare.service import schemas, service
from tests.parts.factories import receive
from tests.service.factories import service_network

WO = "/api/service/work-orders"


def setup(session: Session) -> None:
    """P-1 supplied by 'Volga Diesel'; Arctic's rates: 50.00 per hour, 2.50 per km, RUB."""
    service_network(session)
    PARTS.apply(
        session,
        [
            Item(
                parts_schemas.PartRecord(
                    number="P-1",
                    name="Part 1",
                    group=ComponentGroup.engine,
                    unit_cost=Decimal("850.00"),
                    weight_kg=12.0,
                    supplier="Volga Diesel",
                )
            )
        ],
    )
    service.SERVICE_RATES.apply(
        session,
        [
            Item(
                schemas.ServiceRateRecord(
                    region="Arctic",
                    labour_rate=Decimal("50.00"),
                    km_rate=Decimal("2.50"),
                    currency="RUB",
                )
            )
        ],
    )
    session.commit()
    receive(session, "P-1", "DEPOT-A", 2)
    receive(session, "P-2", "DEPOT-A", 1)


def repair(client: TestClient, group: str, reported_at: str | None) -> int:
    body: dict[str, object] = {
        "unit": "BUS-001",
        "component_group": group,
        "symptom": "x",
        "down": True,
    }
    if reported_at:
        body["reported_at"] = reported_at
    defect = client.post("/api/service/defects", json=body).json()
    order_id: int = client.post(WO, json={"defect": defect["id"]}).json()["id"]
    return order_id


def done(client: TestClient, order_id: int) -> None:
    for to in ("scheduled", "in_progress", "done"):
        answer = client.post(f"{WO}/{order_id}/transitions", json={"to": to})
        assert answer.status_code == 200, answer.text


def test_covered_repair_done_claims_and_recovers(
    client: TestClient, session: Session, client_for: Callable[..., TestClient]
) -> None:
    """Golden: 2 × 850 + 1 × 40 in parts, 3.5 h × 50 labour, 120 km × 2.50 travel = 2,215.00
    RUB; P-1's supplier gets a recovery claim of 1,700.00; a repair not covered claims nothing;
    a customer sees its own claims only, a foreign claim is 404."""
    setup(session)
    order_id = repair(client, "engine", "2024-03-01T08:00:00")
    for part, quantity in (("P-1", 2), ("P-2", 1)):
        body = {"part": part, "quantity": quantity}
        assert client.post(f"{WO}/{order_id}/parts", json=body).status_code == 201
    fields = {
        "faulty_serial": "ENG-123",
        "replacement_serial": "ENG-456",
        "labour_hours": 3.5,
        "travel_km": 120,
    }
    patched = client.patch(f"{WO}/{order_id}", json=fields)
    assert patched.status_code == 200, patched.text
    assert patched.json()["labour_hours"] == 3.5
    done(client, order_id)
    other = repair(client, "cab", None)  # today: out of warranty
    done(client, other)

    claims = client.get("/api/service/claims").json()
    assert claims["total"] == 2
    recovery, warranty = claims["items"]
    assert warranty["kind"] == "warranty" and warranty["work_order"] == order_id
    assert (warranty["faulty_serial"], warranty["replacement_serial"]) == ("ENG-123", "ENG-456")
    assert (warranty["parts_cost"], warranty["labour_cost"], warranty["travel_cost"]) == (
        "1740.00",
        "175.00",
        "300.00",
    )
    assert (warranty["total"], warranty["currency"]) == ("2215.00", "RUB")
    assert [(line["part"], line["cost"]) for line in warranty["lines"]] == [
        ("P-1", "1700.00"),
        ("P-2", "40.00"),
    ]
    assert (recovery["kind"], recovery["supplier"], recovery["parent"]) == (
        "recovery",
        "Volga Diesel",
        warranty["id"],
    )
    assert (recovery["total"], recovery["currency"]) == ("1700.00", "RUB")
    assert client.get("/api/service/claims", params={"kind": "recovery"}).json()["total"] == 1

    nord = client_for(Role.customer, "nord-user", customer="NORD")
    west = client_for(Role.customer, "west-user", customer="WEST")
    assert nord.get("/api/service/claims").json()["total"] == 2
    assert west.get("/api/service/claims").json()["total"] == 0
    assert west.get(f"/api/service/claims/{warranty['id']}").status_code == 404
    assert nord.get(f"/api/service/claims/{warranty['id']}").json()["total"] == "2215.00"

    exported = client.get("/api/service/claims/export", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["kind"], r["total"]) for r in rows] == [
        ("recovery", "1700.00"),
        ("warranty", "2215.00"),
    ]
    as_json = client.get("/api/service/claims/export", params={"format": "json"}).json()
    assert [c["id"] for c in as_json] == [recovery["id"], warranty["id"]]
    assert west.get("/api/service/claims/export").text.count("\n") == 1  # the header only
    assert client.get("/api/service/claims/export", params={"format": "xml"}).status_code == 422


def test_claim_fields_attacks(client: TestClient, session: Session) -> None:
    """Absurd hours or km, unknown fields and bad serials are 422; an unknown work order 404;
    a work order done or cancelled no longer changes (409); rates out of bounds are refused."""
    setup(session)
    order_id = repair(client, "engine", "2024-03-01T08:00:00")
    for bad in (
        {"labour_hours": 1e9},
        {"labour_hours": -1},
        {"travel_km": 1e12},
        {"faulty_serial": "x" * 200},
        {"colour": "red"},
    ):
        assert client.patch(f"{WO}/{order_id}", json=bad).status_code == 422, bad
    assert client.patch(f"{WO}/999999", json={"labour_hours": 1}).status_code == 404
    assert client.post(f"{WO}/{order_id}/transitions", json={"to": "cancelled"}).status_code == 200
    assert client.patch(f"{WO}/{order_id}", json={"labour_hours": 1}).status_code == 409
    assert client.get("/api/service/claims").json()["total"] == 0
    with pytest.raises(ValidationError):
        schemas.ServiceRateRecord(
            region="Arctic", labour_rate=Decimal("1e40"), km_rate=Decimal(1), currency="RUB"
        )


def test_a_claimed_decision_stands(client: TestClient, session: Session) -> None:
    """Once the covered repair is done and claimed, overriding its decision is 409 naming the
    claim, and nothing changes; confirming it (the same decision) still records who and why.
    Before the work is done the decision may be overridden."""
    setup(session)
    order_id = repair(client, "engine", "2024-03-01T08:00:00")
    defect = client.get(f"{WO}/{order_id}").json()["defect"]
    url = f"/api/service/defects/{defect}/warranty"
    early = client.post(url, json={"decision": "not_covered", "reason": "misuse"})
    assert early.status_code == 200 and early.json()["warranty"]["decision"] == "not_covered"
    assert client.post(url, json={"decision": "covered", "reason": "checked"}).status_code == 200
    done(client, order_id)
    warranty = client.get("/api/service/claims", params={"kind": "warranty"}).json()["items"][0]
    late = client.post(url, json={"decision": "not_covered", "reason": "misuse after all"})
    assert late.status_code == 409 and f"claim #{warranty['id']}" in late.json()["detail"]
    read = client.get(f"/api/service/defects/{defect}").json()["warranty"]
    assert (read["decision"], read["reason"]) == ("covered", "checked")
    same = client.post(url, json={"decision": "covered", "reason": "confirmed at audit"})
    assert same.status_code == 200 and same.json()["warranty"]["reason"] == "confirmed at audit"
