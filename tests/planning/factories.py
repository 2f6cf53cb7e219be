"""The planned network the planning and simulation tests build in the database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.parts import schemas
from fleetcare.parts.models import ComponentGroup, LocationKind, TransportMode
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS
from tests.fleet.factories import small_fleet


def planned_network(session: Session) -> None:
    """The small fleet (3 buses in the Arctic) served by DEPOT-N under a hub and a plant."""
    small_fleet(session)
    PARTS.apply(
        session,
        [
            Item(
                schemas.PartRecord(
                    number="P-1",
                    name="Brake pad",
                    group=ComponentGroup.brakes,
                    unit_cost=Decimal("500"),
                    weight_kg=2.0,
                    grey_price=Decimal("2600"),
                )
            )
        ],
    )
    BOMS.apply(
        session, [Item(schemas.BomRecord(model="CB-12", part="P-1", quantity=2, critical=True))]
    )
    rows = [
        ("PLANT", LocationKind.plant, None, None),
        ("HUB", LocationKind.hub, "PLANT", None),
        ("DEPOT-N", LocationKind.depot, "HUB", "Arctic"),
    ]
    LOCATIONS.apply(
        session,
        [
            Item(
                schemas.LocationRecord(
                    code=c, name=c, kind=k, latitude=60, longitude=30, parent=p, region=r
                )
            )
            for c, k, p, r in rows
        ],
    )
    LANES.apply(
        session,
        [
            Item(
                schemas.LaneRecord(
                    origin=o,
                    destination=d,
                    mode=m,
                    lead_time_days=t,
                    lead_time_sd_days=sd,
                    cost_per_kg=Decimal(money),
                    emergency=m is TransportMode.air,
                )
            )
            for o, d, m, t, sd, money in (
                ("PLANT", "HUB", TransportMode.rail, 2, 0, "5"),
                ("HUB", "DEPOT-N", TransportMode.rail, 6, 1.5, "5"),
                ("HUB", "DEPOT-N", TransportMode.air, 1, 0, "120"),
            )
        ],
    )
    session.commit()


def parts_left_out(session: Session) -> None:
    """Beside ``planned_network``'s P-1: a filter the bus runs without (P-2), a critical part
    without a cost (P-3), and P-4, which the bus runs without but the lift (in the Baltic)
    does not: critical, since criticality is the network's."""
    PARTS.apply(
        session,
        [
            Item(
                schemas.PartRecord(number=n, name=n, group=g, unit_cost=Decimal(cost), weight_kg=1)
            )
            for n, g, cost in (
                ("P-2", ComponentGroup.filters, "40"),
                ("P-3", ComponentGroup.body, "0"),
                ("P-4", ComponentGroup.hydraulics, "900"),
            )
        ],
    )
    BOMS.apply(
        session,
        [
            Item(schemas.BomRecord(model="CB-12", part="P-2", quantity=1)),
            Item(schemas.BomRecord(model="CB-12", part="P-3", quantity=2, critical=True)),
            Item(schemas.BomRecord(model="CB-12", part="P-4", quantity=1)),
            Item(schemas.BomRecord(model="PL-630", part="P-4", quantity=1, critical=True)),
        ],
    )
    session.commit()
