"""Every HTML page declares a permission, and each role gets exactly the pages its set allows.

Pages are not in the OpenAPI document, so ``test_matrix`` does not see them: this test walks the
app's routes instead. A page declares its permission with ``require(Permission.X)`` as a
dependency (``core.auth.permission_of`` reads it back); a page added without one fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.auth import permission_of
from fleetcare.core.config import Settings
from fleetcare.core.permissions import POLICY, Permission, Role
from fleetcare.fleet.models import Region
from fleetcare.parts.models import Location, Part
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.fleet.factories import small_fleet
from tests.parts.factories import small_network

# Routes that are not pages of the app, or that must answer everyone: each is a decision.
NOT_PAGES = {"/docs", "/login", "/logout"}
BINDINGS: dict[Role, dict[str, Any]] = {
    Role.customer: {"customer": "NORD"},
    Role.regional_manager: {"regions": ("Arctic",)},
}


def all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, looking into included routers (FastAPI keeps them unflattened)."""
    for route in routes:
        nested = getattr(route, "effective_route_contexts", None)
        if nested is not None:
            yield from nested()
        else:
            yield route


def declared(dependant: Any) -> set[Permission]:
    """The permissions required by ``dependant``'s dependencies, however deep."""
    found: set[Permission] = set()
    for sub in dependant.dependencies:
        permission = permission_of(sub.call) if sub.call is not None else None
        if permission is not None:
            found.add(permission)
        found |= declared(sub)
    return found


def pages(settings: Settings) -> list[tuple[str, str, Any]]:
    """(method, path, dependant) of every HTML page route."""
    found = []
    for route in all_routes(create_app(settings).routes):
        path = getattr(route, "path", "")
        dependant = getattr(route, "dependant", None)
        if (
            dependant is None
            or path.startswith(("/api/", "/static/"))
            or path in NOT_PAGES
            or getattr(route, "include_in_schema", True)
        ):
            continue
        found += [(method, path, dependant) for method in sorted(route.methods)]
    return found


def test_every_page_has_a_rule_and_each_role_gets_its_set(
    settings: Settings, anonymous: TestClient, make_user: Callable[..., str], session: Session
) -> None:
    """Allowed: never 401/403 or the login page. Not allowed: 403. Anonymous: sent to sign in."""
    unit_ids = small_fleet(session, units=1)
    small_network(session)
    values = {
        "unit_id": unit_ids[0],  # BUS-001: NORD's, in Arctic
        "region_id": session.scalar(select(Region.id).where(Region.name == "Arctic")),
        "location_id": session.scalar(select(Location.id).where(Location.code == "HUB")),
        "part_id": session.scalar(select(Part.id).where(Part.number == "P-1")),
        "defect_id": 1,  # none: readers get 404, the refused 403
        "order_id": 1,
        "name": "0" * 32 + ".png",
        "code": "NOBODY",  # a technician: none, readers get 404
        "deal_id": 1,  # none: readers get 404
        "assignment_id": 1,  # none: signers get 422 or 404, the refused 403
        "transfer_id": 1,  # none: movers get 404, the refused 403
    }
    clients: dict[Role, tuple[TestClient, str]] = {}
    for role in Role:
        browser = TestClient(create_app(settings))
        signed = sign_in(browser, make_user(f"pages-{role.value}", role, **BINDINGS.get(role, {})))
        assert signed.status_code == 303, f"{role} could not sign in"
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', browser.get("/").text)
        assert token, f"{role}: the home page carries the anti-forgery token"
        clients[role] = (browser, token.group(1))
    walked = pages(settings)
    assert len(walked) >= 15, [path for _m, path, _d in walked]
    try:
        for method, path, dependant in walked:
            rules = declared(dependant)
            assert len(rules) == 1, f"{method} {path} declares {sorted(rules) or 'no permission'}"
            (permission,) = rules
            unfilled = set(re.findall(r"\{(\w+)\}", path)) - set(values)
            assert not unfilled, f"{method} {path}: give the test a value for {unfilled}"
            url = path.format(**values)
            refused = anonymous.request(method, url, follow_redirects=False)
            if method in ("GET", "HEAD"):
                assert refused.status_code == 303, f"anonymous {url}: {refused.status_code}"
                assert "/login" in refused.headers["location"], url
            else:  # no session, so no anti-forgery token: refused before anything else
                assert refused.status_code == 403, f"anonymous {method} {url}"
            for role, (browser, token) in clients.items():
                answer = browser.request(
                    method, url, headers={"X-CSRF-Token": token}, follow_redirects=False
                )
                where = f"{role} {method} {url}: {answer.status_code}"
                if permission in POLICY[role]:
                    assert answer.status_code not in (401, 403), where
                    assert "/login" not in answer.headers.get("location", ""), where
                else:
                    assert answer.status_code == 403, where
    finally:
        for browser, _token in clients.values():
            browser.close()
