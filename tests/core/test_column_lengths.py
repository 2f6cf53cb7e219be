"""Every text field an import or a body accepts fits its column: a longer value is refused
by the record (422 / FILE:ROW:FIELD), never by the database (PostgreSQL's DataError)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import String

import fleetcare.models  # noqa: F401  (every table mapped)
from fleetcare.exchange.registry import TABLES

CASES = [
    (name, field, column.type.length)
    for name, keyed in TABLES.items()
    if getattr(keyed, "table", None) is not None
    for field in keyed.record_type.model_fields
    if field not in {ref.field for ref in getattr(keyed, "references", ())}
    and (column := keyed.table.__table__.columns.get(field)) is not None
    and isinstance(column.type, String)
    and column.type.length is not None
]


def _refuses(record_type: type[BaseModel], field: str, value: str) -> bool:
    """Whether ``record_type`` refuses ``value`` in ``field`` (whatever else it says)."""
    try:
        record_type.model_validate({field: value})
    except ValidationError as exc:
        return any(e["loc"][:1] == (field,) for e in exc.errors())
    return False


@pytest.mark.parametrize(("table", "field", "length"), CASES)
def test_a_value_longer_than_its_column_is_refused(table: str, field: str, length: int) -> None:
    record_type = TABLES[table].record_type
    assert _refuses(record_type, field, "A" * (length + 1)), f"{table}.{field} > {length}"
