"""How each installed-base table is checked and upserted from records (see ``core.bulk``).

Six tables follow one pattern (``KeyedKind``): a natural key, references to other tables by
their natural keys, plain columns. Usage readings add a rule across rows and stored data:
per unit, readings ordered by time never decrease.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.db import Base
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet import schemas
from fleetcare.fleet.models import (
    Customer,
    Delivery,
    ProductModel,
    Region,
    Site,
    Unit,
)
from fleetcare.fleet.scoping import restrict

R = TypeVar("R", bound=BaseModel)
CHUNK = 900  # values per IN (...) list: under SQLite's and PostgreSQL's parameter limits


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class Reference:
    """A record field naming a row of another table by its natural key."""

    field: str  # in the record, e.g. "customer"
    column: str  # foreign key column, e.g. "customer_id"
    table: type[Base]
    key: str  # natural key column of the other table, e.g. "code"
    relation: str  # relationship attribute on this table, e.g. "customer"


def resolve(session: Session, table: type[Base], key: str, values: Iterable[str]) -> dict[str, int]:
    """Map natural keys of ``table`` to ids; absent keys are simply missing from the map."""
    wanted = sorted(set(values))
    found: dict[str, int] = {}
    key_column = getattr(table, key)
    for part in chunks(wanted):
        rows = session.execute(select(key_column, table.id).where(key_column.in_(part)))  # type: ignore[attr-defined]
        found.update({k: i for k, i in rows})
    return found


@dataclass
class KeyedKind(Generic[R]):
    """A table whose rows are upserted by one natural key column."""

    name: str
    record_type: type[R]
    table: type[Base]
    key: str
    plain: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    extra_check: (
        Callable[[Session, Sequence[Item[R]], dict[str, dict[str, int]]], list[FieldError]] | None
    ) = None
    order_by: tuple[str, ...] = field(default=())

    def apply(
        self, session: Session, items: Sequence[Item[R]], *, write: bool = True
    ) -> ApplyResult:
        """Check every item, then (when ``write``) insert new keys and update changed rows."""
        errors: list[FieldError] = []
        first_row: dict[str, int | None] = {}
        for item in items:
            value = getattr(item.record, self.key)
            if value in first_row:
                errors.append(
                    FieldError(
                        self.key,
                        _("duplicate {key} '{value}' (also row {row})").format(
                            key=self.key, value=value, row=first_row[value]
                        ),
                        item.row,
                    )
                )
            else:
                first_row[value] = item.row
        ids: dict[str, dict[str, int]] = {}
        for ref in self.references:
            wanted = [v for v in (getattr(i.record, ref.field) for i in items) if v is not None]
            ids[ref.field] = resolve(session, ref.table, ref.key, wanted)
            for item in items:
                value = getattr(item.record, ref.field)
                if value is not None and value not in ids[ref.field]:
                    errors.append(
                        FieldError(
                            ref.field,
                            _("unknown {field} '{value}'").format(field=ref.field, value=value),
                            item.row,
                        )
                    )
        existing = self._existing(session, items)
        for item in items:
            holder = existing.get(getattr(item.record, self.key))
            taken = item.must_be_new or (
                item.target_id is not None and holder is not None and holder.id != item.target_id
            )
            if holder is not None and taken:
                errors.append(
                    FieldError(
                        self.key,
                        _("{key} '{value}' is already taken").format(
                            key=self.key, value=getattr(item.record, self.key)
                        ),
                        item.row,
                    )
                )
        if self.extra_check is not None and not errors:
            errors += self.extra_check(session, items, ids)
        if errors:
            raise InvalidInput(errors)
        if not write:
            return ApplyResult()
        return self._write(session, items, existing, ids)

    def _existing(self, session: Session, items: Sequence[Item[R]]) -> dict[str, Any]:
        key_column = getattr(self.table, self.key)
        found: dict[str, Any] = {}
        keys = [getattr(i.record, self.key) for i in items]
        for part in chunks(keys):
            for row in session.scalars(select(self.table).where(key_column.in_(part))):
                found[getattr(row, self.key)] = row
        return found

    def _values(self, record: R, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
        values = {self.key: getattr(record, self.key)}
        values.update({name: getattr(record, name) for name in self.plain})
        for ref in self.references:
            natural = getattr(record, ref.field)
            values[ref.column] = None if natural is None else ids[ref.field][natural]
        return values

    def _write(
        self,
        session: Session,
        items: Sequence[Item[R]],
        existing: dict[str, Any],
        ids: dict[str, dict[str, int]],
    ) -> ApplyResult:
        result = ApplyResult()
        new_rows: list[tuple[int, dict[str, Any]]] = []
        row_ids: list[int | None] = []
        for position, item in enumerate(items):
            values = self._values(item.record, ids)
            target: Any = (
                session.get(self.table, item.target_id)
                if item.target_id is not None
                else existing.get(values[self.key])
            )
            if target is None:
                new_rows.append((position, values))
                row_ids.append(None)
                continue
            changed = {k: v for k, v in values.items() if getattr(target, k) != v}
            for name, value in changed.items():
                setattr(target, name, value)
            result.updated += bool(changed)
            result.unchanged += not changed
            row_ids.append(target.id)
        if new_rows:
            statement = insert(self.table).returning(self.table.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
            created = session.scalars(statement, [values for _, values in new_rows]).all()
            for (position, _values), new_id in zip(new_rows, created, strict=True):
                row_ids[position] = new_id
            result.created = len(created)
        session.flush()
        result.ids = [i for i in row_ids if i is not None]
        return result

    def to_record(self, row: Any) -> R:
        """The record form of one stored row (references by natural key)."""
        values = {self.key: getattr(row, self.key)}
        values.update({name: getattr(row, name) for name in self.plain})
        for ref in self.references:
            related = getattr(row, ref.relation)
            values[ref.field] = None if related is None else getattr(related, ref.key)
        return self.record_type.model_construct(**values)

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[R]:
        """Every row ``scope`` may see, as a record, by natural key."""
        statement: Select[Any] = select(self.table).order_by(getattr(self.table, self.key))
        for row in session.scalars(restrict(statement, self.table, scope)).yield_per(1000):
            yield self.to_record(row)


def _unit_delivery_matches(
    session: Session, items: Sequence[Item[schemas.UnitRecord]], ids: dict[str, dict[str, int]]
) -> list[FieldError]:
    """A unit's delivery, when named, carries the same customer and model as the unit."""
    delivery_ids = {ids["delivery"][i.record.delivery] for i in items if i.record.delivery}
    batches = {
        d.id: d
        for part in chunks(sorted(delivery_ids))
        for d in session.scalars(select(Delivery).where(Delivery.id.in_(part)))
    }
    errors = []
    for item in items:
        if not item.record.delivery:
            continue
        batch = batches[ids["delivery"][item.record.delivery]]
        if (
            batch.customer_id != ids["customer"][item.record.customer]
            or batch.model_id != ids["model"][item.record.model]
        ):
            errors.append(
                FieldError(
                    "delivery",
                    _("delivery '{ref}' is for another customer or model").format(
                        ref=item.record.delivery
                    ),
                    item.row,
                )
            )
    return errors


