"""The demo's issue history: two years of parts issued at the depots, for planning to forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fleetcare.parts.models import Location, MoveKind, Part, StockMove

HISTORY_ACTOR = "demo-history"


def build_issue_history(session: Session, *, seed: int = 7, months: int = 24) -> int:
    """Two years of parts issued at the depots, so planning has a history to forecast.

    Each part's true rate is its installed-base rate times a lognormal factor (σ = 0.5: the
    engineering estimate is off by a factor of about 1.6 either way); each month's issues at
    a depot are Poisson. Written as one issue move per part, depot and month, preceded by an
    opening adjustment of the same total, so every balance ends where it was. Idempotent.
    Returns the number of moves written.
    """
    from fleetcare.planning.build import build_problem

    if session.scalar(select(StockMove.id).where(StockMove.actor == HISTORY_ACTOR).limit(1)):
        return 0
    rng = np.random.default_rng(seed + 2000)
    problem = build_problem(session)
    part_ids = dict(session.execute(select(Part.number, Part.id)).all())
    location_ids = dict(session.execute(select(Location.code, Location.id)).all())
    today = datetime.now(UTC).replace(tzinfo=None)
    this_month = datetime(today.year, today.month, 1)
    starts = []
    for back in range(months, 0, -1):
        year, month = divmod(this_month.year * 12 + this_month.month - 1 - back, 12)
        starts.append(datetime(year, month + 1, 1))
    opening = starts[0] - timedelta(days=1)
    rows: list[dict[str, object]] = []
    for part in problem["parts"]:
        truth = float(np.exp(rng.normal(0.0, 0.5)))
        for depot, rate in part["demand_per_day"].items():
            issued = rng.poisson(rate * truth * 30.4, size=months)
            if not issued.any():
                continue
            common = {"part_id": part_ids[part["id"]], "location_id": location_ids[depot]}
            rows.append(
                {
                    **common,
                    "at": opening,
                    "kind": MoveKind.adjustment,
                    "on_hand_delta": int(issued.sum()),
                    "note": "opening count of the history",
                }
            )
            rows += [
                {
                    **common,
                    "at": start + timedelta(days=14),
                    "kind": MoveKind.issue,
                    "on_hand_delta": -int(quantity),
                    "work_order": f"WO-HIST-{start:%Y%m}",
                }
                for start, quantity in zip(starts, issued, strict=True)
                if quantity
            ]
    defaults = {"reserved_delta": 0, "in_transit_delta": 0, "actor": HISTORY_ACTOR}
    if rows:
        session.execute(insert(StockMove), [{**defaults, **row} for row in rows])
    return len(rows)
