"""The planning domain's facade: the problem from the database, and cached solves.

``load_problem`` turns the network (or one region) into a ``PlanningProblem`` and its current
stock, for the CLI, the pages and the simulation alike. ``solve`` walks a region's hulls to a
target; the hulls do not depend on the target and take seconds to compute (the whole demo
network about half a minute), so ``cache`` keeps them per (database, region) for
``CACHE_SECONDS`` and solves one key at a time: a request that arrives while another solves
the same key waits for it instead of solving again. ``remember`` keeps what a caller derives
from one solve (a simulation of its plans) for as long as that solve, computed once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.fleet.models import Region
from fleetcare.parts.models import Part
from fleetcare.planning.baselines import Baseline, baselines
from fleetcare.planning.build import build_problem, current_stock
from fleetcare.planning.optimise import Curve, Hulls, OptimiseParams, part_hulls, walk
from fleetcare.planning.problem import PlanningProblem, parse_problem, parse_stock

CACHE_SECONDS = 600.0
CACHE_SIZE = 4  # solved regions kept at most (the oldest goes first)

T = TypeVar("T")
Key = tuple[str, str]  # (database URL, region; "" = the whole network)


@dataclass(frozen=True)
class Loaded:
    """A problem built from the database, the stock it holds now, and its parts' currency
    ("" when they differ)."""

    problem: PlanningProblem
    current: NDArray[np.int64]
    currency: str


def problem_document(session: Session, *, region: str | None = None) -> dict[str, Any]:
    """The ``fleetcare-plan/1`` problem of one region's depots (or the whole network)."""
    return build_problem(session, region=region)


def load_problem(session: Session, *, region: str | None = None) -> Loaded | None:
    """The region's problem and current stock, checked; None when no depot there serves
    machines. Raises ``ProblemError`` when the database holds what the problem file refuses."""
    document = build_problem(session, region=region)
    if not document["parts"]:
        return None
    problem = parse_problem(document)
    current = parse_stock(current_stock(session, document), problem)
    currencies = set(
        session.scalars(select(Part.currency).where(Part.number.in_(problem.part_ids)))
    )
    return Loaded(problem, current, currencies.pop() if len(currencies) == 1 else "")


def region_names(session: Session) -> list[str]:
    """Every region's name, in order."""
    return list(session.scalars(select(Region.name).order_by(Region.name)))


@dataclass(frozen=True)
class Solution:
    """What a region's solve leaves, whatever the target: the parts' hulls and the baselines."""

    loaded: Loaded
    hulls: Hulls
    baselines: list[Baseline]
    derived: dict[Hashable, object] = field(default_factory=dict, repr=False)
    deriving: dict[Hashable, threading.Lock] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Solved:
    """A region's solve walked to a target: the curve, and the solve it was walked from."""

    source: Solution
    curve: Curve

    @property
    def problem(self) -> PlanningProblem:
        return self.source.loaded.problem

    @property
    def hulls(self) -> Hulls:
        return self.source.hulls

    @property
    def current(self) -> NDArray[np.int64]:
        return self.source.loaded.current

    @property
    def baselines(self) -> list[Baseline]:
        return self.source.baselines

    @property
    def currency(self) -> str:
        """Of every part's unit cost ("" when they differ)."""
        return self.source.loaded.currency

    def plan(self, budget: float) -> Curve:
        """The curve of this solve up to ``budget``; its last point is the plan there."""
        return walk(self.problem, self.hulls, OptimiseParams(budget=budget))


class SingleFlight(Generic[T]):
    """Values kept per key for ``seconds`` (at most ``size`` of them); one caller at a time
    computes a missing or stale key, and the others asking for it wait and take its value."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self.computed = 0  # how many times a value was computed
        self._lock = threading.Lock()  # guards the dictionaries below
        self._values: dict[Hashable, tuple[float, T]] = {}
        self._flights: dict[Hashable, threading.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    def held(self) -> list[Hashable]:
        """The keys held, stale ones included."""
        with self._lock:
            return list(self._values)

    def clear(self) -> None:
        """Forget every value and reset ``computed``."""
        with self._lock:
            self._values.clear()
            self.computed = 0

    def waiting(self, key: Hashable) -> int:
        """How many callers wait for another to compute ``key``."""
        with self._lock:
            return self._waiting.get(key, 0)

    def _fresh(self, key: Hashable) -> tuple[float, T] | None:
        with self._lock:
            hit = self._values.get(key)
        return hit if hit is not None and time.monotonic() - hit[0] < self.seconds else None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``: kept, or computed now by this caller or the one already
        computing it."""
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
            self._waiting[key] = self._waiting.get(key, 0) + 1
        with flight:
            with self._lock:
                self._waiting[key] -= 1
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            value = compute()
            with self._lock:
                self.computed += 1
                if len(self._values) >= self.size and key not in self._values:
                    self._values.pop(next(iter(self._values)))
                self._values[key] = (time.monotonic(), value)
            return value


cache: SingleFlight[Solution | None] = SingleFlight()
_derived_lock = threading.Lock()  # guards every solution's ``derived`` and ``deriving``


def _solution(loaded: Loaded | None) -> Solution | None:
    if loaded is None:
        return None
    problem = loaded.problem
    hulls = part_hulls(problem, OptimiseParams())
    return Solution(loaded, hulls, baselines(problem, loaded.current))


def solve(session: Session, *, region: str, target: float) -> Solved | None:
    """The region's solve ("" = the whole network) walked to ``target``; None when no depot
    there serves machines. The hulls come from ``cache``; raises ``ProblemError`` as
    ``load_problem`` does."""
    key: Key = (str(session.get_bind().engine.url), region)
    solution = cache.get(key, lambda: _solution(load_problem(session, region=region or None)))
    if solution is None:
        return None
    params = OptimiseParams(target_availability=target)
    return Solved(solution, walk(solution.loaded.problem, solution.hulls, params))


def remember(solved: Solved, key: Hashable, compute: Callable[[], T]) -> T:
    """What ``compute`` gives for ``key`` on this solve, computed once per solve: a second
    caller waits for the first instead of computing again."""
    solution = solved.source
    with _derived_lock:
        flight = solution.deriving.setdefault(key, threading.Lock())
    with flight:
        with _derived_lock:
            if key in solution.derived:
                return cast(T, solution.derived[key])
        value = compute()
        with _derived_lock:
            solution.derived[key] = value
        return value
