"""Benchmark: ``GET /api/units`` p95 latency at 10,000 units (goal < 50 ms).

Builds (once, cached under ``benchmarks/out/``) the demo with 10,000 units, serves the app with
uvicorn on a loopback port, and sends sequential requests over real HTTP: pages at random
offsets, some with filters. The baseline, measured in the same run, is ``GET /api/health``
(no database), so the ratio shows what the query and serialisation cost.

    .venv/bin/python benchmarks/api_units.py [--requests 500] [--rebuild]
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
from fleetcare.demo import build_demo
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


def database(path: Path, rebuild: bool) -> str:
    """The SQLite file with 10,000 demo units and a benchmark user, built when missing."""
    url = f"sqlite:///{path}"
    if rebuild and path.exists():
        path.unlink()
    upgrade(url)
    with transaction(url, write=True) as session:
        if (session.scalar(select(func.count()).select_from(Unit)) or 0) < UNITS:
            print(f"building the demo with {UNITS:,} units (once)...", file=sys.stderr)
            build_demo(session, units=UNITS, seed=7, parts_per_family=9)
            add_user(
                session,
                UserCreate(username="bench", role=Role.admin, password="bench-password"),
                by=system("bench"),
            )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    url = database(out / "api_units.db", args.rebuild)
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
            health = timed(http, "/api/health", {}, args.requests)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    p95, base95 = percentile(units, 0.95), percentile(health, 0.95)
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"GET /api/units at {UNITS:,} units, {args.requests} requests: "
        f"p50 {statistics.median(units):.1f} ms, "
        f"p95 {p95:.1f} ms, p99 {percentile(units, 0.99):.1f} ms; goal p95 < {GOAL_MS:.0f} ms: "
        f"{'met' if p95 < GOAL_MS else 'MISSED'}"
    )
    print(
        f"baseline GET /api/health: p50 {statistics.median(health):.1f} ms, p95 {base95:.1f} ms; "
        f"units p95 / health p95 = {p95 / base95:.1f}x"
    )


if __name__ == "__main__":
    main()
