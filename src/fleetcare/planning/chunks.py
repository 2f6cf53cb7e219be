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
    return rows_on_threads(
        kernel,
        problem.parent,
        problem.throughput,
        problem.resupply_days,
        problem.vmr.astype(np.float64),
        stock,
        workers=workers,
    )


def rows_on_threads(
    kernel: TermsKernel,
    parent: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    vmr: NDArray[np.float64],
    stock: NDArray[np.int64],
    *,
    workers: int | None = None,
) -> NDArray[np.float64]:
    """``kernel``'s terms of rows of parts (``flow``, ``lead``, ``stock``: rows × locations;
    ``vmr`` per row), as ``terms_on_threads`` computes them for a problem's parts."""
    flow = np.ascontiguousarray(flow)
    lead = np.ascontiguousarray(lead)
    levels = np.ascontiguousarray(stock, dtype=np.int64)

    def chunk(first: int) -> NDArray[np.float64]:
        rows = slice(first, first + CHUNK_PARTS)
        return kernel(parent, flow[rows], lead[rows], vmr[rows], levels[rows])

    firsts = range(0, max(levels.shape[0], 1), CHUNK_PARTS)
    if len(firsts) == 1:
        return chunk(0)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return np.concatenate(list(pool.map(chunk, firsts)), axis=1)
