"""The dispatch board page: a dispatcher plans a region's day (routes plot, timeline, jobs left
out), publishes it through the page's form, and sees the assignments; a forged hidden plan is
422 on the page with nothing written; no anti-forgery token is 403; scope and the nav link."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from fleetcare.workforce.models import Assignment
from tests.conftest import sign_in
from tests.workforce.factories import crew, day_ahead, work_order


def browser(
    settings: Settings, make_user: Callable[..., str], role: Role, **binding: object
) -> tuple[TestClient, str]:
    """A signed-in browser-like client and its anti-forgery token."""
    client = TestClient(create_app(settings))
    name = make_user(f"board-{role.value}", role, **binding)
    assert sign_in(client, name).status_code == 303
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").text)
    assert token is not None
    return client, token.group(1)


def count(session: Session) -> int:
    """Assignments written; the read snapshot is ended before and after (SQLite's WAL)."""
    session.commit()
    found = session.scalar(select(func.count()).select_from(Assignment)) or 0
    session.commit()
    return found


def hidden_plan(page: str) -> str:
    found = re.search(r'name="plan" value="([^"]*)"', page)
    assert found is not None, "the publish form carries the plan"
    return html.unescape(found.group(1))


def test_plan_and_publish_on_the_board(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    client, token = browser(settings, make_user, Role.dispatcher)
    day = day_ahead().isoformat()
    board = client.get("/dispatch", params={"region": "Arctic", "date": day})
    assert board.status_code == 200
    assert 'href="/dispatch"' in board.text and "Plan the day" in board.text
    assert "No assignment on this day yet." in board.text
    form = {"region": "Arctic", "date": day}
    fragment = client.post(
        "/dispatch/plan", data=form, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert fragment.status_code == 200, fragment.text
    text = fragment.text
    assert "<html" not in text  # the plan block only
    assert 'id="dispatch-routes"' in text and 'id="dispatch-timeline"' in text
    assert "scattergeo" not in text and "mapbox" not in text
    figure = json.loads(
        html.unescape(re.search(r'id="dispatch-routes"[^>]*data-figure="([^"]*)"', text).group(1))
    )  # type: ignore[union-attr]
    assert {t["type"] for t in figure["data"]} == {"scatter"}
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    plan = json.loads(hidden_plan(text))
    assert sorted(s["job"] for r in plan["routes"] for s in r["stops"]) == sorted(
        [f"WO-{first}", f"WO-{second}"]
    )
    assert count(session) == 0  # planning writes nothing
    published = client.post(
        "/dispatch/publish",
        data=form | {"plan": hidden_plan(text), "csrf_token": token},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    assert published.headers["location"].startswith("/dispatch?region=Arctic")
    written = count(session)
    assert written >= 2
    after = client.get(published.headers["location"])
    assert after.status_code == 200 and 'id="dispatch-booked"' in after.text
    assert f"WO-{first}" in after.text and f"WO-{second}" in after.text
    assert f"Published: {written} assignments." in after.text
    again = client.post(
        "/dispatch/plan", data=form, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert "No job to plan on this day: none is open and not booked already" in again.text.replace(
        "&#39;", "'"
    )
    assert "Every job is served." not in again.text and 'id="publish-form"' not in again.text
    past = client.post(
        "/dispatch/plan",
        data={"region": "Arctic", "date": "2001-01-01"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert past.status_code == 422 and "is over" in past.text


def test_planning_the_day_holds_no_write_transaction(
    settings: Settings,
    make_user: Callable[..., str],
    session: Session,
    request_sessions: list[dict[str, bool]],
) -> None:
    """The page's "Plan the day" only computes: a read-only session (on SQLite no write lock
    held through the solve's seconds; any write through it refused)."""
    crew(session)
    work_order(session)
    client, token = browser(settings, make_user, Role.dispatcher)
    request_sessions.clear()  # signing in wrote
    planned = client.post(
        "/dispatch/plan",
        data={"region": "Arctic", "date": day_ahead().isoformat()},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert planned.status_code == 200, planned.text
    assert 'id="dispatch-routes"' in planned.text
    assert request_sessions == [{"write": False, "reads": True}]


def test_a_forged_plan_and_a_missing_token(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A trainee alone and an unknown job: 422 naming each path, nothing written; a double
    booking: 409 with its sentence; no token: 403."""
    crew(session)
    order = work_order(session)
    client, token = browser(settings, make_user, Role.dispatcher)
    day = day_ahead().isoformat()
    stop = {"arrive": "09:00", "start": "09:00", "end": "10:30"}
    forged = {
        "routes": [
            {"crew": ["TRN-1"], "stops": [{"job": f"WO-{order}", **stop}]},
            {"crew": ["CERT-1"], "stops": [{"job": "WO-999999", **stop}]},
        ],
        "unassigned": [],
        "travel_minutes": 0,
    }
    form = {"region": "Arctic", "date": day, "csrf_token": token}
    refused = client.post("/dispatch/publish", data=form | {"plan": json.dumps(forged)})
    assert refused.status_code == 422
    assert "plan.routes[0].crew" in refused.text and "plan.routes[1].stops[0].job" in refused.text
    assert count(session) == 0
    garbage = client.post("/dispatch/publish", data=form | {"plan": "{not json"})
    assert garbage.status_code == 422 and count(session) == 0
    for plan in ("[" * 5000 + "]" * 5000, '{"travel_minutes": ' + "1" * 5000 + "}"):
        unreadable = client.post("/dispatch/publish", data=form | {"plan": plan})
        assert unreadable.status_code == 422 and "plan: not JSON" in unreadable.text
    digits = {"routes": [{"crew": ["CERT-1"], "stops": [{"job": "WO-\u00b2", **stop}]}]}
    superscript = client.post("/dispatch/publish", data=form | {"plan": json.dumps(digits)})
    assert superscript.status_code == 422 and "plan.routes[0].stops[0].job" in superscript.text
    good = {"routes": [{"crew": ["CERT-1"], "stops": [{"job": f"WO-{order}", **stop}]}]}
    assert (
        client.post(
            "/dispatch/publish", data=form | {"plan": json.dumps(good)}, follow_redirects=False
        ).status_code
        == 303
    )
    second = work_order(session, "BUS-002")
    clash = {"routes": [{"crew": ["ENG-1", "CERT-1"], "stops": [{"job": f"WO-{second}", **stop}]}]}
    conflict = client.post("/dispatch/publish", data=form | {"plan": json.dumps(clash)})
    assert conflict.status_code == 409 and "CERT-1" in conflict.text
    assert count(session) == 1  # ENG-1's half was not written
    no_token = {k: v for k, v in form.items() if k != "csrf_token"}
    stolen = client.post("/dispatch/publish", data=no_token | {"plan": json.dumps(good)})
    assert stolen.status_code == 403
    assert client.post("/dispatch/plan", data=no_token).status_code == 403


def test_board_scope_and_nav(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A Baltic regional manager sees only Baltic and gets 404 for Arctic; a technician has
    no board (403) and no nav link."""
    crew(session)
    manager, token = browser(settings, make_user, Role.regional_manager, regions=("Baltic",))
    board = manager.get("/dispatch")
    assert board.status_code == 200
    assert '<option value="Baltic"' in board.text and '<option value="Arctic"' not in board.text
    assert manager.get("/dispatch", params={"region": "Arctic"}).status_code == 404
    foreign = manager.post(
        "/dispatch/plan",
        data={"region": "Arctic", "date": day_ahead().isoformat()},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert foreign.status_code == 404
    technician, _token = browser(settings, make_user, Role.technician)
    assert technician.get("/dispatch").status_code == 403
    assert 'href="/dispatch"' not in technician.get("/workforce").text
