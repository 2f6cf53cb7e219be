"""The training calendar's forms: a regional manager adds a session in its region and enrols
and passes a trainee from the page; an invalid trainer or another region is refused on the
page with nothing written; a reader without training.write sees no form and is refused."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from fleetcare.workforce.models import TrainingSession
from tests.conftest import form_token, sign_in
from tests.workforce.factories import crew
from tests.workforce.test_training import COURSE

SESSION = {
    "code": "S-ARC-1",
    "course": "CB-P",
    "region": "Arctic",
    "place": "North depot",
    "trainer": "ENG-1",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-04",
}


def _sessions(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(TrainingSession)) or 0


def test_add_a_session_enrol_and_pass(
    client: TestClient, settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """Added, then TRN-1 enrolled and passed: the month shows it; a trainee as trainer, a
    session backwards, another region: 422 on the page and nothing written."""
    crew(session)
    assert client.post("/api/workforce/courses", json=COURSE).status_code == 201
    with TestClient(create_app(settings)) as manager:
        sign_in(manager, make_user("arctic", Role.regional_manager, regions=("Arctic",)))
        page = manager.get("/workforce/training", params={"month": "2026-03"}).text
        assert 'id="new-session"' in page
        token = form_token(page)
        for wrong, field in (
            ({"trainer": "TRN-1"}, "trainer"),
            ({"ends_on": "2026-03-01"}, "ends_on"),
            ({"region": "Baltic"}, "region"),
        ):
            refused = manager.post(
                "/workforce/training/sessions", data={**SESSION, **wrong, "csrf_token": token}
            )
            assert refused.status_code == 422, (wrong, refused.text[:200])
            assert 'class="error"' in refused.text and f"<li>{field}: " in refused.text, wrong
            assert _sessions(session) == 0
        added = manager.post(
            "/workforce/training/sessions",
            data={**SESSION, "csrf_token": token},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text[:300]
        assert added.headers["location"] == "/workforce/training?month=2026-03"
        enrol = "/workforce/training/sessions/S-ARC-1/attendees"
        for result in ("enrolled", "passed"):
            done = manager.post(
                enrol,
                data={"technician": "TRN-1", "result": result, "csrf_token": token},
                follow_redirects=False,
            )
            assert done.status_code == 303
        month = manager.get("/workforce/training", params={"month": "2026-03"}).text
        assert "S-ARC-1" in month and re.search(r"TRN-1</a> <span class=\"muted\">Passed", month)
        stranger = manager.post(
            enrol, data={"technician": "BAL-1", "result": "enrolled", "csrf_token": token}
        )
        assert stranger.status_code == 422  # Baltic's technician: unknown to Arctic's manager


def test_attacks(
    client: TestClient, settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A dispatcher (no training.write) sees no form and is refused (403); a post without the
    token is 403; a session out of the manager's reach is 404."""
    crew(session)
    client.post("/api/workforce/courses", json=COURSE)
    made = client.post(
        "/api/workforce/sessions",
        json={**SESSION, "code": "S-BAL", "region": "Baltic", "trainer": "ENG-1"},
    )
    assert made.status_code == 201, made.text
    with TestClient(create_app(settings)) as dispatcher:
        sign_in(dispatcher, make_user("disp", Role.dispatcher))
        page = dispatcher.get("/workforce/training", params={"month": "2026-03"}).text
        assert 'id="new-session"' not in page and "Enrol or set the result" not in page
        data = {**SESSION, "csrf_token": form_token(page)}
        assert dispatcher.post("/workforce/training/sessions", data=data).status_code == 403
    with TestClient(create_app(settings)) as manager:
        sign_in(manager, make_user("arctic", Role.regional_manager, regions=("Arctic",)))
        assert manager.post("/workforce/training/sessions", data=SESSION).status_code == 403
        token = form_token(manager.get("/workforce/training").text)
        far = manager.post(
            "/workforce/training/sessions/S-BAL/attendees",
            data={"technician": "TRN-1", "csrf_token": token},
        )
        assert far.status_code == 404
