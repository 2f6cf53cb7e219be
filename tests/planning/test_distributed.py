"""The parts' hulls on a Dask cluster: the same curve, point for point, as in one process."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from distributed import Client, LocalCluster
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.planning import OptimiseParams, optimise
from fleetcare.planning.distributed import hulls_on, merge_hulls, parts_of
from fleetcare.planning.optimise import Hulls, part_hulls, walk
from fleetcare.planning.problem import parse_problem


def network(parts: int = 7) -> dict[str, Any]:
    """A plant, two hubs and five depots; slow and fast movers, one part with no demand."""
    depots = [f"D{d}" for d in range(5)]
    locations: list[dict[str, Any]] = [
        {"id": "PLANT", "parent": None, "resupply_days": 90},
        {"id": "H0", "parent": "PLANT", "resupply_days": 14},
        {"id": "H1", "parent": "PLANT", "resupply_days": 21},
    ]
    locations += [
        {"id": d, "parent": f"H{k % 2}", "resupply_days": 2 + k, "units": 10 + 20 * k}
        for k, d in enumerate(depots)
    ]
    rows = []
    for i in range(parts):
        rate = 1e-4 * 3**i if i else 0.0
        rows.append(
            {
                "id": f"P{i}",
                "unit_cost": 10.0 * (i + 1) ** 2,
                "qty_per_unit": 1 + i % 3,
                "vmr": 1.0 if i % 2 else 1.8,
                "demand_per_day": {d: rate * (k + 1) for k, d in enumerate(depots)},
            }
        )
    return {"format": "fleetcare-plan/1", "locations": locations, "parts": rows}


PROBLEM = parse_problem(network())
PARAMS = OptimiseParams(target_availability=0.995)


def assert_same_hulls(got: Hulls, expected: Hulls) -> None:
    """Every array of the two hulls equal, element for element, with the same type."""
    for field in dataclasses.fields(Hulls):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), field.name


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=1, max_size=9))
def test_chunks_merged_are_the_hulls_of_the_whole(sizes: list[int]) -> None:
    """Parts cut into consecutive chunks of any sizes, each solved alone, merged: the hulls
    ``part_hulls`` gives for all the parts at once."""
    bounds = [0]
    for size in sizes:
        if bounds[-1] < len(PROBLEM.part_ids):
            bounds.append(min(bounds[-1] + size, len(PROBLEM.part_ids)))
    bounds[-1] = len(PROBLEM.part_ids)
    chunks = [part_hulls(parts_of(PROBLEM, a, b), PARAMS) for a, b in pairwise(bounds)]
    assert_same_hulls(merge_hulls(chunks), part_hulls(PROBLEM, PARAMS))


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[LocalCluster]:
    """Two single-thread workers in this process, reachable over TCP."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address=":0",  # its HTTP server on a free port, not a clash on 8787
    ) as cluster:
        yield cluster


def test_the_curve_on_a_cluster_is_the_curve_in_process(local_cluster: LocalCluster) -> None:
    """Hulls solved in chunks of two parts on two workers, walked here: every point of the
    curve and the plan equal to the one-process answer, and progress counts every part."""
    seen: list[int] = []
    # first here: the kernels are loaded (Numba's cache, under its compiler lock) while this
    # thread waits, not while it runs the client's loop, whose garbage collection can wait on
    # that lock for a worker thread that waits for the interpreter (a deadlock seen once in CI)
    here = optimise(PROBLEM, PARAMS)
    with Client(local_cluster) as client:
        hulls = hulls_on(client, PROBLEM, PARAMS, chunk_parts=2, progress=seen.append)
    there = walk(PROBLEM, hulls, PARAMS)
    assert here.costs.size > 20 and here.reached
    assert np.array_equal(there.costs, here.costs)
    assert np.array_equal(there.availabilities, here.availabilities)
    assert np.array_equal(there.stock, here.stock)
    assert sorted(seen) == seen and seen[-1] == len(PROBLEM.part_ids) and len(seen) == 4


def test_cli_optimise_on_a_scheduler_writes_the_same_plan_and_curve(
    local_cluster: LocalCluster, tmp_path: Path, runner: CliRunner
) -> None:
    """``plan optimise --scheduler ADDRESS`` writes the plan and curve of ``--workers 0``."""
    problem = tmp_path / "problem.json"
    problem.write_bytes(orjson.dumps(network()))
    answers = {}
    for name, flags in (
        ("here", ["--workers", "0"]),
        ("there", ["--scheduler", local_cluster.scheduler_address]),
    ):
        out, curve = tmp_path / f"{name}-stock.json", tmp_path / f"{name}-curve.json"
        files = ["--out", str(out), "--curve", str(curve)]
        result = runner.invoke(
            app,
            ["plan", "optimise", str(problem), "--target-availability", "0.995", *flags, *files],
        )
        assert result.exit_code == 0, result.stderr
        answers[name] = (out.read_bytes(), curve.read_bytes())
    assert answers["there"] == answers["here"]


def test_cli_optimise_refuses_a_cluster_it_cannot_reach(tmp_path: Path, runner: CliRunner) -> None:
    """A malformed scheduler address or a negative number of workers: exit 2 naming the
    option, nothing written (an unreachable address is refused the same way, but only after
    the client's 10 s connection timeout: left out to keep the suite fast)."""
    problem = tmp_path / "problem.json"
    problem.write_bytes(orjson.dumps(network(2)))
    out = tmp_path / "stock.json"
    base = ["plan", "optimise", str(problem), "--target-availability", "0.9", "--out", str(out)]
    for flags, option in (
        (["--scheduler", "nonsense"], "--scheduler"),
        (["--workers", "-1"], "--workers"),
    ):
        result = runner.invoke(app, [*base, *flags])
        assert result.exit_code == 2 and option in result.stderr, (flags, result.stderr)
    assert not out.exists()
