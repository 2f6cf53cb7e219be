"""Benchmark: the REST API under a mix of 50 concurrent clients, ``fleetcare serve --workers N``.

Builds once a PostgreSQL database ``fleetcare_load_<units>`` (reused when it exists): the demo's
regions, sites, customers and models, ``--units`` units (10⁵) in deliveries of 40 with two
usage readings each, the demo's parts network with its stock, and a ``bench`` admin; written
through the import tables (``Table.apply``: checked, bulk upserts), then ANALYZE. It skips the
demo's service history, which writes row by row. Then it starts ``fleetcare serve --workers N``
on it (a separate process tree, real sockets, access log on), and drives the mix below from
``--clients`` concurrent clients (asyncio, a kept-alive connection each) for ``--seconds``
after a ``--warmup`` that is not counted. Prints per route: requests, errors, p50/p95/p99 ms,
with the whole throughput; ``GET /api/health`` (no database) is part of the mix: the baseline
in the same run. The client's, the server's and PostgreSQL's CPU use are printed too (the cores
are shared), the client connections each server process holds, and what the sign-ins alone cost
(one Argon2id check, timed here before the server starts, × their share of the mix): the most
requests a second the mix could reach on these cores if everything else were free.

Goal (issue 21): reads p95 < 50 ms, no errors, throughput ≥ 690 requests a second (10 × 69).

By default every client sends its next request as soon as the last is answered: the server's
saturation, where a latency is mostly the wait behind the other clients. ``--rate R`` offers R
requests a second instead (Poisson arrivals shared by the clients, a latency counted from when
its request was due): the latency a deployment sees at that load. ``--planners K`` adds K
clients beside the mix, each running ``POST /api/plans/optimise`` (``plan_scale.py``'s network
with ``--planner-parts`` parts and 24 depots, to 95 %) again as soon as it is answered: the
mix's latencies while planners solve (their own are printed, not counted as reads).

    .venv/bin/python benchmarks/api_load.py [--units 100000] [--workers 2] [--seconds 30]
        [--clients 50] [--warmup 5] [--only ROUTE] [--rate R] [--planners K]
        [--planner-parts 100]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np
import psutil
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fleetcare.accounts.schemas import UserCreate
from fleetcare.accounts.service import add_user
from fleetcare.core.bulk import Item, Table
from fleetcare.core.db import get_engine, transaction
from fleetcare.core.migrate import upgrade
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import hash_password, issue_token, verify_password
from fleetcare.demo import AS_OF
from fleetcare.demo.fleet import (
    CUSTOMER_ROWS,
    FAMILY_OF,
    FLEET,
    MODEL_ROWS,
    REGION_ROWS,
    SITE_ROWS,
    allocate,
)
from fleetcare.demo.parts import build_parts
from fleetcare.fleet import schemas
from fleetcare.fleet.models import ProductFamily, Unit
from fleetcare.fleet.tables import CUSTOMERS, DELIVERIES, MODELS, REGIONS, SITES, UNITS
from fleetcare.fleet.usage import USAGE
from fleetcare.parts.models import Location, Part
from plan_scale import network_problem

SECRET = "benchmark-signing-key-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD = "bench-password-1"
CHUNK = 20_000  # records per Table.apply
READ_GOAL_MS = 50.0
THROUGHPUT_GOAL = 690.0  # requests a second: 10 × the 69 measured before issue 21
UNIT_FILTERS: list[dict[str, str]] = [
    {},
    {"region": "Murmansk Oblast"},
    {"status": "in_service"},
    {"q": "DT"},
    {"family": "passenger_lift"},
    {"customer": "KGD-LIFT"},
]
# route label → share of the requests
MIX = {
    "GET /api/units?filters": 30,
    "GET /api/units/{id}": 30,
    "GET /api/stock": 20,
    "POST /api/usage": 10,
    "POST /api/auth/token": 2,
    "GET /api/health": 8,
}
READS = {"GET /api/units?filters", "GET /api/units/{id}", "GET /api/stock"}  # the p95 goal
TOKEN_ROUTE = "POST /api/auth/token"
PLANNER_ROUTE = "POST /api/plans/optimise"  # --planners: beside the mix, not part of it
PLANNER_DEPOTS = 24  # the planners' network: plan_scale.py's, a plant, 4 hubs and 24 depots
# a kept-alive connection idle longer than uvicorn's timeout_keep_alive (5 s) is closed by the
# server: a client idle this long (possible with --rate) connects again first, as browsers do
IDLE_SECONDS = 4.0


# --- the database ------------------------------------------------------------------------------
def apply(session: Any, table: Table[Any], records: list[Any]) -> None:
    """Upsert ``records`` through the table's import path, ``CHUNK`` at a time."""
    for start in range(0, len(records), CHUNK):
        table.apply(session, [Item(r) for r in records[start : start + CHUNK]])


