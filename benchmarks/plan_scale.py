"""Benchmark: the availability-against-cost curve of 10,000 parts × 100 locations (goal < 60 s).

The network: a plant (120 days procurement), 4 hubs (14–21 days from the plant) and 95
depots (2–7 days from their hub) serving 10–200 machines each. Parts: unit cost log-uniform
from 10 to 50,000; 1–4 fitted per machine; replacement rate per fitted piece log-uniform from
1e-6 to 3e-4 per day (most parts are slow movers, a few wear parts are not); a third of the
parts have demand variance above the mean (VMR 1.2–3). The curve runs from zero stock to
99 % fleet availability.

``--shape harder`` (goal < 60 s too): half the parts with VMR 1.5–3, 30 % with 200–365 days'
procurement at the plant (a part's own ``resupply_days``), and each part's depot demand scaled
down where needed so that no depot sees more than 0.05 pieces a day.

It prints the time to the full curve, the peak memory (resident set), and the speed-up over a
straightforward per-part implementation (plain Python, ``scipy.stats`` backorder tables, the
same per-upstream-level algorithm) timed in the same run on a subset of parts and scaled.

    .venv/bin/python benchmarks/plan_scale.py [--parts 10000] [--depots 95] [--baseline-parts 10]
        [--models vari-metric exact]  (each timed in the same run; exact: the candidate
        hull's vertices re-scored with the exact model)
        [--shape default|harder] [--workers N | --scheduler ADDRESS]

With ``--workers N`` (a LocalCluster of N single-thread processes) or ``--scheduler ADDRESS``
the parts' hulls are solved on the Dask cluster and walked here (``plan optimise --workers``);
it also prints each worker's peak memory.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from typing import Any

import numpy as np
from scipy import stats

from fleetcare.planning import OptimiseParams, optimise
from fleetcare.planning.distributed import cluster, hulls_on
from fleetcare.planning.kernels import depth_first, part_hull, upper_hull, upstream_levels
from fleetcare.planning.optimise import Curve, walk
from fleetcare.planning.problem import parse_problem

GOAL_SECONDS = 60.0
GOAL_MEMORY_GB = 4.0
GOAL_SPEEDUP = 50.0


HARDER_DEPOT_DEMAND = 0.05  # pieces a day at most at any depot (``--shape harder``)


def network_problem(
    parts: int, hubs: int, depots: int, seed: int = 7, shape: str = "default"
) -> dict[str, Any]:
    """A ``fleetcare-plan/1`` document of the benchmark's network (``shape``: ``default`` or
    ``harder``, see the module's docstring)."""
    rng = np.random.default_rng(seed)
    locations: list[dict[str, Any]] = [{"id": "PLANT", "parent": None, "resupply_days": 120}]
    locations += [
        {"id": f"HUB-{h}", "parent": "PLANT", "resupply_days": int(rng.integers(14, 22))}
        for h in range(hubs)
    ]
    units = np.exp(rng.uniform(math.log(10), math.log(200), depots)).round()
    locations += [
        {
            "id": f"DEPOT-{d:03d}",
            "parent": f"HUB-{d % hubs}",
            "resupply_days": int(rng.integers(2, 8)),
            "units": int(units[d]),
        }
        for d in range(depots)
    ]
    documents = []
    for i in range(parts):
        z = int(rng.integers(1, 5))
        rate = math.exp(rng.uniform(math.log(1e-6), math.log(3e-4)))
        part: dict[str, Any] = {
            "id": f"P-{i:05d}",
            "unit_cost": round(math.exp(rng.uniform(math.log(10), math.log(50_000))), 2),
            "qty_per_unit": z,
            "vmr": 1.0 if rng.random() < 2 / 3 else round(float(rng.uniform(1.2, 3.0)), 2),
        }
        if shape == "harder":
            part["vmr"] = 1.0 if rng.random() < 0.5 else round(float(rng.uniform(1.5, 3.0)), 2)
            if rng.random() < 0.3:
                part["resupply_days"] = {"PLANT": int(rng.integers(200, 366))}
            rate = min(rate, HARDER_DEPOT_DEMAND / float(units.max() * z))
        part["demand_per_day"] = {
            f"DEPOT-{d:03d}": float(units[d] * z * rate) for d in range(depots)
        }
        documents.append(part)
    return {"format": "fleetcare-plan/1", "locations": locations, "parts": documents}


# --- the straightforward baseline: the same algorithm in plain Python with scipy.stats ------


