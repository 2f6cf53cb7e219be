"""Admission control for state-changing requests.

FastAPI runs synchronous dependencies and handlers in a pool of worker threads (40 by
default). A writing request may have to wait for the database (SQLite's write lock, a
PostgreSQL row lock); if every worker thread were such a waiter, the request holding the lock
could never get a thread to finish and commit, and all of them would stall until time-out.
So at most ``limit`` writing requests enter at once; the others wait here, asynchronously,
holding no thread. Reads are never held back.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteAdmission:
    """ASGI middleware letting at most ``limit`` writing requests run concurrently."""

    def __init__(self, app: ASGIApp, limit: int = 8) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
