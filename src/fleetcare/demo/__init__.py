"""The demo scenario: a fictional maker, its export fleets and its parts network.

``build_demo`` writes the installed base (``fleet``), the parts network (``parts``), the issue
history that feeds demand planning (``history``), the service history of defects, work orders
and downtime (``service``), the stock the after-sales team keeps by its rule of thumb, counted
as of the scenario's day (``stock``), the workforce that serves it — technicians, courses,
sessions, grants and supervised jobs (``workforce``) — and the regional cooperation: deals,
trade against target and exchange rates (``cooperation``); ``demo_users`` adds one user per
role (``users``).
Every date derives from the scenario's "today" and every draw from the seed, so the same
options and day build the same rows; a second build with them writes nothing new. The tests
build as of ``AS_OF``; ``fleetcare demo`` builds as of the day of the database's latest demo
build (``scenario_day``: recorded in its audit entry), or today on an empty database, so
that a newcomer's demo is current and a rebuild adds nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import ProgressCallback
from fleetcare.core.clock import today
from fleetcare.demo.cooperation import build_cooperation
from fleetcare.demo.fleet import FAMILY_OF, allocate, build_fleet, has_units
from fleetcare.demo.history import build_issue_history
from fleetcare.demo.parts import build_parts
from fleetcare.demo.service import build_service_history
from fleetcare.demo.stock import build_stock
from fleetcare.demo.users import demo_users
from fleetcare.demo.workforce import build_workforce

__all__ = ["AS_OF", "allocate", "build_demo", "demo_users", "has_units", "scenario_day"]

AS_OF = date(2026, 11, 1)  # the tests' scenario "today": readings run up to here


def scenario_day(session: Session) -> date:
    """The day the database's demo was built as of (its latest ``demo`` audit entry's
    ``as_of``; ``AS_OF`` for a demo recorded without one), else today."""
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "demo").order_by(AuditEntry.id.desc())
    ).first()
    if entry is None:
        return today()
    recorded = (entry.after or {}).get("as_of")
    return date.fromisoformat(recorded) if isinstance(recorded, str) else AS_OF


def build_demo(
    session: Session,
    *,
    units: int = 2000,
    seed: int = 7,
    as_of: date = AS_OF,
    parts_per_family: int = 140,
    on_progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write the scenario into ``session``'s database, as of ``as_of``; returns how many rows of
    each it holds. ``as_of`` may not be after today: the imports refuse dates in the future."""
    if as_of > today():
        raise ValueError(f"the demo's date {as_of} is in the future")
    fleet = build_fleet(session, units=units, seed=seed, as_of=as_of, on_progress=on_progress)
    network = build_parts(session, models=FAMILY_OF, per_family=parts_per_family, seed=seed)
    session.flush()
    history = build_issue_history(session, as_of=as_of, seed=seed)
    serviced = build_service_history(session, as_of=as_of, seed=seed)
    stock = build_stock(session, as_of=as_of, seed=seed)
    workforce = build_workforce(session, as_of=as_of, seed=seed)
    cooperation = build_cooperation(session, as_of=as_of)
    return {
        **fleet,
        **network,
        "issue history moves": history,
        **stock,
        **serviced,
        **workforce,
        **cooperation,
    }
