"""Crews: one technician alone, or a trainee riding with a certified colleague.

A crew travels together, leaves from and returns to its first member's home, works within the
members' common shift, and may serve a job only when one of its members is *certified* for the
job's family (a trainee's families do not count). A pair is formed only for a trainee and a
colleague certified in one of the trainee's families whose shifts overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleetcare.workforce.routing.problem import DispatchProblem


@dataclass(frozen=True)
class Crew:
    """Technician indices (the first one's home is the crew's), skills, common shift (s)."""

    members: tuple[int, ...]
    skills: frozenset[str]
    shift: tuple[int, int]

    @property
    def home(self) -> int:
        """The point (and technician) index the crew starts and ends at."""
        return self.members[0]


def solo(problem: DispatchProblem, tech: int) -> Crew:
    """Technician ``tech`` alone."""
    technician = problem.technicians[tech]
    return Crew((tech,), technician.certified, technician.shift)


def pair(problem: DispatchProblem, mentor: int, trainee: int) -> Crew | None:
    """``trainee`` riding with ``mentor`` (certified in one of the trainee's families), or None
    when they may not pair or their shifts do not overlap."""
    a, b = problem.technicians[mentor], problem.technicians[trainee]
    if mentor == trainee or not a.certified & b.trainee:
        return None
    start, end = max(a.shift[0], b.shift[0]), min(a.shift[1], b.shift[1])
    if end <= start:
        return None
    return Crew((mentor, trainee), a.certified | b.certified, (start, end))


def solo_crews(problem: DispatchProblem, exclude: frozenset[int] = frozenset()) -> list[Crew]:
    """Every technician certified for something, alone, except those in ``exclude``."""
    return [
        solo(problem, n)
        for n, technician in enumerate(problem.technicians)
        if technician.certified and n not in exclude
    ]


def trainees(problem: DispatchProblem) -> list[int]:
    """Technicians in training for some family, those certified for nothing first (pairing
    them costs no solo route), then in input order."""
    found = [n for n, t in enumerate(problem.technicians) if t.trainee]
    return sorted(found, key=lambda n: (bool(problem.technicians[n].certified), n))
