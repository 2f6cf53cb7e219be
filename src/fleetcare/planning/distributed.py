"""The parts' hulls on a Dask cluster, the curve's walk here (``plan optimise --workers``).

Each part's hull (``optimise.part_hulls``) depends on that part alone, so the parts are cut
into chunks of consecutive rows, each chunk solved as a problem of its own on a worker, and
the chunks' hulls laid end to end in part order (``merge_hulls``). The walk across parts
then runs in this process on exactly the arrays ``part_hulls`` gives for the whole problem:
the same curve, point for point, as in one process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractContextManager
from itertools import pairwise
from typing import Any

import numpy as np

from fleetcare.core.cluster import dask_client
from fleetcare.core.errors import ParameterError
from fleetcare.planning.optimise import (
    Curve,
    Hulls,
    OptimiseParams,
    Progress,
    optimise,
    part_hulls,
    walk,
)
from fleetcare.planning.problem import PlanningProblem

CHUNK_PARTS = 256  # parts a task solves: a few seconds of work for the slowest parts


class ClusterError(ParameterError):
    """The Dask cluster asked for cannot be started or reached."""


def parts_of(problem: PlanningProblem, first: int, stop: int) -> PlanningProblem:
    """The problem of parts ``first`` … ``stop − 1`` alone, on the same locations."""
    rows = slice(first, stop)
    return dataclasses.replace(
        problem,
        part_ids=problem.part_ids[rows],
        unit_cost=problem.unit_cost[rows],
        qty_per_unit=problem.qty_per_unit[rows],
        vmr=problem.vmr[rows],
        demand=problem.demand[rows],
        resupply_days=problem.resupply_days[rows],
        weight_kg=problem.weight_kg[rows],
        grey_price=problem.grey_price[rows],
    )


def _offsets(starts: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """Offset arrays (each ``[0, …, total]``) of consecutive blocks, as one."""
    ends = np.cumsum([0] + [int(s[-1]) for s in starts])
    return np.concatenate(
        [s[:-1] + shift for s, shift in zip(starts, ends[:-1], strict=True)] + [ends[-1:]]
    ).astype(np.int64)


def merge_hulls(chunks: Sequence[Hulls]) -> Hulls:
    """The hulls of consecutive chunks of parts, in order, as ``part_hulls`` gives them for
    all the parts at once."""

    def joined(name: str) -> np.ndarray[Any, Any]:
        return np.concatenate([getattr(chunk, name) for chunk in chunks])

    return Hulls(
        start=_offsets([chunk.start for chunk in chunks]),
        pieces=joined("pieces"),
        value=joined("value"),
        stock_start=_offsets([chunk.stock_start for chunk in chunks]),
        stock_location=joined("stock_location"),
        stock_value=joined("stock_value"),
        leaf_first=np.concatenate([chunk.leaf_first for chunk in chunks], axis=0),
        change_start=_offsets([chunk.change_start for chunk in chunks]),
        change_leaf=joined("change_leaf"),
        change_value=joined("change_value"),
    )


def _solve_chunk(problem: PlanningProblem, params: OptimiseParams) -> Hulls:
    """One task: a chunk's hulls, on the worker's one thread."""
    return part_hulls(problem, params, workers=1)


def cluster(workers: int | None, scheduler: str | None) -> AbstractContextManager[Any]:
    """A Dask client of a LocalCluster of ``workers`` processes or of the cluster at
    ``scheduler`` (``core.cluster.dask_client``); a failure raises ``ClusterError``."""
    return dask_client(workers, scheduler, ClusterError)


def hulls_on(
    client: Any,
    problem: PlanningProblem,
    params: OptimiseParams,
    *,
    chunk_parts: int = CHUNK_PARTS,
    progress: Progress | None = None,
) -> Hulls:
    """Every part's hull, solved in chunks of ``chunk_parts`` parts on ``client``'s cluster."""
    from distributed import as_completed

    bounds = [*range(0, len(problem.part_ids), chunk_parts), len(problem.part_ids)]
    futures = [
        client.submit(_solve_chunk, parts_of(problem, first, stop), params, pure=False)
        for first, stop in pairwise(bounds)
    ]
    index = {future.key: k for k, future in enumerate(futures)}
    done: dict[int, Hulls] = {}
    solved = 0
    for future in as_completed(futures):
        k = index[future.key]
        done[k] = future.result()
        future.release()
        solved += bounds[k + 1] - bounds[k]
        if progress is not None:
            progress(solved)
    return merge_hulls([done[k] for k in range(len(futures))])


def optimise_on(
    problem: PlanningProblem,
    params: OptimiseParams,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Curve:
    """The curve as ``optimise.optimise`` draws it: in this process (``workers`` 0 and no
    scheduler), else with the hulls solved on a LocalCluster of ``workers`` processes or on
    the cluster at ``scheduler``, and walked here."""
    if not workers and scheduler is None:
        return optimise(problem, params, progress=progress)
    with cluster(workers or None, scheduler) as client:
        hulls = hulls_on(client, problem, params, progress=progress)
    return walk(problem, hulls, params)
