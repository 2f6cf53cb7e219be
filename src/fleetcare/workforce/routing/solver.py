"""Crews routed by PyVRP: prize-collecting VRP with time windows, skills as routing profiles.

The model (PyVRP 0.14, integer seconds throughout):

- one depot per crew, at its first member's home; one vehicle type per crew (one vehicle)
  whose time window is the crew's common shift;
- one optional client per job (``required=False``) with the job's window as the window its
  service may start in, its minutes as service duration, and a prize ``P`` larger than any
  plan's whole travel ((jobs + crews) × the longest leg), so serving one more job always
  beats any saving in travel: the solver maximises jobs served, then minimises travel;
- one routing profile per distinct skill set; in it every edge into a job none of the set is
  certified for costs ``4 P`` in distance and duration (no shift can hold it) — the
  maintainers' way to express skills (PyVRP issue #329).

Crews are chosen in two steps. First every certified technician alone, the search started from
the greedy baseline (``greedy.py``), so it never serves fewer jobs than the baseline; that
gives ``N`` jobs served. Then each trainee (those certified for nothing first) is tried with
colleagues certified for a family it is training in, the colleague with the most such jobs on
its route first: when the trainee has no route of its own and the colleague's route fits their
common shift unchanged, the pair is kept at once; otherwise the day is solved again with the
pair replacing both solo crews (started from the current plan) and the pair is kept only if it
still serves at least ``N`` jobs. Limits: a pairing is decided one trainee at a time and never
revisited, and a trainee is tried with at most ``MAX_RESOLVES`` colleagues that need a solve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyvrp import Client, Depot, Location, ProblemData, Route, Solution, VehicleType
from pyvrp.solve import solve as pyvrp_solve
from pyvrp.stop import (
    MaxIterations,
    MaxRuntime,
    MultipleCriteria,
    NoImprovement,
    StoppingCriterion,
)

from fleetcare.workforce.routing.crews import Crew, pair, solo_crews, trainees
from fleetcare.workforce.routing.greedy import greedy_routes
from fleetcare.workforce.routing.plan import Plan, Roads

NO_IMPROVEMENT = 2_000  # iterations without a better plan that end a solve
MAX_RESOLVES = 2  # colleagues tried per trainee that need a solve
SOLO_SHARE = 0.5  # of the time allowed, for the solo solve when some trainee may pair


@dataclass(frozen=True)
class SolveOptions:
    """Time allowed (seconds), the seed, and an optional cap on each search's iterations."""

    seconds: float = 5.0
    seed: int = 1
    max_iterations: int | None = None


class _Model:
    """One crew set as PyVRP data; clients are the jobs some crew could serve alone."""

    def __init__(self, roads: Roads, crews: list[Crew]) -> None:
        self.roads, self.crews = roads, crews
        self.jobs = [
            j
            for j in range(len(roads.problem.jobs))
            if any(roads.reachable(crew, j) for crew in crews)
        ]
        self.client_of = {job: n for n, job in enumerate(self.jobs)}
        self.data = self._data() if self.jobs and crews else None

    def _data(self) -> ProblemData:
        roads, crews, jobs = self.roads, self.crews, self.jobs
        where = [crew.home for crew in crews] + [roads.first_job + j for j in jobs]
        base = roads.travel[np.ix_(where, where)]
        prize = (len(jobs) + len(crews) + 1) * max(int(base.max()), 1)
        skill_sets = sorted({crew.skills for crew in crews}, key=sorted)
        matrices: list[NDArray[np.int64]] = []
        for skills in skill_sets:
            matrix = base.copy()
            barred = [
                len(crews) + n
                for n, j in enumerate(jobs)
                if roads.problem.jobs[j].family not in skills
            ]
            matrix[:, barred] = 4 * prize
            np.fill_diagonal(matrix, 0)
            matrices.append(matrix)
        problem = roads.problem
        locations = [Location(0.0, 0.0) for _ in where]  # edges carry every distance
        depots = [Depot(n) for n in range(len(crews))]
        clients = [
            Client(
                len(crews) + n,
                service_duration=problem.jobs[j].seconds,
                tw_early=problem.jobs[j].window[0],
                tw_late=problem.jobs[j].window[1],
                prize=prize,
                required=False,
                name=problem.jobs[j].id,
            )
            for n, j in enumerate(jobs)
        ]
        vehicles = [
            VehicleType(
                1,
                start_depot=n,
                end_depot=n,
                tw_early=crew.shift[0],
                tw_late=crew.shift[1],
                profile=skill_sets.index(crew.skills),
            )
            for n, crew in enumerate(crews)
        ]
        stubs: list[Any] = list(matrices)  # PyVRP's stubs spell the arrays' type oddly
        return ProblemData(locations, clients, depots, vehicles, stubs, stubs)

    def solution(self, plan: Plan) -> Solution:
        """``plan``'s routes (of crews in this model) as a PyVRP solution."""
        assert self.data is not None
        index = {crew: n for n, crew in enumerate(self.crews)}
        routes = [
            Route(self.data, [self.client_of[j] for j in route], index[crew])
            for crew, route in zip(plan.crews, plan.routes, strict=True)
            if route and crew in index
        ]
        return Solution(self.data, routes)

    def solve(self, start: Plan, options: SolveOptions, seconds: float) -> Plan:
        """The best plan the search finds from ``start`` within ``seconds``."""
        if self.data is None:
            return Plan(tuple(self.crews), tuple(() for _ in self.crews))
        criteria: list[StoppingCriterion] = [
            MaxRuntime(max(seconds, 0.01)),
            NoImprovement(NO_IMPROVEMENT),
        ]
        if options.max_iterations is not None:
            criteria.append(MaxIterations(options.max_iterations))
        result = pyvrp_solve(
            self.data,
            MultipleCriteria(criteria),
            seed=options.seed,
            collect_stats=False,
            display=False,
            initial_solution=self.solution(start),
        )
        routes: list[tuple[int, ...]] = [() for _ in self.crews]
        for route in result.best.routes():
            visits = [self.jobs[a.idx] for a in route.schedule() if a.is_client()]
            vehicle = route.vehicle_type()
            routes[vehicle] = self.roads.trim(self.crews[vehicle], visits)
        return Plan(tuple(self.crews), tuple(routes))


