"""The parts domain's facade: what REST views, pages, the CLI and other domains call.

Reads take a Session and return schemas; writes also take the acting ``Principal``, change
stock only through the ledger and leave an audit entry. Nothing here commits: the caller's
transaction (one per request or command) does. The code lives by idea in ``queries``,
``balances``, ``reservations``, ``transfers``, ``proposals``, ``tables`` and ``stock_tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.crud import create as create  # catalogue and network rows, one at a time
from fleetcare.core.crud import update as update
from fleetcare.core.permissions import Principal, Scope
from fleetcare.parts import schemas
from fleetcare.parts.balances import record_move as record_move
from fleetcare.parts.ledger import NotEnoughStock as NotEnoughStock
from fleetcare.parts.ledger import verify as verify
from fleetcare.parts.proposals import Accepted as Accepted
from fleetcare.parts.proposals import Replenishment, replenishment
from fleetcare.parts.proposals import accept_proposals as accept_proposals
from fleetcare.parts.proposals import proposals as proposals
from fleetcare.parts.proposals import serves as serves
from fleetcare.parts.queries import bom_read as bom_read
from fleetcare.parts.queries import lane_read as lane_read
from fleetcare.parts.queries import list_boms as list_boms
from fleetcare.parts.queries import list_lanes as list_lanes
from fleetcare.parts.queries import list_locations as list_locations
from fleetcare.parts.queries import list_parts as list_parts
from fleetcare.parts.queries import location_read as location_read
from fleetcare.parts.queries import location_totals as location_totals
from fleetcare.parts.queries import models_using as models_using
from fleetcare.parts.queries import part_read as part_read
from fleetcare.parts.replenishment import depth as depth
from fleetcare.parts.reservations import issue as issue
from fleetcare.parts.reservations import release as release
from fleetcare.parts.reservations import reserve as reserve
from fleetcare.parts.scoping import Seen as Seen
from fleetcare.parts.scoping import seen as seen
from fleetcare.parts.serving import serving_depots as serving_depots
from fleetcare.parts.stock_queries import list_reservations as list_reservations
from fleetcare.parts.stock_queries import list_transfers as list_transfers
from fleetcare.parts.stock_queries import moves as moves
from fleetcare.parts.stock_queries import reservation_read as reservation_read
from fleetcare.parts.stock_queries import stock as stock
from fleetcare.parts.stock_queries import transfer_read as transfer_read
from fleetcare.parts.stock_tables import TargetTable
from fleetcare.parts.tables import BOMS as BOMS
from fleetcare.parts.tables import LANES as LANES
from fleetcare.parts.tables import LOCATIONS as LOCATIONS
from fleetcare.parts.tables import PARTS as PARTS
from fleetcare.parts.transfers import receive as receive
from fleetcare.parts.transfers import ship as ship


def save_targets(
    session: Session, targets: Sequence[schemas.TargetRecord], *, by: Principal
) -> ApplyResult:
    """Set target stock per part and location, all or nothing; one audit entry per change.

    Errors name the position of the bad record (row 1 = the first).
    """
    items = [Item(record, row=n) for n, record in enumerate(targets, start=1)]
    result = TargetTable(by).apply(session, items)
    entries = [("set_target", change) for change in result.changes]
    audit.record_many(session, actor=by.username, entity="stock", entries=entries)
    return result


def visible_replenishment(session: Session, scope: Scope) -> Replenishment:
    """The proposals whose route ``scope`` may see, and the waiting part-locations at the
    locations it sees (see ``parts.scoping``)."""
    found = replenishment(session)
    network = seen(session, scope)
    if network is None:
        return found
    return Replenishment(
        [
            line.model_copy(update={"serves": [c for c in line.serves if c in network.codes]})
            for line in found.lines
            if network.route(line.origin, line.destination)
        ],
        [(part, code) for part, code in found.waiting if code in network.codes],
    )


def visible_proposals(session: Session, scope: Scope) -> list[schemas.ProposalLine]:
    """The proposals whose route ``scope`` may see (see ``parts.scoping``)."""
    return visible_replenishment(session, scope).lines
