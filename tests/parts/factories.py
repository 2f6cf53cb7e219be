"""A small parts network for tests: a plant, a hub, two depots, lanes, three parts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import system
from fleetcare.parts import schemas, service
from fleetcare.parts.models import ComponentGroup, LocationKind, MoveKind, TransportMode
from fleetcare.parts.stock_tables import TARGETS
from fleetcare.parts.tables import LANES, LOCATIONS, PARTS

BY = system("test")


def small_network(session: Session) -> None:
    """PLANT -> HUB -> DEPOT-A / DEPOT-B; parts P-1 (engine), P-2 (filter), P-3 (brakes)."""
    PARTS.apply(
        session,
        [
            Item(
                schemas.PartRecord(
                    number=f"P-{n}",
                    name=f"Part {n}",
                    group=group,
                    unit_cost=Decimal(cost),
                    weight_kg=weight,
                )
            )
            for n, group, cost, weight in (
                (1, ComponentGroup.engine, "850.00", 12.0),
                (2, ComponentGroup.filters, "40.00", 0.5),
                (3, ComponentGroup.brakes, "120.00", 3.0),
            )
        ],
    )
    rows = [
        ("PLANT", LocationKind.plant, None),
        ("HUB", LocationKind.hub, "PLANT"),
        ("DEPOT-A", LocationKind.depot, "HUB"),
        ("DEPOT-B", LocationKind.depot, "HUB"),
    ]
    LOCATIONS.apply(
        session,
        [
            Item(
                schemas.LocationRecord(
                    code=c, name=c.title(), kind=k, latitude=60, longitude=30, parent=p
                )
            )
            for c, k, p in rows
        ],
    )
    lanes = [
        ("PLANT", "HUB", TransportMode.road, 2, False),
        ("HUB", "DEPOT-A", TransportMode.rail, 5, False),
        ("HUB", "DEPOT-B", TransportMode.road, 3, False),
        ("HUB", "DEPOT-A", TransportMode.air, 1, True),
    ]
    LANES.apply(
        session,
        [
            Item(
                schemas.LaneRecord(
                    origin=o,
                    destination=d,
                    mode=m,
                    lead_time_days=t,
                    cost_per_kg=Decimal("10"),
                    emergency=e,
                )
            )
            for o, d, m, t, e in lanes
        ],
    )
    session.commit()


def receive(session: Session, part: str, location: str, quantity: int) -> None:
    """Book a receipt and commit it."""
    service.record_move(
        session,
        schemas.MoveCreate(kind=MoveKind.receipt, part=part, location=location, quantity=quantity),
        by=BY,
    )
    session.commit()


def depot_without_lane(session: Session, code: str = "DEPOT-C") -> None:
    """A depot under HUB that no lane reaches, and a target of 2 of P-1 there; committed."""
    LOCATIONS.apply(
        session,
        [
            Item(
                schemas.LocationRecord(
                    code=code,
                    name=code.title(),
                    kind=LocationKind.depot,
                    latitude=61,
                    longitude=30,
                    parent="HUB",
                )
            )
        ],
    )
    TARGETS.apply(session, [Item(schemas.TargetRecord(part="P-1", location=code, target=2))])
    session.commit()
