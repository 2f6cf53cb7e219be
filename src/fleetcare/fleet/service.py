"""Installed-base operations taking a Session: the API, the pages and the CLI all call these.

Reads take the caller's ``Scope`` (rows outside it do not exist for the caller); writes take
the acting ``Principal``, are audited, and must leave the written row inside its scope.
A scoped writer (a regional manager) names only rows it may see: a reference to a row outside
its scope answers exactly like an unknown one, and a natural key held by any other row, seen or
not, "cannot be used" (the same words either way, so the answer does not tell where it is).
Nothing here commits: the caller's transaction (one per request or command) does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import audit, crud
from fleetcare.core.bulk import Item
from fleetcare.core.crud import get_visible, read_values, validate
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import contains, paginate
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
from fleetcare.fleet.scoping import refuse_unseen, restrict
from fleetcare.fleet.tables import CUSTOMERS as CUSTOMERS
from fleetcare.fleet.tables import DELIVERIES as DELIVERIES
from fleetcare.fleet.tables import MODELS as MODELS
from fleetcare.fleet.tables import REGIONS as REGIONS
from fleetcare.fleet.tables import SITES as SITES
from fleetcare.fleet.tables import UNITS as UNITS
from fleetcare.fleet.usage import USAGE

R = TypeVar("R", bound=BaseModel)
READ_TYPES: dict[str, type[BaseModel]] = {
    "regions": schemas.RegionRead,
    "sites": schemas.SiteRead,
    "customers": schemas.CustomerRead,
    "models": schemas.ModelRead,
    "deliveries": schemas.DeliveryRead,
}


# --- writes of single rows ---------------------------------------------------------------------
def create(session: Session, keyed: KeyedTable[R], record: R, *, by: Principal) -> int:
    """Insert one record of an installed-base table (see ``core.crud.create``), within scope."""
    if not by.scope.everything:
        refuse_unseen(session, keyed, record.model_dump(), by.scope)
    return crud.create(session, keyed, record, by=by)


def update(
    session: Session, keyed: KeyedTable[R], row_id: int, patch: BaseModel, *, by: Principal
) -> int:
    """Change one visible row (see ``core.crud.update``); what the patch names must be visible."""
    if not by.scope.everything:
        get_visible(session, keyed, row_id, by.scope)  # 404 before anything else
        values = patch.model_dump(exclude_unset=True)
        refuse_unseen(session, keyed, values, by.scope, row_id)
    return crud.update(session, keyed, row_id, patch, by=by)


def add_usage(session: Session, record: schemas.UsageRecord, *, by: Principal) -> int:
    """Record one reading; refused when it would make the unit's meters run backwards."""
    _visible_unit(session, record.serial, by.scope)
    reading_id = USAGE.apply(session, [Item(record, must_be_new=True)]).ids[0]
    audit.record(
        session,
        actor=by.username,
        action="create",
        entity="usage",
        key=f"{record.serial}@{record.taken_at.isoformat()}",
        after=record,
    )
    return reading_id


def update_usage(
    session: Session, reading_id: int, patch: schemas.UsageUpdate, *, by: Principal
) -> int:
    """Change one reading's time or values, checked against the unit's other readings."""
    before = usage_read(session, reading_id, by.scope)
    record = validate(
        schemas.UsageRecord,
        {**before.model_dump(exclude={"id"}), **patch.model_dump(exclude_unset=True)},
    )
    USAGE.apply(session, [Item(record, target_id=reading_id)])
    audit.record(
        session,
        actor=by.username,
        action="update",
        entity="usage",
        key=f"{record.serial}@{record.taken_at.isoformat()}",
        before=before,
        after=record,
    )
    return reading_id


def _visible_unit(session: Session, serial: str, scope: Scope) -> None:
    """Refuse a serial the caller may not see exactly as an unknown one."""
    statement = restrict(select(Unit.id).where(Unit.serial == serial), Unit, scope)
    if not scope.everything and session.scalar(statement) is None:
        raise InvalidInput(
            [FieldError("serial", _("unknown unit '{serial}'").format(serial=serial))]
        )


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


