"""The words people read for the installed base's codes (``core.labels``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.core.i18n import N_
from fleetcare.fleet.models import ClimateClass, ProductFamily, UnitStatus

LABELS: Mapping[enum.Enum, str] = {
    ProductFamily.city_bus: N_("City bus"),
    ProductFamily.mining_dump_truck: N_("Mining dump truck"),
    ProductFamily.forestry_forwarder: N_("Forestry forwarder"),
    ProductFamily.forestry_harvester: N_("Forestry harvester"),
    ProductFamily.passenger_lift: N_("Passenger lift"),
    ProductFamily.road_machine: N_("Road machine"),
    ProductFamily.farm_machine: N_("Farm machine"),
    UnitStatus.in_service: N_("In service"),
    UnitStatus.down: N_("Down"),
    UnitStatus.retired: N_("Retired"),
    ClimateClass.temperate: N_("Temperate"),
    ClimateClass.cold: N_("Cold"),
    ClimateClass.arctic: N_("Arctic"),
}
