"""The demo's stock as the maker's after-sales team keeps it: months of last year's issues.

The team's rule of thumb is the common one, and the one the planning page is there to improve
on: each depot aims for ``DEPOT_MONTHS`` of the pieces it issued in the last twelve months of
the issue history (``history``), the hub for ``HUB_MONTHS`` and the plant for ``PLANT_MONTHS``
(its procurement time) of what the whole network issued; the plant keeps at least
``PLANT_FLOOR`` of every part it makes. The rule counts months where the model counts the
resupply days behind them, so a depot at the end of a long lane (Yakutia, three weeks by
rail) runs short more often than one a day's drive from the hub, and the fast movers hold
more than they need.

A depot's aims are its stock targets (the replenishment proposals aim for them); today's count
there is the aim less what was issued since its last delivery (Poisson, a draw of up to half a
month's issues), and never less than what open work orders hold reserved there. The count is
written through the ledger as a stock count dated the scenario's ``as_of``, after the service
history (whose repairs before that day saw the depots as their own story left them); it
depends only on the issue history, the reservations and the seed, so a second build finds
every balance as counted and writes nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.keyed import resolve
from fleetcare.core.permissions import system
from fleetcare.demo.history import HISTORY_ACTOR, month_starts
from fleetcare.parts import schemas
from fleetcare.parts.balances import STOCK_COUNT_NOTE
from fleetcare.parts.ledger import Delta, Entry, lock, move_many
from fleetcare.parts.models import Location, LocationKind, MoveKind, Part, StockLevel, StockMove
from fleetcare.parts.stock_tables import TARGETS

DEPOT_MONTHS = 1.5
HUB_MONTHS = 1.0
PLANT_MONTHS = 3.0
PLANT_FLOOR = 2
SINCE_DELIVERY_MONTHS = 0.5  # the most of a month's issues a depot has used since its delivery


def count_stock(session: Session, stock: Sequence[schemas.StockRecord], *, at: datetime) -> int:
    """Bring each balance to its counted quantity with one adjustment move dated ``at``, as a
    stock count does (balances locked first, part by part); returns the moves written."""
    part_ids = resolve(session, Part, "number", (record.part for record in stock))
    location_ids = resolve(session, Location, "code", (record.location for record in stock))
    counted = {
        (part_ids[record.part], location_ids[record.location]): record.on_hand for record in stock
    }
    by_part: dict[int, list[int]] = defaultdict(list)
    for part_id, location_id in counted:
        by_part[part_id].append(location_id)
    for part_id in sorted(by_part):
        lock(session, part_id, by_part[part_id])
    on_hand = {
        (part_id, location_id): pieces
        for part_id, location_id, pieces in session.execute(
            select(StockLevel.part_id, StockLevel.location_id, StockLevel.on_hand).where(
                StockLevel.part_id.in_(by_part)
            )
        )
    }
    note = STOCK_COUNT_NOTE
    entries = [
        Entry(MoveKind.adjustment, *key, Delta(on_hand=pieces - on_hand[key]), at=at, note=note)
        for key, pieces in counted.items()
        if pieces != on_hand[key]
    ]
    return move_many(session, entries, actor=system("demo").username)


def issued_last_year(session: Session, *, as_of: date) -> dict[tuple[str, str], int]:
    """Pieces of each part the issue history issued at each depot in the twelve complete
    months before ``as_of``'s, by (part number, depot code)."""
    since = month_starts(as_of, 12)[0]
    rows = session.execute(
        select(Part.number, Location.code, StockMove.on_hand_delta)
        .join(Part, Part.id == StockMove.part_id)
        .join(Location, Location.id == StockMove.location_id)
        .where(
            StockMove.actor == HISTORY_ACTOR,
            StockMove.kind == MoveKind.issue,
            StockMove.at >= since,
        )
    )
    issued: dict[tuple[str, str], int] = defaultdict(int)
    for number, code, delta in rows:
        issued[(number, code)] -= delta
    return dict(issued)


def held_for_work_orders(session: Session) -> dict[tuple[str, str], int]:
    """The pieces reserved for open work orders, by (part number, location code): the count
    leaves at least these on hand."""
    rows = session.execute(
        select(Part.number, Location.code, StockLevel.reserved)
        .join(Part, Part.id == StockLevel.part_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.reserved > 0)
    )
    return {(number, code): int(pieces) for number, code, pieces in rows}


def aims(
    issued: dict[tuple[str, str], int], parts: list[str], *, plant: str, hub: str
) -> dict[tuple[str, str], int]:
    """The rule's pieces at each (part, location): ⌈months × pieces issued a month⌉, at the
    depots from their own issues, at the hub and the plant from the network's."""
    network: dict[str, int] = defaultdict(int)
    aim: dict[tuple[str, str], int] = {}
    for (part, depot), pieces in issued.items():
        network[part] += pieces
        if pieces:
            aim[(part, depot)] = math.ceil(DEPOT_MONTHS * pieces / 12)
    for part in parts:
        monthly = network.get(part, 0) / 12
        aim[(part, hub)] = math.ceil(HUB_MONTHS * monthly)
        aim[(part, plant)] = max(math.ceil(PLANT_MONTHS * monthly), PLANT_FLOOR)
    return aim


def build_stock(session: Session, *, as_of: date, seed: int = 7) -> dict[str, int]:
    """Count the rule's stock (less what the depots used since their deliveries) as of
    ``as_of`` and write the depots' aims as their targets; returns row counts."""
    rng = np.random.default_rng(seed + 4000)
    kinds = dict(session.execute(select(Location.code, Location.kind)).all())
    plant = next(code for code, kind in sorted(kinds.items()) if kind is LocationKind.plant)
    hub = next(code for code, kind in sorted(kinds.items()) if kind is LocationKind.hub)
    parts = list(session.scalars(select(Part.number).order_by(Part.number)))
    issued = issued_last_year(session, as_of=as_of)
    aim = aims(issued, parts, plant=plant, hub=hub)
    reserved = held_for_work_orders(session)
    stock, targets = [], []
    for (part, location), pieces in sorted(aim.items()):
        on_hand = pieces
        if kinds[location] is LocationKind.depot:
            targets.append(schemas.TargetRecord(part=part, location=location, target=pieces))
            used = issued[(part, location)] / 12 * rng.uniform(0, SINCE_DELIVERY_MONTHS)
            on_hand = max(pieces - int(rng.poisson(used)), 0)
        on_hand = max(on_hand, reserved.get((part, location), 0))  # a count finds them too
        stock.append(schemas.StockRecord(part=part, location=location, on_hand=on_hand))
    count_stock(session, stock, at=datetime(as_of.year, as_of.month, as_of.day))
    TARGETS.apply(session, [Item(record) for record in targets])
    return {"stock balances": len(stock), "stock targets": len(targets)}
