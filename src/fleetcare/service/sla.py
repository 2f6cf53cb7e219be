"""SLA clocks of a work order: pure arithmetic, no database.

Response runs from the defect's report to the work order's first move to ``in_progress``;
restore from the report to ``done``. A clock stops at its event; a cancelled work order's
running clocks stop at the cancellation; a running clock reads ``now``. Against its target
(hours from the ``service-levels``): **breached** when more than the target has elapsed (exactly
the target is still met); **at risk** when it still runs, is not breached, and at least
``AT_RISK`` (80 %) of the target has elapsed. No target: neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

AT_RISK = 0.8  # share of the target elapsed from which a running clock is at risk


@dataclass(frozen=True)
class Clock:
    """One clock: its target, the hours elapsed, where it stopped, and its flags."""

    target_hours: float | None
    elapsed_hours: float
    stopped_at: datetime | None
    breached: bool
    at_risk: bool


def clock(
    start: datetime, stop: datetime | None, target_hours: float | None, now: datetime
) -> Clock:
    """The clock from ``start`` to ``stop`` (None: still running, read at ``now``)."""
    end = stop if stop is not None else now
    elapsed = max(0.0, (end - start).total_seconds() / 3600)
    if target_hours is None:
        return Clock(None, round(elapsed, 4), stop, False, False)
    breached = elapsed > target_hours
    at_risk = stop is None and not breached and elapsed >= AT_RISK * target_hours
    return Clock(target_hours, round(elapsed, 4), stop, breached, at_risk)