def unit_read(session: Session, unit_id: int, scope: Scope = EVERYTHING) -> schemas.UnitRead:
    """One unit with its region, family and latest meters."""
    statement = restrict(select(Unit).options(*_UNIT_LOADS).where(Unit.id == unit_id), Unit, scope)
    unit = session.scalars(statement).first()
    if unit is None:
        raise NotFound(_("unit {id} not found").format(id=unit_id))
    return _unit_read(unit)


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


def units_statement(where: UnitFilter, scope: Scope = EVERYTHING) -> Select[Any]:
    """The units matching ``where`` that ``scope`` may see, by serial."""
    statement = restrict(select(Unit).options(*_UNIT_LOADS).order_by(Unit.serial), Unit, scope)
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
    return statement


def list_units(
    session: Session, where: UnitFilter, scope: Scope = EVERYTHING, limit: int = 50, offset: int = 0
) -> Page[schemas.UnitRead]:
    """A page of units."""
    rows, total = paginate(session, units_statement(where, scope), limit, offset)
    return Page[schemas.UnitRead](items=[_unit_read(u) for u in rows], total=total)


def _page(
    session: Session,
    keyed: KeyedTable[Any],
    statement: Select[Any],
    scope: Scope,
    limit: int,
    offset: int,
) -> Page[Any]:
    rows, total = paginate(session, restrict(statement, keyed.table, scope), limit, offset)
    read_type = READ_TYPES[keyed.name]
    items = [
        read_type.model_validate({"id": r.id, **keyed.to_record(r).model_dump()}) for r in rows
    ]
    return Page[Any](items=items, total=total)


def list_regions(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    q: str | None = None,
    climate: ClimateClass | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Any]:
    """A page of regions by name."""
    statement = select(Region).order_by(Region.name)
    if q:
        statement = statement.where(Region.name.ilike(contains(q), escape="\\"))
    if climate:
        statement = statement.where(Region.climate == climate)
    return _page(session, REGIONS, statement, scope, limit, offset)


def list_sites(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Any]:
    """A page of sites by name."""
    statement = select(Site).options(joinedload(Site.region)).order_by(Site.name)
    if region:
        statement = statement.where(Site.region.has(Region.name == region))
    if q:
        statement = statement.where(Site.name.ilike(contains(q), escape="\\"))
    return _page(session, SITES, statement, scope, limit, offset)


def list_customers(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Any]:
    """A page of customers by code."""
    statement = select(Customer).options(joinedload(Customer.region)).order_by(Customer.code)
    if region:
        statement = statement.where(Customer.region.has(Region.name == region))
    if q:
        pattern = contains(q)
        statement = statement.where(
            Customer.code.ilike(pattern, escape="\\") | Customer.name.ilike(pattern, escape="\\")
        )
    return _page(session, CUSTOMERS, statement, scope, limit, offset)


def list_models(
    session: Session, *, family: ProductFamily | None = None, limit: int = 50, offset: int = 0
) -> Page[Any]:
    """A page of product models by code (the public catalogue: the same for everyone)."""
    statement = select(ProductModel).order_by(ProductModel.code)
    if family:
        statement = statement.where(ProductModel.family == family)
    return _page(session, MODELS, statement, EVERYTHING, limit, offset)


def list_deliveries(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    customer: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Any]:
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
    return _page(session, DELIVERIES, statement, scope, limit, offset)


def list_usage(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    serial: str | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.UsageRead]:
    """A page of usage readings, by unit and time."""
    statement = restrict(
        select(UsageReading).order_by(UsageReading.unit_id, UsageReading.taken_at),
        UsageReading,
        scope,
    )
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
    return Page[schemas.UsageRead](items=items, total=total)


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


def set_unit_status(session: Session, unit_id: int, status: UnitStatus, *, by: Principal) -> bool:
    """Set a unit's status (the service domain keeps it in step with its down defects).

    The row is locked first; a retired unit keeps its status. Audited; False when unchanged.
    """
    unit = session.get(Unit, unit_id, with_for_update=True)
    if unit is None:
        raise NotFound(_("unit {id} not found").format(id=unit_id))
    if unit.status in (UnitStatus.retired, status):
        return False
    before = unit.status
    unit.status = status
    audit.record(
        session,
        actor=by.username,
        action="status",
        entity="units",
        key=unit.serial,
        before={"status": before.value},
        after={"status": status.value},
    )
    return True
