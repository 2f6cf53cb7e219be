"""The demo's issue history: two years of parts issued at the depots, for planning to forecast.

Each part's true rate is its installed-base rate (the planning problem as of the scenario's
date) times a lognormal factor (σ = 0.5: the engineering estimate is off by a factor of about
1.6 either way); each month's issues at a depot are Poisson. For each part and depot the
ledger gets an opening adjustment of the history's total, the day before its first month, then
one issue move per month with issues, on the 15th; every balance ends where it was. The months
are the complete months before the scenario's date, so the history is the same on any day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.parts.ledger import Delta, Entry, move_many
from fleetcare.parts.models import Location, MoveKind, Part, StockMove

HISTORY_ACTOR = "demo-history"
OPENING_NOTE = "opening count of the history"


def month_starts(as_of: date, months: int) -> list[datetime]:
    """The first moments of the ``months`` complete months before ``as_of``'s, oldest first."""
    current = as_of.year * 12 + as_of.month - 1
    return [datetime(month // 12, month % 12 + 1, 1) for month in range(current - months, current)]


def build_issue_history(session: Session, *, as_of: date, seed: int = 7, months: int = 24) -> int:
    """Write the issue history through the ledger unless it is there already (idempotent).

    Returns the number of moves written.
    """
    from fleetcare.planning.build import build_problem

    if session.scalar(select(StockMove.id).where(StockMove.actor == HISTORY_ACTOR).limit(1)):
        return 0
    rng = np.random.default_rng(seed + 2000)
    problem = build_problem(session, today=datetime(as_of.year, as_of.month, as_of.day))
    part_ids = dict(session.execute(select(Part.number, Part.id)).all())
    location_ids = dict(session.execute(select(Location.code, Location.id)).all())
    starts = month_starts(as_of, months)
    opening = starts[0] - timedelta(days=1)
    entries: list[Entry] = []
    for part in problem["parts"]:
        truth = float(np.exp(rng.normal(0.0, 0.5)))
        for depot, rate in part["demand_per_day"].items():
            issued = rng.poisson(rate * truth * 30.4, size=months)
            if not issued.any():
                continue
            part_id, location_id = part_ids[part["id"]], location_ids[depot]
            entries.append(
                Entry(
                    MoveKind.adjustment,
                    part_id,
                    location_id,
                    Delta(on_hand=int(issued.sum())),
                    at=opening,
                    note=OPENING_NOTE,
                )
            )
            entries += [
                Entry(
                    MoveKind.issue,
                    part_id,
                    location_id,
                    Delta(on_hand=-int(quantity)),
                    at=start + timedelta(days=14),
                    work_order=f"WO-HIST-{start:%Y%m}",
                )
                for start, quantity in zip(starts, issued, strict=True)
                if quantity
            ]
    return move_many(session, entries, actor=HISTORY_ACTOR)
