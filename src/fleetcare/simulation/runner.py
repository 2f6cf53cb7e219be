"""Replications of the fleet simulation, in parallel on Dask, and their summary with 95 % CIs.

A replication simulates every part (``fcfs.simulate_part_fcfs`` for ``wait`` and
``cannibalise``, the event heap ``engine.simulate_part`` for ``emergency`` and ``grey``) over
``years`` with its own
seeds, drawn from ``numpy.random.SeedSequence([seed, replication])`` — so the same seed gives
the same numbers whatever the number of workers — then merges each machine's waiting
intervals into down time (a machine waiting for two parts at once is down once).

``cannibalise`` (full, instantaneous cannibalisation, Sherbrooke 2004 ch. 5): a failure the
depot cannot serve takes the piece from a machine already down if one still has it working,
and the holes are kept on as few machines as possible. Moving holes between machines does
not change how many pieces of a part a depot is short, so each part runs as under ``wait``;
a depot then has max_i ⌈B_i(t)/Z_i⌉ machines down at time t (B_i: its backorders of part i),
and a failure is a cannibalisation when ⌈(B_i + 1)/Z_i⌉ does not exceed the machines
already down (moves that consolidate holes when pieces arrive are not counted).
Everything is a time average after the warm-up; the summary is the mean over replications
with a Student-t 95 % confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.core.cluster import dask_client
from fleetcare.core.errors import ParameterError
from fleetcare.planning.problem import PlanningProblem
from fleetcare.simulation.engine import POLICIES, WAIT, simulate_part
from fleetcare.simulation.fcfs import simulate_part_fcfs

DAYS_PER_YEAR = 365.0
MAX_YEARS = 1000.0  # simulated years at most (time and memory grow with them)
MAX_REPLICATIONS = 1000
CANNIBALISE = "cannibalise"
POLICY_NAMES = ("wait", CANNIBALISE, "emergency", "grey")


class SimulationError(ParameterError):
    """Parameters the simulation cannot run with; ``field`` names the parameter."""


@dataclass(frozen=True)
class SimulationParams:
    """How long, how often and under which stock-out rule to simulate.

    ``emergency_days`` / ``emergency_cost_share``: the emergency lane's time and its cost per
    piece as a share of the unit cost, where the problem does not give the depot's
    ``emergency_days`` / ``emergency_cost_per_kg`` and the part's ``weight_kg``;
    ``grey_days`` / ``grey_price_factor``: the grey market's delay and its price as a multiple
    of the unit cost (five times by default) where the part has no ``grey_price``.
    """

    years: float = 10.0
    warmup_years: float = 1.0
    replications: int = 20
    seed: int = 1
    policy: str = "wait"
    emergency_days: float = 2.0
    emergency_cost_share: float = 0.5
    grey_days: float = 7.0
    grey_price_factor: float = 5.0

    def check(self) -> None:
        """Refuse what cannot run: years not finite or past ``MAX_YEARS``, years ≤ warm-up,
        fewer than 2 replications or more than ``MAX_REPLICATIONS``, an unknown rule."""
        if not (math.isfinite(self.years) and math.isfinite(self.warmup_years)):
            raise SimulationError("years", "{years} and {warmup_years} must be finite numbers")
        if self.years > MAX_YEARS:
            raise SimulationError("years", f"{{years}} may be at most {MAX_YEARS}")
        if self.years <= self.warmup_years or self.warmup_years < 0:
            raise SimulationError(
                "years", "{years} must exceed {warmup_years} (and the warm-up be ≥ 0)"
            )
        if self.replications < 2:
            raise SimulationError(
                "replications", "{replications} must be at least 2 (for a confidence interval)"
            )
        if self.replications > MAX_REPLICATIONS:
            raise SimulationError(
                "replications", f"{{replications}} may be at most {MAX_REPLICATIONS}"
            )
        if self.seed < 0:
            raise SimulationError("seed", "{seed} must be a whole number ≥ 0")
        if self.policy not in POLICY_NAMES:
            raise SimulationError(
                "policy", "{policy} must be one of {names}", names=", ".join(POLICY_NAMES)
            )


@dataclass(frozen=True)
class Replication:
    """What one replication measured (time averages after the warm-up)."""

    availability: float
    backorders: NDArray[np.float64] = field(repr=False)  # parts × locations
    downtime_days: float  # machine-days down
    outside: NDArray[np.int64] = field(repr=False)  # emergency or grey pieces, parts × locations
    events: int
    cannibalisations: int = 0


@njit(cache=True, nogil=True)
def machine_down_days(
    machine: NDArray[np.int64], start: NDArray[np.float64], end: NDArray[np.float64], machines: int
) -> float:
    """Total length of the union of each machine's intervals: the intervals bucketed by
    machine (a counting sort), each machine's sorted by start, then merged."""
    first = np.zeros(machines + 1, dtype=np.int64)
    first[1:] = np.cumsum(np.bincount(machine, minlength=machines))
    bucket = np.empty(machine.size, dtype=np.int64)
    filled = first[:-1].copy()
    for k in range(machine.size):
        bucket[filled[machine[k]]] = k
        filled[machine[k]] += 1
    total = 0.0
    for m in range(machines):
        mine = bucket[first[m] : first[m + 1]]
        if mine.size == 0:
            continue
        mine = mine[np.argsort(start[mine])]
        reach = start[mine[0]]
        for k in mine:
            if end[k] > reach:
                total += end[k] - max(start[k], reach)
                reach = end[k]
    return total


