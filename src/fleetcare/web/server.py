"""Run the app under uvicorn: one process, or several, each with a listening socket of its own.

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

Several processes sharing one listening socket do not share its connections fairly: the process
that wakes first accepts every connection waiting, and a kept-alive connection stays with the
process that accepted it, so a burst of clients may all land on one process while the others
idle (figures in ``docs/deployment.md``). On Linux each process therefore listens on a socket
of its own, all bound to the port with ``SO_REUSEPORT``, and the kernel spreads new connections
over them by a hash of their addresses. The parent keeps the port reserved (bound, never
listening) after checking nothing listens there, so a port in use — by another fleetcare too —
is refused before any process starts (exit status 3, as uvicorn's). Connections still waiting
in a process's own queue when it exits are reset unless ``net.ipv4.tcp_migrate_req`` is 1.
Elsewhere they share uvicorn's socket.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any, cast

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

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
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
        "log_config": log_config(),
        "log_level": "info",
        "proxy_headers": False,
    }
    if workers == 1 or not REUSE_PORT:
        uvicorn.run(APP_FACTORY, **options)
        return
    config = uvicorn.Config(APP_FACTORY, **options)
    logger = logging.getLogger("uvicorn.error")
    try:
        lock, reserved = reserve_port(host, port)
    except OSError as exc:
        logger.error("%s:%d is in use: %s", host, port, exc)
        sys.exit(STARTUP_FAILURE)
    port = int(reserved.getsockname()[1])  # the port the system chose, when asked for 0
    shown = f"[{host}]" if ":" in host else host
    logger.info(
        "Uvicorn running on http://%s:%d, %d processes with a socket each (Press CTRL+C to quit)",
        shown,
        port,
        workers,
    )
    try:
        own = cast(socket.socket, OwnSocket(host, port))
        Multiprocess(config, sockets=[own]).run()
    except KeyboardInterrupt:
        pass
    finally:
        reserved.close()
        lock.close()


REUSE_PORT = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    """IPv6 for a host with a colon in it, IPv4 otherwise (as uvicorn binds)."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reserve_port(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """The supervisor's hold on (host, port), kept while it runs: a lock no other fleetcare
    serving that port can take (an abstract Unix socket named after it: ``SO_REUSEPORT``
    alone would let a second one join this one's sockets and split the clients), and a
    ``SO_REUSEPORT`` socket bound to the port, never listening, beside which the processes
    bind theirs. Before that a plain bind checks that nothing else listens there. Raises
    ``OSError`` when the port is taken."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        probe.bind((host, port))
        port = int(probe.getsockname()[1])
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0fleetcare-serve {host} {port}")
        return lock, reuse_port_socket(host, port)
    except OSError:
        lock.close()
        raise


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with ``SO_REUSEPORT``, not yet listening."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class OwnSocket:
    """Stands for the listening socket in what uvicorn hands to each new process: unpickled
    there (``spawn`` pickles a process's arguments), it becomes a socket of that process's
    own, bound to the port with ``SO_REUSEPORT`` (``reuse_port_socket``); uvicorn listens on
    it. A process that is replaced takes its socket with it and the new one binds another."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return reuse_port_socket, (self.host, self.port)
