"""A plan's parts evaluated in chunks on threads: the terms kernels work part by part and
release the GIL, so chunks of parts run on every core of one process."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from fleetcare.planning.problem import PlanningProblem

CHUNK_PARTS = 256  # parts a thread evaluates at a time

# (parent, flow, lead, vmr, stock) → mean, variance, EBO, VBO (4 × parts × locations)
TermsKernel = Callable[
    [
        NDArray[np.int64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.int64],
    ],
    NDArray[np.float64],
]


def terms_on_threads(
    kernel: TermsKernel,
    problem: PlanningProblem,
    stock: NDArray[np.int64],
    *,
    workers: int | None = None,
) -> NDArray[np.float64]:
    """``kernel``'s terms of every part-location under ``stock`` (parts × locations, pieces):
    chunks of ``CHUNK_PARTS`` parts on ``workers`` threads (default: one per CPU), joined in
    part order."""
    flow = np.ascontiguousarray(problem.throughput)
    lead = np.ascontiguousarray(problem.resupply_days)
    vmr = problem.vmr.astype(np.float64)
    levels = np.ascontiguousarray(stock, dtype=np.int64)

    def chunk(first: int) -> NDArray[np.float64]:
        rows = slice(first, first + CHUNK_PARTS)
        return kernel(problem.parent, flow[rows], lead[rows], vmr[rows], levels[rows])

    firsts = range(0, max(len(problem.part_ids), 1), CHUNK_PARTS)
    if len(firsts) == 1:
        return chunk(0)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return np.concatenate(list(pool.map(chunk, firsts)), axis=1)
