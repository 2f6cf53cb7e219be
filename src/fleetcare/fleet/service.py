"""Installed-base operations taking a Session: the API, the pages and the CLI all call these.

Nothing here commits: the caller's transaction (one per request or command) does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core.bulk import Item
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.tabular import validation_errors
from fleetcare.fleet import schemas
from fleetcare.fleet.kinds import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS, KeyedKind
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
from fleetcare.fleet.usage import USAGE

R = TypeVar("R", bound=BaseModel)
MAX_LIMIT = 500


def validate(record_type: type[R], values: dict[str, Any]) -> R:
    """``values`` as a ``record_type``, or ``InvalidInput`` naming each bad field."""
    try:
        return record_type.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(validation_errors(exc)) from exc


def paginate(
    session: Session, statement: Select[Any], limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    """One page of ``statement``'s rows and the number of all rows it matches."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    rows = session.scalars(statement.limit(min(limit, MAX_LIMIT)).offset(offset)).unique().all()
    return rows, total


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _get(session: Session, table: type[Any], row_id: int, what: str) -> Any:
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(_("{what} {id} not found").format(what=what, id=row_id))
    return row


def create(session: Session, kind: KeyedKind[R], record: R) -> int:
    """Insert one record; its natural key must be new. Returns the id."""
    return kind.apply(session, [Item(record, must_be_new=True)]).ids[0]


def update(session: Session, kind: KeyedKind[R], row_id: int, patch: BaseModel) -> int:
    """Apply the fields set in ``patch`` to row ``row_id``, checked as a whole record."""
    current = kind.to_record(_get(session, kind.table, row_id, kind.name)).model_dump()
    record = validate(kind.record_type, {**current, **patch.model_dump(exclude_unset=True)})
    kind.apply(session, [Item(record, target_id=row_id)])
    return row_id


# --- reads -----------------------------------------------------------------------------------
def region_read(session: Session, region_id: int) -> schemas.RegionRead:
    """One region."""
    row = _get(session, Region, region_id, "region")
    return schemas.RegionRead(id=row.id, **REGIONS.to_record(row).model_dump())


def site_read(session: Session, site_id: int) -> schemas.SiteRead:
    """One site."""
    row = _get(session, Site, site_id, "site")
    return schemas.SiteRead(id=row.id, **SITES.to_record(row).model_dump())


def customer_read(session: Session, customer_id: int) -> schemas.CustomerRead:
    """One customer."""
    row = _get(session, Customer, customer_id, "customer")
    return schemas.CustomerRead(id=row.id, **CUSTOMERS.to_record(row).model_dump())


def model_read(session: Session, model_id: int) -> schemas.ModelRead:
    """One product model."""
    row = _get(session, ProductModel, model_id, "model")
    return schemas.ModelRead(id=row.id, **MODELS.to_record(row).model_dump())


def delivery_read(session: Session, delivery_id: int) -> schemas.DeliveryRead:
    """One delivery."""
    row = _get(session, Delivery, delivery_id, "delivery")
    return schemas.DeliveryRead(id=row.id, **DELIVERIES.to_record(row).model_dump())


def _unit_read(unit: Unit) -> schemas.UnitRead:
    return schemas.UnitRead.model_construct(
        id=unit.id,
        region=unit.site.region.name,
        family=unit.model.family,
        engine_hours=unit.engine_hours,
        km=unit.km,
        last_reading_at=unit.last_reading_at,
        **UNITS.to_record(unit).model_dump(),
    )


_UNIT_LOADS = (
    joinedload(Unit.model),
    joinedload(Unit.customer),
    joinedload(Unit.site).joinedload(Site.region),
    joinedload(Unit.delivery),
)


def unit_read(session: Session, unit_id: int) -> schemas.UnitRead:
    """One unit with its region, family and latest meters."""
    unit = session.scalars(select(Unit).options(*_UNIT_LOADS).where(Unit.id == unit_id)).first()
    if unit is None:
        raise NotFound(_("unit {id} not found").format(id=unit_id))
    return _unit_read(unit)


def usage_read(session: Session, reading_id: int) -> schemas.UsageRead:
    """One usage reading."""
    row = session.execute(
        select(UsageReading, Unit.serial).join(Unit).where(UsageReading.id == reading_id)
    ).first()
    if row is None:
        raise NotFound(_("usage reading {id} not found").format(id=reading_id))
    return schemas.UsageRead(id=row[0].id, **USAGE.to_record(row[0], row[1]).model_dump())


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


