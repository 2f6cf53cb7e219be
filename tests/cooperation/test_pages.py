"""Cooperation pages and exports: the deals list and a deal's stage form (CSRF, 409 on the
page), the dashboard with its charts and map, the printable report, CSV and XLSX exports
(formula cells defused), and the CLI."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.cooperation.models import Deal
from fleetcare.cooperation.tables import DEALS
from fleetcare.core.bulk import Item
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.cooperation.factories import cooperation_world, deal


def _id(pages: TestClient, reference: str) -> int:
    found = re.search(rf'href="/deals/(\d+)">{reference}<', pages.get("/deals").text)
    assert found, reference
    return int(found.group(1))


def test_deals_and_stage_form(pages: TestClient, session: Session) -> None:
    """The list shows each deal with its money; the form needs the token; an illegal move is
    409 on the page naming it; a legal one redirects."""
    cooperation_world(session)
    listed = pages.get("/deals")
    assert "DL-A" in listed.text and "RUB7,000,000.00" in listed.text
    deal_id = _id(pages, "DL-W")
    page = pages.get(f"/deals/{deal_id}")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    assert pages.post(f"/deals/{deal_id}/move", data={"to": "signed"}).status_code == 403
    illegal = pages.post(
        f"/deals/{deal_id}/move", data={"to": "delivered", "csrf_token": token.group(1)}
    )
    assert illegal.status_code == 409 and "from lead to delivered" in illegal.text
    moved = pages.post(
        f"/deals/{deal_id}/move",
        data={"to": "negotiation", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert ">Negotiation<" in pages.get(f"/deals/{deal_id}").text


def test_dashboard_and_report(pages: TestClient, session: Session) -> None:
    """The dashboard draws the trade and deals charts and a plain-scatter map with equal axes
    (no scattergeo or tiles) and names its exports in the reader's words; the report links the
    print stylesheet; a missing rate is a message, not a crash."""
    cooperation_world(session)
    board = pages.get("/dashboard", params={"region": "Arctic", "currency": "EUR"})
    assert board.status_code == 200
    assert 'id="trade-chart"' in board.text and 'id="map-chart"' in board.text
    assert "scaleanchor" in board.text and "scattergeo" not in board.text
    assert "mapbox" not in board.text
    assert "Rates used:" in board.text
    exports = board.text.split('id="exports">')[1].split("</ul>")[0]
    assert (
        "Trade by month: " in exports
        and 'href="/dashboard/export/trade-series?format=csv' in exports
    )
    query = {"region": "Arctic", "currency": "EUR"}
    russian = pages.get("/dashboard", params=query, headers={"Accept-Language": "ru"})
    assert "Товарооборот по месяцам: " in russian.text.split('id="exports">')[1]
    report = pages.get("/dashboard/report", params={"region": "Arctic"})
    assert report.status_code == 200
    assert "/static/report.css" in report.text and "Cooperation report" in report.text
    assert "@media print" in pages.get("/static/report.css").text
    missing = pages.get("/dashboard", params={"currency": "CNY"})
    assert missing.status_code == 422 and "no exchange rates for CNY" in missing.text


def _rates_on(page: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The rates line of a page, and the rows of its folded table of every rate used."""
    line = page.split('id="rates-used">')[1].split("</p>")[0]
    folded = re.search(r'<details class="rates-all" id="rates-all">(.*?)</details>', page, re.S)
    assert folded, "every rate used sits inside a collapsed <details>"
    rows = re.findall(r'<tr><td>(\w+)</td><td>([\d-]+)</td><td class="num">([^<]+)</td>', folded[1])
    return line, rows


def test_dashboard_rates_latest_and_folded(
    pages: TestClient, session: Session, client: TestClient
) -> None:
    """In EUR, Arctic's figures used EUR and RUB rates of 2014 and 2020: the rates line shows
    only each currency's latest (Babel-formatted for the reader's language), the four rates
    sit in a collapsed table, and the API still lists all four."""
    cooperation_world(session)
    query = {"region": "Arctic", "currency": "EUR"}
    line, rows = _rates_on(pages.get("/dashboard", params=query).text)
    assert "Rates used:" in line
    assert "1 USD = 0.8 EUR (2020-01-01), 1 USD = 75 RUB (2020-01-01)" in line
    assert "2014" not in line and "0.9" not in line
    assert rows == [
        ("EUR", "2014-01-01", "0.9"),
        ("EUR", "2020-01-01", "0.8"),
        ("RUB", "2014-01-01", "35"),
        ("RUB", "2020-01-01", "75"),
    ]
    russian, _rows = _rates_on(pages.get("/dashboard", params={**query, "lang": "ru"}).text)
    assert "1 USD = 0,8 EUR (2020-01-01)" in russian
    report_line, report_rows = _rates_on(pages.get("/dashboard/report", params=query).text)
    assert "1 USD = 75 RUB (2020-01-01)" in report_line and len(report_rows) == 4
    api = client.get("/api/dashboard", params=query).json()["rates_used"]
    assert [(r["currency"], r["day"]) for r in api] == [(c, d) for c, d, _r in rows]


