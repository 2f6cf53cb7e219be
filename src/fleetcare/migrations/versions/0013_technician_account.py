"""technicians.account_id: the account a technician signs in with (one technician an account)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # a nullable column with its reference is one ALTER TABLE there (no table copy, which
        # would need every table that refers to technicians set aside)
        op.execute("ALTER TABLE technicians ADD COLUMN account_id INTEGER REFERENCES users (id)")
    else:
        op.add_column("technicians", sa.Column("account_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_technicians_account_id_users", "technicians", "users", ["account_id"], ["id"]
        )
    op.create_index("ix_technicians_account_id", "technicians", ["account_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_technicians_account_id", table_name="technicians")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE technicians DROP COLUMN account_id")  # SQLite 3.35+
    else:
        op.drop_constraint("fk_technicians_account_id_users", "technicians", type_="foreignkey")
        op.drop_column("technicians", "account_id")
