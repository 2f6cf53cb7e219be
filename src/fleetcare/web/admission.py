"""Admission control for state-changing requests.

FastAPI runs synchronous dependencies and handlers in a pool of worker threads (40 by
default). A writing request may have to wait for the database (SQLite's write lock, a
PostgreSQL row lock); if every worker thread were such a waiter, the request holding the lock
could never get a thread to finish and commit, and all of them would stall until time-out.
So at most ``limit`` writing requests run at once; the others wait here, asynchronously,
holding no thread. Reads are never held back.

A write slot is precious, so nobody may hold one cheaply:

- the body is read whole *before* a slot is taken, within ``body_seconds`` (else 408) and
  ``max_body_bytes`` (else 413; ``body_limits`` gives an upload path its own limit): a client
  sending a byte a second holds a connection, not a slot;
- sign-in (``POST /api/auth/token``, ``POST /login``) never waits for a slot;
- a request without a valid bearer token or a signed-in session takes no slot either: it is
  refused by the routes' permission check, which writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetcare.core.i18n import _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_PATHS = frozenset({"/api/auth/token", "/login"})
Credentialed = Callable[[Scope], bool]


class BodyTooSlow(Exception):
    """The body did not arrive within the time allowed."""


class BodyTooLarge(Exception):
    """The body is larger than allowed."""


async def read_body(receive: Receive, *, seconds: float, max_bytes: int) -> bytes:
    """The whole request body, or ``BodyTooSlow`` / ``BodyTooLarge``."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BodyTooSlow
        try:
            message = await asyncio.wait_for(receive(), timeout=remaining)
        except TimeoutError:
            raise BodyTooSlow from None
        if message["type"] == "http.disconnect":
            raise BodyTooSlow
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class WriteAdmission:
    """ASGI middleware letting at most ``limit`` credentialed writing requests run at once."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = 8,
        body_seconds: float = 30.0,
        max_body_bytes: int = 1_048_576,
        body_limits: Mapping[str, int] | None = None,
        credentialed: Credentialed = lambda scope: True,
    ) -> None:
        self.app = app
        self.limit = limit
        self.body_seconds = body_seconds
        self.max_body_bytes = max_body_bytes
        self.body_limits = dict(body_limits or {})  # path → its own limit (uploads)
        self.credentialed = credentialed
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        path = _path(scope)
        limit = self.body_limits.get(path, self.max_body_bytes)
        try:
            body = await read_body(receive, seconds=self.body_seconds, max_bytes=limit)
        except BodyTooSlow:
            await _answer(send, 408, _("the request body did not arrive in time"))
            return
        except BodyTooLarge:
            await _answer(send, 413, _("the request body is too large"))
            return
        replay = _replay(body, receive)
        if path in SIGN_IN_PATHS or not self.credentialed(scope):
            await self.app(scope, replay, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, replay, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then waits on the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
