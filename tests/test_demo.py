"""The demo scenario: deterministic, idempotent, and the situations the brief names."""

from __future__ import annotations

from datetime import date
from io import StringIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import export_file
from fleetcare.demo import allocate, build_demo
from fleetcare.exchange.registry import TABLES
from fleetcare.fleet.models import Customer, ProductModel, Region, Site, Unit


def test_allocation_adds_up() -> None:
    """Fleet lines share out exactly the units asked for, with 150 Murmansk buses by default."""
    for units in (10, 37, 500, 2000, 10_000):
        assert sum(allocate(units)) == units
    assert sum(allocate(2000)[:2]) == 150


def test_demo_scenario(session: Session) -> None:
    """The demo holds the Arctic buses, Far North trucks and Baltic lifts; a rebuild is a no-op."""
    counts = build_demo(session, units=800, seed=3, parts_per_family=18)
    session.commit()
    assert counts["units"] == 800 and counts["usage readings"] > 800 * 12
    buses = session.execute(
        select(func.count(), func.min(Unit.delivered_on), func.max(Unit.delivered_on))
        .join(Customer)
        .where(Customer.code == "MUR-CITYTRANS")
    ).one()
    assert buses[0] == 150 and buses[1] >= date(2022, 12, 1) and buses[2] <= date(2023, 3, 31)
    trucks = session.scalar(
        select(func.count())
        .select_from(Unit)
        .join(ProductModel)
        .join(Site)
        .join(Region)
        .where(ProductModel.family == "mining_dump_truck", Region.name == "Sakha (Yakutia)")
    )
    lifts = session.scalar(
        select(func.count())
        .select_from(Unit)
        .join(ProductModel)
        .join(Site)
        .join(Region)
        .where(ProductModel.family == "passenger_lift", Region.name == "Kaliningrad Oblast")
    )
    assert trucks and trucks > 0 and lifts and lifts > 0
    assert counts["parts"] == 7 * 18 and counts["locations"] == 7
    climates = set(session.scalars(select(Region.climate)))
    assert {"arctic", "temperate", "cold"} <= {c.value for c in climates}
    before = StringIO()
    export_file(session, TABLES["usage"], "csv", before)
    build_demo(session, units=800, seed=3, parts_per_family=18)
    session.commit()
    after = StringIO()
    export_file(session, TABLES["usage"], "csv", after)
    assert before.getvalue() == after.getvalue()


def test_same_seed_same_fleet() -> None:
    """The generator is a pure function of units and seed."""
    from fleetcare.demo import fleet_records

    first = fleet_records(200, 11, date(2026, 1, 1))
    second = fleet_records(200, 11, date(2026, 1, 1))
    other = fleet_records(200, 12, date(2026, 1, 1))
    assert first == second
    assert first[1] != other[1]
