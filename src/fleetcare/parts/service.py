"""The parts domain's facade: what REST views, pages, the CLI and other domains call."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.permissions import Principal
from fleetcare.parts import schemas
from fleetcare.parts.stock_tables import TargetTable


def save_targets(
    session: Session, targets: Sequence[schemas.TargetRecord], *, by: Principal
) -> ApplyResult:
    """Set target stock per part and location, all or nothing; one audit entry per change.

    Errors name the position of the bad record (row 1 = the first).
    """
    items = [Item(record, row=n) for n, record in enumerate(targets, start=1)]
    return TargetTable(by).apply(session, items)
