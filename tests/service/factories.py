"""A small installed base with warranty policies, a contract and readings, for service tests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import system
from fleetcare.fleet import schemas as fleet_schemas
from fleetcare.fleet import service as fleet_service
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts.models import ComponentGroup, LocationKind
from fleetcare.parts.tables import BOMS, LOCATIONS
from fleetcare.service import schemas
from fleetcare.service.tables import SERVICE_CONTRACTS, WARRANTY_POLICIES
from tests.fleet.factories import small_fleet
from tests.parts.factories import small_network

BY = system("test")


def service_fleet(session: Session, units: int = 3) -> list[int]:
    """``small_fleet`` (BUS-001… of NORD in Arctic, LIFT-001 of WEST in Baltic, delivered
    2023-02-01 and 2022-05-01), a 24-month whole-machine policy for CB-12 with an engine row
    (36 months, 10,000 h), a contract for WEST, and one reading of BUS-001 (1,000 h)."""
    ids = small_fleet(session, units)
    WARRANTY_POLICIES.apply(
        session,
        [
            Item(schemas.WarrantyPolicyRecord(model="CB-12", months=24)),
            Item(
                schemas.WarrantyPolicyRecord(
                    model="CB-12", component_group=ComponentGroup.engine, months=36, hours=10_000
                )
            ),
            Item(schemas.WarrantyPolicyRecord(model="PL-630", months=12)),
        ],
    )
    SERVICE_CONTRACTS.apply(
        session,
        [
            Item(
                schemas.ServiceContractRecord(
                    reference="SC-WEST",
                    customer="WEST",
                    starts_on=date(2023, 1, 1),
                    ends_on=date(2099, 12, 31),
                )
            )
        ],
    )
    fleet_service.add_usage(
        session,
        fleet_schemas.UsageRecord(
            serial="BUS-001", taken_at=datetime(2024, 1, 10), engine_hours=1000
        ),
        by=BY,
    )
    session.commit()
    return ids


def service_network(session: Session) -> None:
    """``service_fleet`` plus the parts network of ``tests.parts.factories.small_network``,
    with DEPOT-A serving Arctic and DEPOT-B Baltic (no stock yet), and P-1 on the bills of
    materials of both models."""
    service_fleet(session)
    small_network(session)
    LOCATIONS.apply(
        session,
        [
            Item(
                parts_schemas.LocationRecord(
                    code=code,
                    name=code.title(),
                    kind=LocationKind.depot,
                    latitude=60,
                    longitude=30,
                    parent="HUB",
                    region=region,
                )
            )
            for code, region in (("DEPOT-A", "Arctic"), ("DEPOT-B", "Baltic"))
        ],
    )
    # what a donor can give: P-1 is fitted twice on a bus and once on a lift
    BOMS.apply(
        session,
        [
            Item(parts_schemas.BomRecord(model=model, part="P-1", quantity=quantity))
            for model, quantity in (("CB-12", 2), ("PL-630", 1))
        ],
    )
    session.commit()
