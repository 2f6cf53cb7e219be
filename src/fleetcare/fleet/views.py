"""The installed base as JSON: list (filters, ``limit``/``offset``), read, create, update.

Each route names its permission in its decorator (``rule``); reads are narrowed to the caller's
scope, so a customer's token sees only that customer's machines.
"""

from __future__ import annotations

from fastapi import APIRouter

from fleetcare.core.api import Choice, Cursor, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import Page
from fleetcare.fleet import schemas, service
from fleetcare.fleet.models import ClimateClass, ProductFamily, UnitStatus

router = APIRouter(prefix="/api")

READ = rule(Permission.fleet_read)
WRITE = rule(Permission.fleet_write)
CATALOG = rule(Permission.catalog_write)
USAGE = rule(Permission.usage_write)


# --- regions ---------------------------------------------------------------------------------
@router.get("/regions", tags=["regions"], **READ)
def list_regions(
    session: DbSession,
    principal: CurrentPrincipal,
    q: SearchText = None,
    climate: Choice[ClimateClass] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.RegionRead]:
    """Regions by name; ``q`` matches part of the name."""
    return service.list_regions(
        session,
        scope=principal.scope,
        q=q,
        climate=climate,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/regions/{region_id}", tags=["regions"], **READ)
def read_region(
    session: DbSession, principal: CurrentPrincipal, region_id: RowId
) -> schemas.RegionRead:
    """One region."""
    return service.region_read(session, region_id, principal.scope)


@router.post("/regions", status_code=201, tags=["regions"], **CATALOG)
def create_region(
    session: DbSession, principal: CurrentPrincipal, body: schemas.RegionRecord
) -> schemas.RegionRead:
    """Add a region; its name must be new."""
    return service.region_read(
        session, service.create(session, service.REGIONS, body, by=principal)
    )


@router.patch("/regions/{region_id}", tags=["regions"], **CATALOG)
def update_region(
    session: DbSession, principal: CurrentPrincipal, region_id: RowId, body: schemas.RegionUpdate
) -> schemas.RegionRead:
    """Change a region."""
    return service.region_read(
        session, service.update(session, service.REGIONS, region_id, body, by=principal)
    )


# --- sites -----------------------------------------------------------------------------------
@router.get("/sites", tags=["sites"], **READ)
def list_sites(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.SiteRead]:
    """Sites by name, optionally of one region."""
    return service.list_sites(
        session,
        scope=principal.scope,
        region=region,
        q=q,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/sites/{site_id}", tags=["sites"], **READ)
def read_site(session: DbSession, principal: CurrentPrincipal, site_id: RowId) -> schemas.SiteRead:
    """One site."""
    return service.site_read(session, site_id, principal.scope)


@router.post("/sites", status_code=201, tags=["sites"], **WRITE)
def create_site(
    session: DbSession, principal: CurrentPrincipal, body: schemas.SiteRecord
) -> schemas.SiteRead:
    """Add a site in a known region (a regional manager: one of its regions)."""
    return service.site_read(session, service.create(session, service.SITES, body, by=principal))


@router.patch("/sites/{site_id}", tags=["sites"], **WRITE)
def update_site(
    session: DbSession, principal: CurrentPrincipal, site_id: RowId, body: schemas.SiteUpdate
) -> schemas.SiteRead:
    """Change a site."""
    return service.site_read(
        session, service.update(session, service.SITES, site_id, body, by=principal)
    )


# --- customers -------------------------------------------------------------------------------
@router.get("/customers", tags=["customers"], **READ)
def list_customers(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.CustomerRead]:
    """Customers by code; ``q`` matches part of the code or name."""
    return service.list_customers(
        session,
        scope=principal.scope,
        region=region,
        q=q,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/customers/{customer_id}", tags=["customers"], **READ)
def read_customer(
    session: DbSession, principal: CurrentPrincipal, customer_id: RowId
) -> schemas.CustomerRead:
    """One customer."""
    return service.customer_read(session, customer_id, principal.scope)


@router.post("/customers", status_code=201, tags=["customers"], **WRITE)
def create_customer(
    session: DbSession, principal: CurrentPrincipal, body: schemas.CustomerRecord
) -> schemas.CustomerRead:
    """Add a customer; its code must be new."""
    return service.customer_read(
        session, service.create(session, service.CUSTOMERS, body, by=principal)
    )


@router.patch("/customers/{customer_id}", tags=["customers"], **WRITE)
def update_customer(
    session: DbSession,
    principal: CurrentPrincipal,
    customer_id: RowId,
    body: schemas.CustomerUpdate,
) -> schemas.CustomerRead:
    """Change a customer."""
    row_id = service.update(session, service.CUSTOMERS, customer_id, body, by=principal)
    return service.customer_read(session, row_id)


# --- product models --------------------------------------------------------------------------
@router.get("/families", tags=["models"], **READ)
def list_families() -> list[ProductFamily]:
    """The product families."""
    return list(ProductFamily)


@router.get("/models", tags=["models"], **READ)
def list_models(
    session: DbSession,
    family: Choice[ProductFamily] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.ModelRead]:
    """Product models by code."""
    return service.list_models(session, family=family, limit=limit, offset=offset, cursor=cursor)


@router.get("/models/{model_id}", tags=["models"], **READ)
def read_model(session: DbSession, model_id: RowId) -> schemas.ModelRead:
    """One product model."""
    return service.model_read(session, model_id)


@router.post("/models", status_code=201, tags=["models"], **CATALOG)
def create_model(
    session: DbSession, principal: CurrentPrincipal, body: schemas.ModelRecord
) -> schemas.ModelRead:
    """Add a product model; its code must be new."""
    return service.model_read(session, service.create(session, service.MODELS, body, by=principal))


@router.patch("/models/{model_id}", tags=["models"], **CATALOG)
def update_model(
    session: DbSession, principal: CurrentPrincipal, model_id: RowId, body: schemas.ModelUpdate
) -> schemas.ModelRead:
    """Change a product model."""
    return service.model_read(
        session, service.update(session, service.MODELS, model_id, body, by=principal)
    )


# --- deliveries ------------------------------------------------------------------------------
@router.get("/deliveries", tags=["deliveries"], **READ)
def list_deliveries(
    session: DbSession,
    principal: CurrentPrincipal,
    customer: SearchText = None,
    model: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.DeliveryRead]:
    """Deliveries, newest shipment first."""
    return service.list_deliveries(
        session,
        scope=principal.scope,
        customer=customer,
        model=model,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


@router.get("/deliveries/{delivery_id}", tags=["deliveries"], **READ)
def read_delivery(
    session: DbSession, principal: CurrentPrincipal, delivery_id: RowId
) -> schemas.DeliveryRead:
    """One delivery."""
    return service.delivery_read(session, delivery_id, principal.scope)


@router.post("/deliveries", status_code=201, tags=["deliveries"], **WRITE)
def create_delivery(
    session: DbSession, principal: CurrentPrincipal, body: schemas.DeliveryRecord
) -> schemas.DeliveryRead:
    """Add a delivery; its reference must be new."""
    return service.delivery_read(
        session, service.create(session, service.DELIVERIES, body, by=principal)
    )


@router.patch("/deliveries/{delivery_id}", tags=["deliveries"], **WRITE)
def update_delivery(
    session: DbSession,
    principal: CurrentPrincipal,
    delivery_id: RowId,
    body: schemas.DeliveryUpdate,
) -> schemas.DeliveryRead:
    """Change a delivery."""
    row_id = service.update(session, service.DELIVERIES, delivery_id, body, by=principal)
    return service.delivery_read(session, row_id)


# --- units -----------------------------------------------------------------------------------
@router.get("/units", tags=["units"], **READ)
def list_units(
    session: DbSession,
    principal: CurrentPrincipal,
    q: SearchText = None,
    region: SearchText = None,
    model: SearchText = None,
    customer: SearchText = None,
    site: SearchText = None,
    status: Choice[UnitStatus] = None,
    family: Choice[ProductFamily] = None,
    delivery: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.UnitRead]:
    """Units by serial; ``q`` matches part of the serial, the rest match exactly
    (``delivery``: a delivery's reference)."""
    where = service.UnitFilter(
        q=q,
        region=region,
        model=model,
        customer=customer,
        site=site,
        status=status,
        family=family,
        delivery=delivery,
    )
    return service.list_units(
        session, where, principal.scope, limit=limit, offset=offset, cursor=cursor
    )


@router.get("/units/{unit_id}", tags=["units"], **READ)
def read_unit(session: DbSession, principal: CurrentPrincipal, unit_id: RowId) -> schemas.UnitRead:
    """One unit with its region, family and latest meters."""
    return service.unit_read(session, unit_id, principal.scope)


@router.post("/units", status_code=201, tags=["units"], **WRITE)
def create_unit(
    session: DbSession, principal: CurrentPrincipal, body: schemas.UnitRecord
) -> schemas.UnitRead:
    """Add a unit; its serial must be new."""
    return service.unit_read(session, service.create(session, service.UNITS, body, by=principal))


@router.patch("/units/{unit_id}", tags=["units"], **WRITE)
def update_unit(
    session: DbSession, principal: CurrentPrincipal, unit_id: RowId, body: schemas.UnitUpdate
) -> schemas.UnitRead:
    """Change a unit (its status, site, warranty start...)."""
    return service.unit_read(
        session, service.update(session, service.UNITS, unit_id, body, by=principal)
    )


@router.get("/units/{unit_id}/usage", tags=["usage"], **READ)
def list_unit_usage(
    session: DbSession,
    principal: CurrentPrincipal,
    unit_id: RowId,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.UsageRead]:
    """One unit's readings, oldest first."""
    service.unit_read(session, unit_id, principal.scope)
    return service.list_usage(session, unit_id=unit_id, limit=limit, offset=offset, cursor=cursor)


# --- usage -----------------------------------------------------------------------------------
@router.get("/usage", tags=["usage"], **READ)
def list_usage(
    session: DbSession,
    principal: CurrentPrincipal,
    serial: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[schemas.UsageRead]:
    """Usage readings by unit and time, optionally of one unit (by serial)."""
    return service.list_usage(
        session, scope=principal.scope, serial=serial, limit=limit, offset=offset, cursor=cursor
    )


@router.get("/usage/{reading_id}", tags=["usage"], **READ)
def read_usage(
    session: DbSession, principal: CurrentPrincipal, reading_id: RowId
) -> schemas.UsageRead:
    """One usage reading."""
    return service.usage_read(session, reading_id, principal.scope)


@router.post("/usage", status_code=201, tags=["usage"], **USAGE)
def create_usage(
    session: DbSession, principal: CurrentPrincipal, body: schemas.UsageRecord
) -> schemas.UsageRead:
    """Record a reading; refused (422) when it is lower than an earlier one."""
    return service.usage_read(session, service.add_usage(session, body, by=principal))


@router.patch("/usage/{reading_id}", tags=["usage"], **USAGE)
def update_usage(
    session: DbSession, principal: CurrentPrincipal, reading_id: RowId, body: schemas.UsageUpdate
) -> schemas.UsageRead:
    """Correct a reading; the unit's meters must still never run backwards."""
    return service.usage_read(
        session, service.update_usage(session, reading_id, body, by=principal)
    )
