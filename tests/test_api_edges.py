"""Requests at the edges of what JSON, the calendar and paging allow: each is answered (200 or
422 naming the field), never with a server error. Each case was once a 500, found by a deep
schemathesis run over every operation."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fleetcare.core.api import ECHO_DEPTH, ErrorJSON, printable
from fleetcare.core.config import Settings
from fleetcare.core.errors import InvalidInput
from fleetcare.core.permissions import Role, system
from fleetcare.core.schemas import FIRST_DAY, LAST_DAY
from fleetcare.web.app import create_app
from fleetcare.workforce.plan_problem import dispatch_problem
from tests.conftest import sign_in
from tests.fleet.factories import small_fleet
from tests.workforce.factories import crew

JSON = {"Content-Type": "application/json"}


def _paged_routes(client: TestClient) -> list[str]:
    """Every GET route of the API with a ``cursor`` parameter and no path parameter."""
    paths = client.get("/openapi.json").json()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if "{" not in path
        and "get" in operations
        and any(p["name"] == "cursor" for p in operations["get"].get("parameters", []))
    )


def test_a_blank_cursor_is_no_cursor_on_every_list(client: TestClient) -> None:
    """``?cursor=`` (a form's empty field) pages from the start, as no cursor does."""
    routes = _paged_routes(client)
    assert len(routes) >= 20
    for route in routes:
        blank = client.get(route, params={"cursor": ""})
        assert blank.status_code == 200, (route, blank.text)
        assert blank.json()["items"] == client.get(route).json()["items"], route
    bad = client.get("/api/regions", params={"cursor": "x" * 1001})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    "body",
    [
        b"NaN",
        b'{"name": NaN, "country": "X", "climate": "arctic"}',
        b'{"name": "Taiga", "country": "Russia", "climate": "cold", "x": Infinity}',
        b'{"name": 1, "country": "\\ud800"}',
        b'{"name": "\\udfff", "country": "Russia", "climate": "cold"}',
    ],
)
def test_a_body_json_cannot_carry_back_is_refused_in_json(client: TestClient, body: bytes) -> None:
    """NaN, infinities and lone surrogates in a body: 422, the echoed input made printable."""
    answer = client.post("/api/regions", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]  # valid JSON, with the errors


@pytest.mark.parametrize("depth", [30, 600, 900])
def test_a_deeply_nested_body_is_refused_not_a_500(client: TestClient, depth: int) -> None:
    """A body nested hundreds of levels deep: 422 whose echo stops at ``ECHO_DEPTH`` levels
    (or 400 when the JSON parser gives up first), never 500."""
    body = '{"name": ' + "[" * depth + "]" * depth + ', "country": "X", "climate": "cold"}'
    answer = client.post("/api/regions", content=body.encode(), headers=JSON)
    assert answer.status_code in (400, 422), answer.text
    assert "…" in answer.text or depth < ECHO_DEPTH


@pytest.mark.parametrize(
    ("route", "parameter"),
    [
        ("/api/service/availability", "to"),
        ("/api/service/availability", "from"),
        ("/api/dashboard", "to"),
        ("/api/dashboard", "from"),
    ],
)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_a_day_outside_the_calendar_is_refused(
    client: TestClient, route: str, parameter: str, day: str
) -> None:
    """A period is computed back from its last day: the calendar's ends are refused by name.
    (The workforce's days answer at the calendar's ends instead: ``tests/workforce``.)"""
    answer = client.get(route, params={parameter: day})
    assert answer.status_code == 422, (route, parameter, answer.text)
    assert answer.json()["detail"][0]["loc"] == ["query", parameter]


def test_the_calendar_days_at_its_bounds_are_answered(client: TestClient) -> None:
    """The first and last day a query may name are answered."""
    for day in (FIRST_DAY, LAST_DAY):
        answer = client.get(
            "/api/service/availability", params={"from": day.isoformat(), "to": day.isoformat()}
        )
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:30+00:45",
        "0001-01-01T00:00:00",  # a reading at year 1: before the calendar (1900–2999)
        "1899-12-31T23:59:59",
    ],
)
def test_a_moment_outside_the_calendar_in_utc_is_refused(
    client: TestClient, session: Session, moment: str
) -> None:
    """A reading's time whose UTC falls outside the calendar (before 1900, or past year 9999
    in UTC): 422 naming it."""
    small_fleet(session)
    session.commit()
    answer = client.post("/api/usage", json={"serial": "BUS-001", "taken_at": moment})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == "taken_at"


