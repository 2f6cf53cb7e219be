"""Benchmark: sign-in and write latency while 16 connections send their bodies a byte at a time.

Serves the app with ``fleetcare serve`` (a separate process, real sockets) on an empty SQLite
database, then times sequential sign-ins (``POST /api/auth/token``) and writes
(``POST /api/regions``): first with no load (the baseline, same run), then while
``--slow`` connections each announce a 10 kB body to ``POST /api/auth/token`` and send a byte
every 0.2 s. A request that gets no answer within ``--timeout`` seconds counts as stalled.
Goal: under load, both answer in well under a second, none stall.

    .venv/bin/python benchmarks/slow_bodies.py [--slow 16] [--requests 10] [--timeout 10]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "benchmark-password-1"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """``fleetcare serve`` on an empty database with one admin, started and answering."""
    env = {**os.environ, "FLEETCARE_VAR_DIR": str(var_dir)}
    env.pop("FLEETCARE_DATABASE_URL", None)
    fleetcare = str(Path(sys.executable).with_name("fleetcare"))
    subprocess.run(
        [fleetcare, "users", "add", "bench", "--role", "admin", "--password-stdin"],
        input=f"{PASSWORD}\n".encode(),
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [fleetcare, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def timed(requests: int, timeout: float, base: str) -> tuple[list[float], list[float], int]:
    """Milliseconds of each sign-in and each write, and how many stalled."""
    sign_ins: list[float] = []
    writes: list[float] = []
    stalled = 0
    with httpx.Client(timeout=timeout) as http:
        for n in range(requests):
            try:
                start = time.perf_counter()
                answer = http.post(
                    f"{base}/api/auth/token", data={"username": "bench", "password": PASSWORD}
                )
                sign_ins.append((time.perf_counter() - start) * 1000)
                bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
                region = {"name": f"Bench {time.time_ns()} {n}", "country": "X", "climate": "cold"}
                start = time.perf_counter()
                http.post(f"{base}/api/regions", json=region, headers=bearer)
                writes.append((time.perf_counter() - start) * 1000)
            except httpx.TimeoutException:
                stalled += 1
    return sign_ins, writes, stalled


def slow_connections(port: int, count: int, stop: threading.Event) -> threading.Thread:
    """``count`` connections dribbling a sign-in body a byte every 0.2 s until ``stop``."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(
            b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\nu"
        )
        sockets.append(connection)

    def dribble() -> None:
        while not stop.wait(0.2):
            for connection in sockets:
                try:
                    connection.sendall(b"x")
                except OSError:
                    continue
        for connection in sockets:
            connection.close()

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    return thread


def describe(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<9} no answer"
    return f"{label:<9} p50 {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=16, help="slow connections (16)")
    parser.add_argument("--requests", type=int, default=10, help="sign-ins and writes (10)")
    parser.add_argument("--timeout", type=float, default=10.0, help="stalled after (10 s)")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as var_dir:
        server = serve(Path(var_dir), port)
        try:
            quiet = timed(args.requests, args.timeout, base)
            stop = threading.Event()
            thread = slow_connections(port, args.slow, stop)
            time.sleep(0.5)
            loaded = timed(args.requests, args.timeout, base)
            stop.set()
            thread.join()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"baseline, no load ({args.requests} each):")
    print("  " + describe("sign-in", quiet[0]) + "\n  " + describe("write", quiet[1]))
    print(f"under {args.slow} slow bodies: stalled {loaded[2]} of {args.requests}")
    print("  " + describe("sign-in", loaded[0]) + "\n  " + describe("write", loaded[1]))
    if quiet[0] and loaded[0]:
        ratio = statistics.median(loaded[0]) / statistics.median(quiet[0])
        print(f"sign-in p50 under load / baseline: {ratio:.2f}x")


if __name__ == "__main__":
    main()
