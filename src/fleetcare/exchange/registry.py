"""Every table ``fleetcare import`` and ``fleetcare export`` know, by the name the CLI takes."""

from __future__ import annotations

import enum
from typing import Any

from fleetcare.cooperation.tables import COOPERATION_TABLES
from fleetcare.core.bulk import Table
from fleetcare.core.permissions import Permission
from fleetcare.fleet.tables import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE
from fleetcare.parts.stock_tables import STOCK, TARGETS
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS
from fleetcare.service.tables import (
    MAINTENANCE_PLANS,
    SERVICE_CONTRACTS,
    SERVICE_LEVELS,
    SERVICE_RATES,
    WARRANTY_POLICIES,
)
from fleetcare.workforce.tables import WORKFORCE_TABLES

FLEET_TABLES: tuple[Table[Any], ...] = (REGIONS, SITES, CUSTOMERS, MODELS, DELIVERIES, UNITS, USAGE)
PARTS_TABLES: tuple[Table[Any], ...] = (PARTS, BOMS, LOCATIONS, LANES, STOCK, TARGETS)
SERVICE_TABLES: tuple[Table[Any], ...] = (
    WARRANTY_POLICIES,
    SERVICE_CONTRACTS,
    SERVICE_LEVELS,
    MAINTENANCE_PLANS,
    SERVICE_RATES,
)
TABLES: dict[str, Table[Any]] = {
    table.name: table
    for table in FLEET_TABLES
    + PARTS_TABLES
    + SERVICE_TABLES
    + WORKFORCE_TABLES
    + COOPERATION_TABLES
}
TableName = enum.StrEnum("TableName", {name: name for name in TABLES})  # type: ignore[misc]
# Tables whose export needs more than fleet.export: the permission that reads them.
EXPORT_NEEDS: dict[str, Permission] = {
    "deals": Permission.deals_read,
    "trade": Permission.trade_read,
    "trade-targets": Permission.trade_read,
    "exchange-rates": Permission.trade_read,
}
