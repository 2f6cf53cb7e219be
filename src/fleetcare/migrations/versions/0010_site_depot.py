"""sites.depot_id: the parts network's depot that serves a site (empty: the region's nearest)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 02:30:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns both revisions have.
COLUMNS = "id, region_id, name, latitude, longitude"


def _alter_sites(change: Callable[[BatchOperations], None]) -> None:
    """Apply ``change`` to ``sites`` in batch mode.

    On SQLite batch mode copies the table and drops the old one. Units and deals refer to
    sites and foreign keys are on (they cannot be turned off inside the migration's
    transaction), so dropping a table that still holds rows would count every unit as an
    orphan. The rows are therefore set aside first, under deferred foreign keys: the table is
    rebuilt empty and the rows come back into it, which settles the count before the commit.
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.execute(f"CREATE TEMPORARY TABLE sites_0010 AS SELECT {COLUMNS} FROM sites")
        op.execute("DELETE FROM sites")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute(f"INSERT INTO sites ({COLUMNS}) SELECT {COLUMNS} FROM sites_0010")
        op.execute("DROP TABLE sites_0010")


def _add(batch_op: BatchOperations) -> None:
    batch_op.add_column(sa.Column("depot_id", sa.Integer(), nullable=True))
    batch_op.create_index(batch_op.f("ix_sites_depot_id"), ["depot_id"], unique=False)
    batch_op.create_foreign_key(
        batch_op.f("fk_sites_depot_id_locations"), "locations", ["depot_id"], ["id"]
    )


def _drop(batch_op: BatchOperations) -> None:
    batch_op.drop_constraint(batch_op.f("fk_sites_depot_id_locations"), type_="foreignkey")
    batch_op.drop_index(batch_op.f("ix_sites_depot_id"))
    batch_op.drop_column("depot_id")


def upgrade() -> None:
    _alter_sites(_add)


def downgrade() -> None:
    _alter_sites(_drop)
