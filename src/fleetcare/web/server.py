"""Run the app under uvicorn: one process, or several sharing the listening socket.

With ``workers`` > 1, uvicorn's supervisor starts that many processes (``spawn``); each
imports ``create_app`` and builds its own app from the environment, so the settings reach
them as ``FLEETCARE_*`` variables, and ``FLEETCARE_WORKERS`` tells each how many share the
database (``core.pool`` sizes its connection pool from it). What each process keeps to
itself — the planning solve cache, the heavy-work pool, the write admission — is listed in
``docs/deployment.md``. Every log line names the process that wrote it (``[pid]``).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

APP_FACTORY = "fleetcare.web.app:create_app"
# A new process answers the parent's health check only once it has imported fleetcare
# (seconds, more on a busy machine); uvicorn's default of 5 s would kill it again and again.
WORKER_HEALTHCHECK_SECONDS = 60


def log_config() -> dict[str, Any]:
    """uvicorn's logging, each line prefixed with the id of the process that wrote it."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = formatter["fmt"].replace(
            "%(levelprefix)s ", "%(levelprefix)s [%(process)d] "
        )
    return config


def run(*, host: str, port: int, workers: int) -> None:
    """Serve until interrupted: ``workers`` processes, each with its own app (blocks)."""
    os.environ["FLEETCARE_WORKERS"] = str(workers)
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
