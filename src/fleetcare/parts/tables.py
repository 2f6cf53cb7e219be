"""Parts, bills of materials, locations and lanes as importable tables (see ``core.keyed``)."""

from __future__ import annotations

from fleetcare.core.keyed import KeyedTable, Reference
from fleetcare.fleet.models import ProductModel, Region
from fleetcare.parts import schemas, scoping
from fleetcare.parts.models import BomLine, Lane, Location, Part

PARTS = KeyedTable(
    name="parts",
    record_type=schemas.PartRecord,
    table=Part,
    key=("number",),
    plain=(
        "name",
        "group",
        "unit_cost",
        "currency",
        "weight_kg",
        "repairable",
        "grey_price",
        "supplier",
    ),
    references=(
        Reference(
            field="superseded_by",
            column="superseded_by_id",
            table=Part,
            key="number",
            relation="superseded_by",
        ),
    ),
)
BOMS = KeyedTable(
    name="boms",
    record_type=schemas.BomRecord,
    table=BomLine,
    key=("model", "part"),
    plain=("quantity", "critical"),
    references=(
        Reference(
            field="model", column="model_id", table=ProductModel, key="code", relation="model"
        ),
        Reference(field="part", column="part_id", table=Part, key="number", relation="part"),
    ),
)
LOCATIONS = KeyedTable(
    name="locations",
    record_type=schemas.LocationRecord,
    table=Location,
    key=("code",),
    plain=("name", "kind", "latitude", "longitude"),
    references=(
        Reference(
            field="parent", column="parent_id", table=Location, key="code", relation="parent"
        ),
        Reference(field="region", column="region_id", table=Region, key="name", relation="region"),
    ),
    restrict=scoping.restrict,  # exports: a regional manager's depots and the upstream network
)
LANES = KeyedTable(
    name="lanes",
    record_type=schemas.LaneRecord,
    table=Lane,
    key=("origin", "destination", "mode"),
    plain=("lead_time_days", "lead_time_sd_days", "cost_per_kg", "currency", "emergency"),
    references=(
        Reference(field="origin", column="from_id", table=Location, key="code", relation="origin"),
        Reference(
            field="destination", column="to_id", table=Location, key="code", relation="destination"
        ),
    ),
    restrict=scoping.restrict,
)
