"""Every table ``fleetcare import`` and ``fleetcare export`` know, by the name the CLI takes."""

from __future__ import annotations

import enum
from typing import Any

from fleetcare.core.bulk import Kind
from fleetcare.fleet.kinds import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE

KINDS: dict[str, Kind[Any]] = {
    kind.name: kind for kind in (REGIONS, SITES, CUSTOMERS, MODELS, DELIVERIES, UNITS, USAGE)
}
KindName = enum.StrEnum("KindName", {name: name for name in KINDS})  # type: ignore[misc]
