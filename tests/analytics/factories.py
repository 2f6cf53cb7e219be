"""A small service history for the reliability tests: city buses in a temperate and an arctic
region, ten engine hours a day from 1 January 2023, monthly meter readings, and defects drawn
(seeded) as Poisson processes in engine hours — the hydraulics three times as often in the
arctic, the engines alike in both — written through the fleet and service facades."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import system
from fleetcare.fleet import schemas
from fleetcare.fleet.models import ClimateClass, ProductFamily
from fleetcare.fleet.tables import CUSTOMERS, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts.models import ComponentGroup, LocationKind, TransportMode
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS
from fleetcare.service import schemas as service_schemas
from fleetcare.service import service

BY = system("test")
START = date(2023, 1, 1)
END = date(2026, 11, 30)  # the last reading
HOURS_PER_DAY = 10.0
UNITS_PER_REGION = 30
RATE_PER_HOUR = {  # (group, climate) → failures per engine hour
    ("hydraulics", "temperate"): 2.0e-5,
    ("hydraulics", "arctic"): 6.0e-5,
    ("engine", "temperate"): 2.0e-5,
    ("engine", "arctic"): 2.0e-5,
}
REGIONS_OF = (("Baltic", ClimateClass.temperate, "WEST"), ("Arctic", ClimateClass.arctic, "NORD"))


def cold_history(session: Session, seed: int = 11) -> dict[tuple[str, str], int]:
    """Write the history; returns the failures written per (group, region)."""
    for name, climate, customer in REGIONS_OF:
        REGIONS.apply(
            session,
            [Item(schemas.RegionRecord(name=name, country="Russia", climate=climate))],
        )
        SITES.apply(
            session,
            [
                Item(
                    schemas.SiteRecord(name=f"{name} depot", region=name, latitude=60, longitude=30)
                )
            ],
        )
        CUSTOMERS.apply(
            session, [Item(schemas.CustomerRecord(code=customer, name=customer, region=name))]
        )
    MODELS.apply(
        session,
        [Item(schemas.ModelRecord(code="CB-12", family=ProductFamily.city_bus, name="Bus"))],
    )
    serials = {
        name: [f"{customer}-{n:03d}" for n in range(UNITS_PER_REGION)]
        for name, _climate, customer in REGIONS_OF
    }
    UNITS.apply(
        session,
        [
            Item(
                schemas.UnitRecord(
                    serial=serial,
                    model="CB-12",
                    customer=serial.split("-")[0],
                    site=f"{name} depot",
                    delivered_on=START,
                )
            )
            for name, in_region in serials.items()
            for serial in in_region
        ],
    )
    month_ends = [date(y, m, 28) for y in range(START.year, END.year + 1) for m in range(1, 13)]
    month_ends = [d for d in month_ends if d <= END]
    USAGE.apply(
        session,
        [
            Item(
                schemas.UsageRecord(
                    serial=serial,
                    taken_at=datetime(d.year, d.month, d.day),
                    engine_hours=(d - START).days * HOURS_PER_DAY,
                )
            )
            for in_region in serials.values()
            for serial in in_region
            for d in month_ends
        ],
    )
    rng = np.random.default_rng(seed)
    horizon = (END - START).days * HOURS_PER_DAY
    written: dict[tuple[str, str], int] = {}
    for (name, climate, _customer), in_region in zip(REGIONS_OF, serials.values(), strict=True):
        for group in ("engine", "hydraulics"):
            rate = RATE_PER_HOUR[(group, climate.value)]
            count = 0
            for serial in in_region:
                hours = np.sort(rng.uniform(0, horizon, rng.poisson(rate * horizon)))
                for at_hours in hours:
                    moment = datetime(START.year, START.month, START.day) + timedelta(
                        hours=float(at_hours) / HOURS_PER_DAY * 24
                    )
                    service.report_defect(
                        session,
                        service_schemas.DefectCreate(
                            unit=serial,
                            component_group=ComponentGroup(group),
                            symptom="leak",
                            down=False,
                            reported_at=moment,
                        ),
                        by=BY,
                    )
                    count += 1
            written[(group, name)] = count
    session.commit()
    return written


def cold_network(session: Session) -> None:
    """Parts of the buses' hydraulics and brakes (critical: a bus is down without them), and a
    depot in each region under a plant."""
    PARTS.apply(
        session,
        [
            Item(
                parts_schemas.PartRecord(
                    number=number, name=number, group=group, unit_cost=Decimal("100"), weight_kg=1.0
                )
            )
            for number, group in (
                ("P-HOSE", ComponentGroup.hydraulics),
                ("P-PUMP", ComponentGroup.hydraulics),
                ("P-PAD", ComponentGroup.brakes),
            )
        ],
    )
    BOMS.apply(
        session,
        [
            Item(
                parts_schemas.BomRecord(model="CB-12", part=part, quantity=quantity, critical=True)
            )
            for part, quantity in (("P-HOSE", 3), ("P-PUMP", 1), ("P-PAD", 4))
        ],
    )
    LOCATIONS.apply(
        session,
        [
            Item(
                parts_schemas.LocationRecord(
                    code=code,
                    name=code,
                    kind=kind,
                    latitude=60,
                    longitude=30,
                    parent=parent,
                    region=region,
                )
            )
            for code, kind, parent, region in (
                ("PLANT", LocationKind.plant, None, None),
                ("DEPOT-A", LocationKind.depot, "PLANT", "Arctic"),
                ("DEPOT-B", LocationKind.depot, "PLANT", "Baltic"),
            )
        ],
    )
    LANES.apply(
        session,
        [
            Item(
                parts_schemas.LaneRecord(
                    origin="PLANT",
                    destination=depot,
                    mode=TransportMode.rail,
                    lead_time_days=5,
                    cost_per_kg=Decimal("1"),
                )
            )
            for depot in ("DEPOT-A", "DEPOT-B")
        ],
    )
    session.commit()