def scipy_table(mean: float, variance: float, upto: int) -> tuple[list[float], list[float]]:
    """EBO(s), VBO(s) for s = 0 … upto from scipy.stats survival functions."""
    if mean <= 0:
        return [0.0] * (upto + 1), [0.0] * (upto + 1)
    if variance <= mean * (1 + 1e-9):
        dist = stats.poisson(mean)
    else:
        dist = stats.nbinom(mean * mean / (variance - mean), mean / variance)
    horizon = int(mean + 12 * math.sqrt(variance) + 40 + upto)
    sf = dist.sf(np.arange(horizon))
    ebo, vbo = [], []
    for s in range(upto + 1):
        tail = sf[s:]
        first = float(tail.sum())
        second = float(((2 * np.arange(tail.size) + 1) * tail).sum())
        ebo.append(first)
        vbo.append(max(second - first * first, 0.0))
    return ebo, vbo


def baseline_hull(
    j: int,
    up_flow: float,
    up_ebo: float,
    up_vbo: float,
    children: list[list[int]],
    flow: np.ndarray,
    lead: np.ndarray,
    units: np.ndarray,
    vmr: float,
    z: float,
    params: OptimiseParams,
) -> tuple[list[int], list[float]]:
    """The hull (pieces, value) of j's subtree, one Python call per location and level."""
    if flow[j] <= 0:
        return [0], [0.0]
    own = flow[j] * lead[j]
    if up_flow <= 0:
        mean, variance = own, vmr * own
    else:
        f = flow[j] / up_flow
        mean, variance = own + f * up_ebo, vmr * own + f * (1 - f) * up_ebo + f * f * up_vbo
    ebo, vbo = scipy_table(mean, variance, int(mean + 9 * math.sqrt(variance)) + 6)
    top = next((s for s, e in enumerate(ebo) if e <= params.negligible_backorders), len(ebo) - 1)
    levels = range(top + 1)
    if children[j]:
        machines = _machines_below(j, children, units)
        levels = upstream_levels(
            np.array(ebo[: top + 1]), params.thinning, math.sqrt(variance), machines
        ).tolist()
    if not children[j]:
        leaf_points = {s: _leaf_value(ebo[s], units[j] * z) for s in levels}
        return _hull_of(leaf_points)

    def merged(down_ebo: float, down_vbo: float) -> tuple[list[int], list[float]]:
        """The children's hulls given j's backorders, merged by falling slope."""
        segments: list[tuple[float, int, float]] = []
        start = 0.0
        for child in children[j]:
            pieces, values = baseline_hull(
                child, flow[j], down_ebo, down_vbo, children, flow, lead, units, vmr, z, params
            )
            start += values[0]
            for a in range(len(pieces) - 1):
                gain, step = values[a + 1] - values[a], pieces[a + 1] - pieces[a]
                segments.append((gain / step, step, gain))
        segments.sort(key=lambda seg: -seg[0])
        totals, values = [0], [start]
        for _slope, step, gain in segments:
            totals.append(totals[-1] + step)
            values.append(values[-1] + gain)
        return totals, values

    bound = merged(0.0, 0.0) if params.level_tolerance >= 0 else ([0], [0.0])
    points: dict[int, float] = {}  # pieces → best value (the lower level wins ties)
    for k, s in enumerate(levels):
        for total, value in zip(*merged(ebo[s], vbo[s]), strict=True):
            if total + s not in points or value > points[total + s]:
                points[total + s] = value
        if params.level_tolerance >= 0 and k + 1 < len(levels):
            hull_pieces, hull_values = _hull_of(points)
            heights = np.interp(np.array(bound[0]) + levels[k + 1], hull_pieces, hull_values)
            if np.all(np.array(bound[1]) <= heights + params.level_tolerance):
                break  # no higher level can rise above the hull (see kernels.tree)
    return _hull_of(points)


def _machines_below(j: int, children: list[list[int]], units: np.ndarray) -> float:
    """The machines served by j's subtree (units stand on leaves)."""
    return float(units[j]) + sum(_machines_below(c, children, units) for c in children[j])


def _leaf_value(ebo: float, machines_pieces: float) -> float:
    """N Z ln(1 − EBO/(N Z)), or the floor when every machine waits."""
    share = 1 - ebo / machines_pieces
    return machines_pieces * math.log(share) if share > 0 else -1e6


def _hull_of(points: dict[int, float]) -> tuple[list[int], list[float]]:
    """The upper hull (pieces, values) of the best point per number of pieces."""
    pieces_sorted = np.array(sorted(points), dtype=np.int64)
    values_sorted = np.array([points[k] for k in pieces_sorted])
    hull = upper_hull(values_sorted, pieces_sorted)
    return pieces_sorted[hull].tolist(), values_sorted[hull].tolist()