_json_like: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included
    | st.text(st.characters(codec=None)),  # lone surrogates included
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(codec=None), max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(_json_like)
def test_an_error_answer_renders_whatever_it_echoes(content: Any) -> None:
    """``ErrorJSON`` renders any JSON-like content; finite numbers and text without lone
    surrogates come back as they were."""
    back = json.loads(bytes(ErrorJSON({"detail": content}).body))["detail"]

    def same(before: Any, after: Any) -> None:
        if isinstance(before, float) and not math.isfinite(before):
            assert after == str(before)
        elif isinstance(before, str):
            assert after == printable(before)
            if not any(0xD800 <= ord(c) <= 0xDFFF for c in before):
                assert after == before
        elif isinstance(before, dict):
            keys = [printable(k) for k in before]
            assert set(after) == set(keys)
            if len(set(keys)) == len(keys):  # no two keys made the same text
                for key, value in before.items():
                    same(value, after[printable(key)])
        elif isinstance(before, list):
            assert len(after) == len(before)
            for b, a in zip(before, after, strict=True):
                same(b, a)
        else:
            assert after == before

    same(content, back)


def test_a_dispatch_day_past_the_calendar_is_refused(client: TestClient, session: Session) -> None:
    """The dispatch day's problem reads the assignments up to the next day: 9999-12-31 (and
    any day past ``LAST_DAY``) is refused naming ``date``, in the query and in the bodies."""
    crew(session)
    for day in ("9999-12-31", "3000-01-01"):
        problem = client.get("/api/dispatch/problem", params={"region": "Arctic", "date": day})
        assert problem.status_code == 422 and problem.json()["detail"][0]["loc"][-1] == "date"
        plan = client.post("/api/dispatch/plan", json={"region": "Arctic", "date": day})
        assert plan.status_code == 422 and plan.json()["detail"][0]["loc"][-1] == "date"
        empty = {"routes": [], "unassigned": [], "travel_minutes": 0}
        published = client.post("/api/dispatch/publish", json={"date": day, "plan": empty})
        assert published.status_code == 422, published.text


def test_the_board_and_the_dashboard_pages_refuse_a_day_past_the_calendar(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """The dispatch board's form and the dashboard's period (its page, report and exports)
    answer a day past the calendar with 422, never 500."""
    crew(session)
    browser = TestClient(create_app(settings))
    sign_in(browser, make_user("boss", Role.admin))
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', browser.get("/").text)
    assert token is not None
    form = {"region": "Arctic", "date": "9999-12-31"}
    headers = {"X-CSRF-Token": token.group(1), "HX-Request": "true"}
    assert browser.post("/dispatch/plan", data=form, headers=headers).status_code == 422
    assert browser.get("/dispatch", params=form).status_code == 422
    for route in ("/dashboard", "/dashboard/report", "/dashboard/export/summary"):
        for period in ({"to": "9999-12-31"}, {"from": "0001-01-01"}):
            assert browser.get(route, params=period).status_code == 422, (route, period)


def test_a_missing_rate_is_named_as_the_query_parameter_it_is(client: TestClient) -> None:
    """The dashboard's currency is a query parameter: a currency without rates names it there."""
    answer = client.get("/api/dashboard", params={"currency": "EUR"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["query", "currency"]


@pytest.mark.parametrize(
    ("route", "body"),
    [
        (
            "/api/plans/evaluate",
            b'{"problem": {"format": "fleetcare-plan/1", "locations": [{"id": "P\\udfff", '
            b'"parent": null, "resupply_days": 10}], "parts": []}}',
        ),
        ("/api/plans/optimise", b'{"problem": {"\\ud800": 1}, "target_availability": 0.9}'),
        (
            "/api/dispatch/solve",
            b'{"format": "fleetcare-dispatch/1", "jobs": [{"id": "WO\\udfff"}]}',
        ),
    ],
)
def test_a_document_with_text_that_is_not_unicode_is_refused(
    client: TestClient, route: str, body: bytes
) -> None:
    """A problem taken whole (planning, dispatch) whose ids hold a lone surrogate: 422, not
    a crash in the solver or in writing an answer that echoes them."""
    answer = client.post(route, content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert "surrogate" in answer.text


def test_a_dispatch_day_past_the_calendar_is_refused_by_the_service(session: Session) -> None:
    """The command line's day is not typed as the API's: the service refuses it itself."""
    with pytest.raises(InvalidInput) as refused:
        dispatch_problem(session, system("test"), "Arctic", date(9999, 12, 31))
    assert refused.value.errors[0].field == "date"
