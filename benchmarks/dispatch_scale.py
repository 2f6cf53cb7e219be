"""Benchmark: the dispatch solver on 200 jobs × 30 technicians (a third of them trainees) over
a region 300 km across.

Prints the time to the plan (goal < 10 s with the default ``--seconds 5``), jobs served and
travel minutes, and the same for the greedy nearest-feasible-job baseline (``greedy.py``)
measured in the same run, with the ratios solver / baseline.

    .venv/bin/python benchmarks/dispatch_scale.py [--jobs 200] [--technicians 30]
        [--seconds 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from typing import Any

from fleetcare.workforce.routing import SolveOptions, baseline_document, solve_document

GOAL_SECONDS = 10.0
CENTRE = (64.5, 40.5)  # degrees: the region's middle
FAMILIES = ("city_bus", "forestry_forwarder", "mining_dump_truck", "wheel_loader")


def _point(rng: random.Random, across_km: float) -> list[float]:
    """A point uniform in a square ``across_km`` wide around ``CENTRE``."""
    half = across_km / 2
    dlat = rng.uniform(-half, half) / 111.2
    dlon = rng.uniform(-half, half) / (111.2 * math.cos(math.radians(CENTRE[0])))
    return [round(CENTRE[0] + dlat, 5), round(CENTRE[1] + dlon, 5)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def region_problem(
    jobs: int, technicians: int, *, across_km: float = 300.0, seed: int = 1
) -> dict[str, Any]:
    """A day's problem: certified technicians hold one or two families, trainees (every third)
    train in one family and are certified for none or one other."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    for n in range(technicians):
        start = rng.choice((7 * 60, 8 * 60, 9 * 60))
        families = rng.sample(FAMILIES, 2)
        person: dict[str, Any] = {
            "id": f"T{n + 1}",
            "home": _point(rng, across_km),
            "shift": [_hhmm(start), _hhmm(start + rng.choice((8, 9, 10)) * 60)],
            "certified": families[: rng.choice((1, 2))],
        }
        if n % 3 == 2:
            person["certified"] = [] if rng.random() < 0.5 else families[1:]
            person["trainee"] = families[:1]
        people.append(person)
    work = []
    for n in range(jobs):
        opens = rng.randrange(8 * 60, 15 * 60, 15)
        work.append(
            {
                "id": f"WO-{n + 1}",
                "at": _point(rng, across_km),
                "window": [_hhmm(opens), _hhmm(opens + rng.choice((60, 120, 240)))],
                "minutes": rng.choice((30, 45, 60, 90, 120)),
                "family": rng.choice(FAMILIES),
            }
        )
    return {
        "format": "fleetcare-dispatch/1",
        "date": "2026-12-07",
        "speed_kmh": 60,
        "road_factor": 1.3,
        "technicians": people,
        "jobs": work,
    }


def _served(document: dict[str, Any]) -> int:
    return sum(len(route["stops"]) for route in document["routes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--technicians", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    problem = region_problem(args.jobs, args.technicians, seed=args.seed)

    began = time.perf_counter()
    baseline = baseline_document(problem)
    baseline_seconds = time.perf_counter() - began
    began = time.perf_counter()
    plan = solve_document(problem, SolveOptions(seconds=args.seconds, seed=args.seed))
    plan_seconds = time.perf_counter() - began

    pairs = sum(len(route["crew"]) == 2 for route in plan["routes"])
    print(f"{args.jobs} jobs × {args.technicians} technicians, region 300 km across")
    print(f"{'':10} {'seconds':>8} {'served':>7} {'travel min':>11} {'min/job':>8}")
    for name, document, seconds in (
        ("baseline", baseline, baseline_seconds),
        ("solver", plan, plan_seconds),
    ):
        served = _served(document)
        per_job = document["travel_minutes"] / served if served else float("nan")
        print(
            f"{name:10} {seconds:8.2f} {served:7d} {document['travel_minutes']:11.1f} "
            f"{per_job:8.1f}"
        )
    ratio_served = _served(plan) / max(_served(baseline), 1)
    per_plan = plan["travel_minutes"] / max(_served(plan), 1)
    per_base = baseline["travel_minutes"] / max(_served(baseline), 1)
    ratio_travel = per_plan / per_base
    print(f"solver / baseline: served × {ratio_served:.2f}, travel per job × {ratio_travel:.2f}")
    print(f"pairs (trainee with a certified colleague) on the road: {pairs}")
    verdict = "met" if plan_seconds < GOAL_SECONDS else "MISSED"
    print(f"time to the plan {plan_seconds:.2f} s (goal < {GOAL_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
