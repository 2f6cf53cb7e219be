"""A work order's part line follows the stock ledger when its reservation was ended elsewhere.

The stock API may release or issue any reservation, a work order's included. A line still
``reserved`` whose reservation is no longer active is brought in line before the work order
moves or reserves again, so the order is never stranded and never holds pieces twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.permissions import Principal
from fleetcare.parts.models import Reservation, ReservationStatus
from fleetcare.service.models import LineStatus, WorkOrderPart
from fleetcare.service.queries import line_read


def follow_the_ledger(session: Session, lines: Sequence[WorkOrderPart], *, by: Principal) -> None:
    """A reserved line whose reservation was ended through the stock API follows the ledger:
    issued there, the line is ``issued``; released there, it is ``short`` again (reserve it
    again or resolve it). Each change audited."""
    for line in lines:
        if line.status is not LineStatus.reserved or line.reservation_id is None:
            continue
        held = session.get(Reservation, line.reservation_id, with_for_update=True)
        if held is None or held.status is ReservationStatus.active:
            continue
        before = line_read(session, line.id)
        line.status = (
            LineStatus.issued if held.status is ReservationStatus.issued else LineStatus.short
        )
        session.flush()
        audit.record(
            session,
            actor=by.username,
            action=f"follow.{held.status.value}",
            entity="work_order_parts",
            key=str(line.id),
            before=before,
            after=line_read(session, line.id),
        )