@njit(cache=True)
def consolidated(
    depot: NDArray[np.int64],
    part: NDArray[np.int64],
    time: NDArray[np.float64],
    step: NDArray[np.int64],
    z: NDArray[np.int64],
    machines: NDArray[np.int64],
    warmup: float,
) -> tuple[float, int]:
    """Machine-days down after ``warmup`` and cannibalisations under full cannibalisation,
    from every depot's backorder changes (``step`` +1 when a machine starts waiting for a
    piece of ``part``, −1 when it gets it), sorted by depot, then time (ends first). No more
    than a depot's ``machines`` can be down, and with all of them down no piece is working
    to fail or to give."""
    shortage = np.zeros(z.size, dtype=np.int64)  # B_i at the current depot
    holding = np.zeros(shortage.size + 2, dtype=np.int64)  # how many parts need c machines
    down_days = 0.0
    cannibalisations = 0
    down = 0  # max_i ⌈B_i/Z_i⌉ at the current depot
    for k in range(depot.size):
        if k > 0 and depot[k] != depot[k - 1]:  # a new depot: every shortage is back to 0
            shortage[:] = 0
            holding[:] = 0
            down = 0
        elif k > 0 and time[k] > warmup:
            down_days += min(down, machines[depot[k]]) * (time[k] - max(time[k - 1], warmup))
        i = part[k]
        before = (shortage[i] + z[i] - 1) // z[i]
        shortage[i] += step[k]
        after = (shortage[i] + z[i] - 1) // z[i]
        if after >= holding.size:
            grown = np.zeros(2 * after, dtype=np.int64)
            grown[: holding.size] = holding
            holding = grown
        if after != before:
            holding[before] -= 1
            holding[after] += 1
        if step[k] > 0:
            if after <= down < machines[depot[k]] and time[k] >= warmup:
                cannibalisations += 1
            down = max(down, after)
        while down > 0 and holding[down] == 0:
            down -= 1
    return down_days, cannibalisations


def _cannibalised(
    problem: PlanningProblem,
    waits: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]],
    first_unit: NDArray[np.int64],
    warmup: float,
) -> tuple[float, int]:
    """Down machine-days and cannibalisations from every part's waits (see the module)."""
    depots, parts, times, steps = [], [], [], []
    for i, (all_machines, all_starts, all_ends) in enumerate(waits):
        real = all_ends > all_starts
        machine, start, end = all_machines[real], all_starts[real], all_ends[real]
        depot = np.searchsorted(first_unit, machine, side="right") - 1
        for when, change in ((start, 1), (end, -1)):
            depots.append(depot)
            parts.append(np.full(machine.size, i, dtype=np.int64))
            times.append(when)
            steps.append(np.full(machine.size, change, dtype=np.int64))
    depot = np.concatenate(depots) if depots else np.empty(0, dtype=np.int64)
    part = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    time = np.concatenate(times) if times else np.empty(0)
    step = np.concatenate(steps) if steps else np.empty(0, dtype=np.int64)
    order = np.lexsort((step, time, depot))  # at equal times a piece arrives first
    z = np.asarray(problem.qty_per_unit, dtype=np.int64)
    machines = machine_numbers(problem)[0]
    return consolidated(depot[order], part[order], time[order], step[order], z, machines, warmup)


def machine_numbers(problem: PlanningProblem) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Machines at each location (leaves only) and the number of each location's first one."""
    units = np.where(problem.is_leaf, np.round(problem.units), 0).astype(np.int64)
    return units, np.concatenate(([0], np.cumsum(units)[:-1])).astype(np.int64)


