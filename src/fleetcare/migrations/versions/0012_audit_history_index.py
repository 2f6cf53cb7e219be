"""an index for one record's history in the audit log: entity, key, then newest first

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 20:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_log_entity_key_id", "audit_log", ["entity", "key", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_entity_key_id", table_name="audit_log")
