"""The planning domain's facade: the problem from the database, and cached solves.

``load_problem`` turns the network (or one region) into a ``PlanningProblem`` and its current
stock, for the CLI, the pages and the simulation alike. ``solve`` walks a region's hulls to a
target; the hulls do not depend on the target and take seconds to compute (the whole demo
network about half a minute), so ``cache`` keeps them per (database, region, model) for
``CACHE_SECONDS`` and solves one key at a time: a request that arrives while another solves
the same key waits for it instead of solving again. The current stock is not kept: each
request reads it from the ledger and scores it again when it changed. ``remember`` keeps
what a caller derives from one solve (a simulation of its plans), computed once, at most
``DERIVED_SIZE`` of them.

Every table here is bounded: ``CACHE_SIZE`` solves, ``DERIVED_SIZE`` derived values per
solve, and a key's lock lives only while someone computes or waits for it; so is waiting
(``MAX_WAITING`` callers a key, ``WAIT_SECONDS`` each, then ``Busy``: 503). Given a
``HeavyPool``, ``solve`` reads the database on the caller's thread and runs the maths in
the pool. ``check_region`` keeps a scoped principal (a regional manager) to its regions.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.errors import Busy, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet.models import Region
from fleetcare.fleet.scoping import restrict
from fleetcare.planning.baselines import Baseline, baselines
from fleetcare.planning.build import build_problem, held_stock, parts_currency
from fleetcare.planning.build import current_stock as current_stock  # the CLI and REST read it here
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate
from fleetcare.planning.fill_targets import NO_TARGET as NO_TARGET
from fleetcare.planning.fill_targets import FillRatePlan as FillRatePlan
from fleetcare.planning.fill_targets import fill_rate_plan as fill_rate_plan
from fleetcare.planning.fill_targets import saved_locations as saved_locations
from fleetcare.planning.fill_targets import written_targets as written_targets
from fleetcare.planning.optimise import Curve, Hulls, OptimiseParams, part_hulls, walk
from fleetcare.planning.problem import (
    DEFAULT_PARTS,
    PartScope,
    PlanningProblem,
    parse_problem,
    parse_stock,
)
from fleetcare.planning.providers import RateProvider as RateProvider
from fleetcare.planning.providers import fitted_rates as fitted_rates
from fleetcare.planning.providers import use_rates as use_rates

if TYPE_CHECKING:
    from fleetcare.core.heavy import HeavyPool  # the web app's; the CLI imports no FastAPI

CACHE_SECONDS = 600.0
CACHE_SIZE = 4  # solved regions kept at most (the least recently asked goes first)
DERIVED_SIZE = 16  # values derived from one solve kept at most (simulations: target × rule)
WAIT_SECONDS = 300.0  # a caller waits this long for another's solve or simulation, then 503
MAX_WAITING = 8  # callers waiting for one key at most; the next is answered 503 at once

T = TypeVar("T")
P = ParamSpec("P")
Key = tuple[str, str, str]  # (database URL, region ("" = the whole network), model)


@dataclass(frozen=True)
class Loaded:
    """A problem built from the database, the stock it holds now, its parts' currency
    ("" when they differ), and the parts fitted there it leaves out (part → reason)."""

    problem: PlanningProblem
    current: NDArray[np.int64]
    currency: str
    left_out: dict[str, str] = field(default_factory=dict)


def problem_document(
    session: Session, *, region: str | None = None, parts: PartScope = DEFAULT_PARTS
) -> dict[str, Any]:
    """The ``fleetcare-plan/1`` problem of one region's depots (or the whole network), of the
    ``parts`` in scope (``critical``, ``not_critical`` or ``all``; ``build.build_problem``)."""
    return build_problem(session, region=region, rates=fitted_rates(session), parts=parts)


def load_problem(session: Session, *, region: str | None = None) -> Loaded | None:
    """The region's problem and current stock, checked; None when no depot there serves
    machines. Raises ``ProblemError`` when the database holds what the problem file refuses,
    or parts priced in more than one currency (their costs would be added as they are)."""
    document = build_problem(session, region=region, rates=fitted_rates(session))
    if not document["parts"]:
        return None
    problem = parse_problem(document)
    current = parse_stock(current_stock(session, document), problem)
    currency = parts_currency(session, problem.part_ids)
    return Loaded(problem, current, currency, document["left_out"])


def region_names(session: Session, *, scope: Scope = EVERYTHING) -> list[str]:
    """The name of every region ``scope`` sees, in order."""
    return list(session.scalars(restrict(select(Region.name).order_by(Region.name), Region, scope)))


def check_region(session: Session, *, region: str | None, scope: Scope) -> None:
    """``NotFound`` unless ``scope`` may plan ``region``: a region it sees, or the whole
    network (None or "") when it sees everything. Another's region and the whole network
    answer a regional manager exactly as a region that does not exist."""
    if (not region and scope.everything) or (
        region and region in region_names(session, scope=scope)
    ):
        return
    if not region:
        raise NotFound(_("the whole network is planned by those who see every region"))
    raise NotFound(_("no region named '{name}' to plan").format(name=region))


@dataclass(frozen=True)
class Solution:
    """What a region's solve leaves, whatever the target: the parts' hulls and the baselines."""

    loaded: Loaded
    hulls: Hulls
    baselines: list[Baseline]
    model: Model = DEFAULT_MODEL  # the model the hulls and baselines are evaluated in
    derived: SingleFlight[object] = field(
        default_factory=lambda: SingleFlight(math.inf, DERIVED_SIZE), repr=False
    )


@dataclass(frozen=True)
class Solved:
    """A region's solve walked to a target: the curve, and the solve it was walked from.

    ``held`` is the stock the ledger holds as of this request and ``held_row`` its baseline,
    when they differ from the solve's (kept ``CACHE_SECONDS``): the current stock is read
    afresh on every request, so a receipt or a transfer shows at once."""

    source: Solution
    curve: Curve
    held: NDArray[np.int64] | None = field(default=None, repr=False)
    held_row: Baseline | None = None

    @property
    def problem(self) -> PlanningProblem:
        return self.source.loaded.problem

    @property
    def hulls(self) -> Hulls:
        return self.source.hulls

    @property
    def current(self) -> NDArray[np.int64]:
        """The stock held now (on hand + in transit), parts × locations."""
        return self.source.loaded.current if self.held is None else self.held

    @property
    def current_digest(self) -> str:
        """SHA-256 of ``current``: names what was computed from it (a simulation)."""
        return hashlib.sha256(np.ascontiguousarray(self.current).tobytes()).hexdigest()

    @property
    def baselines(self) -> list[Baseline]:
        """The rules of thumb and the current stock (``held_row`` when it changed)."""
        if self.held_row is None:
            return self.source.baselines
        return [self.held_row if row.rule == "current" else row for row in self.source.baselines]

    @property
    def currency(self) -> str:
        """Of every part's unit cost ("" when they differ)."""
        return self.source.loaded.currency

    @property
    def left_out_counts(self) -> dict[str, int]:
        """How many parts fitted to the machines planned for the problem leaves out, by
        reason (``not_critical``, ``no_cost``)."""
        return dict(Counter(self.source.loaded.left_out.values()))

    @property
    def model(self) -> Model:
        """The model this solve plans and evaluates with."""
        return self.source.model

    def plan(self, budget: float) -> Curve:
        """The curve of this solve up to ``budget``; its last point is the plan there."""
        return walk(self.problem, self.hulls, OptimiseParams(budget=budget, model=self.model))