def units_statement(where: UnitFilter) -> Select[Any]:
    """The units matching ``where``, by serial."""
    statement = select(Unit).options(*_UNIT_LOADS).order_by(Unit.serial)
    if where.q:
        statement = statement.where(Unit.serial.ilike(_like(where.q.strip()), escape="\\"))
    if where.region:
        statement = statement.where(
            Unit.site_id.in_(select(Site.id).join(Region).where(Region.name == where.region))
        )
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
    return statement


def list_units(
    session: Session, where: UnitFilter, limit: int = 50, offset: int = 0
) -> schemas.Page[schemas.UnitRead]:
    """A page of units."""
    rows, total = paginate(session, units_statement(where), limit, offset)
    return schemas.Page[schemas.UnitRead](items=[_unit_read(u) for u in rows], total=total)


def _page(
    session: Session, statement: Select[Any], convert: Callable[[Any], R], limit: int, offset: int
) -> schemas.Page[R]:
    rows, total = paginate(session, statement, limit, offset)
    return schemas.Page[Any](items=[convert(r) for r in rows], total=total)


def list_regions(
    session: Session,
    *,
    q: str | None = None,
    climate: ClimateClass | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.Page[schemas.RegionRead]:
    """A page of regions by name."""
    statement = select(Region).order_by(Region.name)
    if q:
        statement = statement.where(Region.name.ilike(_like(q), escape="\\"))
    if climate:
        statement = statement.where(Region.climate == climate)
    return _page(
        session,
        statement,
        lambda r: schemas.RegionRead(id=r.id, **REGIONS.to_record(r).model_dump()),
        limit,
        offset,
    )


def list_sites(
    session: Session,
    *,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.Page[schemas.SiteRead]:
    """A page of sites by name."""
    statement = select(Site).options(joinedload(Site.region)).order_by(Site.name)
    if region:
        statement = statement.where(Site.region.has(Region.name == region))
    if q:
        statement = statement.where(Site.name.ilike(_like(q), escape="\\"))
    return _page(
        session,
        statement,
        lambda r: schemas.SiteRead(id=r.id, **SITES.to_record(r).model_dump()),
        limit,
        offset,
    )


def list_customers(
    session: Session,
    *,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.Page[schemas.CustomerRead]:
    """A page of customers by code."""
    statement = select(Customer).options(joinedload(Customer.region)).order_by(Customer.code)
    if region:
        statement = statement.where(Customer.region.has(Region.name == region))
    if q:
        pattern = _like(q)
        statement = statement.where(
            Customer.code.ilike(pattern, escape="\\") | Customer.name.ilike(pattern, escape="\\")
        )
    return _page(
        session,
        statement,
        lambda r: schemas.CustomerRead(id=r.id, **CUSTOMERS.to_record(r).model_dump()),
        limit,
        offset,
    )


def list_models(
    session: Session, *, family: ProductFamily | None = None, limit: int = 50, offset: int = 0
) -> schemas.Page[schemas.ModelRead]:
    """A page of product models by code."""
    statement = select(ProductModel).order_by(ProductModel.code)
    if family:
        statement = statement.where(ProductModel.family == family)
    return _page(
        session,
        statement,
        lambda r: schemas.ModelRead(id=r.id, **MODELS.to_record(r).model_dump()),
        limit,
        offset,
    )


def list_deliveries(
    session: Session,
    *,
    customer: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.Page[schemas.DeliveryRead]:
    """A page of deliveries, newest shipment first."""
    statement = (
        select(Delivery)
        .options(joinedload(Delivery.customer), joinedload(Delivery.model))
        .order_by(Delivery.shipped_on.desc(), Delivery.reference)
    )
    if customer:
        statement = statement.where(Delivery.customer.has(Customer.code == customer))
    if model:
        statement = statement.where(Delivery.model.has(ProductModel.code == model))
    return _page(
        session,
        statement,
        lambda r: schemas.DeliveryRead(id=r.id, **DELIVERIES.to_record(r).model_dump()),
        limit,
        offset,
    )


def list_usage(
    session: Session,
    *,
    serial: str | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.Page[schemas.UsageRead]:
    """A page of usage readings, by unit and time."""
    statement = select(UsageReading).order_by(UsageReading.unit_id, UsageReading.taken_at)
    if serial:
        statement = statement.where(
            UsageReading.unit_id.in_(select(Unit.id).where(Unit.serial == serial))
        )
    if unit_id is not None:
        statement = statement.where(UsageReading.unit_id == unit_id)
    rows, total = paginate(session, statement, limit, offset)
    serials = dict(
        session.execute(
            select(Unit.id, Unit.serial).where(Unit.id.in_({r.unit_id for r in rows}))
        ).all()
    )
    items = [
        schemas.UsageRead(id=r.id, **USAGE.to_record(r, serials[r.unit_id]).model_dump())
        for r in rows
    ]
    return schemas.Page[schemas.UsageRead](items=items, total=total)


# --- usage writes ----------------------------------------------------------------------------
def add_usage(session: Session, record: schemas.UsageRecord) -> int:
    """Record one reading; refused when it would make the unit's meters run backwards."""
    return USAGE.apply(session, [Item(record, must_be_new=True)]).ids[0]


def update_usage(session: Session, reading_id: int, patch: schemas.UsageUpdate) -> int:
    """Change one reading's time or values, checked against the unit's other readings."""
    current = usage_read(session, reading_id).model_dump(exclude={"id"})
    record = validate(schemas.UsageRecord, {**current, **patch.model_dump(exclude_unset=True)})
    USAGE.apply(session, [Item(record, target_id=reading_id)])
    return reading_id


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


# --- summaries -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionSummary:
    """A region with its units counted by family and by site."""

    region: schemas.RegionRead
    by_family: list[tuple[ProductFamily, int]]
    by_site: list[tuple[str, ProductFamily, int]]
    by_status: list[tuple[UnitStatus, int]]
    customers: int


def region_summary(session: Session, region_id: int) -> RegionSummary:
    """How many units a region has, by family, by site and family, and by status."""
    region = region_read(session, region_id)
    by_family = session.execute(
        select(ProductModel.family, func.count())
        .select_from(Unit)
        .join(Site)
        .join(ProductModel)
        .where(Site.region_id == region_id)
        .group_by(ProductModel.family)
        .order_by(func.count().desc())
    ).all()
    by_site = session.execute(
        select(Site.name, ProductModel.family, func.count())
        .select_from(Unit)
        .join(Site)
        .join(ProductModel)
        .where(Site.region_id == region_id)
        .group_by(Site.name, ProductModel.family)
        .order_by(Site.name, ProductModel.family)
    ).all()
    by_status = session.execute(
        select(Unit.status, func.count())
        .join(Site)
        .where(Site.region_id == region_id)
        .group_by(Unit.status)
        .order_by(Unit.status)
    ).all()
    customers = (
        session.scalar(
            select(func.count()).select_from(Customer).where(Customer.region_id == region_id)
        )
        or 0
    )
    return RegionSummary(region, list(by_family), list(by_site), list(by_status), customers)


def region_options(session: Session) -> dict[str, list[str]]:
    """Choices for the units filters: region names, model codes, customer codes."""
    return {
        "regions": list(session.scalars(select(Region.name).order_by(Region.name))),
        "models": list(session.scalars(select(ProductModel.code).order_by(ProductModel.code))),
        "customers": list(session.scalars(select(Customer.code).order_by(Customer.code))),
    }


def units_per_region(session: Session) -> dict[int, int]:
    """Number of units at each region's sites, by region id."""
    statement = (
        select(Site.region_id, func.count(Unit.id))
        .join(Unit, Unit.site_id == Site.id)
        .group_by(Site.region_id)
    )
    return dict(session.execute(statement).all())


def totals(session: Session) -> dict[str, int]:
    """How many units (in service, down), customers, models and deliveries there are."""
    by_status = dict(session.execute(select(Unit.status, func.count()).group_by(Unit.status)).all())
    return {
        "units": sum(by_status.values()),
        "in_service": by_status.get(UnitStatus.in_service, 0),
        "down": by_status.get(UnitStatus.down, 0),
        "customers": session.scalar(select(func.count()).select_from(Customer)) or 0,
        "models": session.scalar(select(func.count()).select_from(ProductModel)) or 0,
        "deliveries": session.scalar(select(func.count()).select_from(Delivery)) or 0,
    }
