"""Work-order states and the moves between them: a pure table, no database.

``open → scheduled → in_progress → done``; ``in_progress ⇄ waiting_parts``; any state before
``done`` may be ``cancelled``; ``done`` and ``cancelled`` are final.
"""

from __future__ import annotations

import enum


class WorkOrderStatus(enum.StrEnum):
    """Where a work order stands."""

    open = "open"
    scheduled = "scheduled"
    in_progress = "in_progress"
    waiting_parts = "waiting_parts"
    done = "done"
    cancelled = "cancelled"


S = WorkOrderStatus
MOVES: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    S.open: frozenset({S.scheduled, S.cancelled}),
    S.scheduled: frozenset({S.in_progress, S.cancelled}),
    S.in_progress: frozenset({S.waiting_parts, S.done, S.cancelled}),
    S.waiting_parts: frozenset({S.in_progress, S.cancelled}),
    S.done: frozenset(),
    S.cancelled: frozenset(),
}
FINAL = frozenset({S.done, S.cancelled})  # the work is over: the defect no longer holds the unit
ACTIVE = frozenset(WorkOrderStatus) - FINAL


def allowed(current: WorkOrderStatus, to: WorkOrderStatus) -> bool:
    """True when a work order in ``current`` may move to ``to``."""
    return to in MOVES[current]
