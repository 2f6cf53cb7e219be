"""The stock ledger: every change of stock is a move, and a balance is the sum of its moves.

Each move changes three quantities of one part at one location:

=====================  ========  ========  ==========
move                   on hand   reserved  in transit
=====================  ========  ========  ==========
receipt, return,        +q
cannibalisation,
grey_purchase
adjustment              ±q
issue                   −q        (−q when from a reservation)
scrap                   −q
reserve                           +q
release                           −q
transfer_shipped        −q at the origin; +q in transit at the destination
transfer_received       +q        .         −q
=====================  ========  ========  ==========

A move is written with one conditional ``UPDATE`` of the balance that only succeeds when the
balance stays valid (on hand ≥ reserved ≥ 0, in transit ≥ 0). The database applies it
atomically, so concurrent requests can never take the same piece twice: on PostgreSQL the row
lock of the update serialises them and the condition is checked again on the locked row; on
SQLite writing transactions hold the write lock from their start (``BEGIN IMMEDIATE``).
``move_many`` writes many moves at once under the same rule: it locks every balance it
touches, checks each move in order, then updates each balance once and inserts the moves.

Every move leaves one audit entry (entity ``stock``, action ``move.<kind>``, key
``PART@LOCATION``) with the balance before and after it: ``{"on_hand", "reserved",
"in_transit"}``, the after also naming the move (``move``: its id). ``move_many`` writes one
such entry per move, in order, so each entry's before is the previous entry's after.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import chunks
from fleetcare.parts.models import Location, MoveKind, Part, StockLevel, StockMove

Balance = tuple[int, int, int]  # on hand, reserved, in transit

# (on hand, reserved, in transit) per piece, for the moves whose effect follows from the kind.
EFFECT: dict[MoveKind, tuple[int, int, int]] = {
    MoveKind.receipt: (1, 0, 0),
    MoveKind.return_: (1, 0, 0),
    MoveKind.cannibalisation: (1, 0, 0),
    MoveKind.grey_purchase: (1, 0, 0),
    MoveKind.issue: (-1, 0, 0),
    MoveKind.scrap: (-1, 0, 0),
    MoveKind.reserve: (0, 1, 0),
    MoveKind.release: (0, -1, 0),
    MoveKind.transfer_received: (1, 0, -1),
}


class NotEnoughStock(Exception):
    """A move would take more than the balance holds (answered 409); carries the balance."""

    def __init__(self, message: str, on_hand: int, reserved: int) -> None:
        super().__init__(message)
        self.on_hand = on_hand
        self.reserved = reserved


def _not_enough(session: Session, location_id: int, on_hand: int, reserved: int) -> NotEnoughStock:
    """The refusal of a move the balance at ``location_id`` cannot take, naming the location
    (a transfer's origin is not the location the reader asked about)."""
    where = session.get(Location, location_id)
    text = _(
        "not enough stock at {location}: {available} available ({on_hand} on hand, "
        "{reserved} reserved)"
    ).format(
        location=where.code if where is not None else location_id,
        available=on_hand - reserved,
        on_hand=on_hand,
        reserved=reserved,
    )
    return NotEnoughStock(text, on_hand, reserved)


@dataclass(frozen=True)
class Delta:
    """How a move changes one balance."""

    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0

    @classmethod
    def of(cls, kind: MoveKind, quantity: int) -> Delta:
        """The delta of ``quantity`` pieces moved by a move of ``kind``."""
        on_hand, reserved, in_transit = EFFECT[kind]
        return cls(on_hand * quantity, reserved * quantity, in_transit * quantity)


def _state(balance: Balance) -> dict[str, int]:
    on_hand, reserved, in_transit = balance
    return {"on_hand": on_hand, "reserved": reserved, "in_transit": in_transit}


def _audit_entry(
    kind: MoveKind, key: str, before: Balance, after: Balance, move_id: int
) -> tuple[str, audit.Change]:
    """The audit entry of one move: its balance before and after (the after naming the move)."""
    return f"move.{kind.value}", audit.Change(
        key, _state(before), {**_state(after), "move": move_id}
    )


def _balance_keys(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """``PART@LOCATION`` for each (part id, location id), as the audit log names a balance."""
    wanted = set(pairs)
    numbers: dict[int, str] = {}
    codes: dict[int, str] = {}
    for ids in chunks(sorted({pair[0] for pair in wanted})):
        numbers.update(
            (part_id, number)
            for part_id, number in session.execute(
                select(Part.id, Part.number).where(Part.id.in_(ids))
            )
        )
    for ids in chunks(sorted({pair[1] for pair in wanted})):
        found = select(Location.id, Location.code).where(Location.id.in_(ids))
        codes.update((location_id, code) for location_id, code in session.execute(found))
    return {(p, loc): f"{numbers[p]}@{codes[loc]}" for p, loc in wanted}


def _ensure_level(session: Session, part_id: int, location_id: int) -> None:
    """Create the balance row (all zero) if it does not exist; safe under concurrency."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(StockLevel).values(
        part_id=part_id, location_id=location_id, on_hand=0, reserved=0, in_transit=0
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["part_id", "location_id"]))


def level(session: Session, part_id: int, location_id: int) -> StockLevel | None:
    """The balance of a part at a location, read fresh from the database."""
    statement = select(StockLevel).where(
        StockLevel.part_id == part_id, StockLevel.location_id == location_id
    )
    return session.scalars(statement.execution_options(populate_existing=True)).first()


def lock(session: Session, part_id: int, location_ids: Iterable[int]) -> None:
    """Lock the part's balance rows at these locations, in location order (PostgreSQL; SQLite
    serialises write transactions anyway), creating missing rows first. Two transactions that
    lock the same rows in the same order wait for each other instead of deadlocking."""
    ordered = sorted(set(location_ids))
    for location_id in ordered:
        _ensure_level(session, part_id, location_id)
    session.execute(
        select(StockLevel.id)
        .where(StockLevel.part_id == part_id, StockLevel.location_id.in_(ordered))
        .order_by(StockLevel.location_id)
        .with_for_update()
    ).all()


def move(
    session: Session,
    *,
    kind: MoveKind,
    part_id: int,
    location_id: int,
    delta: Delta,
    actor: str,
    price: Decimal | None = None,
    currency: str | None = None,
    work_order: str | None = None,
    unit_serial: str | None = None,
    reservation_id: int | None = None,
    transfer_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> StockMove:
    """Apply ``delta`` to the balance if it stays valid, and write the move; else NotEnoughStock.

    The move is stamped ``at`` (naive UTC), now when not given."""
    _ensure_level(session, part_id, location_id)
    on_hand = StockLevel.on_hand + delta.on_hand
    reserved = StockLevel.reserved + delta.reserved
    in_transit = StockLevel.in_transit + delta.in_transit
    after = session.execute(
        update(StockLevel)
        .where(
            StockLevel.part_id == part_id,
            StockLevel.location_id == location_id,
            reserved >= 0,
            reserved <= on_hand,
            in_transit >= 0,
        )
        .values(on_hand=on_hand, reserved=reserved, in_transit=in_transit)
        .returning(StockLevel.on_hand, StockLevel.reserved, StockLevel.in_transit)
        .execution_options(synchronize_session=False)
    ).first()
    if after is None:
        current = level(session, part_id, location_id)
        have, held = (current.on_hand, current.reserved) if current else (0, 0)
        raise _not_enough(session, location_id, have, held)
    entry = StockMove(
        at=at if at is not None else utcnow(),
        kind=kind,
        part_id=part_id,
        location_id=location_id,
        on_hand_delta=delta.on_hand,
        reserved_delta=delta.reserved,
        in_transit_delta=delta.in_transit,
        price=price,
        currency=currency,
        work_order=work_order,
        unit_serial=unit_serial,
        reservation_id=reservation_id,
        transfer_id=transfer_id,
        actor=actor,
        note=note,
    )
    session.add(entry)
    session.flush()
    now: Balance = (after[0], after[1], after[2])
    was: Balance = (now[0] - delta.on_hand, now[1] - delta.reserved, now[2] - delta.in_transit)
    part, location = session.get(Part, part_id), session.get(Location, location_id)
    key = f"{part.number if part else part_id}@{location.code if location else location_id}"
    action, change = _audit_entry(kind, key, was, now, entry.id)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="stock",
        key=change.key,
        before=change.before,
        after=change.after,
    )
    return entry


@dataclass(frozen=True)
class Entry:
    """One move for ``move_many``: the arguments ``move`` takes, but the actor."""

    kind: MoveKind
    part_id: int
    location_id: int
    delta: Delta
    at: datetime | None = None
    price: Decimal | None = None
    currency: str | None = None
    work_order: str | None = None
    unit_serial: str | None = None
    reservation_id: int | None = None
    transfer_id: int | None = None
    note: str | None = None


BALANCES_PER_STATEMENT = 400  # balances named in one locking SELECT (two parameters each)


def move_many(session: Session, entries: Sequence[Entry], *, actor: str) -> int:
    """Write ``entries`` in order, as ``move`` would one by one; returns how many were written.

    Every balance the entries touch is created if missing and locked, in (part, location)
    order as ``lock`` takes one part's balances. The entries are then applied in order to the
    locked balances: when one would leave its balance invalid (on hand ≥ reserved ≥ 0, in
    transit ≥ 0), NotEnoughStock is raised, carrying that balance, and nothing is written.
    Otherwise each balance is updated once, to its final value, and the moves are inserted in
    one statement. Moves without ``at`` are stamped now.
    """
    if not entries:
        return 0
    keys = sorted({(entry.part_id, entry.location_id) for entry in entries})
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    zero = {"on_hand": 0, "reserved": 0, "in_transit": 0}
    session.execute(
        upsert(StockLevel).on_conflict_do_nothing(index_elements=["part_id", "location_id"]),
        [{"part_id": part_id, "location_id": location_id, **zero} for part_id, location_id in keys],
    )
    ids: dict[tuple[int, int], int] = {}
    balances: dict[tuple[int, int], tuple[int, int, int]] = {}
    for start in range(0, len(keys), BALANCES_PER_STATEMENT):
        chunk = keys[start : start + BALANCES_PER_STATEMENT]
        rows = session.execute(
            select(
                StockLevel.id,
                StockLevel.part_id,
                StockLevel.location_id,
                StockLevel.on_hand,
                StockLevel.reserved,
                StockLevel.in_transit,
            )
            .where(tuple_(StockLevel.part_id, StockLevel.location_id).in_(chunk))
            .order_by(StockLevel.part_id, StockLevel.location_id)
            .with_for_update()
        )
        for level_id, part_id, location_id, on_hand, reserved, in_transit in rows:
            ids[(part_id, location_id)] = level_id
            balances[(part_id, location_id)] = (on_hand, reserved, in_transit)
    steps: list[tuple[Balance, Balance]] = []  # each entry's balance before and after it
    for entry in entries:
        key = (entry.part_id, entry.location_id)
        on_hand, reserved, in_transit = balances[key]
        after = (
            on_hand + entry.delta.on_hand,
            reserved + entry.delta.reserved,
            in_transit + entry.delta.in_transit,
        )
        if not (0 <= after[1] <= after[0] and after[2] >= 0):
            raise _not_enough(session, entry.location_id, on_hand, reserved)
        steps.append((balances[key], after))
        balances[key] = after
    session.execute(
        update(StockLevel),
        [
            {"id": ids[key], "on_hand": on_hand, "reserved": reserved, "in_transit": in_transit}
            for key, (on_hand, reserved, in_transit) in balances.items()
        ],
    )
    stamp = utcnow()
    move_ids = session.scalars(
        insert(StockMove).returning(StockMove.id, sort_by_parameter_order=True),
        [
            {
                "at": entry.at if entry.at is not None else stamp,
                "kind": entry.kind,
                "part_id": entry.part_id,
                "location_id": entry.location_id,
                "on_hand_delta": entry.delta.on_hand,
                "reserved_delta": entry.delta.reserved,
                "in_transit_delta": entry.delta.in_transit,
                "price": entry.price,
                "currency": entry.currency,
                "work_order": entry.work_order,
                "unit_serial": entry.unit_serial,
                "reservation_id": entry.reservation_id,
                "transfer_id": entry.transfer_id,
                "actor": actor,
                "note": entry.note,
            }
            for entry in entries
        ],
    ).all()
    names = _balance_keys(session, keys)
    audit.record_many(
        session,
        actor=actor,
        entity="stock",
        entries=[
            _audit_entry(entry.kind, names[(entry.part_id, entry.location_id)], was, now, move_id)
            for entry, (was, now), move_id in zip(entries, steps, move_ids, strict=True)
        ],
    )
    return len(entries)


def verify(
    session: Session, locations: Collection[int] | None = None
) -> tuple[int, list[dict[str, object]]]:
    """Compare every balance (at ``locations``, None: everywhere) with the sum of its moves;
    returns (balances checked, mismatches)."""
    sums = {
        (part_id, location_id): (on_hand or 0, reserved or 0, in_transit or 0)
        for part_id, location_id, on_hand, reserved, in_transit in session.execute(
            select(
                StockMove.part_id,
                StockMove.location_id,
                func.sum(StockMove.on_hand_delta),
                func.sum(StockMove.reserved_delta),
                func.sum(StockMove.in_transit_delta),
            ).group_by(StockMove.part_id, StockMove.location_id)
        )
    }
    levels = {
        (row.part_id, row.location_id): (row.on_hand, row.reserved, row.in_transit)
        for row in session.scalars(select(StockLevel))
    }
    keys = sorted(
        key for key in set(sums) | set(levels) if locations is None or key[1] in locations
    )
    mismatches: list[dict[str, object]] = []
    for key in keys:
        stored = levels.get(key, (0, 0, 0))
        summed = tuple(int(v) for v in sums.get(key, (0, 0, 0)))
        if stored != summed:
            mismatches.append(
                {
                    "part_id": key[0],
                    "location_id": key[1],
                    "balance": list(stored),
                    "sum_of_moves": list(summed),
                }
            )
    return len(keys), mismatches


def require_positive(quantity: int, field: str = "quantity") -> None:
    """Refuse a quantity that is not a positive number of pieces."""
    if quantity <= 0:
        raise InvalidInput([FieldError(field, _("must be a positive number of pieces"))])
