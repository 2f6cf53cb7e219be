"""Replenishment proposals from the stored balances and targets, and their acceptance.

``proposals`` prices what ``replenishment.propose`` computes (lane, lead time, freight);
``accept_proposals`` turns chosen lines into transfers and purchases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.keyed import resolve
from fleetcare.core.permissions import Principal
from fleetcare.parts import ledger, schemas
from fleetcare.parts.models import Lane, Location, Part, StockLevel
from fleetcare.parts.replenishment import Balance, Proposal, propose, waiting
from fleetcare.parts.transfers import ship

ACCEPT_LOCK = 0x5F0C4A  # pg_advisory_xact_lock key of accept_proposals


@dataclass(frozen=True)
class Replenishment:
    """The proposals now, and the (part, location)s below target that wait for their supplier
    (``replenishment.waiting``)."""

    lines: list[schemas.ProposalLine]
    waiting: list[tuple[str, str]]


def replenishment(session: Session) -> Replenishment:
    """What to ship or buy now so that every part with targets comes back to them, and what
    waits for stock upstream, from one read of the planned parts' balances."""
    above = aliased(Location)
    parents: dict[str, str | None] = {
        code: parent
        for code, parent in session.execute(
            select(Location.code, above.code).outerjoin(above, Location.parent_id == above.id)
        )
    }
    planned = select(StockLevel.part_id).where(StockLevel.target.is_not(None)).distinct()
    balances = {
        (number, code): Balance(lvl.on_hand, lvl.reserved, lvl.in_transit, lvl.target)
        for lvl, number, code in session.execute(
            select(StockLevel, Part.number, Location.code)
            .join(Part, StockLevel.part_id == Part.id)
            .join(Location, StockLevel.location_id == Location.id)
            .where(StockLevel.part_id.in_(planned))
        )
    }
    proposed = propose(balances, parents)
    return Replenishment([_priced(session, line) for line in proposed], waiting(balances, proposed))


def proposals(session: Session) -> list[schemas.ProposalLine]:
    """What to ship or buy now so that every part with targets comes back to them."""
    return replenishment(session).lines


def _priced(session: Session, proposal: Proposal) -> schemas.ProposalLine:
    part = session.scalars(select(Part).where(Part.number == proposal.part)).one()
    lane = None
    if proposal.origin is not None:
        origin, destination = aliased(Location), aliased(Location)
        lane = session.scalars(
            select(Lane)
            .join(origin, Lane.from_id == origin.id)
            .join(destination, Lane.to_id == destination.id)
            .where(
                origin.code == proposal.origin,
                destination.code == proposal.destination,
                Lane.emergency.is_(False),
            )
            .order_by(Lane.lead_time_days, Lane.id)
        ).first()
    freight = (
        (lane.cost_per_kg * Decimal(str(part.weight_kg)) * proposal.quantity).quantize(
            Decimal("0.01")
        )
        if lane
        else None
    )
    return schemas.ProposalLine(
        part=proposal.part,
        origin=proposal.origin,
        destination=proposal.destination,
        quantity=proposal.quantity,
        mode=lane.mode.value if lane else None,
        lead_time_days=lane.lead_time_days if lane else None,
        freight_cost=freight,
        currency=lane.currency if lane else part.currency,
        serves=list(proposal.serves),
    )


@dataclass(frozen=True)
class Accepted:
    """What accepting proposals did: the transfers and purchases created, the lines skipped."""

    created: list[schemas.TransferRead]
    skipped: list[schemas.ProposalLine]  # no ordinary lane from the origin: still proposed

    @property
    def created_text(self) -> str:
        """How many were created, in words: "1 transfer or purchase created." """
        return ngettext(
            "{count} transfer or purchase created.",
            "{count} transfers and purchases created.",
            len(self.created),
        ).format(count=len(self.created))


def _shippable(line: schemas.ProposalLine) -> bool:
    """A purchase, or a transfer with an ordinary lane to carry it."""
    return line.origin is None or line.mode is not None


def serves(line: schemas.ProposalLine, location: str) -> bool:
    """Whether ``line`` goes to ``location`` or fills a shortfall there (``serves``)."""
    return location == line.destination or location in line.serves


def accept_proposals(
    session: Session,
    chosen: Sequence[schemas.ProposalChoice],
    *,
    by: Principal,
    serving: str | None = None,
) -> Accepted:
    """Create the transfers and purchases of the chosen lines (all current ones if none chosen;
    with ``serving``, all the current ones to that location or serving it).

    A chosen line must still be proposed, with the same or a smaller quantity (lines for the
    same part, origin and destination count together): proposals are computed afresh in this
    transaction, so stock that moved meanwhile is not shipped twice. A transfer needs an
    ordinary lane: a chosen line without one is refused; accepting all skips such lines and
    returns them for the caller to report. A line over ``MAX_QUANTITY`` pieces goes as several
    transfers. On PostgreSQL an advisory lock makes concurrent
    accepts take turns (SQLite's write transactions already do), and every balance to move is
    locked before the first move, in the order single transfers lock theirs (no deadlock).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCEPT_LOCK})
    current = {(p.part, p.origin, p.destination): p for p in proposals(session)}
    taken = [p for p in current.values() if serving is None or serves(p, serving)]
    skipped = [] if chosen else [p for p in taken if not _shippable(p)]
    lines: list[schemas.ProposalChoice | schemas.ProposalLine] = list(chosen) or [
        p for p in taken if _shippable(p)
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
                quantity=quantity,
            ),
            by=by,
        )
        for line in lines
        for quantity in _loads(line.quantity)
    ]
    return Accepted(created, skipped)


def _loads(quantity: int) -> list[int]:
    """A line's pieces as transfers of at most ``MAX_QUANTITY`` each (a purchase at the root
    adds up every child's need and may be larger)."""
    full, rest = divmod(quantity, schemas.MAX_QUANTITY)
    return [schemas.MAX_QUANTITY] * full + ([rest] if rest else [])


def _lock_balances(
    session: Session, lines: Sequence[schemas.ProposalChoice | schemas.ProposalLine]
) -> None:
    """Lock every balance the lines move: part by part, each in location order (``ledger.lock``)."""
    ends = [(line.part, code) for line in lines for code in (line.origin, line.destination)]
    parts = resolve(session, Part, "number", (part for part, _code in ends))
    locations = resolve(session, Location, "code", (code for _part, code in ends if code))
    by_part: dict[int, set[int]] = {}
    for part, code in ends:
        if code is not None:
            by_part.setdefault(parts[part], set()).add(locations[code])
    for part_id in sorted(by_part):
        ledger.lock(session, part_id, by_part[part_id])
