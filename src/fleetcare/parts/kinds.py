"""Parts, bills of materials, locations and lanes as importable tables (see ``core.keyed``)."""

from __future__ import annotations

from fleetcare.core.keyed import KeyedKind, Reference
from fleetcare.fleet.models import ProductModel, Region
from fleetcare.parts import schemas
from fleetcare.parts.models import BomLine, Lane, Location, Part

PARTS = KeyedKind(
    "parts",
    schemas.PartRecord,
    Part,
    ("number",),
    ("name", "group", "unit_cost", "currency", "weight_kg", "repairable", "grey_price"),
    (Reference("superseded_by", "superseded_by_id", Part, "number", "superseded_by"),),
)
BOMS = KeyedKind(
    "boms",
    schemas.BomRecord,
    BomLine,
    ("model", "part"),
    ("quantity", "critical"),
    (
        Reference("model", "model_id", ProductModel, "code", "model"),
        Reference("part", "part_id", Part, "number", "part"),
    ),
)
LOCATIONS = KeyedKind(
    "locations",
    schemas.LocationRecord,
    Location,
    ("code",),
    ("name", "kind", "latitude", "longitude"),
    (
        Reference("parent", "parent_id", Location, "code", "parent"),
        Reference("region", "region_id", Region, "name", "region"),
    ),
)
LANES = KeyedKind(
    "lanes",
    schemas.LaneRecord,
    Lane,
    ("origin", "destination", "mode"),
    ("lead_time_days", "lead_time_sd_days", "cost_per_kg", "currency", "emergency"),
    (
        Reference("origin", "from_id", Location, "code", "origin"),
        Reference("destination", "to_id", Location, "code", "destination"),
    ),
)
