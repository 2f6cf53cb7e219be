"""How far VARI-METRIC, METRIC and the exact model are from the simulation when stock sits
upstream too.

Two echelons (a hub with 40 days' resupply, three depots with 4 days), deterministic times:
the depot's backorders from VARI-METRIC (pipeline variance from the hub's VBO), from METRIC (the
same mean, taken as Poisson), from the exact model (``planning.exact``: the exact Poisson
model for VMR 1, the exact compound-Poisson model of ``kernels.compound_terms`` for VMR > 1)
and from the simulation with its 95 % CI.
Prints a Markdown table (``docs/simulation.md``, ``docs/planning.md`` show runs).

    .venv/bin/python benchmarks/varimetric_gap.py [--years 400] [--replications 8] [--vmr 1 2.5]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from fleetcare.planning import evaluate
from fleetcare.planning.exact import evaluate as evaluate_exact
from fleetcare.planning.kernels import backorder_table
from fleetcare.planning.problem import parse_problem
from fleetcare.simulation.runner import SimulationParams, run
from fleetcare.simulation.summary import summary

CASE: dict[str, Any] = {
    "format": "fleetcare-plan/1",
    "locations": [
        {"id": "HUB", "parent": None, "resupply_days": 40},
        {"id": "D1", "parent": "HUB", "resupply_days": 4, "units": 30},
        {"id": "D2", "parent": "HUB", "resupply_days": 4, "units": 30},
        {"id": "D3", "parent": "HUB", "resupply_days": 4, "units": 30},
    ],
    "parts": [
        {
            "id": "P",
            "unit_cost": 1.0,
            "qty_per_unit": 1,
            "demand_per_day": {d: 0.1 for d in ("D1", "D2", "D3")},
        }
    ],
}


def main() -> None:
    """One row per (VMR, hub stock, depot stock)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=400)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--vmr", type=float, nargs="+", default=[1.0, 2.5])
    args = parser.parse_args()
    params = SimulationParams(
        years=args.years, warmup_years=2, replications=args.replications, seed=2
    )
    print(
        "| VMR | hub stock | depot stock | simulated EBO (95 % CI) | VARI-METRIC | gap "
        "| METRIC | gap | exact | gap |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for vmr in args.vmr:
        case = {**CASE, "parts": [{**CASE["parts"][0], "vmr": vmr}]}
        problem = parse_problem(case)
        d1 = problem.location_index()["D1"]
        for hub in (0, 4, 8, 12):
            for depot in (1, 2, 3):
                stock = np.array([[hub, depot, depot, depot]], dtype=np.int64)
                runs = run(problem, stock, params, workers=2)
                simulated = summary(problem, stock, params, runs)
                mean = float(simulated.backorders_mean[0, d1])
                lo, hi = (float(end) for end in simulated.backorders_ci95[:, 0, d1])
                terms = evaluate(problem, stock).terms[0]
                vari = float(terms.ebo[d1])
                metric_mean = float(terms.mean[d1])
                metric = float(backorder_table(metric_mean, metric_mean, depot)[0][depot])
                exact = float(evaluate_exact(problem, stock).terms[0].ebo[d1])
                print(
                    f"| {vmr:g} | {hub} | {depot} | {mean:.4f} ({lo:.4f}–{hi:.4f}) | "
                    f"{vari:.4f} | {(vari / mean - 1):+.1%} | {metric:.4f} | "
                    f"{(metric / mean - 1):+.1%} | {exact:.4f} | {(exact / mean - 1):+.1%} |"
                )


if __name__ == "__main__":
    main()
