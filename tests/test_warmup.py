"""``python -m fleetcare.warmup``: the small problem takes every compiled path, and the module
runs as ``make test`` calls it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from fleetcare.planning.exact import evaluate
from fleetcare.planning.optimise import OptimiseParams, optimise
from fleetcare.warmup import MODELS, small_problem


def test_the_small_problem_has_a_part_for_each_exact_model_and_reaches_its_target() -> None:
    problem = small_problem()
    empty = np.zeros((len(problem.part_ids), len(problem.location_ids)), dtype=np.int64)
    assert set(evaluate(problem, empty, "exact").models) == {
        "exact-poisson",
        "compound-poisson",
    }
    assert len(problem.location_ids) == 4 and not problem.is_leaf[:2].any()
    for model in MODELS:
        curve = optimise(problem, OptimiseParams(target_availability=0.95, model=model))
        assert curve.reached and curve.stock[:, :2].sum() > 0  # stock upstream too


def test_the_module_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fleetcare.warmup"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("fleetcare.warmup: kernels compiled or loaded in ")