class SingleFlight(Generic[T]):
    """Values kept per key for ``seconds`` (at most ``size`` of them, the least recently asked
    dropped first); one caller at a time computes a missing or stale key, and the others
    asking for it wait and take its value. A key's lock lives only while a caller computes
    or waits for it, so the tables hold ``size`` values and the keys in flight, whatever
    keys were ever asked. Waiting is bounded: beyond ``max_waiting`` callers waiting for one
    key, or after ``wait_seconds`` of waiting, a caller gets ``Busy`` (503, try again) rather
    than holding its thread."""

    def __init__(
        self,
        seconds: float = CACHE_SECONDS,
        size: int = CACHE_SIZE,
        *,
        wait_seconds: float = WAIT_SECONDS,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.wait_seconds = wait_seconds
        self.max_waiting = max_waiting
        self.computed = 0  # how many times a value was computed
        self._lock = threading.Lock()  # guards the dictionaries below
        self._values: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._flights: dict[Hashable, threading.Lock] = {}
        self._callers: dict[Hashable, int] = {}  # computing or waiting, per key in flight

    def held(self) -> list[Hashable]:
        """The keys held, stale ones included, least recently asked first."""
        with self._lock:
            return list(self._values)

    def in_flight(self) -> list[Hashable]:
        """The keys a caller computes or waits for now (each has a lock)."""
        with self._lock:
            return list(self._flights)

    def clear(self) -> None:
        """Forget every value and reset ``computed``."""
        with self._lock:
            self._values.clear()
            self.computed = 0

    def waiting(self, key: Hashable) -> int:
        """How many callers wait for another to compute ``key``."""
        with self._lock:
            return max(0, self._callers.get(key, 0) - 1)

    def _fresh(self, key: Hashable) -> tuple[float, T] | None:
        with self._lock:
            hit = self._values.get(key)
            if hit is None or time.monotonic() - hit[0] >= self.seconds:
                return None
            self._values.move_to_end(key)
            return hit

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``: kept, or computed now by this caller or the one already
        computing it. When ``compute`` raises, nothing is kept and the next caller tries."""
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            if self._callers.get(key, 0) > self.max_waiting:  # one computes, the rest wait
                raise Busy()
            flight = self._flights.setdefault(key, threading.Lock())
            self._callers[key] = self._callers.get(key, 0) + 1
        try:
            if not flight.acquire(timeout=self.wait_seconds):
                raise Busy()
            try:
                hit = self._fresh(key)
                if hit is not None:
                    return hit[1]
                value = compute()
                with self._lock:
                    self.computed += 1
                    self._values.pop(key, None)
                    while len(self._values) >= self.size:
                        self._values.popitem(last=False)
                    self._values[key] = (time.monotonic(), value)
                return value
            finally:
                flight.release()
        finally:
            with self._lock:
                self._callers[key] -= 1
                if not self._callers[key]:  # nobody holds or waits for its lock: drop it
                    del self._callers[key]
                    del self._flights[key]


cache: SingleFlight[Solution | None] = SingleFlight()


def _call(pool: HeavyPool | None, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in ``pool`` (``Busy`` when it is full), or here without one."""
    return fn(*args, **kwargs) if pool is None else pool.call(fn, *args, **kwargs)


def _solution(loaded: Loaded | None, model: Model) -> Solution | None:
    if loaded is None:
        return None
    problem = loaded.problem
    hulls = part_hulls(problem, OptimiseParams(model=model))
    return Solution(loaded, hulls, baselines(problem, loaded.current, model), model)


def solve(
    session: Session,
    *,
    region: str,
    target: float,
    pool: HeavyPool | None = None,
    model: Model = DEFAULT_MODEL,
) -> Solved | None:
    """The region's solve ("" = the whole network) in ``model`` walked to ``target``; None
    when no depot there serves machines. The hulls come from ``cache``, the current stock from
    the ledger now (``Solved.held``); raises ``ProblemError`` as ``load_problem`` does. With a
    ``pool``, the database is read here and the hulls and the walk computed in the pool
    (``Busy`` when it is full; nothing is cached then)."""
    key: Key = (str(session.get_bind().engine.url), region, model)
    solution = cache.get(
        key, lambda: _call(pool, _solution, load_problem(session, region=region or None), model)
    )
    if solution is None:
        return None
    params = OptimiseParams(target_availability=target, model=model)
    curve = _call(pool, walk, solution.loaded.problem, solution.hulls, params)
    problem = solution.loaded.problem
    held = parse_stock(held_stock(session, problem.part_ids, problem.location_ids), problem)
    if np.array_equal(held, solution.loaded.current):
        return Solved(solution, curve)
    return Solved(solution, curve, held, _call(pool, current_baseline, problem, held, model))


def current_baseline(problem: PlanningProblem, held: NDArray[np.int64], model: Model) -> Baseline:
    """The current stock ``held`` as a baseline, evaluated in ``model``."""
    evaluation = evaluate(problem, held, model)
    return Baseline("current", 0.0, held, evaluation.cost, evaluation.availability)


def remember(solved: Solved, key: Hashable, compute: Callable[[], T]) -> T:
    """What ``compute`` gives for ``key`` on this solve, computed once per solve (a second
    caller waits for the first instead of computing again); the ``DERIVED_SIZE`` keys asked
    last are kept."""
    return cast(T, solved.source.derived.get(key, compute))
