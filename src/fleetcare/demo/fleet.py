"""The demo's installed base: regions, sites, customers, models, deliveries, units and usage.

Volzhsky Machine Works builds buses, dump trucks, forestry, lift, road and farm machines at its
plant near Nizhny Novgorod and serves partner regions that mirror real situations:

- Murmansk Oblast (Arctic port): the city bought 150 city buses delivered between December 2022
  and March 2023; the Kola loggers run forwarders and harvesters.
- Sakha (Yakutia), Far North: a diamond miner runs a batch of 90 t and 130 t dump trucks.
- Kaliningrad Oblast, the Baltic exclave: passenger lifts, road machines and farm machines.
- Karelia: forestry and a second city's buses.

Every record goes through the same checks and upserts as ``fleetcare import``; deliveries,
units and readings are drawn from the seed and dated up to the scenario's ``as_of`` date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item, ProgressCallback, Table
from fleetcare.fleet import schemas
from fleetcare.fleet.models import ProductFamily, Unit, UnitStatus
from fleetcare.fleet.tables import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE

BATCH_SIZE = 40  # units per delivery at most

REGION_ROWS = [
    ("Nizhny Novgorod Oblast", "Russia", "temperate"),
    ("Leningrad Oblast", "Russia", "temperate"),
    ("Murmansk Oblast", "Russia", "arctic"),
    ("Sakha (Yakutia)", "Russia", "arctic"),
    ("Kaliningrad Oblast", "Russia", "temperate"),
    ("Karelia", "Russia", "cold"),
]
SITE_ROWS = [
    ("Plant - Nizhny Novgorod", "Nizhny Novgorod Oblast", 56.33, 44.00),
    ("Logistics hub - Dzerzhinsk", "Nizhny Novgorod Oblast", 56.24, 43.46),
    ("Port warehouse - Ust-Luga", "Leningrad Oblast", 59.68, 28.40),
    ("Murmansk bus depot 1", "Murmansk Oblast", 68.97, 33.07),
    ("Murmansk bus depot 2", "Murmansk Oblast", 68.95, 33.10),
    ("Kandalaksha forest camp", "Murmansk Oblast", 67.15, 32.41),
    ("Kovdor logging site", "Murmansk Oblast", 67.56, 30.47),
    ("Udachny open pit", "Sakha (Yakutia)", 66.42, 112.40),
    ("Mirny open pit", "Sakha (Yakutia)", 62.53, 113.96),
    ("Yakutsk road depot", "Sakha (Yakutia)", 62.03, 129.73),
    ("Kaliningrad city lifts", "Kaliningrad Oblast", 54.71, 20.51),
    ("Sovetsk lifts", "Kaliningrad Oblast", 55.08, 21.89),
    ("Kaliningrad road depot", "Kaliningrad Oblast", 54.70, 20.45),
    ("Chernyakhovsk farm", "Kaliningrad Oblast", 54.63, 21.81),
    ("Petrozavodsk bus depot", "Karelia", 61.79, 34.36),
    ("Segezha logging site", "Karelia", 63.74, 34.31),
]
CUSTOMER_ROWS = [
    ("MUR-CITYTRANS", "Murmansk City Passenger Transport", "Murmansk Oblast"),
    ("MUR-KOLALES", "Kola Forest Company", "Murmansk Oblast"),
    ("YAK-ALMAZ", "Almaz Severa Mining", "Sakha (Yakutia)"),
    ("YAK-DOROGI", "Yakutia Regional Roads", "Sakha (Yakutia)"),
    ("KGD-LIFT", "Kaliningrad Lift Service", "Kaliningrad Oblast"),
    ("KGD-ROADS", "Baltic Road Maintenance", "Kaliningrad Oblast"),
    ("KGD-AGRO", "Yantar Agro Holding", "Kaliningrad Oblast"),
    ("KAR-LES", "Karelian Timber", "Karelia"),
    ("PTZ-AUTO", "Petrozavodsk Bus Fleet", "Karelia"),
]
MODEL_ROWS = [
    ("CB-12", "city_bus", "City bus, 12 m, low floor"),
    ("CB-18A", "city_bus", "Articulated city bus, 18 m"),
    ("DT-90", "mining_dump_truck", "Mining dump truck, 90 t"),
    ("DT-130", "mining_dump_truck", "Mining dump truck, 130 t"),
    ("FW-14", "forestry_forwarder", "Forwarder, 14 t"),
    ("HV-8", "forestry_harvester", "Wheeled harvester, 8 wheels"),
    ("PL-630", "passenger_lift", "Passenger lift, 630 kg"),
    ("PL-1000", "passenger_lift", "Passenger lift, 1000 kg"),
    ("RG-200", "road_machine", "Motor grader, 200 hp"),
    ("RR-10", "road_machine", "Road roller, 10 t"),
    ("TR-280", "farm_machine", "Tractor, 280 hp"),
    ("CH-7", "farm_machine", "Combine harvester, class 7"),
]
# Engine hours per calendar day in service, and km per engine hour where the machine drives.
HOURS_PER_DAY = {
    "city_bus": 14.0,
    "mining_dump_truck": 19.0,
    "forestry_forwarder": 11.0,
    "forestry_harvester": 11.0,
    "passenger_lift": 5.0,
    "road_machine": 7.0,
    "farm_machine": 6.0,
}
KM_PER_HOUR = {"city_bus": 17.0}
SEASONAL = {"farm_machine", "road_machine"}  # busy from April to October


@dataclass(frozen=True)
class FleetLine:
    """Machines of one model for one customer, at some sites, delivered within a window."""

    customer: str
    model: str
    sites: tuple[str, ...]
    share: float  # of the units not fixed by another line
    first: date
    last: date
    fixed: int | None = None  # exactly this many (when the demo is large enough)


FLEET = [
    FleetLine(
        "MUR-CITYTRANS",
        "CB-12",
        ("Murmansk bus depot 1", "Murmansk bus depot 2"),
        0,
        date(2022, 12, 1),
        date(2023, 3, 31),
        fixed=110,
    ),
    FleetLine(
        "MUR-CITYTRANS",
        "CB-18A",
        ("Murmansk bus depot 1", "Murmansk bus depot 2"),
        0,
        date(2022, 12, 1),
        date(2023, 3, 31),
        fixed=40,
    ),
    FleetLine(
        "MUR-KOLALES",
        "FW-14",
        ("Kandalaksha forest camp", "Kovdor logging site"),
        0.09,
        date(2019, 5, 1),
        date(2025, 9, 1),
    ),
    FleetLine(
        "MUR-KOLALES",
        "HV-8",
        ("Kandalaksha forest camp", "Kovdor logging site"),
        0.05,
        date(2019, 5, 1),
        date(2025, 9, 1),
    ),
    FleetLine(
        "YAK-ALMAZ",
        "DT-90",
        ("Udachny open pit", "Mirny open pit"),
        0.08,
        date(2020, 6, 1),
        date(2025, 8, 1),
    ),
    FleetLine(
        "YAK-ALMAZ", "DT-130", ("Udachny open pit",), 0.04, date(2023, 6, 1), date(2026, 7, 1)
    ),
    FleetLine(
        "YAK-DOROGI", "RG-200", ("Yakutsk road depot",), 0.04, date(2019, 6, 1), date(2025, 6, 1)
    ),
    FleetLine(
        "KGD-LIFT",
        "PL-630",
        ("Kaliningrad city lifts", "Sovetsk lifts"),
        0.22,
        date(2018, 3, 1),
        date(2026, 6, 1),
    ),
    FleetLine(
        "KGD-LIFT", "PL-1000", ("Kaliningrad city lifts",), 0.08, date(2019, 3, 1), date(2026, 6, 1)
    ),
    FleetLine(
        "KGD-ROADS",
        "RG-200",
        ("Kaliningrad road depot",),
        0.05,
        date(2019, 4, 1),
        date(2025, 10, 1),
    ),
    FleetLine(
        "KGD-ROADS", "RR-10", ("Kaliningrad road depot",), 0.05, date(2019, 4, 1), date(2025, 10, 1)
    ),
    FleetLine(
        "KGD-AGRO", "TR-280", ("Chernyakhovsk farm",), 0.10, date(2019, 2, 1), date(2026, 3, 1)
    ),
    FleetLine(
        "KGD-AGRO", "CH-7", ("Chernyakhovsk farm",), 0.04, date(2019, 6, 1), date(2026, 6, 1)
    ),
    FleetLine(
        "KAR-LES", "FW-14", ("Segezha logging site",), 0.06, date(2020, 5, 1), date(2026, 5, 1)
    ),
    FleetLine(
        "PTZ-AUTO", "CB-12", ("Petrozavodsk bus depot",), 0.06, date(2021, 8, 1), date(2025, 12, 1)
    ),
]
FAMILY_OF = {code: family for code, family, _name in MODEL_ROWS}


def allocate(units: int) -> list[int]:
    """How many units each fleet line gets: fixed lines first (scaled down in a small demo)."""
    fixed_total = sum(line.fixed or 0 for line in FLEET)
    scale = 1.0 if units >= 4 * fixed_total else units / (4 * fixed_total)
    counts = [round((line.fixed or 0) * scale) for line in FLEET]
    rest = units - sum(counts)
    shares = np.array([line.share for line in FLEET])
    raw = rest * shares / shares.sum()
    floors = np.floor(raw).astype(int)
    leftover = rest - int(floors.sum())
    order = np.argsort(-(raw - floors), kind="stable")[:leftover]
    floors[order] += 1
    return [c + int(f) for c, f in zip(counts, floors, strict=True)]


def _day(start: date, end: date, rng: np.random.Generator) -> date:
    return start + timedelta(days=int(rng.integers(0, max((end - start).days, 0) + 1)))


def _month_ends(start: date, end: date) -> list[date]:
    """The first day of every month after ``start`` up to ``end``."""
    days: list[date] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > end:
            return days
        days.append(day)


def fleet_records(
    units: int, seed: int, as_of: date
) -> tuple[list[schemas.DeliveryRecord], list[schemas.UnitRecord], list[schemas.UsageRecord]]:
    """Deliveries, units and their monthly usage readings, all drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    deliveries: list[schemas.DeliveryRecord] = []
    unit_rows: list[schemas.UnitRecord] = []
    readings: list[schemas.UsageRecord] = []
    serial_counter: dict[str, int] = {}
    for line, count in zip(FLEET, allocate(units), strict=True):
        family = FAMILY_OF[line.model]
        for batch_start in range(0, count, BATCH_SIZE):
            size = min(BATCH_SIZE, count - batch_start)
            delivered_on = min(_day(line.first, line.last, rng), as_of)
            shipped_on = delivered_on - timedelta(days=int(rng.integers(10, 45)))
            batch = batch_start // BATCH_SIZE + 1
            reference = f"D-{delivered_on:%Y%m}-{line.customer}-{line.model}-{batch}"
            deliveries.append(
                schemas.DeliveryRecord(
                    reference=reference,
                    customer=line.customer,
                    model=line.model,
                    quantity=size,
                    shipped_on=shipped_on,
                    delivered_on=delivered_on,
                )
            )
            for _ in range(size):
                serial_counter[line.model] = serial_counter.get(line.model, 0) + 1
                serial = f"{line.model}-{serial_counter[line.model]:06d}"
                commissioning = delivered_on + timedelta(days=int(rng.integers(0, 21)))
                age_years = (as_of - delivered_on).days / 365.25
                roll = rng.random()
                # a machine is down only through a defect reported down (the service
                # history's, the backlog's), so that every one down says why
                status = UnitStatus.retired if roll < 0.006 * age_years else UnitStatus.in_service
                unit_rows.append(
                    schemas.UnitRecord(
                        serial=serial,
                        model=line.model,
                        customer=line.customer,
                        site=line.sites[int(rng.integers(0, len(line.sites)))],
                        delivered_on=delivered_on,
                        warranty_start=min(commissioning, as_of),
                        status=status,
                        delivery=reference,
                    )
                )
                readings += _readings(serial, family, commissioning, as_of, status, rng)
    return deliveries, unit_rows, readings


