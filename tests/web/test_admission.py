"""Slow request bodies hold no write slot: sign-in and writes answer while they dribble in."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import httpx
import pytest
from starlette.types import Message

from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.web.admission import BodyTooLarge, BodyTooSlow, WriteAdmission, read_body
from fleetcare.web.app import _credentialed
from tests.conftest import TEST_PASSWORD, TEST_SECRET

SLOW_CONNECTIONS = 16


@contextmanager
def slow_bodies(base: str, path: str, count: int) -> Iterator[None]:
    """``count`` connections that announce a body and send it a byte every 0.2 s, until closed."""
    host, port = base.removeprefix("http://").split(":")
    sockets = []
    for _ in range(count):
        connection = socket.create_connection((host, int(port)))
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10000\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nu".encode()
        )
        sockets.append(connection)
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(0.2):
            for connection in sockets:
                with suppress(OSError):
                    connection.sendall(b"x")

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    time.sleep(0.5)  # every slow request has reached the server
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for connection in sockets:
            connection.close()


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/regions"])
def test_sign_in_and_writes_answer_under_slow_bodies(
    live_server: str, make_user: Callable[..., str], path: str
) -> None:
    """16 slow bodies (sign-ins, or writes with no credentials) stall neither sign-in nor writes."""
    make_user("writer", Role.admin)
    with slow_bodies(live_server, path, SLOW_CONNECTIONS), httpx.Client(timeout=5) as http:
        signed = http.post(
            f"{live_server}/api/auth/token", data={"username": "writer", "password": TEST_PASSWORD}
        )
        assert signed.status_code == 200
        bearer = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        region = {"name": "Slow Body Oblast", "country": "Russia", "climate": "cold"}
        written = http.post(f"{live_server}/api/regions", json=region, headers=bearer)
        assert written.status_code == 201, written.text


def test_a_body_that_never_ends_is_refused_in_time() -> None:
    """read_body gives up after its deadline; the middleware answers 408 and calls no route."""

    async def never() -> Message:
        await asyncio.sleep(3600)
        raise AssertionError

    async def trickle_then_stall() -> Message:
        return {"type": "http.request", "body": b"x", "more_body": True}

    with pytest.raises(BodyTooSlow):
        asyncio.run(read_body(never, seconds=0.1, max_bytes=100))
    with pytest.raises(BodyTooLarge):
        asyncio.run(read_body(trickle_then_stall, seconds=5, max_bytes=100))

    called: list[str] = []
    sent: list[Message] = []

    async def app(scope: object, receive: object, send: object) -> None:
        called.append("route")

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = WriteAdmission(app, body_seconds=0.1)
    scope = {"type": "http", "method": "POST", "path": "/api/regions", "headers": []}
    asyncio.run(middleware(scope, never, send))
    assert called == [] and sent[0]["status"] == 408


def test_writes_are_admitted_a_limited_number_at_once() -> None:
    """With a limit of 2, at most two credentialed writes run at once; uncredentialed skip."""
    running = 0
    most = 0

    async def app(scope: object, receive: object, send: object) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1

    async def body() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        return None

    async def burst(credentialed: bool) -> int:
        nonlocal most
        most = 0
        middleware = WriteAdmission(app, limit=2, credentialed=lambda scope: credentialed)
        scope = {"type": "http", "method": "POST", "path": "/api/regions", "headers": []}
        await asyncio.gather(*(middleware(dict(scope), body, send) for _ in range(6)))
        return most

    assert asyncio.run(burst(True)) == 2
    assert asyncio.run(burst(False)) == 6


def test_a_signed_in_write_is_judged_as_its_route_judges_it() -> None:
    """The slot follows ``current_principal``: on ``/api`` the first Authorization header (a
    junk second one does not hide a valid first); on pages the session alone (a junk bearer
    header does not hide the signed-in session)."""
    credentialed = _credentialed(TEST_SECRET)
    good = b"Bearer " + issue_token("someone", TEST_SECRET).encode()
    junk = b"Bearer junk"

    def scope(path: str, *values: bytes, user: str | None = None) -> dict[str, object]:
        headers = [(b"authorization", value) for value in values]
        return {"path": path, "headers": headers, "session": {"user": user} if user else {}}

    assert credentialed(scope("/api/regions", good, junk))
    assert not credentialed(scope("/api/regions", junk, good))  # the route reads the first too
    assert not credentialed(scope("/api/regions"))
    assert credentialed(scope("/logout", junk, user="someone"))
    assert not credentialed(scope("/logout", good))  # pages do not read bearer tokens
