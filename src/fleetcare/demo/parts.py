"""The demo's parts network: a catalogue per family, BOMs, the location tree, lanes.

Volzhsky Machine Works ships from its plant through the Dzerzhinsk hub; Kaliningrad is served
by sea from the Ust-Luga port warehouse; Murmansk, Yakutia and Karelia by rail or road from the
hub, with air freight as the emergency lane. Yakutia has two depots: the regional one at Mirny
and the diamond miner's own store at Udachny, which serves the Udachny pit (its nearest depot;
the sites name none, see ``parts.serving``). Catalogue, BOMs, locations and lanes go through
the same checks and upserts as ``fleetcare import``; the stock comes later, from the issue
history (``stock``). Deterministic for a given seed.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.parts import schemas
from fleetcare.parts.models import (
    ComponentGroup,
    LocationKind,
    TransportMode,
)
from fleetcare.parts.tables import BOMS, LANES, LOCATIONS, PARTS

LOCATION_ROWS = [  # code, name, kind, lat, lon, parent, region
    (
        "PLANT",
        "Plant - Nizhny Novgorod",
        LocationKind.plant,
        56.33,
        44.00,
        None,
        "Nizhny Novgorod Oblast",
    ),
    (
        "HUB-DZR",
        "Logistics hub - Dzerzhinsk",
        LocationKind.hub,
        56.24,
        43.46,
        "PLANT",
        "Nizhny Novgorod Oblast",
    ),
    (
        "PORT-ULU",
        "Port warehouse - Ust-Luga",
        LocationKind.port_warehouse,
        59.68,
        28.40,
        "HUB-DZR",
        "Leningrad Oblast",
    ),
    (
        "DEPOT-MUR",
        "Regional depot - Murmansk",
        LocationKind.depot,
        68.97,
        33.08,
        "HUB-DZR",
        "Murmansk Oblast",
    ),
    (
        "DEPOT-YAK",
        "Regional depot - Mirny",
        LocationKind.depot,
        62.53,
        113.96,
        "HUB-DZR",
        "Sakha (Yakutia)",
    ),
    (
        "DEPOT-KGD",
        "Regional depot - Kaliningrad",
        LocationKind.depot,
        54.71,
        20.51,
        "PORT-ULU",
        "Kaliningrad Oblast",
    ),
    (
        "DEPOT-PTZ",
        "Regional depot - Petrozavodsk",
        LocationKind.depot,
        61.79,
        34.36,
        "HUB-DZR",
        "Karelia",
    ),
    (  # the diamond miner's own store: Yakutia's second depot, nearest to the Udachny pit
        "DEPOT-UDA",
        "Mine store - Udachny",
        LocationKind.depot,
        66.42,
        112.40,
        "HUB-DZR",
        "Sakha (Yakutia)",
    ),
]
LANE_ROWS = [  # origin, destination, mode, days, sd, RUB per kg, emergency
    ("PLANT", "HUB-DZR", TransportMode.road, 1, 0.2, "4", False),
    ("HUB-DZR", "PORT-ULU", TransportMode.rail, 4, 1, "9", False),
    ("PORT-ULU", "DEPOT-KGD", TransportMode.sea, 5, 1.5, "14", False),
    ("HUB-DZR", "DEPOT-MUR", TransportMode.rail, 6, 1.5, "12", False),
    ("HUB-DZR", "DEPOT-YAK", TransportMode.rail, 21, 6, "31", False),
    ("HUB-DZR", "DEPOT-PTZ", TransportMode.road, 3, 0.5, "8", False),
    ("HUB-DZR", "DEPOT-MUR", TransportMode.air, 1, 0.3, "160", True),
    ("HUB-DZR", "DEPOT-YAK", TransportMode.air, 2, 0.5, "420", True),
    ("HUB-DZR", "DEPOT-KGD", TransportMode.air, 1, 0.3, "150", True),
    ("HUB-DZR", "DEPOT-PTZ", TransportMode.express, 1, 0.2, "45", True),
    ("HUB-DZR", "DEPOT-UDA", TransportMode.rail, 24, 6, "33", False),
    ("HUB-DZR", "DEPOT-UDA", TransportMode.air, 3, 0.8, "460", True),
]
FAMILY_PREFIX = {
    "city_bus": "BUS",
    "mining_dump_truck": "MDT",
    "forestry_forwarder": "FWD",
    "forestry_harvester": "HRV",
    "passenger_lift": "LFT",
    "road_machine": "RDM",
    "farm_machine": "FRM",
}
# Parts bought in from a supplier (recovery claims go to it); the rest are made at the plant.
SUPPLIERS = {
    ComponentGroup.engine: "Volga Diesel",
    ComponentGroup.hydraulics: "Neva Hydraulics",
    ComponentGroup.electrics: "Ural Electro",
}
# Group: (part names, typical cost in RUB, weight in kg, critical, repairable)
GROUPS: dict[ComponentGroup, tuple[tuple[str, ...], float, float, bool, bool]] = {
    ComponentGroup.engine: (
        (
            "Fuel injector",
            "Turbocharger",
            "Water pump",
            "Starter motor",
            "Cylinder head gasket",
            "Piston ring set",
            "High-pressure fuel pump",
            "Crankshaft seal",
        ),
        60_000,
        12,
        True,
        True,
    ),
    ComponentGroup.transmission: (
        (
            "Clutch disc",
            "Gearbox synchroniser",
            "Drive shaft",
            "Final drive seal",
            "Torque converter",
        ),
        90_000,
        25,
        True,
        True,
    ),
    ComponentGroup.hydraulics: (
        (
            "Hydraulic pump",
            "Boom cylinder seal kit",
            "Control valve",
            "High-pressure hose",
            "Hydraulic motor",
        ),
        45_000,
        9,
        True,
        True,
    ),
    ComponentGroup.brakes: (
        ("Brake pad set", "Brake disc", "Brake chamber", "ABS sensor", "Brake valve"),
        12_000,
        6,
        True,
        False,
    ),
    ComponentGroup.electrics: (
        ("Alternator", "Control unit", "Wiring harness", "Headlamp", "Battery"),
        25_000,
        5,
        False,
        True,
    ),
    ComponentGroup.filters: (
        (
            "Oil filter",
            "Fuel filter",
            "Air filter element",
            "Cabin filter",
            "Hydraulic return filter",
        ),
        1_800,
        1,
        False,
        False,
    ),
    ComponentGroup.cooling: (
        ("Radiator", "Thermostat", "Fan clutch", "Coolant hose"),
        18_000,
        7,
        True,
        False,
    ),
    ComponentGroup.suspension: (
        ("Shock absorber", "Air spring", "Leaf spring", "Stabiliser link"),
        15_000,
        14,
        False,
        False,
    ),
    ComponentGroup.body: (
        ("Door actuator", "Mirror assembly", "Windscreen", "Wiper motor"),
        9_000,
        8,
        False,
        False,
    ),
}
PER_MACHINE = {
    "Fuel injector": 6,
    "Brake pad set": 2,
    "Brake disc": 4,
    "Shock absorber": 4,
    "Air spring": 4,
    "Headlamp": 2,
    "Brake chamber": 4,
    "High-pressure hose": 6,
}


def catalogue(family: str, per_family: int, rng: np.random.Generator) -> list[schemas.PartRecord]:
    """``per_family`` parts for one family, spread over the component groups."""
    parts: list[schemas.PartRecord] = []
    groups = list(GROUPS)
    for index in range(per_family):
        group = groups[index % len(groups)]
        names, cost, weight, _critical, repairable = GROUPS[group]
        name = names[(index // len(groups)) % len(names)]
        variant = index // (len(groups) * len(names)) + 1
        unit_cost = Decimal(str(round(cost * float(rng.lognormal(0, 0.5)), -1))).quantize(
            Decimal("0.01")
        )
        grey = (unit_cost * Decimal(str(round(float(rng.uniform(3, 6)), 1)))).quantize(
            Decimal("0.01")
        )
        parts.append(
            schemas.PartRecord(
                number=f"{FAMILY_PREFIX[family]}-{group.value[:3].upper()}-{index + 1:04d}",
                name=f"{name}{'' if variant == 1 else f' (v{variant})'}",
                group=group,
                unit_cost=unit_cost,
                weight_kg=round(weight * float(rng.lognormal(0, 0.4)), 2),
                repairable=repairable and cost > 20_000,
                grey_price=grey if rng.random() < 0.6 else None,
                supplier=SUPPLIERS.get(group),
            )
        )
    return parts


def build_parts(
    session: Session, *, models: dict[str, str], per_family: int = 140, seed: int = 7
) -> dict[str, int]:
    """Write the parts network; ``models`` maps model code to family. Returns row counts."""
    rng = np.random.default_rng(seed + 1000)
    by_family = {family: catalogue(family, per_family, rng) for family in FAMILY_PREFIX}
    parts = [part for family in by_family.values() for part in family]
    boms = [
        schemas.BomRecord(
            model=model,
            part=part.number,
            quantity=PER_MACHINE.get(part.name.split(" (")[0], 1),
            critical=GROUPS[part.group][3],
        )
        for model, family in sorted(models.items())
        for part in by_family[family]
    ]
    locations = [
        schemas.LocationRecord(
            code=c, name=n, kind=k, latitude=la, longitude=lo, parent=p, region=r
        )
        for c, n, k, la, lo, p, r in LOCATION_ROWS
    ]
    lanes = [
        schemas.LaneRecord(
            origin=o,
            destination=d,
            mode=m,
            lead_time_days=t,
            lead_time_sd_days=sd,
            cost_per_kg=Decimal(c),
            emergency=e,
        )
        for o, d, m, t, sd, c, e in LANE_ROWS
    ]
    PARTS.apply(session, [Item(record) for record in parts])
    BOMS.apply(session, [Item(record) for record in boms])
    LOCATIONS.apply(session, [Item(record) for record in locations])
    LANES.apply(session, [Item(record) for record in lanes])
    return {
        "parts": len(parts),
        "BOM lines": len(boms),
        "locations": len(locations),
        "lanes": len(lanes),
    }
