"""Every route in the OpenAPI document names a permission, and each role gets exactly its set.

A route added without ``rule(...)`` has no ``x-permission`` and fails this test.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import POLICY, Permission, Role
from fleetcare.web.app import create_app
from tests.fleet.factories import small_fleet

PUBLIC = {("post", "/api/auth/token"), ("get", "/api/health")}
SIGN_OUT = ("post", "/api/auth/logout")  # ends the caller's tokens: walked last
BINDINGS: dict[Role, dict[str, object]] = {
    Role.customer: {"customer": "NORD"},
    Role.regional_manager: {"regions": ("Arctic",)},
}
PATH_VALUES = {"kind": "units", "username": "nobody"}


def concrete(path: str) -> str:
    """The path with its parameters filled in: ids 1, a table name, a username."""
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


def test_every_route_has_a_rule_and_each_role_gets_its_set(
    settings: Settings,
    client_for: Callable[..., TestClient],
    anonymous: TestClient,
    session: Session,
) -> None:
    """Allowed: never 401/403. Not allowed: 403. Anonymous: 401 everywhere but the public routes."""
    small_fleet(session)
    clients = {
        role: client_for(role, f"matrix-{role.value}", **BINDINGS.get(role, {})) for role in Role
    }
    spec = create_app(settings).openapi()
    seen = 0
    routes = [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if (method, path) not in PUBLIC
    ]
    routes.sort(key=lambda route: (route[1], route[0]) == SIGN_OUT)
    for path, method, operation in routes:
        assert "x-permission" in operation, f"{method.upper()} {path} declares no permission"
        permission = Permission(operation["x-permission"])
        url = concrete(path)
        body = {} if method in ("post", "patch", "put") else None
        assert anonymous.request(method, url, json=body).status_code == 401, f"{method} {url}"
        for role, test_client in clients.items():
            status = test_client.request(method, url, json=body).status_code
            if permission in POLICY[role]:
                assert status not in (401, 403), f"{role} {method.upper()} {url}: {status}"
            else:
                assert status == 403, f"{role} {method.upper()} {url}: {status}"
        seen += 1
    assert seen >= 30


def test_policy_is_total() -> None:
    """Every role has an entry; admin holds every permission; customers never manage users."""
    assert set(POLICY) == set(Role)
    assert POLICY[Role.admin] == frozenset(Permission)
    assert Permission.users_manage not in POLICY[Role.customer]
    assert Permission.audit_read not in POLICY[Role.regional_manager]
