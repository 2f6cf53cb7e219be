"""The installed base as JSON: list (filters, ``limit``/``offset``), read, create, update."""

from __future__ import annotations

from fastapi import APIRouter

from fleetcare.core.api import Choice, DbSession, Limit, Offset, RowId, SearchText
from fleetcare.fleet import schemas, service
from fleetcare.fleet.kinds import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.models import ClimateClass, ProductFamily, UnitStatus

router = APIRouter(prefix="/api")
Page = schemas.Page


# --- regions ---------------------------------------------------------------------------------
@router.get("/regions", tags=["regions"])
def list_regions(
    session: DbSession,
    q: SearchText = None,
    climate: Choice[ClimateClass] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.RegionRead]:
    """Regions by name; ``q`` matches part of the name."""
    return service.list_regions(session, q=q, climate=climate, limit=limit, offset=offset)


@router.get("/regions/{region_id}", tags=["regions"])
def read_region(session: DbSession, region_id: RowId) -> schemas.RegionRead:
    """One region."""
    return service.region_read(session, region_id)


@router.post("/regions", status_code=201, tags=["regions"])
def create_region(session: DbSession, body: schemas.RegionRecord) -> schemas.RegionRead:
    """Add a region; its name must be new."""
    return service.region_read(session, service.create(session, REGIONS, body))


@router.patch("/regions/{region_id}", tags=["regions"])
def update_region(
    session: DbSession, region_id: RowId, body: schemas.RegionUpdate
) -> schemas.RegionRead:
    """Change a region."""
    return service.region_read(session, service.update(session, REGIONS, region_id, body))


# --- sites -----------------------------------------------------------------------------------
@router.get("/sites", tags=["sites"])
def list_sites(
    session: DbSession,
    region: SearchText = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.SiteRead]:
    """Sites by name, optionally of one region."""
    return service.list_sites(session, region=region, q=q, limit=limit, offset=offset)


@router.get("/sites/{site_id}", tags=["sites"])
def read_site(session: DbSession, site_id: RowId) -> schemas.SiteRead:
    """One site."""
    return service.site_read(session, site_id)


@router.post("/sites", status_code=201, tags=["sites"])
def create_site(session: DbSession, body: schemas.SiteRecord) -> schemas.SiteRead:
    """Add a site in a known region."""
    return service.site_read(session, service.create(session, SITES, body))


@router.patch("/sites/{site_id}", tags=["sites"])
def update_site(session: DbSession, site_id: RowId, body: schemas.SiteUpdate) -> schemas.SiteRead:
    """Change a site."""
    return service.site_read(session, service.update(session, SITES, site_id, body))


# --- customers -------------------------------------------------------------------------------
@router.get("/customers", tags=["customers"])
def list_customers(
    session: DbSession,
    region: SearchText = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.CustomerRead]:
    """Customers by code; ``q`` matches part of the code or name."""
    return service.list_customers(session, region=region, q=q, limit=limit, offset=offset)


@router.get("/customers/{customer_id}", tags=["customers"])
def read_customer(session: DbSession, customer_id: RowId) -> schemas.CustomerRead:
    """One customer."""
    return service.customer_read(session, customer_id)


@router.post("/customers", status_code=201, tags=["customers"])
def create_customer(session: DbSession, body: schemas.CustomerRecord) -> schemas.CustomerRead:
    """Add a customer; its code must be new."""
    return service.customer_read(session, service.create(session, CUSTOMERS, body))


@router.patch("/customers/{customer_id}", tags=["customers"])
def update_customer(
    session: DbSession, customer_id: RowId, body: schemas.CustomerUpdate
) -> schemas.CustomerRead:
    """Change a customer."""
    return service.customer_read(session, service.update(session, CUSTOMERS, customer_id, body))


# --- product models --------------------------------------------------------------------------
@router.get("/families", tags=["models"])
def list_families() -> list[ProductFamily]:
    """The product families."""
    return list(ProductFamily)


@router.get("/models", tags=["models"])
def list_models(
    session: DbSession, family: Choice[ProductFamily] = None, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ModelRead]:
    """Product models by code."""
    return service.list_models(session, family=family, limit=limit, offset=offset)


@router.get("/models/{model_id}", tags=["models"])
def read_model(session: DbSession, model_id: RowId) -> schemas.ModelRead:
    """One product model."""
    return service.model_read(session, model_id)


@router.post("/models", status_code=201, tags=["models"])
def create_model(session: DbSession, body: schemas.ModelRecord) -> schemas.ModelRead:
    """Add a product model; its code must be new."""
    return service.model_read(session, service.create(session, MODELS, body))


