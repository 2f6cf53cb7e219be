"""The words people read for the cooperation domain's codes (``core.labels``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.stages import Stage
from fleetcare.core.i18n import N_

LABELS: Mapping[enum.Enum, str] = {
    Stage.lead: N_("Lead"),
    Stage.negotiation: N_("Negotiation"),
    Stage.signed: N_("Signed"),
    Stage.shipped: N_("Shipped"),
    Stage.delivered: N_("Delivered"),
    Stage.lost: N_("Lost"),
    ProductGroup.machinery: N_("Machinery"),
    ProductGroup.construction_materials: N_("Construction materials"),
    ProductGroup.food: N_("Food"),
    ProductGroup.timber: N_("Timber"),
    ProductGroup.chemicals: N_("Chemicals"),
    ProductGroup.energy: N_("Energy"),
    ProductGroup.other: N_("Other"),
}
