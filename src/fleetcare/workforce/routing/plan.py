"""Plans and their schedules: every time in integer seconds after midnight.

A crew leaves home at its shift's start; at each stop ``arrive`` = previous ``end`` (or the
shift's start) + travel, ``start`` = max(arrive, window start) and must not pass the window's
end, ``end`` = start + the job's length; after the last stop the crew must be home by the
shift's end. This earliest-start schedule is feasible whenever any schedule of the same stops
is, so it is the one answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from fleetcare.workforce.routing.crews import Crew
from fleetcare.workforce.routing.problem import DispatchProblem


@dataclass(frozen=True)
class Stop:
    """One served job: its index and times (seconds after midnight)."""

    job: int
    arrive: int
    start: int
    end: int


@dataclass(frozen=True)
class Plan:
    """Crews and, for each, the job indices it serves in order."""

    crews: tuple[Crew, ...]
    routes: tuple[tuple[int, ...], ...]

    @property
    def served(self) -> int:
        """Jobs served."""
        return sum(len(route) for route in self.routes)


class Roads:
    """The problem and its travel matrix (seconds; homes first, then jobs)."""

    def __init__(self, problem: DispatchProblem, travel: NDArray[np.int64]) -> None:
        self.problem = problem
        self.travel = travel
        self.first_job = len(problem.technicians)

    def seconds(self, frm: int, to: int) -> int:
        """Travel seconds between two points."""
        return int(self.travel[frm, to])

    def may_serve(self, crew: Crew, job: int) -> bool:
        """True when a member is certified for the job's family."""
        return self.problem.jobs[job].family in crew.skills

    def step(self, crew: Crew, at: int, time: int, job: int) -> Stop | None:
        """The stop at ``job`` for a crew at point ``at`` free at ``time``, if its window and
        the way home still fit the shift."""
        target = self.problem.jobs[job]
        arrive = time + self.seconds(at, self.first_job + job)
        start = max(arrive, target.window[0])
        if start > target.window[1]:
            return None
        end = start + target.seconds
        if end + self.seconds(self.first_job + job, crew.home) > crew.shift[1]:
            return None
        return Stop(job, arrive, start, end)

    def schedule(self, crew: Crew, route: Sequence[int]) -> list[Stop] | None:
        """The route's stops, or None when it breaks a window, a skill or the shift."""
        stops: list[Stop] = []
        at, time = crew.home, crew.shift[0]
        for job in route:
            stop = self.step(crew, at, time, job) if self.may_serve(crew, job) else None
            if stop is None:
                return None
            stops.append(stop)
            at, time = self.first_job + job, stop.end
        return stops

    def trim(self, crew: Crew, route: Sequence[int]) -> tuple[int, ...]:
        """The route with every stop that does not fit left out (the rest kept in order)."""
        kept: list[int] = []
        at, time = crew.home, crew.shift[0]
        for job in route:
            stop = self.step(crew, at, time, job) if self.may_serve(crew, job) else None
            if stop is not None:
                kept.append(job)
                at, time = self.first_job + job, stop.end
        while kept and self.schedule(crew, kept) is None:
            kept.pop()
        return tuple(kept)

    def route_seconds(self, crew: Crew, route: Sequence[int]) -> int:
        """Travel seconds of a route, home to home (0 for no stops)."""
        if not route:
            return 0
        path = [crew.home, *(self.first_job + job for job in route), crew.home]
        return sum(self.seconds(a, b) for a, b in pairwise(path))

    def travel_of(self, plan: Plan) -> int:
        """Travel seconds of every route."""
        return sum(self.route_seconds(c, r) for c, r in zip(plan.crews, plan.routes, strict=True))

    def reachable(self, crew: Crew, job: int) -> bool:
        """True when the crew could serve the job as its only stop."""
        return (
            self.may_serve(crew, job) and self.step(crew, crew.home, crew.shift[0], job) is not None
        )
