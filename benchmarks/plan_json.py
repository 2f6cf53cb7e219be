"""Benchmark: ``fleetcare plan evaluate --json`` at 10⁶ part-locations (goal < 3 s end to end).

The problem is ``plan_scale.py``'s network (10,000 parts × 100 locations) with a stock plan of
0–2 pieces at random at every part-location (two thirds of them stocked). Timed in the same
run, phase by phase (read the problem, read the stock, evaluate, build and write the JSON):

- baseline: the standard library (``json.loads`` of the text, ``json.dumps``) and the
  evaluation document as first written (a NumPy scalar per number, the collector on);
- now: ``fleetcare.planning`` as the command runs it (orjson, the files' maps read in bulk,
  the part-location records spliced as JSON text by ``documents.records_json``).

Wall and CPU seconds are printed for each (CPU helps on a shared machine). With ``--cli`` it
also runs the command itself (``fleetcare plan evaluate PROBLEM --stock STOCK --json`` to a
file) and the bare start-up of the ``fleetcare`` command (``import fleetcare.cli``).

    .venv/bin/python benchmarks/plan_json.py [--parts 10000] [--depots 95] [--cli]
        [--model vari-metric|exact]  (the model evaluated, in both runs and the command)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fleetcare.planning.documents import evaluation_json
from fleetcare.planning.exact import Model, evaluate
from fleetcare.planning.problem import (
    parse_problem,
    parse_stock,
    read_problem,
    read_stock,
)
from plan_scale import network_problem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/
from tests.planning.test_documents import reference_document

GOAL_SECONDS = 3.0


def stock_plan(document: dict[str, Any], seed: int = 3) -> dict[str, dict[str, int]]:
    """0–2 pieces at random at every part-location (zeros left out)."""
    rng = np.random.default_rng(seed)
    locations = [loc["id"] for loc in document["locations"]]
    plan = {}
    for part in document["parts"]:
        levels = rng.integers(0, 3, len(locations)).tolist()
        plan[part["id"]] = {loc: n for loc, n in zip(locations, levels, strict=True) if n}
    return plan


def timed(phases: dict[str, tuple[float, float]], name: str, work: Callable[[], Any]) -> Any:
    """Run ``work``, record its wall and CPU seconds under ``name``, return its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    phases[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result


def baseline(
    problem_file: Path, stock_file: Path, out: Path, model: Model
) -> dict[str, tuple[float, float]]:
    """The standard library's run, phase by phase."""
    phases: dict[str, tuple[float, float]] = {}
    problem = timed(
        phases, "read problem", lambda: parse_problem(json.loads(problem_file.read_text()))
    )
    stock = timed(
        phases, "read stock", lambda: parse_stock(json.loads(stock_file.read_text()), problem)
    )
    result = timed(phases, "evaluate", lambda: evaluate(problem, stock, model))
    timed(
        phases,
        "build and write JSON",
        lambda: out.write_text(json.dumps(reference_document(problem, stock, result)) + "\n"),
    )
    return phases


def now(
    problem_file: Path, stock_file: Path, out: Path, model: Model
) -> dict[str, tuple[float, float]]:
    """The planner's run as ``plan evaluate --json`` makes it, phase by phase."""
    phases: dict[str, tuple[float, float]] = {}
    problem = timed(phases, "read problem", lambda: read_problem(problem_file))
    stock = timed(phases, "read stock", lambda: read_stock(stock_file, problem))
    result = timed(phases, "evaluate", lambda: evaluate(problem, stock, model))
    timed(
        phases,
        "build and write JSON",
        lambda: out.write_bytes(evaluation_json(problem, stock, result) + b"\n"),
    )
    return phases


def main() -> None:
    """Write the files, warm the kernels, time the baseline and the planner, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=10_000)
    parser.add_argument("--hubs", type=int, default=4)
    parser.add_argument("--depots", type=int, default=95)
    parser.add_argument("--cli", action="store_true", help="also time the command itself")
    parser.add_argument("--model", choices=("exact", "vari-metric"), default="vari-metric")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        document = network_problem(args.parts, args.hubs, args.depots)
        problem_file, stock_file = root / "problem.json", root / "stock.json"
        problem_file.write_text(json.dumps(document))
        stock_file.write_text(json.dumps(stock_plan(document)))
        cells = len(document["parts"]) * len(document["locations"])
        print(
            f"{len(document['parts']):,} parts × {len(document['locations'])} locations = "
            f"{cells:,} part-locations; problem {problem_file.stat().st_size / 1e6:.0f} MB, "
            f"stock {stock_file.stat().st_size / 1e6:.0f} MB"
        )
        warm = parse_problem(network_problem(2, args.hubs, args.depots, seed=1))
        ones = np.ones((2, len(warm.location_ids)), dtype=np.int64)
        evaluate(warm, ones, args.model)  # load the kernels

        old_out, new_out = root / "old.json", root / "new.json"
        old = baseline(problem_file, stock_file, old_out, args.model)
        new = now(problem_file, stock_file, new_out, args.model)
        same = json.loads(old_out.read_text()) == json.loads(new_out.read_text())
        print(
            f"answers: {old_out.stat().st_size / 1e6:.0f} MB standard library, "
            f"{new_out.stat().st_size / 1e6:.0f} MB now; the same values: {same}"
        )
        print("| phase | standard library: wall s (CPU s) | now: wall s (CPU s) | ratio (wall) |")
        print("|---|---:|---:|---:|")
        for name in [*old, "total"]:
            was = old[name] if name != "total" else tuple(map(sum, zip(*old.values(), strict=True)))
            got = new[name] if name != "total" else tuple(map(sum, zip(*new.values(), strict=True)))
            print(
                f"| {name} | {was[0]:.2f} ({was[1]:.2f}) | {got[0]:.2f} ({got[1]:.2f}) | "
                f"{was[0] / got[0]:.1f}× |"
            )
        if args.cli:
            command = str(Path(sys.executable).with_name("fleetcare"))
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import fleetcare.cli"], check=True)
            startup = time.perf_counter() - began
            with (root / "cli.json").open("wb") as answer:
                began = time.perf_counter()
                files = [str(problem_file), "--stock", str(stock_file), "--model", args.model]
                subprocess.run(
                    [command, "plan", "evaluate", *files, "--json"],
                    check=True,
                    stdout=answer,
                )
                elapsed = time.perf_counter() - began
            print(
                f"the command end to end: {elapsed:.2f} s (goal < {GOAL_SECONDS:.0f} s), of which "
                f"~{startup:.2f} s is the start-up of `fleetcare` (import fleetcare.cli)"
            )


if __name__ == "__main__":
    main()
