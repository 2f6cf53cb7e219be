"""The dispatcher's backlog on the scenario's date: routine faults of the last days.

Every region with units in service gets ``PER_REGION`` (20–40, drawn) recent defects on
distinct units standing at sites with coordinates (capped at the region's units), reported in
the five days before the scenario's date — mostly routine faults the machine keeps working
with (15 % down) — each with a work order ``open`` or, half of them, already ``scheduled``:
work for the dispatch planner to route. Written through the service facade as it happened
(``clock.frozen`` at each event), all before the scenario's date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import frozen
from fleetcare.core.permissions import Principal
from fleetcare.fleet.models import Region, Site, Unit, UnitStatus
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.states import WorkOrderStatus

PER_REGION = (20, 40)  # open work orders per region, both ends included
WINDOW_HOURS = 5 * 24.0  # reported within this many hours before the scenario's date
DOWN_SHARE = 0.15
ROUTINE = [  # group, symptom
    (ComponentGroup.filters, "air filter clogging warning on the display"),
    (ComponentGroup.electrics, "work lamp flickering"),
    (ComponentGroup.electrics, "battery slow to crank in the morning"),
    (ComponentGroup.cab, "cab heater fan noisy"),
    (ComponentGroup.body, "mirror bracket loose"),
    (ComponentGroup.brakes, "brakes squeal when cold"),
    (ComponentGroup.hydraulics, "slight oil weep at a hose fitting"),
    (ComponentGroup.cooling, "coolant level low, topped up"),
    (ComponentGroup.engine, "engine idles rough after a cold start"),
]


def build_backlog(
    session: Session, *, end: datetime, rng: np.random.Generator, by: Principal
) -> int:
    """Write each region's backlog; returns the defects (each with one work order) written."""
    rows = session.execute(
        select(Region.name, Unit.serial, Unit.warranty_start)
        .join(Site, Unit.site_id == Site.id)
        .join(Region, Site.region_id == Region.id)
        .where(
            Unit.status != UnitStatus.retired,
            Site.latitude.is_not(None),
            Site.longitude.is_not(None),
        )
        .order_by(Region.name, Unit.serial)
    ).all()
    by_region: dict[str, list[str]] = {}
    earliest = end - timedelta(hours=WINDOW_HOURS)
    for region, serial, start in rows:
        if datetime(start.year, start.month, start.day) < earliest:
            by_region.setdefault(region, []).append(serial)
    written = 0
    for region in sorted(by_region):
        serials = by_region[region]
        wanted = min(len(serials), int(rng.integers(PER_REGION[0], PER_REGION[1] + 1)))
        for index in sorted(rng.choice(len(serials), size=wanted, replace=False)):
            group, symptom = ROUTINE[int(rng.integers(len(ROUTINE)))]
            reported = end - timedelta(hours=float(rng.uniform(3.0, WINDOW_HOURS)))
            opened = reported + timedelta(hours=float(rng.uniform(0.2, 2.0)))
            scheduled = opened + timedelta(hours=float(rng.uniform(0.5, 3.0)))
            with frozen(reported):
                defect = service.report_defect(
                    session,
                    schemas.DefectCreate(
                        unit=serials[int(index)],
                        component_group=group,
                        symptom=symptom,
                        down=bool(rng.random() < DOWN_SHARE),
                        reported_at=reported,
                    ),
                    by=by,
                )
            with frozen(opened):
                order_id = service.open_work_order(
                    session, schemas.WorkOrderCreate(defect=defect.id, at=opened), by=by
                )
            if rng.random() < 0.5:
                with frozen(scheduled):
                    service.transition(
                        session,
                        order_id,
                        schemas.TransitionCreate(to=WorkOrderStatus.scheduled, at=scheduled),
                        by=by,
                    )
            written += 1
    return written
