"""The baseline: every certified technician alone, each taking the nearest job it can still
serve.

Repeatedly, the crew free earliest (ties: input order) takes, among the unserved jobs it is
certified for and can reach within the job's window and still get home by its shift's end, the
one nearest in travel time (ties: input order); a crew with no such job stops. No trainee is
paired. It is what a dispatcher filling the day crew by crew would do, and the solver's
starting point.
"""

from __future__ import annotations

from fleetcare.workforce.routing.crews import Crew, solo_crews
from fleetcare.workforce.routing.plan import Plan, Roads


def greedy_routes(roads: Roads, crews: list[Crew]) -> Plan:
    """Nearest-feasible-job routes for ``crews``."""
    jobs = len(roads.problem.jobs)
    served = [False] * jobs
    routes: list[list[int]] = [[] for _ in crews]
    at = [crew.home for crew in crews]
    free = [crew.shift[0] for crew in crews]
    active = [bool(crew.skills) for crew in crews]
    while any(active):
        k = min((n for n in range(len(crews)) if active[n]), key=lambda n: (free[n], n))
        best: tuple[int, int] | None = None  # (travel, job)
        for job in range(jobs):
            if served[job] or not roads.may_serve(crews[k], job):
                continue
            leg = roads.seconds(at[k], roads.first_job + job)
            if best is not None and (leg, job) >= best:
                continue
            if roads.step(crews[k], at[k], free[k], job) is not None:
                best = (leg, job)
        if best is None:
            active[k] = False
            continue
        job = best[1]
        stop = roads.step(crews[k], at[k], free[k], job)
        assert stop is not None
        served[job] = True
        routes[k].append(job)
        at[k], free[k] = roads.first_job + job, stop.end
    return Plan(tuple(crews), tuple(tuple(route) for route in routes))


def greedy_plan(roads: Roads) -> Plan:
    """The baseline plan: every certified technician alone."""
    return greedy_routes(roads, solo_crews(roads.problem))
