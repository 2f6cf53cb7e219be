"""Benchmark: 10,000 machines, 2,000 parts, 10 simulated years, 100 replications on 2 workers.

The network of ``plan_scale.py`` (plant, 4 hubs, 95 depots) with the depots' machines scaled
to 10,000 in all; the stock plan is the 90 % fill-rate rule (``planning.baselines``), which
is quick to build. Prints the wall time (goal < 60 s), the events handled per second, and,
on a small case in the same run, the ratio against a plain-Python event loop with the same
rules (``heapq``, one part at a time).

    .venv/bin/python benchmarks/simulate_scale.py [--parts 2000] [--replications 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
import time
from pathlib import Path

import numpy as np

from fleetcare.planning.baselines import fill_rate_stock
from fleetcare.planning.problem import PlanningProblem, parse_problem
from fleetcare.simulation.engine import simulate_part
from fleetcare.simulation.fcfs import simulate_part_fcfs
from fleetcare.simulation.runner import SimulationParams, machine_numbers, run

sys.path.insert(0, str(Path(__file__).parent))
from plan_scale import network_problem

GOAL_SECONDS = 60.0
MACHINES = 10_000


def scaled_problem(parts: int, depots: int) -> PlanningProblem:
    """The plan_scale network with its depots' machines (and demand) scaled to MACHINES."""
    document = network_problem(parts, 4, depots)
    total = sum(loc.get("units", 0) for loc in document["locations"])
    factor = MACHINES / total
    for loc in document["locations"]:
        if "units" in loc:
            loc["units"] = max(1, round(loc["units"] * factor))
    for part in document["parts"]:
        part["demand_per_day"] = {d: r * factor for d, r in part["demand_per_day"].items()}
    return parse_problem(document)


def plain_python(
    problem: PlanningProblem, stock: np.ndarray, part: int, horizon: float, seed: int
) -> int:
    """The same rules (wait policy) as ``engine.simulate_part`` in plain Python; events handled."""
    rng = random.Random(seed)
    parent = problem.parent.tolist()
    lead = problem.resupply_days[part].tolist()
    on_hand = stock[part].tolist()
    rate = [
        r if leaf else 0.0 for r, leaf in zip(problem.demand[part], problem.is_leaf, strict=True)
    ]
    queues: list[list[tuple[int, float]]] = [[] for _ in parent]
    events: list[tuple[float, int, int]] = [
        (rng.expovariate(r), 1, j) for j, r in enumerate(rate) if r > 0
    ]
    heapq.heapify(events)

    def reorder(j: int, t: float) -> None:
        while True:
            p = parent[j]
            if p < 0:
                heapq.heappush(events, (t + lead[j], 0, j))
                return
            if on_hand[p] > 0:
                on_hand[p] -= 1
                heapq.heappush(events, (t + lead[j], 0, j))
            else:
                queues[p].append((j, t))
            j = p

    handled = 0
    while events:
        t, kind, j = heapq.heappop(events)
        if t > horizon:
            break
        handled += 1
        if kind == 1:
            heapq.heappush(events, (t + rng.expovariate(rate[j]), 1, j))
            if on_hand[j] > 0:
                on_hand[j] -= 1
            else:
                queues[j].append((0, t))
            reorder(j, t)
        elif queues[j]:
            waiting, _since = queues[j].pop(0)
            if not problem.is_leaf[j]:
                heapq.heappush(events, (t + lead[waiting], 0, waiting))
        else:
            on_hand[j] += 1
    return handled


def main() -> None:
    """Time the full run on Dask, then compiled against plain Python on a few parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=2000)
    parser.add_argument("--depots", type=int, default=95)
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    problem = scaled_problem(args.parts, args.depots)
    stock = fill_rate_stock(problem, 0.9)
    params = SimulationParams(years=args.years, warmup_years=1, replications=args.replications)
    run(problem, stock, SimulationParams(years=0.1, warmup_years=0, replications=2))  # compile

    began = time.perf_counter()
    results = run(problem, stock, params, workers=args.workers)
    elapsed = time.perf_counter() - began
    events = sum(r.events for r in results)
    availability = np.mean([r.availability for r in results])
    print(
        f"{int(problem.units.sum()):,} machines, {len(problem.part_ids):,} parts, {args.years:g} "
        f"years × {args.replications} replications on {args.workers} workers: {elapsed:.1f} s "
        f"(goal < {GOAL_SECONDS:.0f} s); {events:,} events, {events / elapsed:,.0f} a second; "
        f"availability {availability:.4f}"
    )

    horizon = 3 * 365.0
    small = range(0, len(problem.part_ids), max(1, len(problem.part_ids) // 20))
    leaf = problem.is_leaf
    units, first_unit = machine_numbers(problem)
    compiled_events = plain_events = fcfs_events = 0
    compiled_time = plain_time = fcfs_time = 0.0
    for i in small:
        common = (
            problem.parent,
            leaf,
            problem.resupply_days[i],
            problem.resupply_sd_days,
            stock[i],
            np.where(leaf, problem.demand[i], 0.0),
            units,
            first_unit,
            1.0,
            int(problem.qty_per_unit[i]),
        )
        began = time.perf_counter()
        fcfs = simulate_part_fcfs(*common, horizon, 0.0, 7)
        fcfs_time += time.perf_counter() - began
        fcfs_events += fcfs[5]
        began = time.perf_counter()
        result = simulate_part(*common, 0, np.zeros(len(problem.location_ids)), horizon, 0.0, 7)
        compiled_time += time.perf_counter() - began
        compiled_events += result[5]
        began = time.perf_counter()
        plain_events += plain_python(problem, stock, i, horizon, 7)
        plain_time += time.perf_counter() - began
    compiled_rate = compiled_events / compiled_time
    plain_rate = plain_events / plain_time
    fcfs_rate = fcfs_events / fcfs_time
    print(
        f"one core, {len(small)} parts × 3 years: the recursion (wait, cannibalise) "
        f"{fcfs_rate:,.0f} events/s, the compiled event heap (emergency, grey) "
        f"{compiled_rate:,.0f} events/s, a plain-Python event heap {plain_rate:,.0f} events/s: "
        f"{fcfs_rate / plain_rate:.0f}× and {compiled_rate / plain_rate:.0f}×"
    )


if __name__ == "__main__":
    main()
