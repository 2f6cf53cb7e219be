"""Run the app under uvicorn: one process, or several sharing the listening socket.

With ``workers`` > 1, uvicorn's supervisor starts that many processes (``spawn``); each
imports ``create_app`` and builds its own app from the environment, so the settings reach
them as ``FLEETCARE_*`` variables, and ``FLEETCARE_WORKERS`` tells each how many share the
database (``core.pool`` sizes its connection pool from it). What each process keeps to
itself — the planning solve cache, the heavy-work pool, the write admission — is listed in
``docs/deployment.md``. Every log line names the process that wrote it (``[pid]``).

uvicorn starts its processes with ``spawn``, which runs the parent's main script again in each
before anything else: for the ``fleetcare`` command that is the whole CLI, seconds of imports
before the process can answer its parent's health check. So with several processes ``run``
first replaces the command (same pid) by a small supervisor, ``python -c`` importing only this
module: each new process then answers at once and imports the app while it does.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

APP_FACTORY = "fleetcare.web.app:create_app"
# How long a process may leave its parent's health check unanswered before it is replaced
# (uvicorn's default, 5 s, is short for a machine busy with planning solves).
WORKER_HEALTHCHECK_SECONDS = 60
SUPERVISOR = "import sys; from fleetcare.web.server import supervise; supervise(sys.argv[1:])"


def log_config() -> dict[str, Any]:
    """uvicorn's logging, each line prefixed with the id of the process that wrote it."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = formatter["fmt"].replace(
            "%(levelprefix)s ", "%(levelprefix)s [%(process)d] "
        )
    return config


def run(*, host: str, port: int, workers: int) -> None:
    """Serve until interrupted: ``workers`` processes, each with its own app (blocks).

    With more than one, this process becomes the supervisor (``os.execv``: same pid, same
    environment, nothing of the CLI left in memory) and never returns.
    """
    os.environ["FLEETCARE_WORKERS"] = str(workers)
    if workers > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-c", SUPERVISOR, host, str(port), str(workers)])
    serve(host=host, port=port, workers=workers)


def supervise(arguments: Sequence[str]) -> None:
    """The supervisor's entry point: ``[host, port, workers]`` as ``run`` passes them."""
    host, port, workers = arguments
    serve(host=host, port=int(port), workers=int(workers))


def serve(*, host: str, port: int, workers: int) -> None:
    """uvicorn on the app factory: ``workers`` processes, or this one when ``workers`` is 1."""
    # proxy_headers=False: FLEETCARE_TRUSTED_PROXIES alone decides whom X-Forwarded-For is
    # believed from (uvicorn would otherwise believe it from 127.0.0.1 on its own).
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_config=log_config(),
        log_level="info",
        proxy_headers=False,
    )
