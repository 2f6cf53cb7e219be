"""The installed-base tables that import, export and the API write through (see ``core.keyed``).

Six tables follow one pattern (``KeyedTable``): a natural key, references to other tables by
their natural keys, plain columns. Usage readings (``fleet.usage``) add a rule across rows and
stored data: per unit, readings ordered by time never decrease.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _
from fleetcare.core.keyed import Ids, KeyedTable, Reference, chunks
from fleetcare.fleet import schemas
from fleetcare.fleet.models import Customer, Delivery, ProductModel, Region, Site, Unit
from fleetcare.fleet.scoping import restrict


def _unit_delivery_matches(
    session: Session, items: Sequence[Item[schemas.UnitRecord]], ids: Ids
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


_REGION = Reference(field="region", column="region_id", table=Region, key="name", relation="region")
_MODEL = Reference(
    field="model", column="model_id", table=ProductModel, key="code", relation="model"
)

REGIONS = KeyedTable(
    name="regions",
    record_type=schemas.RegionRecord,
    table=Region,
    key=("name",),
    plain=("country", "climate"),
    restrict=restrict,
)
SITES = KeyedTable(
    name="sites",
    record_type=schemas.SiteRecord,
    table=Site,
    key=("name",),
    plain=("latitude", "longitude"),
    references=(_REGION,),
    restrict=restrict,
    scope_field="region",
)
CUSTOMERS = KeyedTable(
    name="customers",
    record_type=schemas.CustomerRecord,
    table=Customer,
    key=("code",),
    plain=("name",),
    references=(_REGION,),
    restrict=restrict,
    scope_field="region",
)
MODELS = KeyedTable(
    name="models",
    record_type=schemas.ModelRecord,
    table=ProductModel,
    key=("code",),
    plain=("family", "name"),
)
DELIVERIES = KeyedTable(
    name="deliveries",
    record_type=schemas.DeliveryRecord,
    table=Delivery,
    key=("reference",),
    plain=("quantity", "shipped_on", "delivered_on"),
    references=(
        Reference(
            field="customer", column="customer_id", table=Customer, key="code", relation="customer"
        ),
        _MODEL,
    ),
    restrict=restrict,
    scope_field="customer",
)
UNITS = KeyedTable(
    name="units",
    record_type=schemas.UnitRecord,
    table=Unit,
    key=("serial",),
    plain=("delivered_on", "warranty_start", "status"),
    references=(
        _MODEL,
        Reference(
            field="customer", column="customer_id", table=Customer, key="code", relation="customer"
        ),
        Reference(field="site", column="site_id", table=Site, key="name", relation="site"),
        Reference(
            field="delivery",
            column="delivery_id",
            table=Delivery,
            key="reference",
            relation="delivery",
        ),
    ),
    extra_check=_unit_delivery_matches,
    restrict=restrict,
    scope_field="site",
)
