"""Names people read for the installed base's codes, translated at render time."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.core.i18n import N_, gettext
from fleetcare.fleet.models import ClimateClass, ProductFamily, UnitStatus

FAMILY: Mapping[enum.Enum, str] = {
    ProductFamily.city_bus: N_("City bus"),
    ProductFamily.mining_dump_truck: N_("Mining dump truck"),
    ProductFamily.forestry_forwarder: N_("Forestry forwarder"),
    ProductFamily.forestry_harvester: N_("Forestry harvester"),
    ProductFamily.passenger_lift: N_("Passenger lift"),
    ProductFamily.road_machine: N_("Road machine"),
    ProductFamily.farm_machine: N_("Farm machine"),
}
STATUS: Mapping[enum.Enum, str] = {
    UnitStatus.in_service: N_("In service"),
    UnitStatus.down: N_("Down"),
    UnitStatus.retired: N_("Retired"),
}
CLIMATE: Mapping[enum.Enum, str] = {
    ClimateClass.temperate: N_("Temperate"),
    ClimateClass.cold: N_("Cold"),
    ClimateClass.arctic: N_("Arctic"),
}

LABELS: Mapping[enum.Enum, str] = {**FAMILY, **STATUS, **CLIMATE}


def labels() -> dict[str, dict[str, str]]:
    """Every code's label in the current language, for templates: ``labels.family['city_bus']``."""
    return {
        "family": {k.value: gettext(v) for k, v in FAMILY.items()},
        "status": {k.value: gettext(v) for k, v in STATUS.items()},
        "climate": {k.value: gettext(v) for k, v in CLIMATE.items()},
    }
