"""indexes for list pages: each list's filter, then its order (core.query.page)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns): a page of a list reads its first rows straight off one of these.
INDEXES = (
    ("ix_units_status_serial", "units", ["status", "serial"]),
    ("ix_units_customer_id_serial", "units", ["customer_id", "serial"]),
    ("ix_units_model_id_serial", "units", ["model_id", "serial"]),
    ("ix_parts_group_number", "parts", ["group", "number"]),
    ("ix_stock_moves_part_id_id", "stock_moves", ["part_id", "id"]),
    ("ix_stock_moves_location_id_id", "stock_moves", ["location_id", "id"]),
    ("ix_defects_reported_at_id", "defects", ["reported_at", "id"]),
    ("ix_defects_status_reported_at_id", "defects", ["status", "reported_at", "id"]),
    ("ix_work_orders_opened_at_id", "work_orders", ["opened_at", "id"]),
    ("ix_work_orders_status_opened_at_id", "work_orders", ["status", "opened_at", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
