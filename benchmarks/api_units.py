"""Benchmark: ``GET /api/units`` p95 latency at 10,000 units (goal < 50 ms).

Builds (once, cached under ``benchmarks/out/``, or in the PostgreSQL database that
``--database-url`` names) the demo's installed base with 10,000 units — what the units list
reads: regions, sites, customers, models, deliveries, units and their usage — and refreshes the
planner's statistics (``core.statistics``). Serves the app with uvicorn on a loopback port and
sends sequential requests over real HTTP: pages at random offsets, some with filters, then the
same walked by ``cursor``. The baseline, measured in the same run, is ``GET /api/health``
(no database), so the ratio shows what the query and serialisation cost.

    .venv/bin/python benchmarks/api_units.py [--requests 500] [--rebuild] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select

from fleetcare.accounts.schemas import UserCreate
from fleetcare.accounts.service import add_user
from fleetcare.core.config import Settings
from fleetcare.core.db import transaction
from fleetcare.core.migrate import upgrade
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import issue_token
from fleetcare.core.statistics import refresh_statistics
from fleetcare.demo import AS_OF
from fleetcare.demo.fleet import build_fleet
from fleetcare.fleet.models import Unit
from fleetcare.web.app import create_app

GOAL_MS = 50.0
UNITS = 10_000
FILTERS: list[dict[str, str | int]] = [
    {},
    {"region": "Murmansk Oblast"},
    {"status": "in_service"},
    {"q": "DT"},
    {"family": "passenger_lift"},
]
SECRET = "benchmark-signing-key-0123456789abcdefghijklmnopqrstuvwxyz"


def database(path: Path, rebuild: bool, url: str | None = None) -> str:
    """The database with 10,000 demo units and a benchmark user, built when missing: the
    SQLite file ``path``, or ``url`` (an empty PostgreSQL database, say)."""
    if url is None:
        url = f"sqlite:///{path}"
        if rebuild and path.exists():
            path.unlink()
    upgrade(url)
    with transaction(url, write=True) as session:
        if (session.scalar(select(func.count()).select_from(Unit)) or 0) < UNITS:
            print(f"building the installed base with {UNITS:,} units (once)...", file=sys.stderr)
            build_fleet(session, units=UNITS, seed=7, as_of=AS_OF)
            add_user(
                session,
                UserCreate(username="bench", role=Role.admin, password="bench-password"),
                by=system("bench"),
            )
            refresh_statistics(session)
    return url


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(http: httpx.Client, path: str, params: dict[str, str | int], count: int) -> list[float]:
    """Latencies in milliseconds of ``count`` sequential GETs."""
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        answer = http.get(path, params=params)
        latencies.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return latencies


def walk(http: httpx.Client, count: int) -> list[float]:
    """Latencies in milliseconds of ``count`` pages of 50 walked by ``next_cursor`` (from the
    start again at the end of a list), filters taken in turn."""
    latencies: list[float] = []
    while len(latencies) < count:
        for where in FILTERS:
            params: dict[str, str | int] = {**where, "limit": 50}
            while len(latencies) < count:
                start = time.perf_counter()
                answer = http.get("/api/units", params=params)
                latencies.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, answer.text
                cursor = answer.json()["next_cursor"]
                if cursor is None:
                    break
                params = {**where, "limit": 50, "cursor": cursor}
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL database instead of the SQLite file")
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    url = database(out / "api_units.db", args.rebuild, args.database_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(database_url=url, secret_key=SECRET, var_dir=out))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {issue_token('bench', SECRET)}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:
            timed(http, "/api/units", {}, 20)  # warm-up
            units: list[float] = []
            for _ in range(args.requests):
                params = {**rng.choice(FILTERS), "limit": 50, "offset": rng.randrange(0, 2000, 50)}
                units += timed(http, "/api/units", params, 1)
            walked = walk(http, args.requests)
            health = timed(http, "/api/health", {}, args.requests)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    p95, base95 = percentile(units, 0.95), percentile(health, 0.95)
    print(f"command: {' '.join(sys.argv)}")
    print(f"database: {url.split('://')[0]}")
    print(
        f"GET /api/units at {UNITS:,} units, {args.requests} requests: "
        f"p50 {statistics.median(units):.1f} ms, "
        f"p95 {p95:.1f} ms, p99 {percentile(units, 0.99):.1f} ms; goal p95 < {GOAL_MS:.0f} ms: "
        f"{'met' if p95 < GOAL_MS else 'MISSED'}"
    )
    print(
        f"the same walked by cursor, {len(walked)} pages of 50: "
        f"p50 {statistics.median(walked):.1f} ms, p95 {percentile(walked, 0.95):.1f} ms"
    )
    print(
        f"baseline GET /api/health: p50 {statistics.median(health):.1f} ms, p95 {base95:.1f} ms; "
        f"units p95 / health p95 = {p95 / base95:.1f}x"
    )


if __name__ == "__main__":
    main()
