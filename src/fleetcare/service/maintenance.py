"""Scheduled maintenance of a unit: when it falls due, and which tasks were missed — pure.

A model's plan asks for maintenance every ``every_hours`` engine hours and/or every
``every_months`` calendar months, with a tolerance in hours and in days. Each maintenance done
(a work order of kind ``maintenance`` reaching ``done``) starts a new cycle:

- by calendar, the next is due ``every_months`` after the last one done (the first: after the
  warranty start, the day the machine entered service), and overdue once more than
  ``tolerance_days`` days have passed since then;
- by hours, the next is due ``every_hours`` after the hours at the last one done (the first:
  after 0 h; unknown hours at a maintenance count as done on time), and overdue once a reading
  shows more than due + ``tolerance_hours``. As a missed task it is due on the day of that
  reading, with no further tolerance (so overdue from the next day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fleetcare.core.i18n import N_, N_n
from fleetcare.core.notes import Note
from fleetcare.service.warranty import MissedMaintenance, Reading, add_months


@dataclass(frozen=True)
class Plan:
    """A model's maintenance interval and tolerance (None: no limit of that kind)."""

    every_hours: float | None
    every_months: int | None
    tolerance_hours: float
    tolerance_days: int


@dataclass(frozen=True)
class Done:
    """A maintenance done on ``on``, at ``hours`` engine hours when known."""

    on: date
    hours: float | None


@dataclass(frozen=True)
class Due:
    """The unit's next maintenance: by day and by hours, and whether it is overdue ``today``."""

    due_on: date | None
    due_hours: float | None
    hours: float | None  # the latest reading
    overdue_by_days: int | None  # days past due (positive: late), calendar plan only
    overdue: bool


def _cycles(plan: Plan, start: date, done: Sequence[Done]) -> list[tuple[date, float, Done | None]]:
    """Each cycle's (base day, base hours, the maintenance that ended it or None)."""
    cycles: list[tuple[date, float, Done | None]] = []
    base_day, base_hours = start, 0.0
    for visit in sorted(done, key=lambda d: d.on):
        cycles.append((base_day, base_hours, visit))
        due_hours = base_hours + (plan.every_hours or 0.0)
        base_day, base_hours = visit.on, visit.hours if visit.hours is not None else due_hours
    cycles.append((base_day, base_hours, None))
    return cycles


def next_due(
    plan: Plan, start: date, done: Sequence[Done], latest: Reading | None, today: date
) -> Due:
    """The next maintenance after the last one done, and whether it is overdue ``today``."""
    base_day, base_hours, _ = _cycles(plan, start, done)[-1]
    due_on = add_months(base_day, plan.every_months) if plan.every_months else None
    due_hours = base_hours + plan.every_hours if plan.every_hours else None
    hours = None if latest is None else latest.engine_hours
    late_days = None if due_on is None else (today - due_on).days
    overdue = (late_days is not None and late_days > plan.tolerance_days) or (
        due_hours is not None and hours is not None and hours > due_hours + plan.tolerance_hours
    )
    return Due(due_on, due_hours, hours, late_days, overdue)


def missed(
    plan: Plan, start: date, done: Sequence[Done], readings: Sequence[Reading]
) -> list[MissedMaintenance]:
    """Every task of the unit's history, as the warranty rule reads them: each cycle's calendar
    due day with its tolerance, and the day a reading first exceeded its hours due + tolerance."""
    tasks: list[MissedMaintenance] = []
    ordered = sorted(readings, key=lambda r: r.taken_on)
    for base_day, base_hours, visit in _cycles(plan, start, done):
        done_on = None if visit is None else visit.on
        if plan.every_months:
            tasks.append(
                MissedMaintenance(
                    task=Note.counted(
                        N_n("every {n} month", "every {n} months"), plan.every_months
                    ),
                    due_on=add_months(base_day, plan.every_months),
                    tolerance_days=plan.tolerance_days,
                    done_on=done_on,
                )
            )
        if plan.every_hours:
            limit = base_hours + plan.every_hours + plan.tolerance_hours
            beyond = next(
                (r for r in ordered if r.taken_on >= base_day and r.engine_hours > limit), None
            )
            if beyond is not None and (done_on is None or beyond.taken_on < done_on):
                tasks.append(
                    MissedMaintenance(
                        task=Note(N_("every {hours} h"), {"hours": plan.every_hours}),
                        due_on=beyond.taken_on,
                        tolerance_days=0,
                        done_on=done_on,
                    )
                )
    return tasks