def _readings(
    serial: str, family: str, start: date, as_of: date, status: UnitStatus, rng: np.random.Generator
) -> list[schemas.UsageRecord]:
    """Monthly meter readings from commissioning on: hours per day × a unit's own intensity."""
    intensity = float(rng.lognormal(0.0, 0.2))
    days = _month_ends(start, as_of)
    if status is UnitStatus.retired and days:
        days = days[: max(1, int(len(days) * rng.uniform(0.5, 0.95)))]
    hours = 0.0
    previous = start
    km_per_hour = KM_PER_HOUR.get(family)
    out = []
    for day in days:
        season = (1.5 if 4 <= day.month <= 10 else 0.3) if family in SEASONAL else 1.0
        hours += (
            (day - previous).days
            * HOURS_PER_DAY[family]
            * intensity
            * season
            * float(rng.uniform(0.8, 1.2))
        )
        previous = day
        km = None if km_per_hour is None else round(hours * km_per_hour, 0)
        out.append(
            schemas.UsageRecord(
                serial=serial,
                taken_at=datetime(day.year, day.month, day.day),
                engine_hours=round(hours, 1),
                km=km,
            )
        )
    return out


def has_units(session: Session) -> bool:
    """True when the database holds at least one unit."""
    return session.scalar(select(Unit.id).limit(1)) is not None