def outside_terms(
    problem: PlanningProblem, params: SimulationParams
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Days an emergency or grey piece takes to each location, and its price per part and
    location (money), under ``params.policy`` (zeros for the other policies)."""
    n_parts, n_locations = len(problem.part_ids), len(problem.location_ids)
    days = np.zeros(n_locations)
    price = np.zeros((n_parts, n_locations))
    if params.policy == "emergency":
        days = np.where(
            np.isnan(problem.emergency_days), params.emergency_days, problem.emergency_days
        )
        freight = problem.weight_kg[:, None] * problem.emergency_cost_per_kg[None, :]
        default = params.emergency_cost_share * problem.unit_cost[:, None]
        price = np.where(np.isnan(freight), default, freight)
    elif params.policy == "grey":
        days = np.full(n_locations, params.grey_days)
        each = np.where(
            np.isnan(problem.grey_price),
            params.grey_price_factor * problem.unit_cost,
            problem.grey_price,
        )
        price = np.repeat(each[:, None], n_locations, axis=1)
    return days, price


def replicate(
    problem: PlanningProblem, stock: NDArray[np.int64], params: SimulationParams, replication: int
) -> Replication:
    """One replication of every part over ``params.years``."""
    horizon = params.years * DAYS_PER_YEAR
    warmup = params.warmup_years * DAYS_PER_YEAR
    leaf = problem.is_leaf
    units, first_unit = machine_numbers(problem)
    policy = WAIT if params.policy == CANNIBALISE else POLICIES[params.policy]
    external = outside_terms(problem, params)[0]
    n_parts = len(problem.part_ids)
    seeds = np.random.SeedSequence([params.seed, replication]).generate_state(n_parts)
    backorders = np.zeros((n_parts, len(problem.location_ids)))
    outside = np.zeros((n_parts, len(problem.location_ids)), dtype=np.int64)
    waits = []
    events = 0
    for i in range(n_parts):
        rate = np.where(leaf, problem.demand[i], 0.0)
        vmr, z, lead = float(problem.vmr[i]), int(problem.qty_per_unit[i]), problem.resupply_days[i]
        sd, seed = problem.resupply_sd_days, int(seeds[i])
        common = (problem.parent, leaf, lead, sd, stock[i], rate, units, first_unit, vmr, z)
        if policy == WAIT:  # the recursion of fcfs: no event heap needed
            result = simulate_part_fcfs(*common, horizon, warmup, seed)
        else:
            result = simulate_part(*common, policy, external, horizon, warmup, seed)
        area, machine, start, end, from_outside, handled = result
        backorders[i] = area
        outside[i] = from_outside
        waits.append((machine, start, end))
        events += handled
    cannibalisations = 0
    if params.policy == CANNIBALISE:
        down, cannibalisations = _cannibalised(problem, waits, first_unit, warmup)
    else:
        machine = np.concatenate([w[0] for w in waits])
        start = np.maximum(np.concatenate([w[1] for w in waits]), warmup)
        end = np.concatenate([w[2] for w in waits])
        keep = end > start
        down = machine_down_days(machine[keep], start[keep], end[keep], int(units.sum()))
    machine_days = units.sum() * (horizon - warmup)
    return Replication(
        1.0 - down / machine_days, backorders, down, outside, events, cannibalisations
    )


Progress = Callable[[int], None]


def run(
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    params: SimulationParams,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: Progress | None = None,
    client: Any | None = None,
) -> list[Replication]:
    """All replications: in this process (``workers`` None or 0, no scheduler) on ``threads``
    threads (the compiled loop releases the GIL), on a Dask LocalCluster of ``workers``
    processes, on the cluster at ``scheduler``, or with the Dask ``client`` of a caller that
    runs several plans on one cluster."""
    params.check()
    if client is not None:
        return _on_cluster(client, problem, stock, params, progress)
    if not workers and scheduler is None:
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            results = []
            for result in pool.map(
                lambda r: replicate(problem, stock, params, r), range(params.replications)
            ):
                results.append(result)
                if progress is not None:
                    progress(len(results))
        return results
    with dask_client(workers or None, scheduler, SimulationError) as made:
        return _on_cluster(made, problem, stock, params, progress)


def _on_cluster(
    client: Any,
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    params: SimulationParams,
    progress: Progress | None,
) -> list[Replication]:
    """The replications as tasks of the Dask ``client``, in replication order."""
    from distributed import as_completed

    # keys of their own: a key named by content would be the previous plan's, released with it
    shared_problem, shared_stock = client.scatter([problem, stock], broadcast=True, hash=False)
    futures = [
        client.submit(replicate, shared_problem, shared_stock, params, r, pure=False)
        for r in range(params.replications)
    ]
    done: dict[int, Replication] = {}
    for future in as_completed(futures):
        done[futures.index(future)] = future.result()
        if progress is not None:
            progress(len(done))
    return [done[r] for r in range(params.replications)]
