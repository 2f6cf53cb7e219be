"""Every table ``fleetcare import`` and ``fleetcare export`` know, by the name the CLI takes."""

from __future__ import annotations

import enum
from typing import Any

from fleetcare.core.bulk import Kind
from fleetcare.fleet.kinds import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE
from fleetcare.parts.kinds import BOMS, LANES, LOCATIONS, PARTS
from fleetcare.parts.stock_kinds import STOCK, TARGETS

FLEET_KINDS: tuple[Kind[Any], ...] = (REGIONS, SITES, CUSTOMERS, MODELS, DELIVERIES, UNITS, USAGE)
PARTS_KINDS: tuple[Kind[Any], ...] = (PARTS, BOMS, LOCATIONS, LANES, STOCK, TARGETS)
KINDS: dict[str, Kind[Any]] = {kind.name: kind for kind in FLEET_KINDS + PARTS_KINDS}
KindName = enum.StrEnum("KindName", {name: name for name in KINDS})  # type: ignore[misc]
