"""Reads of the installed base, narrowed to the caller's ``Scope`` (rows outside it do not
exist for the caller): one row, and the lists with their filters and pages. Called through the
facade ``fleet.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core.crud import read_values
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.query import AnySelect, contains, load_rows, load_values, page
from fleetcare.core.schemas import Page
from fleetcare.fleet import schemas
from fleetcare.fleet.models import (
    ClimateClass,
    Customer,
    Delivery,
    ProductFamily,
    ProductModel,
    Region,
    Site,
    Unit,
    UnitStatus,
    UsageReading,
)
from fleetcare.fleet.scoping import restrict
from fleetcare.fleet.tables import CUSTOMERS as CUSTOMERS
from fleetcare.fleet.tables import DELIVERIES as DELIVERIES
from fleetcare.fleet.tables import MODELS as MODELS
from fleetcare.fleet.tables import REGIONS as REGIONS
from fleetcare.fleet.tables import SITES as SITES
from fleetcare.fleet.tables import UNITS as UNITS
from fleetcare.fleet.usage import USAGE

READ_TYPES: dict[str, type[BaseModel]] = {
    "regions": schemas.RegionRead,
    "sites": schemas.SiteRead,
    "customers": schemas.CustomerRead,
    "models": schemas.ModelRead,
    "deliveries": schemas.DeliveryRead,
}


# --- reads -----------------------------------------------------------------------------------
def region_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.RegionRead:
    """One region."""
    return schemas.RegionRead.model_validate(read_values(session, REGIONS, row_id, scope))


def site_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.SiteRead:
    """One site."""
    return schemas.SiteRead.model_validate(read_values(session, SITES, row_id, scope))


def customer_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.CustomerRead:
    """One customer."""
    return schemas.CustomerRead.model_validate(read_values(session, CUSTOMERS, row_id, scope))


def model_read(session: Session, row_id: int) -> schemas.ModelRead:
    """One product model (the catalogue is the same for everyone)."""
    return schemas.ModelRead.model_validate(read_values(session, MODELS, row_id, EVERYTHING))


def delivery_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.DeliveryRead:
    """One delivery."""
    return schemas.DeliveryRead.model_validate(read_values(session, DELIVERIES, row_id, scope))


@cache
def _unit_columns() -> AnySelect:
    """A unit's answer as plain columns (no ORM objects), named as ``UnitRead``'s fields; the
    unit's id first. Built once: a statement is immutable, and building it costs more than
    running it on a small page."""
    return (
        select(
            Unit.id,
            Unit.serial,
            ProductModel.code.label("model"),
            Customer.code.label("customer"),
            Site.name.label("site"),
            Unit.delivered_on,
            Unit.warranty_start,
            Unit.status,
            Delivery.reference.label("delivery"),
            Region.name.label("region"),
            ProductModel.family,
            Unit.engine_hours,
            Unit.km,
            Unit.last_reading_at,
        )
        .join(ProductModel, ProductModel.id == Unit.model_id)
        .join(Customer, Customer.id == Unit.customer_id)
        .join(Site, Site.id == Unit.site_id)
        .join(Region, Region.id == Site.region_id)
        .outerjoin(Delivery, Delivery.id == Unit.delivery_id)
    )


def _unit_read(row: Row[Any]) -> schemas.UnitRead:
    # the columns come from the database, already checked when written: no validation again
    return schemas.UnitRead.model_construct(**row._mapping)


def unit_read(session: Session, unit_id: int, scope: Scope = EVERYTHING) -> schemas.UnitRead:
    """One unit with its region, family and latest meters."""
    statement = restrict(_unit_columns().where(Unit.id == unit_id), Unit, scope)
    row = session.execute(statement).first()
    if row is None:
        raise NotFound(_("unit {id} not found").format(id=unit_id))
    return _unit_read(row)


def usage_read(session: Session, reading_id: int, scope: Scope = EVERYTHING) -> schemas.UsageRead:
    """One usage reading."""
    statement = select(UsageReading).where(UsageReading.id == reading_id)
    reading = session.scalars(restrict(statement, UsageReading, scope)).first()
    if reading is None:
        raise NotFound(_("usage reading {id} not found").format(id=reading_id))
    serial = session.scalar(select(Unit.serial).where(Unit.id == reading.unit_id)) or ""
    return schemas.UsageRead(id=reading.id, **USAGE.to_record(reading, serial).model_dump())


# --- lists -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitFilter:
    """What the units list is narrowed to; empty fields do not filter."""

    q: str | None = None  # part of the serial
    region: str | None = None
    model: str | None = None
    customer: str | None = None
    site: str | None = None
    status: UnitStatus | None = None
    family: ProductFamily | None = None
    delivery: str | None = None  # a delivery's reference: the units it brought
    working: bool = False  # leave retired units out (a defect is reported on a working one)


def units_statement(where: UnitFilter, scope: Scope = EVERYTHING) -> Select[Any]:
    """The units matching ``where`` that ``scope`` may see (the filters: no order, no joins)."""
    statement = restrict(select(Unit), Unit, scope)
    if where.q:
        statement = statement.where(Unit.serial.ilike(contains(where.q), escape="\\"))
    if where.region:
        sites = select(Site.id).join(Region).where(Region.name == where.region)
        statement = statement.where(Unit.site_id.in_(sites))
    if where.model:
        statement = statement.where(
            Unit.model_id.in_(select(ProductModel.id).where(ProductModel.code == where.model))
        )
    if where.family:
        statement = statement.where(
            Unit.model_id.in_(select(ProductModel.id).where(ProductModel.family == where.family))
        )
    if where.customer:
        statement = statement.where(
            Unit.customer_id.in_(select(Customer.id).where(Customer.code == where.customer))
        )
    if where.site:
        statement = statement.where(
            Unit.site_id.in_(select(Site.id).where(Site.name == where.site))
        )
    if where.status:
        statement = statement.where(Unit.status == where.status)
    if where.delivery:
        statement = statement.where(
            Unit.delivery_id.in_(select(Delivery.id).where(Delivery.reference == where.delivery))
        )
    if where.working:
        statement = statement.where(Unit.status != UnitStatus.retired)
    return statement


def list_units(
    session: Session,
    where: UnitFilter,
    scope: Scope = EVERYTHING,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.UnitRead]:
    """A page of units by serial: the page's ids by the units table alone, then their rows."""
    window = page(
        session,
        units_statement(where, scope),
        name="units",
        key=Unit.id,
        order=(Unit.serial,),
        load=load_values(session, _unit_columns(), Unit.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.UnitRead](items=[_unit_read(u) for u in window.rows], **window.meta())


def _page(
    session: Session,
    keyed: KeyedTable[Any],
    statement: Select[Any],
    order: tuple[Any, ...],
    scope: Scope,
    paging: tuple[int, int, str | None],
    loads: tuple[Any, ...] = (),
) -> Page[Any]:
    table = keyed.table
    limit, offset, cursor = paging
    window = page(
        session,
        restrict(statement, table, scope),
        name=keyed.name,
        key=table.id,  # type: ignore[attr-defined]
        order=order,
        load=load_rows(session, select(table).options(*loads), table.id),  # type: ignore[attr-defined]
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    read_type = READ_TYPES[keyed.name]
    items = [
        read_type.model_validate({"id": r.id, **keyed.to_record(r).model_dump()})
        for r in window.rows
    ]
    return Page[Any](items=items, **window.meta())


def list_regions(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    q: str | None = None,
    climate: ClimateClass | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[Any]:
    """A page of regions by name."""
    statement = select(Region)
    if q:
        statement = statement.where(Region.name.ilike(contains(q), escape="\\"))
    if climate:
        statement = statement.where(Region.climate == climate)
    return _page(session, REGIONS, statement, (Region.name,), scope, (limit, offset, cursor))


def region_names(session: Session, *, scope: Scope = EVERYTHING) -> list[str]:
    """The names of the regions ``scope`` sees, by name (a page's region picker)."""
    return [r.name for r in list_regions(session, scope=scope, limit=500).items]


def find_region(session: Session, name: str, scope: Scope = EVERYTHING) -> Region | None:
    """The region called ``name`` if ``scope`` may see it (None: none such, or not seen)."""
    return session.scalars(
        restrict(select(Region).where(Region.name == name), Region, scope)
    ).first()


def known_region(session: Session, name: str | None) -> None:
    """``NotFound`` naming ``name`` when no region has it (None: every region, fine): a
    command's ``--region`` typo is said, not answered with an empty list."""
    if name is not None and find_region(session, name) is None:
        raise NotFound(_("no region named '{name}'").format(name=name))


def list_sites(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[Any]:
    """A page of sites by name."""
    statement = select(Site)
    if region:
        statement = statement.where(Site.region.has(Region.name == region))
    if q:
        statement = statement.where(Site.name.ilike(contains(q), escape="\\"))
    paging = (limit, offset, cursor)
    loads = (joinedload(Site.region),)
    return _page(session, SITES, statement, (Site.name,), scope, paging, loads)


def list_customers(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[Any]:
    """A page of customers by code."""
    statement = select(Customer)
    if region:
        statement = statement.where(Customer.region.has(Region.name == region))
    if q:
        pattern = contains(q)
        statement = statement.where(
            Customer.code.ilike(pattern, escape="\\") | Customer.name.ilike(pattern, escape="\\")
        )
    paging = (limit, offset, cursor)
    loads = (joinedload(Customer.region),)
    return _page(session, CUSTOMERS, statement, (Customer.code,), scope, paging, loads)


def list_models(
    session: Session,
    *,
    family: ProductFamily | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[Any]:
    """A page of product models by code (the public catalogue: the same for everyone)."""
    statement = select(ProductModel)
    if family:
        statement = statement.where(ProductModel.family == family)
    paging = (limit, offset, cursor)
    return _page(session, MODELS, statement, (ProductModel.code,), EVERYTHING, paging)


def list_deliveries(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    customer: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[Any]:
    """A page of deliveries, newest shipment first."""
    statement = select(Delivery)
    if customer:
        statement = statement.where(Delivery.customer.has(Customer.code == customer))
    if model:
        statement = statement.where(Delivery.model.has(ProductModel.code == model))
    order = (Delivery.shipped_on.desc(), Delivery.reference)
    loads = (joinedload(Delivery.customer), joinedload(Delivery.model))
    return _page(session, DELIVERIES, statement, order, scope, (limit, offset, cursor), loads)


def list_usage(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    serial: str | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.UsageRead]:
    """A page of usage readings, by unit and time (one reading per unit and moment)."""
    statement = restrict(select(UsageReading), UsageReading, scope)
    if serial:
        statement = statement.where(
            UsageReading.unit_id.in_(select(Unit.id).where(Unit.serial == serial))
        )
    if unit_id is not None:
        statement = statement.where(UsageReading.unit_id == unit_id)
    window = page(
        session,
        statement,
        name="usage",
        key=UsageReading.id,
        order=(UsageReading.unit_id, UsageReading.taken_at),
        unique=True,
        load=load_rows(session, select(UsageReading), UsageReading.id),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    rows = window.rows
    serials = dict(
        session.execute(
            select(Unit.id, Unit.serial).where(Unit.id.in_({r.unit_id for r in rows}))
        ).all()
    )
    items = [
        schemas.UsageRead(id=r.id, **USAGE.to_record(r, serials[r.unit_id]).model_dump())
        for r in rows
    ]
    return Page[schemas.UsageRead](items=items, **window.meta())


def usage_series(
    session: Session, unit_id: int
) -> list[tuple[datetime, float | None, float | None]]:
    """All readings of one unit as (taken_at, engine hours, km), oldest first."""
    statement = (
        select(UsageReading.taken_at, UsageReading.engine_hours, UsageReading.km)
        .where(UsageReading.unit_id == unit_id)
        .order_by(UsageReading.taken_at)
    )
    return [(at, hours, km) for at, hours, km in session.execute(statement)]