def test_pages_without_trade_or_rates(pages: TestClient) -> None:
    """With no trade figures and no rates at all, the dashboard, the report and the trade
    pages render: the note without a rates line, and no folded list."""
    for path in ("/dashboard", "/dashboard/report", "/trade", "/trade/targets"):
        page = pages.get(path)
        assert page.status_code == 200, path
        assert 'id="rates-used"' in page.text and "Rates used:" not in page.text, path
        assert "<details" not in page.text, path
    assert "No trade figures." in pages.get("/dashboard").text


def test_exports_csv_and_xlsx(pages: TestClient, session: Session, client: TestClient) -> None:
    """Every table exports as CSV and XLSX; the XLSX opens with openpyxl and has the rows; a
    formula-like cell is defused in both."""
    cooperation_world(session)
    DEALS.apply(session, [Item(deal("=HYPERLINK(1)", quantity=1))])
    session.commit()
    xlsx = pages.get("/dashboard/export/deals", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("reference", "region", "customer")
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "DL-A", "DL-B", "DL-W"]
    assert rows[2][6] == 1000000  # DL-A's value, a number
    csv = pages.get("/dashboard/export/deals", params={"format": "csv"}).text
    assert "\n'=HYPERLINK(1)," in csv
    for name in ("summary", "trade-series", "deal-stages", "sites", "trade", "exchange-rates"):
        for fmt in ("csv", "xlsx"):
            answer = client.get(f"/api/dashboard/tables/{name}", params={"format": fmt})
            assert answer.status_code == 200, (name, fmt)
    series = load_workbook(
        io.BytesIO(
            client.get(
                "/api/dashboard/tables/trade-series",
                params={"format": "xlsx", "region": "Arctic"},
            ).content
        )
    )
    assert list(series.active.iter_rows(values_only=True)) == [
        ("year", "volume_USD", "target_USD"),
        (2014, 300000000, 300000000),
        (2016, 100000000, 190000000),
    ]
    assert client.get("/api/dashboard/tables/nothing").status_code == 404


def test_customer_sees_own_deals_page_only(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A customer reads its own deals on the page, another's is 404, and exports them; the
    dashboard and its tables are 403."""
    cooperation_world(session)
    browser = TestClient(create_app(settings))
    sign_in(browser, make_user("west", Role.customer, customer="WEST"))
    listed = browser.get("/deals").text
    assert "DL-W" in listed and "DL-A" not in listed
    ids = dict(session.execute(select(Deal.reference, Deal.id)).all())
    assert browser.get(f"/deals/{ids['DL-W']}").status_code == 200
    assert browser.get(f"/deals/{ids['DL-A']}").status_code == 404
    assert browser.get("/dashboard").status_code == 403
    assert browser.get("/dashboard/export/trade").status_code == 403
    assert browser.get("/dashboard/export/summary").status_code == 403
    assert 'href="/dashboard/export/deals?format=csv"' in listed  # the page's own link works
    exported = browser.get("/dashboard/export/deals", params={"format": "csv"})
    assert exported.status_code == 200 and "DL-W" in exported.text and "DL-A" not in exported.text


def test_cli(runner: CliRunner, cli_env: dict[str, str], session: Session, tmp_path: Path) -> None:
    """List, move (409 → exit 1), dashboard --json and export from the shell."""
    cooperation_world(session)
    listed = runner.invoke(app, ["cooperation", "deals", "--json"], env=cli_env)
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["total"] == 3
    refused = runner.invoke(app, ["cooperation", "move", "DL-A", "--to", "delivered"], env=cli_env)
    assert refused.exit_code == 1 and "from negotiation to delivered" in refused.stderr
    moved = runner.invoke(app, ["cooperation", "move", "DL-A", "--to", "signed"], env=cli_env)
    assert moved.exit_code == 0, moved.stderr
    board = runner.invoke(
        app, ["cooperation", "dashboard", "--region", "Arctic", "--json"], env=cli_env
    )
    assert json.loads(board.stdout)["deals"]["signed"]["count"] == 2
    out = tmp_path / "stages.xlsx"
    written = runner.invoke(
        app, ["cooperation", "export", "deal-stages", "--out", str(out)], env=cli_env
    )
    assert written.exit_code == 0 and load_workbook(out).active.max_row == 7
    bad = runner.invoke(
        app, ["cooperation", "export", "deal-stages", "--out", "x.pdf"], env=cli_env
    )
    assert bad.exit_code == 2


def test_a_shipped_deal_links_its_units(
    client: TestClient, pages: TestClient, session: Session
) -> None:
    """Once shipped, a deal's page links its delivery to the units it brought."""
    cooperation_world(session)
    deal = next(d for d in client.get("/api/deals").json()["items"] if d["reference"] == "DL-B")
    shipped = client.post(f"/api/deals/{deal['id']}/transitions", json={"to": "shipped"})
    assert shipped.status_code == 200, shipped.text
    assert 'href="/units?delivery=DL-B"' in pages.get(f"/deals/{deal['id']}").text
