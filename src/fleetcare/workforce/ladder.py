"""The certification ladder and the supervision rule: pure functions over frozen facts.

Per product family a technician climbs ``trainee → certified → trainer``. A grant is valid on
day D when ``granted_on <= D < expires_on``: on its expiry day a grant no longer counts
(retraining was due). An expired grant counts as none; a technician's level for family F on
day D is the highest of its grants for F valid on D.

A trainee is eligible for ``certified`` in F when it holds a valid trainee grant for F, at least
N supervised jobs on F were countersigned by a certified colleague (N: the setting
``FLEETCARE_LADDER_SUPERVISED_JOBS``, default 10), and it passed a practical session of a course
of F. The supervision rule: a crew serving a job on F includes someone certified (or trainer)
for F on that day; a trainee never works alone on F.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

DUE_DAYS = 60  # grants expiring within this many days fall due on the technician's page


class Level(enum.StrEnum):
    """A rung of the ladder, lowest first."""

    trainee = "trainee"
    certified = "certified"
    trainer = "trainer"


RANK = {Level.trainee: 1, Level.certified: 2, Level.trainer: 3}
QUALIFIED = frozenset({Level.certified, Level.trainer})  # may serve a family without help


@dataclass(frozen=True)
class GrantFact:
    """One grant as the rules see it."""

    family: str
    level: Level
    granted_on: date
    expires_on: date


def valid(grant: GrantFact, day: date) -> bool:
    """True when ``grant`` counts on ``day`` (from its grant day, until the day before expiry)."""
    return grant.granted_on <= day < grant.expires_on


def level_on(grants: Iterable[GrantFact], family: str, day: date) -> Level | None:
    """The highest level of the grants for ``family`` valid on ``day`` (None: none)."""
    levels = [g.level for g in grants if g.family == family and valid(g, day)]
    return max(levels, key=RANK.__getitem__) if levels else None


def levels_on(grants: Iterable[GrantFact], day: date) -> dict[str, Level]:
    """What a technician may do on ``day``: each family with a valid grant → its level."""
    facts = list(grants)
    families = sorted({g.family for g in facts})
    found = {f: level_on(facts, f, day) for f in families}
    return {f: level for f, level in found.items() if level is not None}


def is_qualified(level: Level | None) -> bool:
    """True for a level that may serve a family alone (certified or trainer)."""
    return level in QUALIFIED


def crew_covers(levels: Iterable[Level | None]) -> bool:
    """The supervision rule: a crew's levels for the job's family include someone qualified."""
    return any(is_qualified(level) for level in levels)


def falling_due(grants: Iterable[GrantFact], day: date, days: int = DUE_DAYS) -> list[GrantFact]:
    """Grants valid on ``day`` whose expiry falls within ``days`` days (``expires_on`` in
    ``(day, day + days]``), soonest first."""
    horizon = date.max if day > date.max - timedelta(days=days) else day + timedelta(days=days)
    due = [g for g in grants if valid(g, day) and g.expires_on <= horizon]
    return sorted(due, key=lambda g: (g.expires_on, g.family))


@dataclass(frozen=True)
class Progress:
    """A technician's way to ``certified`` in one family."""

    level: Level | None  # its level on the day
    supervised_jobs: int  # countersigned supervised jobs on the family
    needed_jobs: int  # N
    practical_passed: bool  # a practical session of the family passed


class Missing(enum.StrEnum):
    """What keeps a technician from ``certified``."""

    not_trainee = "not_trainee"  # holds no valid trainee grant (or is certified already)
    supervised_jobs = "supervised_jobs"  # fewer than N supervised jobs
    practical = "practical"  # no practical session passed


def missing_for_certified(progress: Progress) -> list[Missing]:
    """What is missing for ``certified`` (empty: eligible). A trainee only may be promoted."""
    missing: list[Missing] = []
    if progress.level is not Level.trainee:
        missing.append(Missing.not_trainee)
    if progress.supervised_jobs < progress.needed_jobs:
        missing.append(Missing.supervised_jobs)
    if not progress.practical_passed:
        missing.append(Missing.practical)
    return missing


def eligible(progress: Progress) -> bool:
    """True when the trainee may be promoted to ``certified``."""
    return not missing_for_certified(progress)
