"""``fleetcare serve --workers N``: several processes answer on one port, one database, one key;
on Linux each listens on a socket of its own (``SO_REUSEPORT``), so new connections spread."""

from __future__ import annotations

import os
import pickle
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from fleetcare.accounts.schemas import UserCreate
from fleetcare.accounts.service import add_user
from fleetcare.cli import app
from fleetcare.core.db import transaction
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import issue_token
from fleetcare.web.server import REUSE_PORT, OwnSocket, log_config, reserve_port

STARTED = re.compile(r"\[(\d+)\] Started server process \[(\d+)\]")
ANSWERED = re.compile(r"\[(\d+)\] 127\.0\.0\.1:\d+ - \"GET /api/units HTTP/1\.1\" 200")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(base: str, server: subprocess.Popen[bytes], log: Path, processes: int) -> None:
    """Until ``/api/health`` answers and every process has started (a loaded machine may take
    a minute to start Python)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        started = log.read_text().count("Application startup complete")
        try:
            httpx.get(f"{base}/api/health", timeout=2)
            if started >= processes:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start: " + log.read_text())


def test_two_processes_share_the_port_the_database_and_the_signing_key(tmp_path: Path) -> None:
    """``--workers 2`` starts two server processes besides the parent; a token signed with the
    key the parent generated is accepted, and requests are answered by the worker processes
    (never the parent), each log line naming its process. On Linux both answer: 24 new
    connections all hashed to one socket would happen once in 2²³ runs."""
    var = tmp_path / "var"
    env = {**os.environ, "FLEETCARE_VAR_DIR": str(var)}
    for name in ("FLEETCARE_DATABASE_URL", "FLEETCARE_SECRET_KEY", "FLEETCARE_WORKERS"):
        env.pop(name, None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    fleetcare = str(Path(sys.executable).with_name("fleetcare"))
    with log.open("wb") as output:
        server = subprocess.Popen(
            [fleetcare, "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_health(base, server, log, processes=2)
        url = f"sqlite:///{var / 'fleetcare.db'}"  # migrated by serve before it started
        with transaction(url, write=True) as session:
            add_user(
                session,
                UserCreate(username="probe", role=Role.admin, password="probe-password-1"),
                by=system("test"),
            )
        token = issue_token("probe", (var / "secret_key").read_text().strip())
        bearer = {"Authorization": f"Bearer {token}"}

        def units(_: int) -> int:  # a new connection each, several at once
            return httpx.get(f"{base}/api/units", headers=bearer, timeout=30).status_code

        answered_by: set[str] = set()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(10):
                assert set(pool.map(units, range(24))) == {200}
                answered_by = set(ANSWERED.findall(log.read_text()))
                if len(answered_by) == 2:
                    break
    finally:
        server.terminate()
        server.wait(timeout=60)
    started = {child for writer, child in STARTED.findall(log.read_text()) if writer == child}
    assert len(started) == 2
    assert str(server.pid) not in started
    assert answered_by and answered_by <= started
    if REUSE_PORT:  # elsewhere one shared socket: a process may accept every connection
        assert answered_by == started


def test_each_process_binds_a_socket_of_its_own_to_the_port() -> None:
    """What each new process unpickles is a fresh socket on the port, beside the supervisor's
    reservation and the other processes' sockets; a second fleetcare on the port is refused,
    listening or not yet, and so is a port held without ``SO_REUSEPORT``."""
    if not REUSE_PORT:
        pytest.skip("one socket per process is Linux's SO_REUSEPORT")
    lock, reserved = reserve_port("127.0.0.1", 0)
    port = reserved.getsockname()[1]
    first, second = (pickle.loads(pickle.dumps(OwnSocket("127.0.0.1", port))) for _ in range(2))
    try:
        with pytest.raises(OSError):  # its processes not listening yet: the lock refuses
            reserve_port("127.0.0.1", port)
        for own in (first, second):
            assert isinstance(own, socket.socket)
            assert own.getsockname() == ("127.0.0.1", port)
            assert own.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            own.listen()
        with pytest.raises(OSError):
            reserve_port("127.0.0.1", port)
    finally:
        for sock in (first, second, reserved, lock):
            sock.close()
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError):
            reserve_port("127.0.0.1", plain.getsockname()[1])


def test_a_port_in_use_stops_the_supervisor_with_startup_failure(tmp_path: Path) -> None:
    """``--workers 2`` on a port another program listens on exits 3, the port named, before
    any process starts."""
    if not REUSE_PORT:
        pytest.skip("one socket per process is Linux's SO_REUSEPORT")
    env = {**os.environ, "FLEETCARE_VAR_DIR": str(tmp_path / "var")}
    for name in ("FLEETCARE_DATABASE_URL", "FLEETCARE_SECRET_KEY", "FLEETCARE_WORKERS"):
        env.pop(name, None)
    fleetcare = str(Path(sys.executable).with_name("fleetcare"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [fleetcare, "serve", "--workers", "2", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"127.0.0.1:{port} is in use" in done.stdout + done.stderr
    assert "Started server process" not in done.stdout + done.stderr


def test_more_processes_than_postgresql_can_connect_are_refused_before_starting() -> None:
    """max_connections 30 leaves 7 connections: ``--workers 8`` is refused (exit 2) with the
    limit named, before any database is touched."""
    result = CliRunner().invoke(
        app,
        ["serve", "--workers", "8"],
        env={
            "FLEETCARE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",
            "FLEETCARE_DB_MAX_CONNECTIONS": "30",
        },
    )
    assert result.exit_code == 2
    assert "at most 7 server processes" in result.output


def test_every_log_line_names_its_process() -> None:
    """The default and the access log formats both carry the process id."""
    formats = [f["fmt"] for f in log_config()["formatters"].values()]
    assert formats and all("[%(process)d]" in fmt for fmt in formats)