def installed_base(units: int, seed: int) -> tuple[list[Any], list[Any], list[Any]]:
    """Deliveries of up to 40 units, the units, and two usage readings per unit."""
    rng = np.random.default_rng(seed)
    deliveries: list[Any] = []
    unit_rows: list[Any] = []
    readings: list[Any] = []
    for line, count in zip(FLEET, allocate(units), strict=True):
        span = (line.last - line.first).days
        for batch, start in enumerate(range(0, count, 40), start=1):
            delivered = line.first + timedelta(days=int(rng.integers(0, span + 1)))
            reference = f"D-{delivered:%Y%m}-{line.customer}-{line.model}-L{batch}"
            size = min(40, count - start)
            deliveries.append(
                schemas.DeliveryRecord(
                    reference=reference,
                    customer=line.customer,
                    model=line.model,
                    quantity=size,
                    shipped_on=delivered - timedelta(days=20),
                    delivered_on=delivered,
                )
            )
            for n in range(size):
                serial = f"{line.model}-{line.customer}-{start + n + 1:06d}"
                unit_rows.append(
                    schemas.UnitRecord(
                        serial=serial,
                        model=line.model,
                        customer=line.customer,
                        site=line.sites[n % len(line.sites)],
                        delivered_on=delivered,
                        delivery=reference,
                    )
                )
                hours = float(rng.uniform(500, 20_000))
                for taken, meter in (
                    (delivered + timedelta(days=30), 10.0),
                    (date(2026, 10, 1), hours),
                ):
                    readings.append(
                        schemas.UsageRecord(
                            serial=serial,
                            taken_at=datetime(taken.year, taken.month, taken.day),
                            engine_hours=meter,
                        )
                    )
    return deliveries, unit_rows, readings


def build(url: str, units: int) -> None:
    """Write the installed base, the parts network and the bench user; then ANALYZE."""
    started = time.perf_counter()
    upgrade(url)
    deliveries, unit_rows, readings = installed_base(units, seed=7)
    with transaction(url, write=True) as session:
        apply(
            session,
            REGIONS,
            [schemas.RegionRecord(name=n, country=c, climate=k) for n, c, k in REGION_ROWS],
        )
        apply(
            session,
            SITES,
            [
                schemas.SiteRecord(name=n, region=r, latitude=la, longitude=lo)
                for n, r, la, lo in SITE_ROWS
            ],
        )
        apply(
            session,
            CUSTOMERS,
            [schemas.CustomerRecord(code=c, name=n, region=r) for c, n, r in CUSTOMER_ROWS],
        )
        apply(
            session,
            MODELS,
            [
                schemas.ModelRecord(code=c, family=ProductFamily(f), name=n)
                for c, f, n in MODEL_ROWS
            ],
        )
        apply(session, DELIVERIES, deliveries)
        apply(session, UNITS, unit_rows)
        apply(session, USAGE, readings)
        build_parts(session, models=FAMILY_OF, as_of=AS_OF, per_family=140, seed=7)
        add_user(
            session,
            UserCreate(username="bench", role=Role.admin, password=PASSWORD),
            by=system("bench"),
        )
    with get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    print(
        f"built {units:,} units, {len(readings):,} readings "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def database(admin_url: str, units: int) -> str:
    """The URL of ``fleetcare_load_<units>``, built when it does not exist (or is incomplete)."""
    name = f"fleetcare_load_{units}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
    if exists:
        with transaction(url) as session:
            complete = session.scalar(
                select(func.count()).select_from(Unit)
            ) == units and session.scalar(
                text("SELECT count(*) FROM users WHERE username = 'bench'")
            )
        if complete:
            admin.dispose()
            return url
        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    print(f"building {name} (once)...", file=sys.stderr)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    build(url, units)
    return url


# --- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``fleetcare serve --workers N`` on ``url``, every process started (a client that
    connected while one was still starting would stay with the others) and answering
    ``/api/health``."""
    env = {
        **os.environ,
        "FLEETCARE_DATABASE_URL": url,
        "FLEETCARE_SECRET_KEY": SECRET,
        "FLEETCARE_VAR_DIR": str(log.parent),
    }
    env.pop("FLEETCARE_WORKERS", None)
    fleetcare = str(Path(sys.executable).with_name("fleetcare"))
    with log.open("wb") as output:
        server = subprocess.Popen(
            [fleetcare, "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped:\n" + log.read_text())
        started = log.read_text().count("Application startup complete")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
            if started >= workers:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start")


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) of the server process and its worker processes so far."""
    parent = psutil.Process(server.pid)
    total = 0.0
    for process in [parent, *parent.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def clients_per_process(server: subprocess.Popen[bytes], port: int) -> list[int]:
    """How many client connections each server process holds on ``port`` (most first): with
    kept-alive clients, how evenly the processes share the load."""
    parent = psutil.Process(server.pid)
    held = []
    for process in parent.children(recursive=True):
        connections = process.net_connections(kind="tcp")
        held.append(
            sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in connections)
        )
    return sorted(held, reverse=True)


