"""The installed-base REST API: list, read, create, update; bad input is 4xx naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.fleet.factories import small_fleet


def fields(response: Any) -> list[str]:
    """The fields an error answer names."""
    return [str(item["loc"][-1]) for item in response.json()["detail"]]


def test_health(client: TestClient) -> None:
    """Liveness answers ok."""
    assert client.get("/api/health").json()["status"] == "ok"


def test_units_list_filters_and_pages(client: TestClient, session: Session) -> None:
    """Filters narrow the list; ``total`` counts all matches while ``items`` holds one page."""
    small_fleet(session, units=5)
    everything = client.get("/api/units").json()
    assert everything["total"] == 6
    assert [u["serial"] for u in everything["items"]][:2] == ["BUS-001", "BUS-002"]
    page = client.get("/api/units", params={"limit": 2, "offset": 2}).json()
    assert (page["total"], [u["serial"] for u in page["items"]]) == (6, ["BUS-003", "BUS-004"])
    assert client.get("/api/units", params={"region": "Baltic"}).json()["total"] == 1
    assert client.get("/api/units", params={"customer": "NORD", "q": "00"}).json()["total"] == 5
    assert (
        client.get("/api/units", params={"family": "passenger_lift"}).json()["items"][0]["serial"]
        == "LIFT-001"
    )
    assert (
        client.get("/api/units", params={"q": "%"}).json()["total"] == 0
    )  # LIKE wildcards are literal
    unit = everything["items"][0]
    assert unit["region"] == "Arctic" and unit["family"] == "city_bus" and unit["delivery"] == "D-1"


def test_unit_create_read_update(client: TestClient, session: Session) -> None:
    """A unit is created by natural keys, read by id, and patched field by field."""
    small_fleet(session)
    body = {
        "serial": "BUS-900",
        "model": "CB-12",
        "customer": "NORD",
        "site": "North depot",
        "delivered_on": "2024-01-15",
    }
    created = client.post("/api/units", json=body)
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["warranty_start"] == "2024-01-15" and unit["status"] == "in_service"
    assert client.get(f"/api/units/{unit['id']}").json() == unit
    patched = client.patch(
        f"/api/units/{unit['id']}", json={"status": "down", "site": "West depot"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["status"], patched.json()["region"]) == ("down", "Baltic")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "NOPE"}, "model"),
        ({"site": "Nowhere"}, "site"),
        ({"delivered_on": "2999-01-01"}, "delivered_on"),
        ({"delivered_on": "not a date"}, "delivered_on"),
        ({"warranty_start": "2020-01-01"}, "warranty_start"),
        ({"status": "lost"}, "status"),
        ({"serial": ""}, "serial"),
        ({"serial": "A\u0000B"}, "serial"),
        ({"serial": "BUS-001"}, "serial"),  # taken
        ({"colour": "red"}, "colour"),
    ],
)
def test_unit_create_refuses_bad_fields(
    client: TestClient, session: Session, body: dict[str, str], field: str
) -> None:
    """Each bad field answers 422 naming that field; nothing is created."""
    small_fleet(session)
    good = {
        "serial": "BUS-900",
        "model": "CB-12",
        "customer": "NORD",
        "site": "North depot",
        "delivered_on": "2024-01-15",
    }
    response = client.post("/api/units", json={**good, **body})
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert client.get("/api/units", params={"q": "BUS-900"}).json()["total"] == 0


def test_patch_checks_the_whole_record(client: TestClient, session: Session) -> None:
    """A patch that breaks a rule with the stored fields, or nulls a required one, is refused."""
    unit_id = small_fleet(session)[0]
    late = client.patch(
        f"/api/units/{unit_id}", json={"delivered_on": "2023-06-01"}
    )  # after warranty start
    assert late.status_code == 422 and "warranty_start" in fields(late)
    null = client.patch(f"/api/units/{unit_id}", json={"model": None})
    assert null.status_code == 422 and "model" in fields(null)
    taken = client.patch(f"/api/units/{unit_id}", json={"serial": "BUS-002"})
    assert taken.status_code == 422 and "serial" in fields(taken)


def test_missing_rows_and_odd_ids(client: TestClient, session: Session) -> None:
    """Unknown ids answer 404; ids and offsets out of range answer 422, never 500."""
    small_fleet(session)
    assert client.get("/api/units/99999").status_code == 404
    assert client.patch("/api/regions/99999", json={"country": "X"}).status_code == 404
    assert client.get("/api/units/99999999999999999999").status_code == 422
    assert client.get("/api/units/0").status_code == 422
    assert client.get("/api/units", params={"offset": 10**15}).status_code == 422
    assert client.get("/api/units", params={"limit": 0}).status_code == 422
    assert client.get("/api/units", params={"q": "a\u0000"}).status_code == 422
    assert (
        client.post(
            "/api/units", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_other_tables_crud(client: TestClient, session: Session) -> None:
    """Regions, sites, customers, models and deliveries: create, list, read, update."""
    small_fleet(session)
    region = client.post(
        "/api/regions", json={"name": "Taiga", "country": "Russia", "climate": "cold"}
    )
    assert region.status_code == 201, region.text
    site = client.post(
        "/api/sites", json={"name": "Camp", "region": "Taiga", "latitude": 63.7, "longitude": 34.3}
    )
    customer = client.post(
        "/api/customers", json={"code": "LES", "name": "Timber", "region": "Taiga"}
    )
    model = client.post(
        "/api/models", json={"code": "FW-14", "family": "forestry_forwarder", "name": "Forwarder"}
    )
    delivery = client.post(
        "/api/deliveries",
        json={
            "reference": "D-7",
            "customer": "LES",
            "model": "FW-14",
            "quantity": 3,
            "shipped_on": "2024-01-01",
        },
    )
    for response in (site, customer, model, delivery):
        assert response.status_code == 201, response.text
    assert client.get("/api/sites", params={"region": "Taiga"}).json()["items"][0]["name"] == "Camp"
    assert client.get("/api/customers", params={"q": "timb"}).json()["total"] == 1
    assert client.get("/api/models", params={"family": "forestry_forwarder"}).json()["total"] == 1
    assert (
        client.get("/api/deliveries", params={"customer": "LES"}).json()["items"][0]["reference"]
        == "D-7"
    )
    renamed = client.patch(f"/api/regions/{region.json()['id']}", json={"name": "Taiga North"})
    assert renamed.json()["name"] == "Taiga North"
    assert client.get(f"/api/sites/{site.json()['id']}").json()["region"] == "Taiga North"
    early = client.patch(
        f"/api/deliveries/{delivery.json()['id']}", json={"delivered_on": "2023-12-01"}
    )
    assert early.status_code == 422 and "delivered_on" in fields(early)
    assert (
        client.post(
            "/api/sites",
            json={"name": "Pole", "region": "Taiga North", "latitude": 91, "longitude": 0},
        ).status_code
        == 422
    )
    assert client.get("/api/families").json()[0] == "city_bus"


def test_usage_never_runs_backwards(client: TestClient, session: Session) -> None:
    """Readings are accepted in any order as long as, by time, the meters never decrease."""
    unit_id = small_fleet(session)[0]
    first = client.post(
        "/api/usage",
        json={"serial": "BUS-001", "taken_at": "2024-03-01", "engine_hours": 500, "km": 9000},
    )
    assert first.status_code == 201, first.text
    earlier = client.post(
        "/api/usage",
        json={"serial": "BUS-001", "taken_at": "2024-02-01T12:00:00Z", "engine_hours": 400},
    )
    assert earlier.status_code == 201, earlier.text
    lower = client.post(
        "/api/usage", json={"serial": "BUS-001", "taken_at": "2024-04-01", "engine_hours": 450}
    )
    assert lower.status_code == 422 and fields(lower) == ["engine_hours"]
    duplicate = client.post(
        "/api/usage", json={"serial": "BUS-001", "taken_at": "2024-03-01", "engine_hours": 600}
    )
    assert duplicate.status_code == 422 and fields(duplicate) == ["taken_at"]
    empty = client.post("/api/usage", json={"serial": "BUS-001", "taken_at": "2024-05-01"})
    assert empty.status_code == 422
    moved = client.patch(f"/api/usage/{earlier.json()['id']}", json={"engine_hours": 550})
    assert moved.status_code == 422  # 550 on 1 Feb would be above 500 on 1 Mar
    fixed = client.patch(f"/api/usage/{earlier.json()['id']}", json={"engine_hours": 450})
    assert fixed.status_code == 200 and fixed.json()["engine_hours"] == 450
    unit = client.get(f"/api/units/{unit_id}").json()
    assert (unit["engine_hours"], unit["km"], unit["last_reading_at"]) == (
        500,
        9000,
        "2024-03-01T00:00:00",
    )
    series = client.get(f"/api/units/{unit_id}/usage").json()
    assert [r["taken_at"] for r in series["items"]] == [
        "2024-02-01T12:00:00",
        "2024-03-01T00:00:00",
    ]
    assert client.get("/api/usage", params={"serial": "BUS-001"}).json()["total"] == 2


def test_openapi_document(client: TestClient) -> None:
    """The OpenAPI document lists every resource."""
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/regions",
        "/api/sites",
        "/api/customers",
        "/api/models",
        "/api/deliveries",
        "/api/units",
        "/api/usage",
        "/api/health",
    ):
        assert path in paths


@pytest.mark.parametrize(
    "value", ["' OR 1=1 --", "'; DROP TABLE units; --", "\\", "%_%", "🚌" * 30, "x" * 120]
)
def test_injection_and_odd_text_in_every_filter(
    client: TestClient, session: Session, value: str
) -> None:
    """Hostile text in any filter is only text: no error, no match, and the data is intact."""
    small_fleet(session)
    for path, names in {
        "/api/units": ("q", "region", "model", "customer", "site"),
        "/api/regions": ("q",),
        "/api/sites": ("region", "q"),
        "/api/customers": ("region", "q"),
        "/api/deliveries": ("customer", "model"),
        "/api/usage": ("serial",),
    }.items():
        for name in names:
            answer = client.get(path, params={name: value})
            assert answer.status_code == 200, (path, name, answer.text)
            assert answer.json()["total"] == 0, (path, name)
    assert client.get("/api/units").json()["total"] == 4


def test_a_delivery_keeps_the_customer_and_model_of_its_units(
    client: TestClient, session: Session
) -> None:
    """D-1 holds NORD's buses: moving it to WEST (or to another model) is 422 naming the
    delivery, nothing changed; a change that keeps both is fine."""
    small_fleet(session)
    delivery = client.get("/api/deliveries").json()["items"][0]
    url = f"/api/deliveries/{delivery['id']}"
    moved = client.patch(url, json={"customer": "WEST"})
    assert moved.status_code == 422 and "holds units" in moved.text
    assert client.get(url).json()["customer"] == delivery["customer"]
    assert client.patch(url, json={"delivered_on": delivery["shipped_on"]}).status_code == 200