REGIONS = KeyedKind("regions", schemas.RegionRecord, Region, "name", ("country", "climate"))
SITES = KeyedKind(
    "sites",
    schemas.SiteRecord,
    Site,
    "name",
    ("latitude", "longitude"),
    (Reference("region", "region_id", Region, "name", "region"),),
)
CUSTOMERS = KeyedKind(
    "customers",
    schemas.CustomerRecord,
    Customer,
    "code",
    ("name",),
    (Reference("region", "region_id", Region, "name", "region"),),
)
MODELS = KeyedKind("models", schemas.ModelRecord, ProductModel, "code", ("family", "name"))
DELIVERIES = KeyedKind(
    "deliveries",
    schemas.DeliveryRecord,
    Delivery,
    "reference",
    ("quantity", "shipped_on", "delivered_on"),
    (
        Reference("customer", "customer_id", Customer, "code", "customer"),
        Reference("model", "model_id", ProductModel, "code", "model"),
    ),
)
UNITS = KeyedKind(
    "units",
    schemas.UnitRecord,
    Unit,
    "serial",
    ("delivered_on", "warranty_start", "status"),
    (
        Reference("model", "model_id", ProductModel, "code", "model"),
        Reference("customer", "customer_id", Customer, "code", "customer"),
        Reference("site", "site_id", Site, "name", "site"),
        Reference("delivery", "delivery_id", Delivery, "reference", "delivery"),
    ),
    extra_check=_unit_delivery_matches,
)
