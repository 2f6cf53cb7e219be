"""Property-based fuzzing of the whole REST API (schemathesis): no input makes it answer 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.fleet.factories import small_fleet


@pytest.fixture
def api_schema(settings: Settings, session: Session, make_user: Any) -> Any:
    """The app's OpenAPI schema over ASGI, on a small installed base with an admin user."""
    small_fleet(session)
    make_user("fuzz-admin", Role.admin)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))


def test_no_server_errors(api_schema: Any) -> None:
    """Whatever request is generated for any operation, the answer is not a server error.

    (Driven through each operation's Hypothesis strategy: schemathesis' pytest plugin does not
    yet run under pytest 9.)
    """
    headers = {"Authorization": f"Bearer {issue_token('fuzz-admin', TEST_SECRET)}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def no_server_error(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
