"""What part of the installed base a principal may see, as SQL conditions.

A customer user sees its own customer, units, deliveries and their usage, the sites its units
stand at and the regions of those; a regional manager sees everything in its regions. Product
models are the maker's public catalogue. Rows outside the scope do not exist for that
principal: reads answer 404, lists leave them out, and a write that names them is refused
in the words used for a row that does not exist (``refuse_unseen``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from fleetcare.core.db import Base
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Customer, Delivery, Region, Site, Unit, UsageReading

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def visible(table: type[Base], scope: Scope) -> ColumnElement[bool] | None:
    """The condition that keeps ``table``'s rows within ``scope`` (None: no restriction)."""
    if scope.everything:
        return None
    if scope.customer_id is not None:
        return _customer_condition(table, scope.customer_id)
    return _regions_condition(table, scope.region_ids or frozenset())


def _customer_condition(table: type[Base], customer_id: int) -> ColumnElement[bool] | None:
    own_sites = select(Unit.site_id).where(Unit.customer_id == customer_id)
    if table is Unit:
        return Unit.customer_id == customer_id
    if table is Delivery:
        return Delivery.customer_id == customer_id
    if table is Customer:
        return Customer.id == customer_id
    if table is Site:
        return Site.id.in_(own_sites)
    if table is Region:
        return or_(
            Region.id.in_(select(Customer.region_id).where(Customer.id == customer_id)),
            Region.id.in_(select(Site.region_id).where(Site.id.in_(own_sites))),
        )
    if table is UsageReading:
        return UsageReading.unit_id.in_(select(Unit.id).where(Unit.customer_id == customer_id))
    return None


def _regions_condition(table: type[Base], region_ids: frozenset[int]) -> ColumnElement[bool] | None:
    if not region_ids:
        return false()
    ids = sorted(region_ids)
    sites = select(Site.id).where(Site.region_id.in_(ids))
    if table is Unit:
        return Unit.site_id.in_(sites)
    if table is Delivery:
        return Delivery.customer_id.in_(select(Customer.id).where(Customer.region_id.in_(ids)))
    if table is Customer:
        return Customer.region_id.in_(ids)
    if table is Site:
        return Site.region_id.in_(ids)
    if table is Region:
        return Region.id.in_(ids)
    if table is UsageReading:
        return UsageReading.unit_id.in_(select(Unit.id).where(Unit.site_id.in_(sites)))
    return None


def restrict(statement: S, table: type[Base], scope: Scope) -> S:
    """``statement`` narrowed to the rows of ``table`` that ``scope`` may see."""
    condition = visible(table, scope)
    return statement if condition is None else statement.where(condition)


def refuse_unseen(
    session: Session,
    keyed: KeyedTable[Any],
    values: dict[str, Any],
    scope: Scope,
    row_id: int | None = None,
) -> None:
    """Refuse references to rows outside ``scope`` as unknown, and a natural key in use.

    A reference the caller may not see gets the words of a truly unknown one; a key held by
    another row gets "cannot be used" whether the caller may see that row or not. A table of
    a higher layer that ``visible`` does not know (a site's depot, a session's trainer) is
    seen by a regional manager in its regions (its ``region_id``).
    """
    errors: list[FieldError] = []
    for ref in keyed.references:
        value = values.get(ref.field)
        table: Any = ref.target
        condition = visible(table, scope)
        if condition is None and scope.region_ids is not None and hasattr(table, "region_id"):
            condition = table.region_id.in_(sorted(scope.region_ids))
        if value is None or condition is None:
            continue
        found = select(table.id).where(getattr(table, ref.key) == value, condition)
        if session.scalar(found) is None:
            message = _("unknown {field} '{value}'").format(field=ref.field, value=value)
            errors.append(FieldError(ref.field, message))
    key = keyed.key[0]
    if len(keyed.key) == 1 and key in values and all(r.field != key for r in keyed.references):
        table = keyed.table
        held = select(table.id).where(getattr(table, key) == values[key])
        if row_id is not None:
            held = held.where(table.id != row_id)
        if session.scalar(held) is not None:
            message = _("{key} '{value}' cannot be used").format(key=key, value=values[key])
            errors.append(FieldError(key, message))
    if errors:
        raise InvalidInput(errors)
