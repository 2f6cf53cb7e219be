"""A technician's own work: an administrator links its record to an account, and that account
reads its days (shift, day off, assignments with unit, site, symptom and crew) through the API
and its page; only administrators link, an account is linked once, scope still hides a unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Role
from fleetcare.workforce.schemas import DayOffRecord
from fleetcare.workforce.tables import DAYS_OFF
from tests.conftest import sign_in
from tests.workforce.factories import book, crew, day_ahead, work_order

ME = "/api/workforce/me"


def _link(client: TestClient, code: str, account: str | None) -> Any:
    return client.patch(f"/api/workforce/technicians/{code}", json={"account": account})


def test_my_week(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """CERT-1's account reads its week from the day of the job: that day's assignment with the
    unit, site, symptom and the trainee beside it, and the day off after it."""
    crew(session)
    order = work_order(session)
    mine = book(client, "CERT-1", order, 9, 12)
    book(client, "TRN-1", order, 9, 11)
    DAYS_OFF.apply(
        session, [Item(DayOffRecord(technician="CERT-1", day=day_ahead() + timedelta(days=1)))]
    )
    session.commit()
    cert = client_for(Role.technician, "cert1")
    assert cert.get(ME).status_code == 404
    assert "no technician is linked" in cert.get(ME).json()["detail"]
    linked = _link(client, "CERT-1", "cert1")
    assert linked.status_code == 200 and linked.json()["account"] == "cert1"
    week = cert.get(ME, params={"from": day_ahead().isoformat()}).json()
    assert week["technician"]["code"] == "CERT-1" and len(week["days"]) == 7
    first, second = week["days"][0], week["days"][1]
    assert (first["shift"], first["off"]) == ("08:00-18:00", False)
    [job] = first["assignments"]
    assert (job["id"], job["work_order"], job["unit"], job["crew"]) == (
        mine["id"],
        order,
        "BUS-001",
        ["TRN-1"],
    )
    assert job["site"] and job["symptom"] and job["status"] == "open"
    assert (second["shift"], second["off"], second["assignments"]) == (None, True, [])
    today_on = cert.get(ME).json()["days"]
    assert today_on[0]["day"] == (day_ahead() - timedelta(days=7)).isoformat()
    assert client.get(ME).status_code == 404  # the admin is nobody's technician
    unlinked = _link(client, "CERT-1", None)
    assert unlinked.status_code == 200 and unlinked.json()["account"] is None
    assert cert.get(ME).status_code == 404


def test_attacks(
    client: TestClient, client_for: Callable[..., TestClient], session: Session
) -> None:
    """Only an administrator links or unlinks an account; an account linked to another
    technician, an unknown account, a span of over 31 days or backwards is 422 by field; a
    unit the linked account's scope hides is not named to it."""
    crew(session)
    order = work_order(session)
    book(client, "CERT-1", order, 9, 12)
    client_for(Role.technician, "cert1")
    manager = client_for(Role.regional_manager, "arctic", regions=("Arctic",))

    def refused(answer: Any, field: str, words: str) -> None:
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"][-1] == field
        assert answer.json()["detail"][0]["loc"][0] == ("query" if field == "to" else "body")
        assert words in answer.json()["detail"][0]["msg"]

    refused(_link(manager, "CERT-1", "cert1"), "account", "only an administrator")
    assert _link(client, "CERT-1", "cert1").status_code == 200
    refused(_link(manager, "CERT-1", None), "account", "only an administrator")
    assert manager.patch("/api/workforce/technicians/CERT-1", json={"name": "C"}).status_code == 200
    refused(_link(client, "TRN-1", "cert1"), "account", "linked to technician CERT-1 already")
    refused(_link(client, "TRN-1", "nobody"), "account", "unknown account 'nobody'")
    cert = client_for(Role.technician, "cert1b")
    assert _link(client, "TRN-1", "cert1b").status_code == 200
    day = day_ahead().isoformat()
    refused(cert.get(ME, params={"from": day, "to": "2099-01-01"}), "to", "at most 31 days")
    refused(cert.get(ME, params={"from": day, "to": "2000-01-01"}), "to", "comes before")
    west = client_for(Role.customer, "west-tech", customer="WEST")
    assert _link(client, "CERT-1", "west-tech").status_code == 200
    job = west.get(ME, params={"from": day}).json()["days"][0]["assignments"][0]
    assert (job["work_order"], job["unit"], job["site"], job["symptom"]) == (
        order,
        None,
        None,
        None,
    )


def test_import_links_and_refuses_a_shared_account(
    client: TestClient,
    client_for: Callable[..., TestClient],
    session: Session,
    runner: CliRunner,
    cli_env: dict[str, str],
    data_dir: Path,
) -> None:
    """The technicians file links accounts in its ``account`` column; the same account on two
    rows is refused on the second row, nothing written."""
    crew(session)
    client_for(Role.technician, "cert1")
    exported = client.get("/api/export/technicians", params={"format": "csv"}).text
    header, *rows = exported.splitlines()
    column = header.split(",").index("account")

    def with_accounts(accounts: dict[str, str]) -> str:
        lines = [header]
        for row in rows:
            cells = row.split(",")
            cells[column] = accounts.get(cells[0], cells[column])
            lines.append(",".join(cells))
        return "\n".join(lines) + "\n"

    path = data_dir / "technicians.csv"
    path.write_text(with_accounts({"CERT-1": "cert1", "TRN-1": "cert1"}), encoding="utf-8")
    shared = runner.invoke(app, ["import", "technicians", str(path)], env=cli_env)
    assert shared.exit_code == 2 and ":account: account 'cert1' is linked twice" in shared.stderr
    assert client.get("/api/workforce/technicians/CERT-1").json()["account"] is None
    path.write_text(with_accounts({"CERT-1": "cert1"}), encoding="utf-8")
    assert runner.invoke(app, ["import", "technicians", str(path)], env=cli_env).exit_code == 0
    assert client.get("/api/workforce/technicians/CERT-1").json()["account"] == "cert1"


def test_page(
    client: TestClient, anonymous: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """A signed-in technician finds "My work" in the menu and its job on the week's page; an
    account linked to no technician gets a 404 page saying so."""
    crew(session)
    order = work_order(session)
    book(client, "CERT-1", order, 9, 12)
    sign_in(anonymous, make_user("cert1", Role.technician))
    assert "no technician is linked" in anonymous.get("/workforce/me").text
    assert anonymous.get("/workforce/me").status_code == 404
    assert _link(client, "CERT-1", "cert1").status_code == 200
    page = anonymous.get("/workforce/me", params={"from": day_ahead().isoformat()})
    assert page.status_code == 200
    assert (
        'href="/workforce/me"' in page.text and f'href="/service/work-orders/{order}"' in page.text
    )
    assert '<a href="/units?q=BUS-001">BUS-001</a>' in page.text and "TRN-1" not in page.text
    found = anonymous.get("/units", params={"q": "BUS-001"})
    assert found.status_code == 200 and "BUS-001" in found.text
    assert anonymous.get("/workforce/me", params={"from": "2026-02-30"}).status_code == 422
