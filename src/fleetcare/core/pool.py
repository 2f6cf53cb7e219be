"""How many server processes, and how many database connections each may hold.

``fleetcare serve --workers N`` runs N processes, each with its own SQLAlchemy connection
pool of ``pool_size`` connections kept open plus up to ``max_overflow`` opened under load.
All of them must fit in the PostgreSQL server's ``max_connections`` (default 100), of which
``superuser_reserved_connections`` (default 3) are kept for superusers, with room left for
the commands, migrations, backups and ``psql`` sessions that run beside the server:

    usable      = max_connections − reserved − headroom          (100 − 3 − 20 = 77)
    per process = ⌊usable / N⌋
    pool_size   = min(10, per process)
    max_overflow = min(20, per process − pool_size)

so that N × (pool_size + max_overflow) ≤ usable. One process keeps today's 10 + 20; two
keep 10 + 20 each (60); four get 10 + 9 each (76); eight 9 + 0 each (72). Source for the
server's defaults: PostgreSQL 16 documentation, section 19.3.1 (Connection Settings).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

POSTGRES_MAX_CONNECTIONS = 100  # PostgreSQL's default max_connections
POSTGRES_RESERVED = 3  # PostgreSQL's default superuser_reserved_connections
HEADROOM = 20  # connections left for commands, migrations, backups and psql beside the server
POOL_SIZE = 10  # connections one process keeps open, at most
MAX_OVERFLOW = 20  # connections one process may open beyond them under load, at most


@dataclass(frozen=True)
class PoolSizes:
    """One process's connection pool: ``pool_size`` kept open, ``max_overflow`` more at peak."""

    pool_size: int
    max_overflow: int

    @property
    def most(self) -> int:
        """The most connections the process may hold at once."""
        return self.pool_size + self.max_overflow


def usable_connections(max_connections: int = POSTGRES_MAX_CONNECTIONS) -> int:
    """Connections the server processes may share: ``max_connections`` less the reserved
    superuser slots and the headroom for commands beside the server."""
    return max_connections - POSTGRES_RESERVED - HEADROOM


def max_workers(max_connections: int = POSTGRES_MAX_CONNECTIONS) -> int:
    """The most processes that can each hold at least one connection (0 when none can)."""
    return max(0, usable_connections(max_connections))


def pool_sizes(workers: int, max_connections: int = POSTGRES_MAX_CONNECTIONS) -> PoolSizes:
    """Each of ``workers`` processes' pool, so that all of them fit in ``max_connections``.

    Raises ``ValueError`` when ``workers`` is below 1, or so many that a process would get no
    connection at all.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    per_process = usable_connections(max_connections) // workers
    if per_process < 1:
        raise ValueError(
            f"{workers} processes do not fit in max_connections = {max_connections}: "
            f"at most {max_workers(max_connections)} do"
        )
    size = min(POOL_SIZE, per_process)
    return PoolSizes(pool_size=size, max_overflow=min(MAX_OVERFLOW, per_process - size))


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity where the system tells it), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers(max_connections: int = POSTGRES_MAX_CONNECTIONS) -> int:
    """One server process per CPU, as many as fit in ``max_connections`` (at least 1)."""
    return max(1, min(cpu_count(), max_workers(max_connections)))
