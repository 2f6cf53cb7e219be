"""The migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fleetcare.core.db import Base, get_engine


def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate finds nothing to add: no model change is missing a migration."""
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
