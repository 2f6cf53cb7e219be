"""A Dask client for the long runs that scale out (``plan optimise``, ``simulate``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fleetcare.core.errors import ParameterError


@contextmanager
def dask_client(
    workers: int | None, scheduler: str | None, error: type[ParameterError]
) -> Iterator[Any]:
    """A Dask client: of a LocalCluster of ``workers`` processes (one thread each) made and
    closed here, or of the cluster at ``scheduler``. A cluster that cannot be started or
    reached raises ``error`` naming the option (``workers`` or ``scheduler``)."""
    from distributed import Client, LocalCluster

    local = None
    try:
        if scheduler is None:
            local = LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None, processes=True
            )
            client = Client(local)
        else:
            client = Client(scheduler, timeout="10s")
    except (OSError, ValueError, TypeError, TimeoutError) as exc:
        if local is not None:
            local.close()
        field, value = ("scheduler", scheduler) if scheduler else ("workers", workers)
        raise error(
            field,
            "{" + field + "} {value}: cannot start or reach the cluster ({reason})",
            value=value,
            reason=exc,
        ) from None
    try:
        yield client
    finally:
        client.close()
        if local is not None:
            local.close()
