"""The audit log read back: filters by table, record, who, action and time; the fields each
change touched; keyset pages; the page, its history links and the ``fleetcare audit`` command;
only the audit reader, and bad input refused by field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.accounts.audit_log import changed_fields
from fleetcare.cli import app
from fleetcare.core.clock import utcnow
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.fleet.factories import small_fleet

RECORDS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]), st.one_of(st.integers(0, 3), st.none())
)


@given(RECORDS, RECORDS)
def test_changed_fields_are_the_fields_that_differ(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    """A field is listed once when its value (or its presence) differs, never when equal;
    applying the listed fields of ``after`` to ``before`` gives ``after`` back."""
    changed = changed_fields(before, after)
    assert len(changed) == len(set(changed))
    for name in set(before) | set(after):
        differs = name not in before or name not in after or before[name] != after[name]
        assert (name in changed) == differs
    patched = {k: v for k, v in before.items() if k not in changed or k in after}
    patched.update({k: after[k] for k in changed if k in after})
    assert patched == after


def test_a_created_or_removed_row_changes_every_field() -> None:
    assert changed_fields(None, {"a": 1, "b": 2}) == ["a", "b"]
    assert changed_fields({"a": 1}, None) == ["a"]
    assert changed_fields(None, None) == []


def _history(client: TestClient) -> int:
    """NEW-1 created then put down, and NEW-2 created, by the admin; NEW-1's id."""
    body = {"model": "CB-12", "customer": "NORD", "site": "North depot"}
    new = client.post("/api/units", json={"serial": "NEW-1", "delivered_on": "2024-01-01", **body})
    client.patch(f"/api/units/{new.json()['id']}", json={"status": "down"})
    client.post("/api/units", json={"serial": "NEW-2", "delivered_on": "2024-01-02", **body})
    return int(new.json()["id"])


def test_filters_and_changed_fields(client: TestClient, session: Session) -> None:
    """One record's history is its table and key, newest first, the update naming the one
    field it changed; actor, action and time narrow as they say."""
    small_fleet(session)
    _history(client)
    audit = "/api/audit"
    history = client.get(audit, params={"entity": "units", "key": "NEW-1"}).json()
    assert [(e["action"], e["changed"]) for e in history["items"]] == [
        ("update", ["status"]),
        ("create", list(history["items"][1]["after"])),
    ]
    assert history["total"] == 2
    mine = {"entity": "units", "actor": "admin"}  # the fleet's own units came from the factory
    created = client.get(audit, params={**mine, "action": "create"}).json()
    assert [e["key"] for e in created["items"]] == ["NEW-2", "NEW-1"]
    assert client.get(audit, params={"actor": "nobody"}).json()["total"] == 0
    now = utcnow().replace(microsecond=0)
    later = (now.replace(year=now.year + 1)).isoformat()
    assert client.get(audit, params={**mine, "since": later}).json()["total"] == 0
    assert client.get(audit, params={**mine, "until": "2000-01-01"}).json()["total"] == 0
    assert client.get(audit, params={**mine, "since": "2000-01-01"}).json()["total"] == 3
    # an aware moment is read in UTC: an hour ago at +14:00 is fourteen hours earlier in UTC
    hour_ago = now.replace(minute=0, second=0).isoformat()
    assert client.get(audit, params={**mine, "until": f"{hour_ago}+14:00"}).json()["total"] == 0
    assert client.get(audit, params={**mine, "until": f"{later}-14:00"}).json()["total"] == 3


def test_keyset_pages_cover_the_log_once(client: TestClient, session: Session) -> None:
    """Pages of two by ``next_cursor`` hold every entry once, newest first."""
    small_fleet(session)
    _history(client)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/audit", params=params).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == page["total"]


