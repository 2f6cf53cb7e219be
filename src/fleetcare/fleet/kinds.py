"""How each installed-base table is checked and upserted from records (see ``core.keyed``).

Six tables follow one pattern (``KeyedKind``): a natural key, references to other tables by
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
from fleetcare.core.keyed import Ids, KeyedKind, Reference, chunks
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


REGIONS = KeyedKind(
    "regions", schemas.RegionRecord, Region, ("name",), ("country", "climate"), restrict=restrict
)
SITES = KeyedKind(
    "sites",
    schemas.SiteRecord,
    Site,
    ("name",),
    ("latitude", "longitude"),
    (Reference("region", "region_id", Region, "name", "region"),),
    restrict=restrict,
    scope_field="region",
)
CUSTOMERS = KeyedKind(
    "customers",
    schemas.CustomerRecord,
    Customer,
    ("code",),
    ("name",),
    (Reference("region", "region_id", Region, "name", "region"),),
    restrict=restrict,
    scope_field="region",
)
MODELS = KeyedKind("models", schemas.ModelRecord, ProductModel, ("code",), ("family", "name"))
DELIVERIES = KeyedKind(
    "deliveries",
    schemas.DeliveryRecord,
    Delivery,
    ("reference",),
    ("quantity", "shipped_on", "delivered_on"),
    (
        Reference("customer", "customer_id", Customer, "code", "customer"),
        Reference("model", "model_id", ProductModel, "code", "model"),
    ),
    restrict=restrict,
    scope_field="customer",
)
UNITS = KeyedKind(
    "units",
    schemas.UnitRecord,
    Unit,
    ("serial",),
    ("delivered_on", "warranty_start", "status"),
    (
        Reference("model", "model_id", ProductModel, "code", "model"),
        Reference("customer", "customer_id", Customer, "code", "customer"),
        Reference("site", "site_id", Site, "name", "site"),
        Reference("delivery", "delivery_id", Delivery, "reference", "delivery"),
    ),
    extra_check=_unit_delivery_matches,
    restrict=restrict,
    scope_field="site",
)
