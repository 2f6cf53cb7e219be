"""Replenishment proposals: bring every part-location back to its target stock (pure logic).

For each part, locations are visited deepest first. A location's *position* is on hand −
reserved + in transit; when it is below the target, the shortfall is shipped from the parent,
as far as the parent's free stock (on hand − reserved − what it already promised) allows;
whatever the parent cannot ship counts against the parent's own position, so it is proposed one
level up. At the root the remaining shortfall becomes a purchase from the supplier.

Each line says whom it ``serves``: the locations below their own targets whose shortfall it
fills, itself or the ones below that passed their need up — a hub restocked from the plant
names the depot that waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Balance:
    """Stock of one part at one location, with its target (None: not planned there)."""

    on_hand: int
    reserved: int
    in_transit: int
    target: int | None


@dataclass(frozen=True)
class Proposal:
    """Ship ``quantity`` of ``part`` from ``origin`` (None: the supplier) to ``destination``."""

    part: str
    origin: str | None
    destination: str
    quantity: int
    serves: tuple[str, ...] = ()  # the below-target locations it fills, in code order


def depth(location: str, parents: Mapping[str, str | None]) -> int:
    """Steps from ``location`` up to its root (a loop, which the tree forbids, ends the walk)."""
    steps = 0
    seen = {location}
    node = parents.get(location)
    while node is not None and node not in seen:
        seen.add(node)
        steps += 1
        node = parents.get(node)
    return steps


def propose(
    balances: Mapping[tuple[str, str], Balance], parents: Mapping[str, str | None]
) -> list[Proposal]:
    """Transfers and purchases that bring every planned part-location up to its target."""
    proposals: list[Proposal] = []
    parts = sorted({part for part, _location in balances})
    order = sorted(parents, key=lambda loc: (-depth(loc, parents), loc))
    for part in parts:
        position = {loc: _position(balances.get((part, loc))) for loc in parents}
        free = {loc: _free(balances.get((part, loc))) for loc in parents}
        need = {loc: 0 for loc in parents}
        needed_by: dict[str, set[str]] = {loc: set() for loc in parents}  # whose need it carries
        for loc in order:
            balance = balances.get((part, loc))
            target = balance.target if balance and balance.target is not None else 0
            # a surplus here (say, pieces in transit) first covers what the children still need
            shortfall = max(0, target + need[loc] - position[loc])
            if shortfall == 0:
                continue
            # the pieces here cover the children first: whose need is still open after them
            held = max(0, position[loc])
            children_open = need[loc] > held
            own_open = target > max(0, position[loc] - need[loc])
            serves = (needed_by[loc] if children_open else set()) | ({loc} if own_open else set())
            parent = parents.get(loc)
            if parent is None:
                proposals.append(Proposal(part, None, loc, shortfall, tuple(sorted(serves))))
                continue
            shipped = min(shortfall, max(0, free[parent]))
            if shipped:
                proposals.append(Proposal(part, parent, loc, shipped, tuple(sorted(serves))))
                free[parent] -= shipped
                position[parent] -= shipped
            if shortfall > shipped:
                need[parent] += shortfall - shipped
                needed_by[parent] |= serves
    return proposals


def waiting(
    balances: Mapping[tuple[str, str], Balance], proposals: Sequence[Proposal]
) -> list[tuple[str, str]]:
    """The (part, location)s below their target (position < target) that no proposal ships
    to: their supplier has no free stock, and a proposal above them (or stock already on its
    way there) covers them; they are proposed once it has arrived."""
    shipped_to = {(line.part, line.destination) for line in proposals}
    return sorted(
        key
        for key, balance in balances.items()
        if balance.target is not None
        and _position(balance) < balance.target
        and key not in shipped_to
    )


def _position(balance: Balance | None) -> int:
    return 0 if balance is None else balance.on_hand - balance.reserved + balance.in_transit


def _free(balance: Balance | None) -> int:
    return 0 if balance is None else balance.on_hand - balance.reserved
