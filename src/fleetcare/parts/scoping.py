"""What part of the parts network a principal may see, as SQL conditions.

A location serves a region when its ``region_id`` says so. A regional manager sees the depots
of its regions and, read-only, the maker's upstream network (every location that is not a
depot: plant, hubs, port warehouses, assembly sites), but no other region's depot. A move or a
transfer is visible when every location it touches is visible, or when it touches one of the
manager's own locations (a depot of another region that shipped to, or received from, the
manager's own depot is the manager's business). Customers see no part of the network (they
lack ``parts.read``; the conditions hide everything anyway). Rows outside the scope do not
exist for the caller: reads answer 404, lists leave them out, filters find nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from fleetcare.core.db import Base
from fleetcare.core.permissions import Scope
from fleetcare.fleet import scoping as fleet_scoping
from fleetcare.fleet.models import Unit
from fleetcare.parts.models import Lane, Location, LocationKind, StockMove, Transfer

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def location_condition(scope: Scope) -> ColumnElement[bool] | None:
    """The condition on ``Location`` that keeps the locations ``scope`` may see (None: all)."""
    if scope.everything:
        return None
    if scope.customer_id is not None or not scope.region_ids:
        return false()
    return or_(
        Location.kind != LocationKind.depot, Location.region_id.in_(sorted(scope.region_ids))
    )


def visible_location_ids(scope: Scope) -> Select[int] | None:
    """The ids of the locations ``scope`` may see, as a subquery (None: all)."""
    condition = location_condition(scope)
    return None if condition is None else select(Location.id).where(condition)


def own_location_ids(scope: Scope) -> Select[int]:
    """The ids of the locations in the scope's own regions (none for a customer or everyone)."""
    if scope.customer_id is not None or not scope.region_ids:
        return select(Location.id).where(false())
    return select(Location.id).where(Location.region_id.in_(sorted(scope.region_ids)))


def transfer_condition(scope: Scope) -> ColumnElement[bool] | None:
    """The condition on ``Transfer`` that keeps the transfers ``scope`` may see (None: all)."""
    visible = visible_location_ids(scope)
    if visible is None:
        return None
    own = own_location_ids(scope)
    return or_(
        and_(
            Transfer.to_id.in_(visible),
            or_(Transfer.from_id.is_(None), Transfer.from_id.in_(visible)),
        ),
        Transfer.to_id.in_(own),
        Transfer.from_id.in_(own),
    )


def move_condition(scope: Scope) -> ColumnElement[bool] | None:
    """The condition on ``StockMove``: at a visible location, and its transfer (if any) visible."""
    visible = visible_location_ids(scope)
    transfers = transfer_condition(scope)
    if visible is None or transfers is None:
        return None
    return and_(
        StockMove.location_id.in_(visible),
        or_(
            StockMove.transfer_id.is_(None),
            StockMove.transfer_id.in_(select(Transfer.id).where(transfers)),
        ),
    )


def restrict(statement: S, table: type[Base], scope: Scope) -> S:
    """``statement`` narrowed to the rows of ``table`` (locations or lanes) ``scope`` may see.

    Used as the ``restrict`` of the ``locations`` and ``lanes`` tables, so exports are narrowed
    too; a lane is visible when both its ends are.
    """
    visible = visible_location_ids(scope)
    if visible is None:
        return statement
    if table is Location:
        return statement.where(Location.id.in_(visible))
    if table is Lane:
        return statement.where(Lane.from_id.in_(visible), Lane.to_id.in_(visible))
    return statement.where(false())


# --- what a scoped caller may read of a row it sees --------------------------------------------
@dataclass(frozen=True)
class Seen:
    """The locations a scoped caller may see, and those in its own regions, by id and code."""

    ids: frozenset[int]
    codes: frozenset[str]
    own_codes: frozenset[str]

    def route(self, origin: str | None, destination: str) -> bool:
        """True when a shipment from ``origin`` (None: a supplier) to ``destination`` is visible."""
        ends = [destination] if origin is None else [origin, destination]
        return all(end in self.codes for end in ends) or any(end in self.own_codes for end in ends)


def seen(session: Session, scope: Scope) -> Seen | None:
    """What ``scope`` may see of the network (None: everything)."""
    condition = location_condition(scope)
    if condition is None:
        return None
    rows = session.execute(select(Location.id, Location.code).where(condition)).all()
    own = session.scalars(select(Location.code).where(Location.id.in_(own_location_ids(scope))))
    return Seen(
        ids=frozenset(i for i, _c in rows),
        codes=frozenset(c for _i, c in rows),
        own_codes=frozenset(own),
    )


def visible_serials(session: Session, serials: Iterable[str | None], scope: Scope) -> set[str]:
    """Those of ``serials`` that name a unit ``scope`` may see (all, for everyone)."""
    wanted = sorted({s for s in serials if s})
    if scope.everything or not wanted:
        return set(wanted)
    statement = select(Unit.serial).where(Unit.serial.in_(wanted))
    return set(session.scalars(fleet_scoping.restrict(statement, Unit, scope)))


def own_locations(session: Session, location_ids: Iterable[int], scope: Scope) -> set[int]:
    """Those of ``location_ids`` in the scope's own regions (all, for everyone)."""
    wanted = sorted(set(location_ids))
    if scope.everything or not wanted:
        return set(wanted)
    own = own_location_ids(scope).where(Location.id.in_(wanted))
    return set(session.scalars(own))


def where(statement: S, condition: ColumnElement[bool] | None) -> S:
    """``statement`` with ``condition`` added, unless it is None (no restriction)."""
    return statement if condition is None else statement.where(condition)