@router.patch("/models/{model_id}", tags=["models"])
def update_model(
    session: DbSession, model_id: RowId, body: schemas.ModelUpdate
) -> schemas.ModelRead:
    """Change a product model."""
    return service.model_read(session, service.update(session, MODELS, model_id, body))


# --- deliveries ------------------------------------------------------------------------------
@router.get("/deliveries", tags=["deliveries"])
def list_deliveries(
    session: DbSession,
    customer: SearchText = None,
    model: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.DeliveryRead]:
    """Deliveries, newest shipment first."""
    return service.list_deliveries(
        session, customer=customer, model=model, limit=limit, offset=offset
    )


@router.get("/deliveries/{delivery_id}", tags=["deliveries"])
def read_delivery(session: DbSession, delivery_id: RowId) -> schemas.DeliveryRead:
    """One delivery."""
    return service.delivery_read(session, delivery_id)


@router.post("/deliveries", status_code=201, tags=["deliveries"])
def create_delivery(session: DbSession, body: schemas.DeliveryRecord) -> schemas.DeliveryRead:
    """Add a delivery; its reference must be new."""
    return service.delivery_read(session, service.create(session, DELIVERIES, body))


@router.patch("/deliveries/{delivery_id}", tags=["deliveries"])
def update_delivery(
    session: DbSession, delivery_id: RowId, body: schemas.DeliveryUpdate
) -> schemas.DeliveryRead:
    """Change a delivery."""
    return service.delivery_read(session, service.update(session, DELIVERIES, delivery_id, body))


# --- units -----------------------------------------------------------------------------------
@router.get("/units", tags=["units"])
def list_units(
    session: DbSession,
    q: SearchText = None,
    region: SearchText = None,
    model: SearchText = None,
    customer: SearchText = None,
    site: SearchText = None,
    status: Choice[UnitStatus] = None,
    family: Choice[ProductFamily] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.UnitRead]:
    """Units by serial; ``q`` matches part of the serial, the rest match exactly."""
    where = service.UnitFilter(
        q=q, region=region, model=model, customer=customer, site=site, status=status, family=family
    )
    return service.list_units(session, where, limit=limit, offset=offset)


@router.get("/units/{unit_id}", tags=["units"])
def read_unit(session: DbSession, unit_id: RowId) -> schemas.UnitRead:
    """One unit with its region, family and latest meters."""
    return service.unit_read(session, unit_id)


@router.post("/units", status_code=201, tags=["units"])
def create_unit(session: DbSession, body: schemas.UnitRecord) -> schemas.UnitRead:
    """Add a unit; its serial must be new."""
    return service.unit_read(session, service.create(session, UNITS, body))


@router.patch("/units/{unit_id}", tags=["units"])
def update_unit(session: DbSession, unit_id: RowId, body: schemas.UnitUpdate) -> schemas.UnitRead:
    """Change a unit (its status, site, warranty start...)."""
    return service.unit_read(session, service.update(session, UNITS, unit_id, body))


@router.get("/units/{unit_id}/usage", tags=["usage"])
def list_unit_usage(
    session: DbSession, unit_id: RowId, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.UsageRead]:
    """One unit's readings, oldest first."""
    service.unit_read(session, unit_id)
    return service.list_usage(session, unit_id=unit_id, limit=limit, offset=offset)


# --- usage -----------------------------------------------------------------------------------
@router.get("/usage", tags=["usage"])
def list_usage(
    session: DbSession, serial: SearchText = None, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.UsageRead]:
    """Usage readings by unit and time, optionally of one unit (by serial)."""
    return service.list_usage(session, serial=serial, limit=limit, offset=offset)


@router.get("/usage/{reading_id}", tags=["usage"])
def read_usage(session: DbSession, reading_id: RowId) -> schemas.UsageRead:
    """One usage reading."""
    return service.usage_read(session, reading_id)


@router.post("/usage", status_code=201, tags=["usage"])
def create_usage(session: DbSession, body: schemas.UsageRecord) -> schemas.UsageRead:
    """Record a reading; refused (422) when it is lower than an earlier one."""
    return service.usage_read(session, service.add_usage(session, body))


@router.patch("/usage/{reading_id}", tags=["usage"])
def update_usage(
    session: DbSession, reading_id: RowId, body: schemas.UsageUpdate
) -> schemas.UsageRead:
    """Correct a reading; the unit's meters must still never run backwards."""
    return service.usage_read(session, service.update_usage(session, reading_id, body))
