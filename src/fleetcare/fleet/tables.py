"""The installed-base tables that import, export and the API write through (see ``core.keyed``).

Six tables follow one pattern (``KeyedTable``): a natural key, references to other tables by
their natural keys, plain columns. Usage readings (``fleet.usage``) add a rule across rows and
stored data: per unit, readings ordered by time never decrease.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.db import mapped_class
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


def _delivery_keeps_its_units(
    session: Session, items: Sequence[Item[schemas.DeliveryRecord]], ids: Ids
) -> list[FieldError]:
    """A stored delivery's customer and model stay those of the units it holds (a unit's
    delivery carries its customer and model, whichever side changes)."""
    references = [i.record.reference for i in items]
    stored = {
        reference: delivery_id
        for part in chunks(references)
        for delivery_id, reference in session.execute(
            select(Delivery.id, Delivery.reference).where(Delivery.reference.in_(part))
        )
    }
    held: dict[int, set[tuple[int, int]]] = {}
    targets = sorted({i.target_id or stored.get(i.record.reference, 0) for i in items} - {0})
    for part in chunks(targets):
        for delivery_id, customer_id, model_id in session.execute(
            select(Unit.delivery_id, Unit.customer_id, Unit.model_id)
            .where(Unit.delivery_id.in_(part))
            .distinct()
        ):
            if delivery_id is not None:
                held.setdefault(delivery_id, set()).add((customer_id, model_id))
    errors = []
    for item in items:
        delivery_id = item.target_id or stored.get(item.record.reference)
        wanted = (ids["customer"][item.record.customer], ids["model"][item.record.model])
        if delivery_id is not None and held.get(delivery_id, {wanted}) != {wanted}:
            message = _(
                "delivery '{ref}' holds units of another customer or model: change those first"
            ).format(ref=item.record.reference)
            errors.append(FieldError("customer", message, item.row))
    return errors


DEPOT_KIND = "depot"  # the parts network's location kind that serves sites


def _site_depot_fits(
    session: Session, items: Sequence[Item[schemas.SiteRecord]], ids: Ids
) -> list[FieldError]:
    """A site's depot, when named, is a depot location of the site's own region.

    Locations are the parts domain's table (a layer above): known here by name only.
    """
    location: Any = mapped_class("Location")
    wanted = sorted({ids["depot"][i.record.depot] for i in items if i.record.depot})
    found = {
        row.id: (str(row.kind), row.region_id)
        for part in chunks(wanted)
        for row in session.execute(
            select(location.id, location.kind, location.region_id).where(location.id.in_(part))
        )
    }
    errors = []
    for item in items:
        code = item.record.depot
        if not code:
            continue
        kind, region_id = found[ids["depot"][code]]
        if kind != DEPOT_KIND:
            message = _("location '{code}' is not a depot").format(code=code)
        elif region_id != ids["region"][item.record.region]:
            message = _("depot '{code}' is not in region '{region}'").format(
                code=code, region=item.record.region
            )
        else:
            continue
        errors.append(FieldError("depot", message, item.row))
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
    references=(
        _REGION,
        Reference(field="depot", column="depot_id", table="Location", key="code", relation="depot"),
    ),
    extra_check=_site_depot_fits,
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
    extra_check=_delivery_keeps_its_units,
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
