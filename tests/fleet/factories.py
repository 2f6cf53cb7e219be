"""Small installed bases for tests, written through the same service as the API."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fleetcare.core.permissions import system
from fleetcare.fleet import schemas, service
from fleetcare.fleet.models import ClimateClass, ProductFamily
from fleetcare.fleet.tables import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS

BY = system("test")


def small_fleet(session: Session, units: int = 3) -> list[int]:
    """Two regions, a site, customer and model in each, one delivery, ``units`` buses; unit ids."""
    service.create(
        session,
        REGIONS,
        by=BY,
        record=schemas.RegionRecord(name="Arctic", country="Russia", climate=ClimateClass.arctic),
    )
    service.create(
        session,
        REGIONS,
        by=BY,
        record=schemas.RegionRecord(
            name="Baltic", country="Russia", climate=ClimateClass.temperate
        ),
    )
    service.create(
        session,
        SITES,
        by=BY,
        record=schemas.SiteRecord(
            name="North depot", region="Arctic", latitude=68.9, longitude=33.1
        ),
    )
    service.create(
        session,
        SITES,
        by=BY,
        record=schemas.SiteRecord(
            name="West depot", region="Baltic", latitude=54.7, longitude=20.5
        ),
    )
    service.create(
        session,
        CUSTOMERS,
        by=BY,
        record=schemas.CustomerRecord(code="NORD", name="Nord Transport", region="Arctic"),
    )
    service.create(
        session,
        CUSTOMERS,
        by=BY,
        record=schemas.CustomerRecord(code="WEST", name="West Lifts", region="Baltic"),
    )
    service.create(
        session,
        MODELS,
        by=BY,
        record=schemas.ModelRecord(code="CB-12", family=ProductFamily.city_bus, name="Bus"),
    )
    service.create(
        session,
        MODELS,
        by=BY,
        record=schemas.ModelRecord(code="PL-630", family=ProductFamily.passenger_lift, name="Lift"),
    )
    service.create(
        session,
        DELIVERIES,
        by=BY,
        record=schemas.DeliveryRecord(
            reference="D-1",
            customer="NORD",
            model="CB-12",
            quantity=units,
            shipped_on=date(2023, 1, 2),
            delivered_on=date(2023, 2, 1),
        ),
    )
    ids = [
        service.create(
            session,
            UNITS,
            by=BY,
            record=schemas.UnitRecord(
                serial=f"BUS-{n:03d}",
                model="CB-12",
                customer="NORD",
                site="North depot",
                delivered_on=date(2023, 2, 1),
                delivery="D-1",
            ),
        )
        for n in range(1, units + 1)
    ]
    ids.append(
        service.create(
            session,
            UNITS,
            by=BY,
            record=schemas.UnitRecord(
                serial="LIFT-001",
                model="PL-630",
                customer="WEST",
                site="West depot",
                delivered_on=date(2022, 5, 1),
            ),
        )
    )
    session.commit()
    return ids