def _carried(plan: Plan, crews: list[Crew], roads: Roads, moves: dict[Crew, Crew]) -> Plan:
    """``plan``'s routes on ``crews``: a crew renamed in ``moves`` keeps its route trimmed to
    its new shift; crews not in ``plan`` start empty."""
    old = dict(zip(plan.crews, plan.routes, strict=True))
    by_new = {new: old.get(was, ()) for was, new in moves.items()}
    routes = [roads.trim(crew, by_new.get(crew, old.get(crew, ()))) for crew in crews]
    return Plan(tuple(crews), tuple(routes))


def _supervised(roads: Roads, plan: Plan, mentor: int, trainee: int) -> int:
    """Jobs on ``mentor``'s solo route of a family ``trainee`` is training in."""
    families = roads.problem.technicians[trainee].trainee
    for crew, route in zip(plan.crews, plan.routes, strict=True):
        if crew.members == (mentor,):
            return sum(roads.problem.jobs[j].family in families for j in route)
    return 0


def _candidates(roads: Roads, plan: Plan, trainee: int, paired: set[int]) -> list[Crew]:
    """Pairs for ``trainee`` with colleagues still alone, most supervised jobs first, then the
    nearest home, then input order."""
    found: list[tuple[int, int, int, Crew]] = []
    for mentor in range(len(roads.problem.technicians)):
        crew = None if mentor in paired else pair(roads.problem, mentor, trainee)
        if crew is not None:
            supervised = _supervised(roads, plan, mentor, trainee)
            found.append((-supervised, roads.seconds(trainee, mentor), mentor, crew))
    return [crew for *_, crew in sorted(found, key=lambda item: item[:3])]


def solve(roads: Roads, options: SolveOptions) -> Plan:
    """The day's crews and routes (see the module's docstring for the method)."""
    deadline = time.monotonic() + options.seconds
    crews = solo_crews(roads.problem)
    learners = [t for t in trainees(roads.problem) if pair_exists(roads, t)]
    share = SOLO_SHARE if learners else 1.0
    plan = _Model(roads, crews).solve(greedy_routes(roads, crews), options, options.seconds * share)
    best_served = plan.served
    paired: set[int] = set()
    for n, learner in enumerate(learners):
        if learner in paired:
            continue
        resolves = 0
        for crew in _candidates(roads, plan, learner, paired):
            mentor = crew.members[0]
            mentor_solo = next((c for c in plan.crews if c.members == (mentor,)), None)
            learner_route = next(
                (
                    r
                    for c, r in zip(plan.crews, plan.routes, strict=True)
                    if c.members == (learner,)
                ),
                (),
            )
            kept = [c for c in plan.crews if not set(c.members) & {mentor, learner}]
            new_crews = [*kept, crew]
            moves = {mentor_solo: crew} if mentor_solo is not None else {}
            start = _carried(plan, new_crews, roads, moves)
            if not learner_route and start.served == plan.served:
                plan = start  # the colleague's day fits the pair's shift as it is
            else:
                if resolves >= MAX_RESOLVES:
                    continue
                resolves += 1
                slice_seconds = (deadline - time.monotonic()) / (len(learners) - n)
                if slice_seconds <= 0:
                    break
                tried = _Model(roads, new_crews).solve(start, options, slice_seconds)
                if tried.served < best_served:
                    continue
                plan = tried
            best_served = max(best_served, plan.served)
            paired |= {mentor, learner}
            break
    return plan


def pair_exists(roads: Roads, learner: int) -> bool:
    """True when some colleague could take ``learner`` along."""
    return any(
        pair(roads.problem, mentor, learner) is not None
        for mentor in range(len(roads.problem.technicians))
    )
