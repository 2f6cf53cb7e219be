"""Installed-base pages render whole, or only the HTMX fragment when HTMX asks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.fleet.factories import small_fleet


def test_units_page_and_fragment(client: TestClient, pages: TestClient, session: Session) -> None:
    """The full page has the layout and filters; the HTMX answer is only the table."""
    small_fleet(session, units=30)
    page = pages.get("/units")
    assert page.status_code == 200
    assert "<nav" in page.text and 'name="region"' in page.text and "BUS-001" in page.text
    assert "1–25 of 31" in page.text and "BUS-026" not in page.text
    fragment = pages.get("/units", params={"offset": 25}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "<nav" not in fragment.text
    assert "26–31 of 31" in fragment.text and "BUS-026" in fragment.text
    filtered = pages.get("/units", params={"region": "Baltic"}, headers={"HX-Request": "true"})
    assert "LIFT-001" in filtered.text and "BUS-001" not in filtered.text


def test_unit_page_has_its_chart(client: TestClient, pages: TestClient, session: Session) -> None:
    """A unit's page shows its facts and a Plotly chart of its readings."""
    unit_id = small_fleet(session)[0]
    client.post(
        "/api/usage", json={"serial": "BUS-001", "taken_at": "2024-03-01", "engine_hours": 500}
    )
    page = pages.get(f"/units/{unit_id}")
    assert page.status_code == 200
    assert "BUS-001" in page.text and "North depot" in page.text
    assert 'id="usage-chart"' in page.text and "/static/vendor/plotly.min.js" in page.text


def test_a_units_hours_in_the_readers_marks(
    client: TestClient, pages: TestClient, session: Session
) -> None:
    """15,100.4 engine hours read "15,100" in English and "15 100" in Russian (where
    "15,100" would read as fifteen point one)."""
    unit_id = small_fleet(session)[0]
    client.post(
        "/api/usage", json={"serial": "BUS-001", "taken_at": "2024-03-01", "engine_hours": 15100.4}
    )
    english = pages.get(f"/units/{unit_id}", params={"lang": "en"}).text
    russian = pages.get(f"/units/{unit_id}", params={"lang": "ru"}).text
    assert "<dd>15,100</dd>" in english
    assert "<dd>15\xa0100</dd>" in russian and "15,100" not in russian


def test_region_page_counts_by_family_and_site(
    client: TestClient, pages: TestClient, session: Session
) -> None:
    """The region page counts its units by site and family."""
    small_fleet(session, units=4)
    region_id = client.get("/api/regions", params={"q": "Arctic"}).json()["items"][0]["id"]
    page = pages.get(f"/regions/{region_id}")
    assert page.status_code == 200
    assert "North depot" in page.text and "City bus" in page.text and ">4</a>" in page.text


def test_home_and_regions(client: TestClient, pages: TestClient, session: Session) -> None:
    """The overview and the regions list render with counts."""
    small_fleet(session)
    assert "Arctic" in pages.get("/").text
    assert "Baltic" in pages.get("/regions").text


def test_page_errors_are_pages(client: TestClient, pages: TestClient) -> None:
    """A missing unit is an HTML 404, a bad filter an HTML 422; static assets are served locally."""
    missing = pages.get("/units/424242")
    assert missing.status_code == 404 and "<html" in missing.text
    assert pages.get("/units", params={"status": "lost"}).status_code == 422
    assert pages.get("/static/htmx.min.js").status_code == 200
    assert pages.get("/static/vendor/plotly.min.js").status_code == 200


def test_units_of_one_delivery(client: TestClient, pages: TestClient, session: Session) -> None:
    """``delivery`` keeps the units a delivery brought, on the API and the page (the link a
    deal's page follows); an unknown reference keeps none."""
    small_fleet(session, units=3)
    listed = client.get("/api/units", params={"delivery": "D-1"}).json()
    assert sorted(u["serial"] for u in listed["items"]) == ["BUS-001", "BUS-002", "BUS-003"]
    assert client.get("/api/units", params={"delivery": "NONE"}).json()["total"] == 0
    page = pages.get("/units", params={"delivery": "D-1"}).text
    assert "BUS-002" in page and "LIFT-001" not in page and "delivery D-1" in page
