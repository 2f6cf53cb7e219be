"""Tables upserted by a natural key, with references to other tables by *their* natural keys.

One ``KeyedTable`` describes a table for ``core.bulk``: its record type, the record fields that
form its natural key (one, like a serial, or several, like model + part of a BOM line), the
plain columns copied as they are, and the references resolved to ids. A reference to the same
table (a location's parent, a part's successor) may name a row of the same batch; such chains
must not loop.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, insert, select, tuple_
from sqlalchemy.orm import Session

from fleetcare.core.audit import Change
from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.db import Base, mapped_class
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope

R = TypeVar("R", bound=BaseModel)
Ids = dict[str, dict[Any, int]]
CHUNK = 900  # values per IN (...) list: under SQLite's and PostgreSQL's parameter limits


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class Reference:
    """A record field naming a row of another table by its natural key.

    ``table`` is the mapped class, or its name when it belongs to a higher layer that the
    referring domain may not import (a site's depot is a parts location): found when used.
    """

    field: str  # in the record, e.g. "customer"
    column: str  # foreign key column, e.g. "customer_id"
    table: type[Base] | str
    key: str  # natural key column of the other table, e.g. "code"
    relation: str  # relationship attribute on this table, e.g. "customer"

    @property
    def target(self) -> type[Base]:
        """The mapped class the reference points at."""
        return mapped_class(self.table) if isinstance(self.table, str) else self.table


def resolve(session: Session, table: type[Base], key: str, values: Iterable[Any]) -> dict[Any, int]:
    """Map natural keys of ``table`` to ids; absent keys are simply missing from the map."""
    wanted = sorted(set(values))
    found: dict[Any, int] = {}
    key_column = getattr(table, key)
    for part in chunks(wanted):
        rows = session.execute(select(key_column, table.id).where(key_column.in_(part)))  # type: ignore[attr-defined]
        found.update({k: i for k, i in rows})
    return found


ExtraCheck = Callable[[Session, Sequence[Item[Any]], Ids], list[FieldError]]
Restrict = Callable[[Select[Any], type[Base], Scope], Select[Any]]


@dataclass
class KeyedTable(Generic[R]):
    """A table whose rows are upserted by a natural key."""

    name: str
    record_type: type[R]
    table: type[Base]
    key: tuple[str, ...]
    plain: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    extra_check: ExtraCheck | None = None
    restrict: Restrict | None = None  # narrows reads, writes and exports to a scope
    scope_field: str | None = None  # the record field that places a row in a scope

    # --- keys ------------------------------------------------------------------------------
    def key_text(self, record: BaseModel) -> str:
        """The natural key as people write it (``CB-12/P-100`` for two fields)."""
        return "/".join(str(getattr(record, name)) for name in self.key)

    def _ref(self, field: str) -> Reference | None:
        return next((r for r in self.references if r.field == field), None)

    def _self_refs(self) -> list[Reference]:
        return [r for r in self.references if r.target is self.table]

    def _key_columns(self) -> list[str]:
        return [ref.column if (ref := self._ref(name)) else name for name in self.key]

    def _stored_key(self, record: BaseModel, ids: Ids) -> tuple[Any, ...] | None:
        values = []
        for name in self.key:
            natural = getattr(record, name)
            ref = self._ref(name)
            if ref is None:
                values.append(natural)
            elif natural in ids[ref.field]:
                values.append(ids[ref.field][natural])
            else:
                return None
        return tuple(values)

    # --- checking --------------------------------------------------------------------------
    def apply(
        self, session: Session, items: Sequence[Item[R]], *, write: bool = True
    ) -> ApplyResult:
        """Check every item, then (when ``write``) insert new keys and update changed rows."""
        errors = self._duplicates(items)
        ids, pending = self._resolve(session, items, errors)
        existing = self._existing(session, items, ids)
        for item in items:
            stored_key = self._stored_key(item.record, ids)
            holder = existing.get(stored_key) if stored_key is not None else None
            other = (
                item.target_id is not None and holder is not None and holder.id != item.target_id
            )
            if holder is not None and (item.must_be_new or other):
                message = _("{key} '{value}' is already taken").format(
                    key="/".join(self.key), value=self.key_text(item.record)
                )
                errors.append(FieldError(self.key[0], message, item.row))
        if not errors:
            errors += self._loops(session, items)
        if self.extra_check is not None and not errors:
            errors += self.extra_check(session, items, ids)
        if errors:
            raise InvalidInput(errors)
        if not write:
            return ApplyResult()
        return self._write(session, items, existing, ids, pending)

    def _duplicates(self, items: Sequence[Item[R]]) -> list[FieldError]:
        errors: list[FieldError] = []
        first_row: dict[Hashable, int | None] = {}
        for item in items:
            value = tuple(getattr(item.record, name) for name in self.key)
            if value in first_row:
                message = _("duplicate {key} '{value}' (also row {row})").format(
                    key="/".join(self.key), value=self.key_text(item.record), row=first_row[value]
                )
                errors.append(FieldError(self.key[0], message, item.row))
            else:
                first_row[value] = item.row
        return errors

    def _resolve(
        self, session: Session, items: Sequence[Item[R]], errors: list[FieldError]
    ) -> tuple[Ids, set[Any]]:
        """Ids of every referenced row; a self-reference may name a row of this batch (pending)."""
        ids: Ids = {}
        batch_keys = {getattr(i.record, self.key[0]) for i in items}
        pending: set[Any] = set()
        for ref in self.references:
            wanted = [v for v in (getattr(i.record, ref.field) for i in items) if v is not None]
            ids[ref.field] = resolve(session, ref.target, ref.key, wanted)
            for item in items:
                value = getattr(item.record, ref.field)
                if value is None or value in ids[ref.field]:
                    continue
                if ref.target is self.table and value in batch_keys:
                    pending.add(value)
                    continue
                message = _("unknown {field} '{value}'").format(field=ref.field, value=value)
                errors.append(FieldError(ref.field, message, item.row))
        return ids, pending

    def _loops(self, session: Session, items: Sequence[Item[R]]) -> list[FieldError]:
        """A chain of self-references (parent of parent ...) that comes back to its start.

        The chain is followed by row id, so a row renamed in this batch keeps its children:
        renaming B to B2 under its own child A is a loop even though no row is called B2 yet.
        """
        errors: list[FieldError] = []
        if not self._self_refs():
            return errors
        table_id = self.table.id  # type: ignore[attr-defined]
        keys = [getattr(item.record, self.key[0]) for item in items]
        stored = resolve(session, self.table, self.key[0], keys)
        nodes: list[Hashable] = [
            item.target_id if item.target_id is not None else stored.get(key, ("new", key))
            for item, key in zip(items, keys, strict=True)
        ]
        node_of_key = dict(zip(keys, nodes, strict=True))
        for ref in self._self_refs():
            rows = session.execute(select(table_id, getattr(self.table, ref.column)))
            parent_of: dict[Hashable, Hashable] = {child: above for child, above in rows}
            named = [getattr(item.record, ref.field) for item in items]
            parent_ids = resolve(session, ref.target, ref.key, [v for v in named if v is not None])
            for node, value in zip(nodes, named, strict=True):
                parent_of[node] = (
                    None if value is None else node_of_key.get(value, parent_ids.get(value))
                )
            for item, node, value in zip(items, nodes, named, strict=True):
                seen = {node}
                above = parent_of.get(node)
                while above is not None:
                    if above in seen:
                        message = _("{field} '{value}' makes a loop").format(
                            field=ref.field, value=value
                        )
                        errors.append(FieldError(ref.field, message, item.row))
                        break
                    seen.add(above)
                    above = parent_of.get(above)
        return errors

    def _existing(
        self, session: Session, items: Sequence[Item[R]], ids: Ids
    ) -> dict[tuple[Any, ...], Any]:
        columns = [getattr(self.table, name) for name in self._key_columns()]
        keys = [k for k in (self._stored_key(i.record, ids) for i in items) if k is not None]
        found: dict[tuple[Any, ...], Any] = {}
        for part in chunks(keys):
            condition: ColumnElement[bool] = (
                columns[0].in_([k[0] for k in part])
                if len(columns) == 1
                else tuple_(*columns).in_(part)
            )
            for row in session.scalars(select(self.table).where(condition)):
                found[tuple(getattr(row, name) for name in self._key_columns())] = row
        return found

    # --- writing ---------------------------------------------------------------------------
    def _values(self, record: R, ids: Ids) -> dict[str, Any]:
        values = {name: getattr(record, name) for name in self.key if self._ref(name) is None}
        values.update({name: getattr(record, name) for name in self.plain})
        for ref in self.references:
            natural = getattr(record, ref.field)
            values[ref.column] = None if natural is None else ids[ref.field].get(natural)
        return values

    def _write(
        self,
        session: Session,
        items: Sequence[Item[R]],
        existing: dict[tuple[Any, ...], Any],
        ids: Ids,
        pending: set[Any],
    ) -> ApplyResult:
        result = ApplyResult()
        new_rows: list[tuple[int, dict[str, Any]]] = []
        row_ids: list[int | None] = []
        for position, item in enumerate(items):
            values = self._values(item.record, ids)
            stored_key = self._stored_key(item.record, ids)
            target: Any = (
                session.get(self.table, item.target_id)
                if item.target_id is not None
                else existing.get(stored_key)
                if stored_key is not None
                else None
            )
            if target is None:
                new_rows.append((position, values))
                row_ids.append(None)
                continue
            changed = {k: v for k, v in values.items() if getattr(target, k) != v}
            if changed:
                before = self.to_record(target)
                for name, value in changed.items():
                    setattr(target, name, value)
                result.changes.append(Change(self.key_text(item.record), before, item.record))
            result.updated += bool(changed)
            result.unchanged += not changed
            row_ids.append(target.id)
        session.flush()
        if new_rows:
            statement = insert(self.table).returning(self.table.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
            created = session.scalars(statement, [values for _, values in new_rows]).all()
            for (position, _values), new_id in zip(new_rows, created, strict=True):
                row_ids[position] = new_id
                record = items[position].record
                result.changes.append(Change(self.key_text(record), None, record))
            result.created = len(created)
        if pending:
            self._link_pending(session, items, row_ids)
        session.flush()
        result.ids = [i for i in row_ids if i is not None]
        return result

    def _link_pending(
        self, session: Session, items: Sequence[Item[R]], row_ids: list[int | None]
    ) -> None:
        """Second pass: point self-references at rows this batch has just created."""
        for ref in self._self_refs():
            wanted = [v for v in (getattr(i.record, ref.field) for i in items) if v is not None]
            now = resolve(session, self.table, ref.key, wanted)
            for item, row_id in zip(items, row_ids, strict=True):
                value = getattr(item.record, ref.field)
                if value is not None and row_id is not None:
                    row = session.get(self.table, row_id)
                    if getattr(row, ref.column) != now[value]:
                        setattr(row, ref.column, now[value])

    # --- reading ---------------------------------------------------------------------------
    def to_record(self, row: Any) -> R:
        """The record form of one stored row (references by natural key)."""
        values = {name: getattr(row, name) for name in self.key if self._ref(name) is None}
        values.update({name: getattr(row, name) for name in self.plain})
        for ref in self.references:
            related = getattr(row, ref.relation)
            values[ref.field] = None if related is None else getattr(related, ref.key)
        return self.record_type.model_construct(**values)

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[R]:
        """Every row ``scope`` may see, as a record, by key columns."""
        statement = select(self.table).order_by(
            *[getattr(self.table, c) for c in self._key_columns()]
        )
        if self.restrict is not None:
            statement = self.restrict(statement, self.table, scope)
        for row in session.scalars(statement).yield_per(1000):
            yield self.to_record(row)
