"""Opening (counted) stock and target stock as importable tables, and accepting proposals.

``stock`` rows set the on-hand quantity of a part at a location through adjustment moves, so
the ledger stays the only way stock changes; ``targets`` rows set the planned stock that the
replenishment proposals aim for. Both are upserted by (part, location).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import resolve
from fleetcare.core.permissions import EVERYTHING, Principal, Scope, system
from fleetcare.parts import schemas
from fleetcare.parts.flows import set_on_hand, set_target, ship
from fleetcare.parts.ledger import NotEnoughStock, level, lock
from fleetcare.parts.models import Location, Part, StockLevel
from fleetcare.parts.read import proposals

R = TypeVar("R", bound=schemas.PartLocation)


class _PartLocationTable(Generic[R]):
    """Rows keyed by (part number, location code)."""

    name: str
    record_type: type[R]

    def _resolve(
        self, session: Session, items: Sequence[Item[R]]
    ) -> tuple[dict[str, int], dict[str, int]]:
        errors: list[FieldError] = []
        parts = resolve(session, Part, "number", (i.record.part for i in items))
        locations = resolve(session, Location, "code", (i.record.location for i in items))
        first_row: dict[tuple[str, str], int | None] = {}
        for item in items:
            part, location = item.record.part, item.record.location
            if part not in parts:
                errors.append(
                    FieldError("part", _("unknown part '{number}'").format(number=part), item.row)
                )
            if location not in locations:
                errors.append(
                    FieldError(
                        "location", _("unknown location '{code}'").format(code=location), item.row
                    )
                )
            if (part, location) in first_row:
                errors.append(
                    FieldError(
                        "part",
                        _("duplicate part/location '{part}/{location}' (also row {row})").format(
                            part=part, location=location, row=first_row[(part, location)]
                        ),
                        item.row,
                    )
                )
            first_row.setdefault((part, location), item.row)
        if errors:
            raise InvalidInput(errors)
        return parts, locations


class StockTable(_PartLocationTable[schemas.StockRecord]):
    """Counted stock: brings on hand to the given quantity with adjustment moves."""

    name = "stock"
    record_type = schemas.StockRecord

    def __init__(self, actor: Principal | None = None) -> None:
        self.actor = actor or system("import")

    def apply(
        self, session: Session, items: Sequence[Item[schemas.StockRecord]], *, write: bool = True
    ) -> ApplyResult:
        """Check parts and locations; then adjust each balance to its counted quantity."""
        parts, locations = self._resolve(session, items)
        result = ApplyResult()
        if not write:
            return result
        errors: list[FieldError] = []
        for item in items:
            part = session.get(Part, parts[item.record.part])
            location = session.get(Location, locations[item.record.location])
            assert part is not None and location is not None
            try:
                changed = set_on_hand(session, part, location, item.record.on_hand, by=self.actor)
            except NotEnoughStock:
                errors.append(FieldError("on_hand", _("below the pieces reserved there"), item.row))
                continue
            result.updated += changed
            result.unchanged += not changed
        if errors:
            raise InvalidInput(errors)
        return result

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[schemas.StockRecord]:
        """Every balance with stock on hand, by part and location."""
        statement = (
            select(Part.number, Location.code, StockLevel.on_hand)
            .join(Part, StockLevel.part_id == Part.id)
            .join(Location, StockLevel.location_id == Location.id)
            .where(StockLevel.on_hand > 0)
            .order_by(Part.number, Location.code)
        )
        for number, code, on_hand in session.execute(statement):
            yield schemas.StockRecord(part=number, location=code, on_hand=on_hand)


class TargetTable(_PartLocationTable[schemas.TargetRecord]):
    """Target stock per part and location; every change is audited, as ``actor``."""

    name = "targets"
    record_type = schemas.TargetRecord

    def __init__(self, actor: Principal | None = None) -> None:
        self.actor = actor or system("import")

    def apply(
        self, session: Session, items: Sequence[Item[schemas.TargetRecord]], *, write: bool = True
    ) -> ApplyResult:
        """Check parts and locations; then set each target (one audit entry per change)."""
        parts, locations = self._resolve(session, items)
        result = ApplyResult()
        if not write:
            return result
        for item in items:
            part = session.get(Part, parts[item.record.part])
            location = session.get(Location, locations[item.record.location])
            assert part is not None and location is not None
            before = level(session, part.id, location.id)
            was = before.target if before is not None else None
            changed = set_target(session, part, location, item.record.target)
            if changed:
                audit.record(
                    session,
                    actor=self.actor.username,
                    action="set_target",
                    entity="stock",
                    key=f"{item.record.part}@{item.record.location}",
                    before={"target": was},
                    after={"target": item.record.target},
                )
            result.updated += changed
            result.unchanged += not changed
        return result

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[schemas.TargetRecord]:
        """Every target, by part and location."""
        statement = (
            select(Part.number, Location.code, StockLevel.target)
            .join(Part, StockLevel.part_id == Part.id)
            .join(Location, StockLevel.location_id == Location.id)
            .where(StockLevel.target.is_not(None))
            .order_by(Part.number, Location.code)
        )
        for number, code, target in session.execute(statement):
            yield schemas.TargetRecord(part=number, location=code, target=target)


ACCEPT_LOCK = 0x5F0C4A  # pg_advisory_xact_lock key of accept_proposals
STOCK = StockTable()
TARGETS = TargetTable()


@dataclass(frozen=True)
class Accepted:
    """What accepting proposals did: the transfers and purchases created, the lines skipped."""

    created: list[schemas.TransferRead]
    skipped: list[schemas.ProposalLine]  # no ordinary lane from the origin: still proposed


def _shippable(line: schemas.ProposalLine) -> bool:
    """A purchase, or a transfer with an ordinary lane to carry it."""
    return line.origin is None or line.mode is not None


def accept_proposals(
    session: Session, chosen: Sequence[schemas.ProposalChoice], *, by: Principal
) -> Accepted:
    """Create the transfers and purchases of the chosen lines (all current ones if none chosen).

    A chosen line must still be proposed, with the same or a smaller quantity (lines for the
    same part, origin and destination count together): proposals are computed afresh in this
    transaction, so stock that moved meanwhile is not shipped twice. A transfer needs an
    ordinary lane: a chosen line without one is refused; accepting all skips such lines and
    returns them for the caller to report. On PostgreSQL an advisory lock makes concurrent
    accepts take turns (SQLite's write transactions already do), and every balance to move is
    locked before the first move, in the order single transfers lock theirs (no deadlock).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCEPT_LOCK})
    current = {(p.part, p.origin, p.destination): p for p in proposals(session)}
    skipped = [] if chosen else [p for p in current.values() if not _shippable(p)]
    lines: list[schemas.ProposalChoice | schemas.ProposalLine] = list(chosen) or [
        p for p in current.values() if _shippable(p)
    ]
    wanted: dict[tuple[str, str | None, str], int] = {}
    for line in lines:
        key = (line.part, line.origin, line.destination)
        wanted[key] = wanted.get(key, 0) + line.quantity
    errors = []
    for number, line in enumerate(lines, start=1):
        key = (line.part, line.origin, line.destination)
        fresh = current.get(key)
        if fresh is None or wanted[key] > fresh.quantity:
            message = _("line {n} ({part} to {destination}) is no longer proposed")
        elif not _shippable(fresh):
            message = _("line {n} ({part} to {destination}): no ordinary lane to ship it on")
        else:
            continue
        errors.append(
            FieldError(
                "lines",
                message.format(n=number, part=line.part, destination=line.destination),
                number,
            )
        )
    if errors:
        raise InvalidInput(errors)
    _lock_balances(session, lines)
    created = [
        ship(
            session,
            schemas.TransferCreate(
                part=line.part,
                origin=line.origin,
                destination=line.destination,
                quantity=line.quantity,
            ),
            by=by,
        )
        for line in lines
    ]
    return Accepted(created, skipped)


def _lock_balances(
    session: Session, lines: Sequence[schemas.ProposalChoice | schemas.ProposalLine]
) -> None:
    """Lock every balance the lines move: part by part, each in location order (``lock``)."""
    ends = [(line.part, code) for line in lines for code in (line.origin, line.destination)]
    parts = resolve(session, Part, "number", (part for part, _code in ends))
    locations = resolve(session, Location, "code", (code for _part, code in ends if code))
    by_part: dict[int, set[int]] = {}
    for part, code in ends:
        if code is not None:
            by_part.setdefault(parts[part], set()).add(locations[code])
    for part_id in sorted(by_part):
        lock(session, part_id, by_part[part_id])