def _peak_gb() -> float:
    """This process's peak resident memory [GB]."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def on_cluster(
    problem: Any, warm: Any, params: OptimiseParams, workers: int, scheduler: str | None
) -> tuple[Curve, float, dict[str, float]]:
    """The curve with the hulls solved on the cluster: the curve, its seconds (the cluster
    already started and its kernels loaded), and each worker's peak memory [GB]."""
    with cluster(workers or None, scheduler) as client:
        warm_params = OptimiseParams(target_availability=0.5, model=params.model)
        hulls_on(client, warm, warm_params, chunk_parts=1)
        began = time.perf_counter()
        curve = walk(problem, hulls_on(client, problem, params), params)
        elapsed = time.perf_counter() - began
        peaks = client.run(_peak_gb)
    return curve, elapsed, peaks


def main() -> None:
    """Build the problem, time the compiled curve, then the baseline on a subset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=10_000)
    parser.add_argument("--hubs", type=int, default=4)
    parser.add_argument("--depots", type=int, default=95)
    parser.add_argument("--baseline-parts", type=int, default=10)
    parser.add_argument("--target", type=float, default=0.99)
    parser.add_argument(
        "--models", nargs="+", choices=("exact", "vari-metric"), default=["vari-metric", "exact"]
    )
    parser.add_argument("--shape", choices=("default", "harder"), default="default")
    parser.add_argument("--workers", type=int, default=0, help="Dask worker processes here")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler")
    args = parser.parse_args()

    problem = parse_problem(network_problem(args.parts, args.hubs, args.depots, shape=args.shape))
    n_pl = len(problem.part_ids) * len(problem.location_ids)
    print(f"{len(problem.part_ids):,} parts × {len(problem.location_ids)} locations = {n_pl:,}")

    warm = parse_problem(network_problem(2, args.hubs, args.depots, seed=1))
    optimise(warm, OptimiseParams(target_availability=0.5))  # load the compiled kernels

    optimise(warm, OptimiseParams(target_availability=0.5, model="vari-metric"))
    times: dict[str, float] = {}
    for model in args.models:
        params = OptimiseParams(target_availability=args.target, model=model)
        if args.workers or args.scheduler:
            curve, elapsed, peaks = on_cluster(problem, warm, params, args.workers, args.scheduler)
            print(
                f"({model}) hulls on {len(peaks)} Dask workers; peak memory per worker: "
                + ", ".join(f"{gb:.2f} GB" for gb in peaks.values())
            )
        else:
            began = time.perf_counter()
            curve = optimise(problem, params)
            elapsed = time.perf_counter() - began
        times[model] = elapsed
        print(
            f"full curve ({model}): {curve.costs.size:,} points to "
            f"A = {curve.last.availability:.4f} (reached {curve.reached}) at cost "
            f"{curve.last.cost:,.0f} in {elapsed:.1f} s (goal < {GOAL_SECONDS:.0f} s); peak "
            f"memory {_peak_gb():.2f} GB here (goal < {GOAL_MEMORY_GB} GB)"
        )
    if len(times) == 2:
        print(f"exact / vari-metric time: {times['exact'] / times['vari-metric']:.2f}")

    if args.baseline_parts > 0:
        baseline(problem, params, args.baseline_parts)


def baseline(problem: Any, params: OptimiseParams, parts: int) -> None:
    """Time the compiled hulls against the plain-Python baseline on ``parts`` parts."""
    order, tree = depth_first(problem.parent)
    children: list[list[int]] = [[] for _ in order]
    for j, parent in enumerate(problem.parent):
        if parent >= 0:
            children[int(parent)].append(j)
    flow = problem.throughput
    subset = np.linspace(0, len(problem.part_ids) - 1, parts).astype(int)
    compiled = plain = 0.0
    for i in subset:
        began = time.perf_counter()
        _, values, _, _ = part_hull(
            tree,
            flow[i, order],
            problem.resupply_days[i, order],
            problem.units[order],
            float(problem.vmr[i]),
            float(problem.qty_per_unit[i]),
            params.max_pieces_per_location,
            params.thinning,
            params.negligible_backorders,
            params.level_tolerance,
        )
        compiled += time.perf_counter() - began
        began = time.perf_counter()
        _, base_values = baseline_hull(
            0,
            0.0,
            0.0,
            0.0,
            children,
            flow[i],
            problem.resupply_days[i],
            problem.units,
            float(problem.vmr[i]),
            float(problem.qty_per_unit[i]),
            params,
        )
        plain += time.perf_counter() - began
        gap = abs(base_values[-1] - values[-1])
        assert gap < 1e-6 * max(1.0, abs(values[-1])), (i, base_values[-1], values[-1])
    print(
        f"baseline on {len(subset)} parts: plain Python + scipy.stats {plain:.2f} s, compiled "
        f"{compiled:.3f} s: speed-up {plain / compiled:.0f}× (goal ≥ {GOAL_SPEEDUP:.0f}×); "
        f"the baseline would take ~{plain / len(subset) * len(problem.part_ids) / 60:.0f} min "
        "for the whole problem"
    )


if __name__ == "__main__":
    main()
