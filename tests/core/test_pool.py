"""Connection pools per server process: all of them fit in PostgreSQL's max_connections."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.core.db import get_engine
from fleetcare.core.pool import (
    PoolSizes,
    default_workers,
    max_workers,
    pool_sizes,
    usable_connections,
)


@given(max_connections=st.integers(24, 5000), data=st.data())
def test_the_pools_of_every_process_fit_beside_the_reserved_slots_and_the_headroom(
    max_connections: int, data: st.DataObject
) -> None:
    """For any number of processes that fits, each gets at least one connection, at most
    10 + 20, and all together at most max_connections − 3 reserved − 20 headroom."""
    workers = data.draw(st.integers(1, max_workers(max_connections)))
    sizes = pool_sizes(workers, max_connections)
    assert sizes.pool_size >= 1
    assert sizes.max_overflow >= 0
    assert sizes.pool_size <= 10
    assert sizes.max_overflow <= 20
    assert workers * sizes.most <= max_connections - 3 - 20


@given(workers=st.integers(1, 76))
def test_more_processes_never_get_a_larger_pool_each(workers: int) -> None:
    """Adding a process never enlarges any process's pool (the default server, 100)."""
    assert pool_sizes(workers + 1).most <= pool_sizes(workers).most


def test_the_default_server_sizes() -> None:
    """max_connections 100: one or two processes keep 10 + 20 each; four 10 + 9; eight 9 + 0;
    77 processes one connection each, 78 do not fit."""
    assert usable_connections() == 77
    assert pool_sizes(1) == PoolSizes(10, 20)
    assert pool_sizes(2) == PoolSizes(10, 20)
    assert pool_sizes(4) == PoolSizes(10, 9)
    assert pool_sizes(8) == PoolSizes(9, 0)
    assert pool_sizes(77) == PoolSizes(1, 0)
    with pytest.raises(ValueError, match="78 processes"):
        pool_sizes(78)
    with pytest.raises(ValueError, match="at least 1"):
        pool_sizes(0)


def test_the_default_worker_count_fits_the_server() -> None:
    """One process per CPU, never more than fit, never fewer than one."""
    assert 1 <= default_workers() <= 77
    assert default_workers(max_connections=24) == 1


def test_the_engine_takes_the_pool_sized_for_the_server_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FLEETCARE_WORKERS=4 (as ``serve --workers 4`` sets it): a PostgreSQL engine keeps 10
    and opens at most 9 more; with max_connections 50, 6 + 0."""
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"  # never connected to
    monkeypatch.setenv("FLEETCARE_WORKERS", "4")
    engine = get_engine.__wrapped__(url)  # type: ignore[attr-defined]
    assert (engine.pool.size(), engine.pool._max_overflow) == (10, 9)
    monkeypatch.setenv("FLEETCARE_DB_MAX_CONNECTIONS", "50")
    engine = get_engine.__wrapped__(url)  # type: ignore[attr-defined]
    assert (engine.pool.size(), engine.pool._max_overflow) == (6, 0)
