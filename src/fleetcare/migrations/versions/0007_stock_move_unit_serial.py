"""stock moves indexed by unit serial: the warranty decision looks up a unit's grey purchases
(and the service pages its cannibalisations) by serial on every defect report

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stock_moves_unit_serial", "stock_moves", ["unit_serial"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stock_moves_unit_serial", table_name="stock_moves")