def _apply(session: Session, table: Table[Any], records: Sequence[BaseModel]) -> int:
    result = table.apply(session, [Item(record) for record in records])
    return result.created + result.updated


def build_fleet(
    session: Session,
    *,
    units: int,
    seed: int,
    as_of: date,
    on_progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write the installed base into ``session``'s database; returns how many rows of each."""
    regions = [schemas.RegionRecord(name=n, country=c, climate=k) for n, c, k in REGION_ROWS]
    sites = [
        schemas.SiteRecord(name=n, region=r, latitude=la, longitude=lo)
        for n, r, la, lo in SITE_ROWS
    ]
    customers = [schemas.CustomerRecord(code=c, name=n, region=r) for c, n, r in CUSTOMER_ROWS]
    models = [
        schemas.ModelRecord(code=c, family=ProductFamily(f), name=n) for c, f, n in MODEL_ROWS
    ]
    deliveries, unit_rows, readings = fleet_records(units, seed, as_of)
    for kind, records in (
        (REGIONS, regions),
        (SITES, sites),
        (CUSTOMERS, customers),
        (MODELS, models),
        (DELIVERIES, deliveries),
        (UNITS, unit_rows),
    ):
        _apply(session, kind, records)
    step = 20_000
    for start in range(0, len(readings), step):
        _apply(session, USAGE, readings[start : start + step])
        if on_progress is not None:
            on_progress(min(start + step, len(readings)), len(readings))
    return {
        "regions": len(regions),
        "sites": len(sites),
        "customers": len(customers),
        "models": len(models),
        "deliveries": len(deliveries),
        "units": len(unit_rows),
        "usage readings": len(readings),
    }