def database_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of each PostgreSQL process on this machine so far, by pid."""
    seconds = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if process.info["name"] == "postgres" and times is not None:
            seconds[process.pid] = times.user + times.system
    return seconds


def database_cpu_since(before: dict[int, float]) -> float:
    """The PostgreSQL processes' CPU seconds since ``before`` (a backend that ended meanwhile
    is not counted; one that started counts whole)."""
    return sum(now - before.get(pid, 0.0) for pid, now in database_cpu().items())


# --- the load ------------------------------------------------------------------------------------
@dataclass
class Tally:
    """Latencies (ms) and errors per route of the requests that ended in the counted window."""

    window: tuple[float, float] = (float("inf"), float("inf"))  # perf_counter() seconds
    latencies: dict[str, list[float]] = field(default_factory=lambda: {route: [] for route in MIX})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MIX, 0))
    examples: dict[str, str] = field(default_factory=dict)
    only: str | None = None  # one route of the mix instead of the whole mix
    rate: float | None = None  # requests a second offered by all clients together (open loop)
    clients: int = 1

    def note(self, route: str, started: float, ok: bool, problem: str) -> None:
        """Count a request of ``route`` that began at ``started`` and ended now, if it ended
        in the counted window."""
        ended = time.perf_counter()
        if self.window[0] <= ended <= self.window[1]:
            self.latencies[route].append((ended - started) * 1000)
            if not ok:
                self.errors[route] += 1
                self.examples.setdefault(route, problem)


@dataclass(frozen=True)
class Targets:
    """What the requests name: unit ids, each client's own serials (for its usage posts),
    locations and parts of the stock."""

    unit_ids: list[int]
    serials: list[list[str]]
    locations: list[str]
    parts: list[str]


def targets(url: str, clients: int) -> Targets:
    """Ids and keys read from the database; each client posts usage to serials of its own."""
    with transaction(url) as session:
        ids = list(session.scalars(select(Unit.id)))
        serials = list(session.scalars(select(Unit.serial).order_by(Unit.id)))
        locations = list(session.scalars(select(Location.code)))
        parts = list(session.scalars(select(Part.number)))
    return Targets(ids, [serials[i::clients] for i in range(clients)], locations, parts)


def hours_now() -> float:
    """Engine hours that only grow with the clock (one an hour), above every built reading."""
    return 25_000 + (time.time() - 1_790_000_000) / 3600


@dataclass(frozen=True)
class Call:
    """One request: method, target (path and query) and, for a POST, its body and type."""

    method: str
    target: str
    body: bytes | None = None
    content_type: str = "application/json"
    signed: bool = True  # carries the bearer token

    def encode(self, token: str) -> bytes:
        """The request as HTTP/1.1 bytes on a kept-alive connection."""
        head = [f"{self.method} {self.target} HTTP/1.1", "Host: 127.0.0.1"]
        if self.signed:
            head.append(f"Authorization: Bearer {token}")
        if self.body is not None:
            head += [f"Content-Type: {self.content_type}", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + (self.body or b"")


def request_for(route: str, rng: random.Random, aims: Targets, client: int, sequence: int) -> Call:
    """The next request of ``route`` from ``client``."""
    if route == "GET /api/units?filters":
        params = {**rng.choice(UNIT_FILTERS), "limit": 50, "offset": rng.randrange(0, 1000, 50)}
        return Call("GET", "/api/units?" + urlencode(params))
    if route == "GET /api/units/{id}":
        return Call("GET", f"/api/units/{rng.choice(aims.unit_ids)}")
    if route == "GET /api/stock":
        choice = rng.random()
        query: dict[str, Any] = {"limit": 50, "offset": rng.randrange(0, 500, 50)}
        if choice < 0.4:
            query = {"location": rng.choice(aims.locations), "limit": 50}
        elif choice < 0.7:
            query = {"part": rng.choice(aims.parts), "limit": 50}
        return Call("GET", "/api/stock?" + urlencode(query))
    if route == "POST /api/usage":
        # each client owns its serials, posts in time order, and the hours only grow
        own = aims.serials[client]
        now = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        body = {
            "serial": own[sequence % len(own)],
            "taken_at": now.isoformat(),
            "engine_hours": hours_now(),
        }
        return Call("POST", "/api/usage", json.dumps(body).encode())
    if route == "POST /api/auth/token":
        form = urlencode({"username": "bench", "password": PASSWORD}).encode()
        return Call(
            "POST", "/api/auth/token", form, "application/x-www-form-urlencoded", signed=False
        )
    return Call("GET", "/api/health", signed=False)


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection, of one HTTP/1.1 answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, close = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if not chunked:
        return status, await reader.readexactly(length), close
    body = b""
    while size := int((await reader.readline()).strip() or b"0", 16):
        body += (await reader.readexactly(size + 2))[:-2]
    await reader.readline()
    return status, body, close


@dataclass
class Link:
    """A client's kept-alive connection: opened when first needed, and again after the server
    closed it or it sat idle past ``IDLE_SECONDS``."""

    port: int
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    last_used: float = 0.0

    async def send(self, call: Call, token: str) -> tuple[bool, str]:
        """Send ``call`` and read its answer: whether it succeeded (200 or 201), and what came
        back (for the report's first error)."""
        try:
            if self.streams is not None and time.perf_counter() - self.last_used > IDLE_SECONDS:
                self.close()  # the server closes a connection idle this long
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            writer.write(call.encode(token))
            status, body, close = await answer(reader)
            if close:
                self.close()
            ok, problem = status in (200, 201), f"{status} {body[:200]!r}"
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.close()
            ok, problem = False, repr(error)
        self.last_used = time.perf_counter()
        return ok, problem

    def close(self) -> None:
        """Close the connection, if open."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def client_loop(port: int, token: str, client: int, aims: Targets, tally: Tally) -> None:
    """One client on its own kept-alive connection: the mix's requests one after another until
    the window closes. A deliberately small HTTP/1.1 client (a few µs a request), so that the
    client takes little of the two cores it shares with the server.

    With ``tally.rate`` the client sends on a schedule instead (its share of the rate, at
    exponential intervals: Poisson arrivals), and a latency runs from when the request was due,
    so a request that waits for its client's previous one counts that wait too (no coordinated
    omission)."""
    rng = random.Random(client)
    routes = [route for route in MIX if tally.only in (None, route)]
    weights = [MIX[route] for route in routes]
    sequence = 0
    link = Link(port)
    per_client = tally.rate / tally.clients if tally.rate else 0.0  # requests a second
    due = time.perf_counter() + (rng.expovariate(per_client) if per_client else 0.0)
    while time.perf_counter() < tally.window[1]:
        route = rng.choices(routes, weights)[0]
        call = request_for(route, rng, aims, client, sequence)
        sequence += 1
        if per_client:
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            started = due
            due += rng.expovariate(per_client)
        else:
            started = time.perf_counter()
        tally.note(route, started, *await link.send(call, token))
    link.close()


async def planner_loop(port: int, token: str, body: bytes, tally: Tally) -> None:
    """A planner: ``POST /api/plans/optimise`` of one problem, again as soon as it is answered
    (each solve holds a heavy-pool thread of the process that took it for seconds)."""
    call = Call("POST", "/api/plans/optimise", body)
    link = Link(port)
    while time.perf_counter() < tally.window[1]:
        started = time.perf_counter()
        tally.note(PLANNER_ROUTE, started, *await link.send(call, token))
    link.close()


def planner_body(parts: int) -> bytes:
    """The planners' request: ``plan_scale.py``'s network with ``parts`` parts, to 95 %."""
    problem = network_problem(parts, 4, PLANNER_DEPOTS)
    return json.dumps({"problem": problem, "target_availability": 0.95}).encode()


async def drive(
    port: int,
    token: str,
    aims: Targets,
    clients: int,
    warmup: float,
    seconds: float,
    only: str | None = None,
    after_warmup: Callable[[], None] = lambda: None,
    rate: float | None = None,
    planners: tuple[int, bytes] = (0, b""),
) -> tuple[Tally, float]:
    """Run the clients through ``warmup`` and then ``seconds`` counted; the tally of what ended
    in the counted window, and the client's own CPU seconds in it. ``after_warmup`` runs once
    every client is connected. ``rate``: the requests a second the clients offer together
    (``None``: each sends its next request as soon as the last is answered). ``planners``:
    how many planner clients run beside them, and the body each sends."""
    start = time.perf_counter()
    window = (start + warmup, start + warmup + seconds)
    tally = Tally(window=window, only=only, rate=rate, clients=clients)
    tasks = [asyncio.create_task(client_loop(port, token, c, aims, tally)) for c in range(clients)]
    if planners[0]:
        tally.latencies[PLANNER_ROUTE], tally.errors[PLANNER_ROUTE] = [], 0
        body = planners[1]
        tasks += [
            asyncio.create_task(planner_loop(port, token, body, tally)) for _ in range(planners[0])
        ]
    await asyncio.sleep(warmup)
    after_warmup()
    cpu = time.process_time()
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu
    await asyncio.gather(*tasks)
    return tally, cpu


def sign_in_cpu_seconds(repeats: int = 3) -> float:
    """CPU seconds of one password check as ``POST /api/auth/token`` makes it (Argon2id with
    the server's parameters), the least of ``repeats``; measured here, before the server
    starts, so nothing else shares the core."""
    stored = hash_password(PASSWORD)
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        assert verify_password(stored, PASSWORD)
        best = min(best, time.process_time() - start)
    return best


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(
    tally: Tally, wall: float, client_cpu: float, server_cpu: float, database: float, workers: int
) -> None:
    """The table per route and the totals, against the goals."""
    print(f"command: {' '.join(sys.argv)}")
    columns = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'route':<24} " + " ".join(f"{c:>8}" for c in columns))
    total = errors = 0
    worst_read = 0.0
    for route, values in tally.latencies.items():
        if route in MIX:  # the planners' solves are printed, not counted in the mix's totals
            total += len(values)
            errors += tally.errors[route]
        if not values:
            print(f"{route:<24} {0:>8}")
            continue
        p95 = percentile(values, 0.95)
        if route in READS:
            worst_read = max(worst_read, p95)
        figures = (len(values) / wall, percentile(values, 0.5), p95, percentile(values, 0.99))
        counts = f"{len(values):>8} {tally.errors[route]:>8}"
        print(f"{route:<24} {counts} " + " ".join(f"{x:>8.1f}" for x in figures))
    throughput = total / wall
    print(f"{'all':<24} {total:>8} {errors:>8} {throughput:>8.1f}")
    if tally.rate:
        print(
            f"offered {tally.rate:.1f} requests a second (Poisson arrivals over {tally.clients} "
            "clients; a latency counts from when its request was due)"
        )
    cores = psutil.cpu_count() or 1
    print(
        f"workers {workers}; {wall:.1f} s counted; CPU in cores: server {server_cpu / wall:.2f}, "
        f"PostgreSQL {database / wall:.2f}, client {client_cpu / wall:.2f}, of {cores}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if total:
        print(
            f"CPU per request: server {server_cpu * 1000 / total:.1f} ms, "
            f"PostgreSQL {database * 1000 / total:.1f} ms (all routes together)"
        )
    reads = "met" if worst_read < READ_GOAL_MS else "MISSED"
    reads = reads if any(tally.latencies[r] for r in READS) else "not measured"
    rate = "met" if throughput >= THROUGHPUT_GOAL else "MISSED"
    print(
        f"goals: reads p95 < {READ_GOAL_MS:.0f} ms {reads} ({worst_read:.1f}); "
        f"no errors {'met' if errors == 0 else 'MISSED'} ({errors}); "
        f"≥ {THROUGHPUT_GOAL:.0f} req/s {rate} ({throughput:.0f})"
    )
    for route, example in tally.examples.items():
        print(f"first error of {route}: {example}")


def report_sign_ins(sign_in: float, only: str | None) -> None:
    """What the sign-ins alone cost the mix: their share × one check's CPU, and the most
    requests a second that leaves on this machine's cores."""
    share = (1.0 if only == TOKEN_ROUTE else 0.0) if only else MIX[TOKEN_ROUTE] / sum(MIX.values())
    if not share:
        return
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    per_request = share * sign_in
    print(
        f"sign-ins: one password check costs {sign_in * 1000:.0f} ms of CPU; at {share:.0%} of "
        f"the requests that is {per_request * 1000:.1f} ms a request, so this mix cannot pass "
        f"{cores / per_request:.0f} requests a second on {cores} cores even if all else were free"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--rate",
        type=float,
        help="requests a second the clients offer together, on a schedule (open loop); "
        "default: each client sends again as soon as it is answered (closed loop, saturation)",
    )
    parser.add_argument(
        "--planners",
        type=int,
        default=0,
        help=f"clients beside the mix, each running {PLANNER_ROUTE} again and again",
    )
    parser.add_argument("--planner-parts", type=int, default=100, help="parts of their problem")
    parser.add_argument(
        "--only",
        choices=list(MIX),
        help="one route of the mix alone (e.g. the HTTP stack's ceiling)",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "FLEETCARE_LOAD_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    url = database(args.pg, args.units)
    aims = targets(url, args.clients)
    with transaction(url) as session:
        version = session.scalar(text("SELECT token_version FROM users WHERE username = 'bench'"))
    get_engine(url).dispose()  # the benchmark holds no connection while the server runs
    token = issue_token("bench", SECRET, version=int(version or 0), lifetime=timedelta(hours=2))
    sign_in = sign_in_cpu_seconds()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="api_load.") as folder:
        server = serve(url, args.workers, port, Path(folder) / "server.log")
        try:
            before = server_cpu_seconds(server)
            database_before = database_cpu()
            spread: list[int] = []
            tally, client_cpu = asyncio.run(
                drive(
                    port,
                    token,
                    aims,
                    args.clients,
                    args.warmup,
                    args.seconds,
                    args.only,
                    after_warmup=lambda: spread.extend(clients_per_process(server, port)),
                    rate=args.rate,
                    planners=(
                        args.planners,
                        planner_body(args.planner_parts) if args.planners else b"",
                    ),
                )
            )
            server_cpu = server_cpu_seconds(server) - before
            database_cpu_used = database_cpu_since(database_before)
        finally:
            server.terminate()
            server.wait(timeout=60)
    # the server's and the database's CPU include the warm-up; scale them to the counted part
    counted = args.seconds / (args.seconds + args.warmup)
    report(
        tally,
        args.seconds,
        client_cpu=client_cpu,
        server_cpu=server_cpu * counted,
        database=database_cpu_used * counted,
        workers=args.workers,
    )
    print(f"client connections per server process: {', '.join(map(str, spread))}")
    report_sign_ins(sign_in, args.only)


if __name__ == "__main__":
    main()
