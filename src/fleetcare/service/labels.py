"""The words people read for the service domain's codes (``core.labels``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.core.i18n import N_
from fleetcare.service.models import ClaimKind, DefectStatus, LineOption, LineStatus, WorkOrderKind
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.warranty import Decision

LABELS: Mapping[enum.Enum, str] = {
    WorkOrderStatus.open: N_("Open"),
    WorkOrderStatus.scheduled: N_("Scheduled"),
    WorkOrderStatus.in_progress: N_("In progress"),
    WorkOrderStatus.waiting_parts: N_("Waiting for parts"),
    WorkOrderStatus.done: N_("Done"),
    WorkOrderStatus.cancelled: N_("Cancelled"),
    DefectStatus.open: N_("Open"),
    DefectStatus.resolved: N_("Resolved"),
    DefectStatus.closed: N_("Closed"),
    Decision.covered: N_("Covered by warranty"),
    Decision.review: N_("Under review"),
    Decision.contract: N_("Service contract"),
    Decision.not_covered: N_("Not covered"),
    WorkOrderKind.repair: N_("Repair"),
    WorkOrderKind.maintenance: N_("Maintenance"),
    LineStatus.reserved: N_("Reserved"),
    LineStatus.short: N_("Short"),
    LineStatus.waiting: N_("Waiting"),
    LineStatus.in_transit: N_("In transit"),
    LineStatus.issued: N_("Issued"),
    LineStatus.released: N_("Released"),
    LineStatus.cancelled: N_("Cancelled"),
    LineOption.wait: N_("Wait"),
    LineOption.emergency: N_("Emergency shipment"),
    LineOption.cannibalise: N_("Cannibalise"),
    LineOption.grey: N_("Grey market"),
    ClaimKind.warranty: N_("Warranty"),
    ClaimKind.recovery: N_("Recovery"),
}
