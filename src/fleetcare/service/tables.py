"""Warranty policies, service contracts and service levels as importable tables.

Two of them have a natural key with a field that may be blank — a whole-machine policy (no
component group), a region's default level (no customer) — which ``KeyedTable`` cannot match
in SQL (``NULL = NULL`` is not true). ``BlankableKeyTable`` matches those keys in Python over
the table's rows: these tables hold a few rows per model or region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.db import Base
from fleetcare.core.keyed import Ids, KeyedTable, Reference
from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Customer, ProductModel, Region
from fleetcare.service import schemas
from fleetcare.service.models import (
    MaintenancePlan,
    ServiceContract,
    ServiceLevel,
    ServiceRate,
    WarrantyPolicy,
)

R = TypeVar("R", bound=BaseModel)
S = TypeVar("S", bound=Select[Any])


class BlankableKeyTable(KeyedTable[R]):
    """A keyed table whose key may leave a field blank; a blank matches a blank."""

    def _stored_key(self, record: BaseModel, ids: Ids) -> tuple[Any, ...] | None:
        values: list[Any] = []
        for name in self.key:
            natural = getattr(record, name)
            ref = self._ref(name)
            if natural is None or ref is None:
                values.append(natural)
            elif natural in ids[ref.field]:
                values.append(ids[ref.field][natural])
            else:
                return None
        return tuple(values)

    def _existing(
        self, session: Session, items: Sequence[Item[R]], ids: Ids
    ) -> dict[tuple[Any, ...], Any]:
        columns = self._key_columns()
        return {
            tuple(getattr(row, name) for name in columns): row
            for row in session.scalars(select(self.table))
        }


def _contracts_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    """A customer sees its own contracts; a regional manager those of its regions' customers."""
    if scope.everything:
        return statement
    if scope.customer_id is not None:
        return statement.where(ServiceContract.customer_id == scope.customer_id)
    regions = sorted(scope.region_ids or ())
    if not regions:
        return statement.where(false())
    customers = select(Customer.id).where(Customer.region_id.in_(regions))
    return statement.where(ServiceContract.customer_id.in_(customers))


def _levels_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    """A customer sees its own levels and its region's defaults; a manager its regions'."""
    if scope.everything:
        return statement
    if scope.customer_id is not None:
        own_region = select(Customer.region_id).where(Customer.id == scope.customer_id)
        return statement.where(
            or_(
                ServiceLevel.customer_id == scope.customer_id,
                ServiceLevel.customer_id.is_(None) & ServiceLevel.region_id.in_(own_region),
            )
        )
    return statement.where(ServiceLevel.region_id.in_(sorted(scope.region_ids or ())))


_MODEL = Reference(
    field="model", column="model_id", table=ProductModel, key="code", relation="model"
)
_CUSTOMER = Reference(
    field="customer", column="customer_id", table=Customer, key="code", relation="customer"
)

WARRANTY_POLICIES = BlankableKeyTable(
    name="warranty-policies",
    record_type=schemas.WarrantyPolicyRecord,
    table=WarrantyPolicy,
    key=("model", "component_group"),
    plain=("months", "hours"),
    references=(_MODEL,),
)
SERVICE_CONTRACTS = KeyedTable(
    name="service-contracts",
    record_type=schemas.ServiceContractRecord,
    table=ServiceContract,
    key=("reference",),
    plain=("component_group", "starts_on", "ends_on"),
    references=(_CUSTOMER, _MODEL),
    restrict=_contracts_in_scope,
    scope_field="customer",
)
SERVICE_LEVELS = BlankableKeyTable(
    name="service-levels",
    record_type=schemas.ServiceLevelRecord,
    table=ServiceLevel,
    key=("region", "customer"),
    plain=("response_hours", "restore_hours"),
    references=(
        Reference(field="region", column="region_id", table=Region, key="name", relation="region"),
        _CUSTOMER,
    ),
    restrict=_levels_in_scope,
    scope_field="region",
)
MAINTENANCE_PLANS = KeyedTable(
    name="maintenance-plans",
    record_type=schemas.MaintenancePlanRecord,
    table=MaintenancePlan,
    key=("model",),
    plain=("every_hours", "every_months", "tolerance_hours", "tolerance_days"),
    references=(_MODEL,),
)


def _rates_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    """A customer sees its region's rates; a regional manager those of its regions."""
    if scope.everything:
        return statement
    if scope.customer_id is not None:
        own_region = select(Customer.region_id).where(Customer.id == scope.customer_id)
        return statement.where(ServiceRate.region_id.in_(own_region))
    return statement.where(ServiceRate.region_id.in_(sorted(scope.region_ids or ())))


SERVICE_RATES = KeyedTable(
    name="service-rates",
    record_type=schemas.ServiceRateRecord,
    table=ServiceRate,
    key=("region",),
    plain=("labour_rate", "km_rate", "currency"),
    references=(
        Reference(field="region", column="region_id", table=Region, key="name", relation="region"),
    ),
    restrict=_rates_in_scope,
    scope_field="region",
)
