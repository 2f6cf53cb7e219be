"""Create, read and update one row of a keyed table: checked, kept within scope, audited.

Every domain whose tables are ``KeyedTable``s writes single rows through these, so that a
record posted to the API passes the same checks as a row of an imported file. Nothing here
commits: the caller's transaction (one per request or command) does.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.bulk import Item
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import Principal, Scope
from fleetcare.core.tabular import validation_errors

R = TypeVar("R", bound=BaseModel)


def validate(record_type: type[R], values: dict[str, Any]) -> R:
    """``values`` as a ``record_type``, or ``InvalidInput`` naming each bad field."""
    try:
        return record_type.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(validation_errors(exc)) from exc


def get_visible(session: Session, keyed: KeyedTable[Any], row_id: int, scope: Scope) -> Any:
    """Row ``row_id`` of ``keyed`` if ``scope`` may see it, else ``NotFound`` (no leak)."""
    table: Any = keyed.table
    statement = select(table).where(table.id == row_id)
    if keyed.restrict is not None:
        statement = keyed.restrict(statement, table, scope)
    row = session.scalars(statement).first()
    if row is None:
        raise NotFound(_("{what} {id} not found").format(what=keyed.name, id=row_id))
    return row


def read_values(
    session: Session, keyed: KeyedTable[Any], row_id: int, scope: Scope
) -> dict[str, Any]:
    """Row ``row_id`` as its record's fields plus its id, if ``scope`` may see it."""
    row = get_visible(session, keyed, row_id, scope)
    return {"id": row.id, **keyed.to_record(row).model_dump()}


def _ensure_in_scope(session: Session, keyed: KeyedTable[Any], row_id: int, by: Principal) -> None:
    """Refuse a write that leaves the row outside the writer's scope (named by its field)."""
    if keyed.restrict is None or by.scope.everything:
        return
    table: Any = keyed.table
    statement = keyed.restrict(select(table.id).where(table.id == row_id), table, by.scope)
    if session.scalar(statement) is None:
        field = keyed.scope_field or keyed.key[0]
        raise InvalidInput(
            [FieldError(field, _("not within the regions or customer you may change"))]
        )


def create(session: Session, keyed: KeyedTable[R], record: R, *, by: Principal) -> int:
    """Insert one record; its natural key must be new. Returns the id."""
    row_id = keyed.apply(session, [Item(record, must_be_new=True)]).ids[0]
    _ensure_in_scope(session, keyed, row_id, by)
    audit.record(
        session,
        actor=by.username,
        action="create",
        entity=keyed.name,
        key=keyed.key_text(record),
        after=record,
    )
    return row_id


def update(
    session: Session, keyed: KeyedTable[R], row_id: int, patch: BaseModel, *, by: Principal
) -> int:
    """Apply the fields set in ``patch`` to row ``row_id``, checked as a whole record."""
    before = keyed.to_record(get_visible(session, keyed, row_id, by.scope))
    record = validate(
        keyed.record_type, {**before.model_dump(), **patch.model_dump(exclude_unset=True)}
    )
    keyed.apply(session, [Item(record, target_id=row_id)])
    _ensure_in_scope(session, keyed, row_id, by)
    audit.record(
        session,
        actor=by.username,
        action="update",
        entity=keyed.name,
        key=keyed.key_text(record),
        before=before,
        after=record,
    )
    return row_id
