"""The words people read for the spare-parts network's codes (``core.labels``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.core.i18n import N_
from fleetcare.parts.models import (
    ComponentGroup,
    LocationKind,
    MoveKind,
    ReservationStatus,
    TransferStatus,
    TransportMode,
)

LABELS: Mapping[enum.Enum, str] = {
    ComponentGroup.engine: N_("Engine"),
    ComponentGroup.transmission: N_("Transmission"),
    ComponentGroup.hydraulics: N_("Hydraulics"),
    ComponentGroup.brakes: N_("Brakes"),
    ComponentGroup.electrics: N_("Electrics"),
    ComponentGroup.body: N_("Body"),
    ComponentGroup.filters: N_("Filters"),
    ComponentGroup.cooling: N_("Cooling"),
    ComponentGroup.suspension: N_("Suspension"),
    ComponentGroup.cab: N_("Cab"),
    ComponentGroup.lifting: N_("Lifting gear"),
    ComponentGroup.other: N_("Other"),
    LocationKind.plant: N_("Plant"),
    LocationKind.hub: N_("Logistics hub"),
    LocationKind.port_warehouse: N_("Port warehouse"),
    LocationKind.depot: N_("Depot"),
    LocationKind.assembly_site: N_("Assembly site"),
    TransportMode.road: N_("Road"),
    TransportMode.rail: N_("Rail"),
    TransportMode.sea: N_("Sea"),
    TransportMode.air: N_("Air"),
    TransportMode.express: N_("Express"),
    MoveKind.receipt: N_("Receipt"),
    MoveKind.adjustment: N_("Adjustment"),
    MoveKind.transfer_shipped: N_("Transfer shipped"),
    MoveKind.transfer_received: N_("Transfer received"),
    MoveKind.reserve: N_("Reserve"),
    MoveKind.release: N_("Release"),
    MoveKind.issue: N_("Issue"),
    MoveKind.return_: N_("Return"),
    MoveKind.scrap: N_("Scrap"),
    MoveKind.cannibalisation: N_("Cannibalisation"),
    MoveKind.grey_purchase: N_("Grey-market purchase"),
    ReservationStatus.active: N_("Active"),
    ReservationStatus.issued: N_("Issued"),
    ReservationStatus.released: N_("Released"),
    TransferStatus.in_transit: N_("In transit"),
    TransferStatus.received: N_("Received"),
}
