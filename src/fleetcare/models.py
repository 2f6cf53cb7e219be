"""Imports every domain's tables so that ``Base.metadata`` knows them all (Alembic, tests)."""

from __future__ import annotations


def load_all_models() -> None:
    """Import the model modules of every domain."""
    import fleetcare.accounts.models
    import fleetcare.cooperation.models
    import fleetcare.core.audit
    import fleetcare.fleet.models
    import fleetcare.parts.models
    import fleetcare.service.models
    import fleetcare.workforce.models  # noqa: F401
