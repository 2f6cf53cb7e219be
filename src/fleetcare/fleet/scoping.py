"""What part of the installed base a principal may see, as SQL conditions.

A customer user sees its own customer, units, deliveries and their usage, the sites its units
stand at and the regions of those; a regional manager sees everything in its regions. Product
models are the maker's public catalogue. Rows outside the scope do not exist for that
principal: reads answer 404, lists leave them out.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select

from fleetcare.core.db import Base
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
