"""Compile the planning and simulation kernels into Numba's on-disk cache ahead of their use.

The kernels are compiled on their first call and cached beside their source (``__pycache__``,
``cache=True``); the first solve of a fresh install pays about a minute and a half for it.
Running this once after installing (``make test`` does, beside the linters) makes every later
process load them instead:

    .venv/bin/python -m fleetcare.warmup

It solves a small problem — a plant, a hub and two depots, a Poisson part and one with VMR > 1
— with both models (optimise, evaluate and its JSON, the rules of thumb) and simulates the plan
under every stock-out rule, so the compiled types are those the command line, the API and the
pages use.
"""

from __future__ import annotations

import time

from fleetcare.planning.baselines import baselines
from fleetcare.planning.documents import evaluation_json
from fleetcare.planning.exact import MODELS, evaluate
from fleetcare.planning.optimise import OptimiseParams, optimise
from fleetcare.planning.problem import FORMAT, PlanningProblem, parse_problem
from fleetcare.simulation.runner import POLICY_NAMES, SimulationParams, run


def small_problem() -> PlanningProblem:
    """Plant → hub → two depots of 20 and 30 machines; a Poisson part and one with VMR 2."""
    return parse_problem(
        {
            "format": FORMAT,
            "locations": [
                {"id": "PLANT", "parent": None, "resupply_days": 60},
                {"id": "HUB", "parent": "PLANT", "resupply_days": 10},
                {"id": "A", "parent": "HUB", "resupply_days": 3, "units": 20},
                {"id": "B", "parent": "HUB", "resupply_days": 3, "units": 30},
            ],
            "parts": [
                {
                    "id": part,
                    "unit_cost": cost,
                    "qty_per_unit": 1,
                    "vmr": vmr,
                    "demand_per_day": {"A": 0.05, "B": 0.08},
                }
                for part, cost, vmr in (("POISSON", 100.0, 1.0), ("LUMPY", 40.0, 2.0))
            ],
        }
    )


def warm() -> None:
    """Run every compiled path once on ``small_problem``."""
    problem = small_problem()
    plans = {
        model: optimise(problem, OptimiseParams(target_availability=0.95, model=model)).stock
        for model in MODELS
    }
    for model, stock in plans.items():
        evaluation_json(problem, stock, evaluate(problem, stock, model))
        baselines(problem, stock, model)
    for policy in POLICY_NAMES:
        run(problem, plans["exact"], SimulationParams(years=2.0, replications=2, policy=policy))


if __name__ == "__main__":
    started = time.perf_counter()
    warm()
    print(f"fleetcare.warmup: kernels compiled or loaded in {time.perf_counter() - started:.1f} s")