def test_attacks(
    client: TestClient,
    client_for: Callable[..., TestClient],
    anonymous: TestClient,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """Only the audit reader reads the log (its API and its page); a moment outside the
    calendar, an oversized filter, a control character or a forged cursor is 422 by field
    (the page's bad days: ``test_page_filters_and_links``)."""
    small_fleet(session)
    manager = client_for(Role.regional_manager, "manager", regions=("Arctic",))
    customer = client_for(Role.customer, "nord", customer="NORD")
    for other in (manager, customer):
        assert other.get("/api/audit").status_code == 403
    sign_in(anonymous, make_user("arctic-pages", Role.regional_manager, regions=("Arctic",)))
    assert anonymous.get("/admin/audit").status_code == 403
    for params in (
        {"since": "1800-01-01"},
        {"until": "9999-12-31T23:00:00-05:00"},
        {"since": "yesterday"},
        {"entity": "x" * 121},
        {"key": "a\x00b"},
        {"cursor": "not/a cursor"},
    ):
        answer = client.get("/api/audit", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["detail"][0]["loc"][-1] == next(iter(params))


def test_page_filters_and_links(client: TestClient, pages: TestClient, session: Session) -> None:
    """The page filters as the API does (days both included), shows an update as its changed
    field struck and written, and links each record to its history."""
    small_fleet(session)
    _history(client)
    client = pages
    page = client.get("/admin/audit", params={"entity": "units", "key": "NEW-1"}).text
    assert '<del>"in_service"</del> → <ins>"down"</ins>' in page
    assert 'href="/admin/audit?entity=units&amp;key=NEW-1"' in page
    assert "NEW-2" not in page.split('id="audit-table"')[1]
    today = utcnow().date().isoformat()
    same_day = client.get("/admin/audit", params={"entity": "units", "from": today, "to": today})
    assert "NEW-2" in same_day.text
    before = client.get("/admin/audit", params={"entity": "units", "to": "2000-01-01"}).text
    assert "No change matches these filters." in before
    assert client.get("/admin/audit", params={"from": "2026-02-30"}).status_code == 422
    assert client.get("/admin/audit", params={"to": "1800-01-01"}).status_code == 422


def test_command(
    client: TestClient,
    session: Session,
    runner: CliRunner,
    cli_env: dict[str, str],
) -> None:
    """``fleetcare audit`` prints JSON lines of the filtered entries (``--all``: every one, past
    the page size); a moment outside the calendar exits 2 naming the option."""
    small_fleet(session)
    _history(client)
    run = runner.invoke(
        app, ["audit", "--entity", "units", "--key", "NEW-1", "--json"], env=cli_env
    )
    assert run.exit_code == 0, run.output
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert (lines[0]["action"], lines[0]["changed"]) == ("update", ["status"])
    every = runner.invoke(app, ["audit", "--all", "--json", "--limit", "1"], env=cli_env)
    total = client.get("/api/audit").json()["total"]
    assert len(every.stdout.splitlines()) == total > 3
    table = runner.invoke(app, ["audit", "--entity", "units", "--limit", "1"], env=cli_env)
    assert table.exit_code == 0 and "NEW-2" in table.stdout and "--all" in table.stderr
    refused = runner.invoke(app, ["audit", "--since", "1800-01-01"], env=cli_env)
    assert refused.exit_code == 2 and "--since" in refused.stderr


def test_record_pages_link_their_history(
    client: TestClient,
    pages: TestClient,
    settings: Settings,
    make_user: Callable[..., str],
    session: Session,
) -> None:
    """A unit's page links its history for the audit reader, and for nobody else; a work
    order's and a defect's pages too."""
    small_fleet(session)
    unit = _history(client)
    link = 'href="/admin/audit?entity=units&amp;key=NEW-1"'
    assert link in pages.get(f"/units/{unit}").text
    reported = client.post(
        "/api/service/defects",
        json={"unit": "BUS-001", "component_group": "engine", "symptom": "knock", "down": False},
    )
    assert reported.status_code == 201, reported.text
    defect = reported.json()["id"]
    order = client.post("/api/service/work-orders", json={"defect": defect}).json()["id"]
    for path, entity, key in (
        (f"/service/defects/{defect}", "defects", defect),
        (f"/service/work-orders/{order}", "work_orders", order),
    ):
        history = f'href="/admin/audit?entity={entity}&amp;key={key}"'
        assert history in pages.get(path).text, path
        entries = client.get("/api/audit", params={"entity": entity, "key": str(key)}).json()
        assert entries["total"] >= 1, (entity, entries)
    with TestClient(create_app(settings)) as manager:
        sign_in(manager, make_user("arctic-pages", Role.regional_manager, regions=("Arctic",)))
        page = manager.get(f"/units/{unit}")
        assert page.status_code == 200 and "/admin/audit" not in page.text
