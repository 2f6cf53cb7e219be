"""Heavy work — planning and simulation for requests — in a small bounded pool of its own.

A solve or a simulation takes a core for seconds. Run on the request threads (FastAPI's pool
of 40) or inside a write slot (``web.admission``), a handful of them at once would starve
every other request. So the routes hand such work to ``HeavyPool``: ``workers`` threads run
it, at most ``queue`` more jobs wait for them, and a job beyond that is refused at once with
``Busy`` — answered 503 with ``Retry-After`` — instead of piling up. The threads run at a
lower priority than the requests' (``core.priority``), as do the threads a job starts. Async
routes await the job (``await pool.run(fn, ...)``) and hold no thread while it waits or runs;
synchronous page handlers do their database part on the request thread and hand only the
maths to the pool (``pool.call(fn, ...)``), never a session.

The pool is per process: behind several worker processes, each has its own ``workers`` and
``queue``. Jobs run in a copy of the caller's context (the reader's language, for one).
Nothing run by the pool may itself wait for the pool (with one worker it would wait forever).

``install`` also answers a database connection lost while in use (an ``OperationalError``
that invalidated its connection: the server restarted, the link dropped) with the same 503 and
``Retry-After``, and logs it; the pool has replaced the connection by then. A read can be
tried again as it is; a write may or may not have been stored. Other ``OperationalError``
errors (a missing table, a timeout, a full disk) are faults to fix, not to retry: left to the
server's error handling as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError

from fleetcare.core.api import is_api
from fleetcare.core.errors import RETRY_AFTER_SECONDS, Busy
from fleetcare.core.i18n import _
from fleetcare.core.priority import lower_thread_priority
from fleetcare.core.templating import render

P = ParamSpec("P")
T = TypeVar("T")
logger = logging.getLogger(__name__)
DATABASE_RETRY_AFTER_SECONDS = 1


class HeavyPool:
    """``workers`` threads for heavy jobs, and room for ``queue`` jobs waiting for them."""

    def __init__(
        self, workers: int = 2, queue: int = 8, retry_after_seconds: int = RETRY_AFTER_SECONDS
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a pool needs at least one worker and a queue of 0 or more")
        self.workers = workers
        self.queue = queue
        self.retry_after_seconds = retry_after_seconds
        self._admitted = threading.BoundedSemaphore(workers + queue)  # running or waiting
        # below the requests' priority, and so the threads a solve starts (``core.priority``)
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="heavy", initializer=lower_thread_priority
        )
        # idle worker threads end with the pool (an app, a test), not at interpreter exit
        weakref.finalize(self, self._executor.shutdown, wait=False, cancel_futures=True)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Start ``fn(*args, **kwargs)`` in the pool (or queue it); ``Busy`` when full."""
        if not self._admitted.acquire(blocking=False):
            raise Busy(self.retry_after_seconds)
        context = contextvars.copy_context()

        def job() -> T:
            return context.run(fn, *args, **kwargs)

        try:
            future = self._executor.submit(job)
        except BaseException:
            self._admitted.release()
            raise
        future.add_done_callback(lambda _done: self._admitted.release())
        return future

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn``'s result, awaited without holding a thread; ``Busy`` when full."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn``'s result, waited for on this (request) thread; ``Busy`` when full."""
        return self.submit(fn, *args, **kwargs).result()

    def shutdown(self) -> None:
        """Stop taking jobs; those queued are cancelled, those running finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def heavy_pool(request: Request) -> HeavyPool:
    """The app's pool (``install``)."""
    pool: HeavyPool = request.app.state.heavy
    return pool


def max_plan_cells(request: Request) -> int:
    """Part-locations one planning request may name (``FLEETCARE_MAX_PLAN_CELLS``)."""
    cells: int = request.app.state.max_plan_cells
    return cells


Heavy = Annotated[HeavyPool, Depends(heavy_pool)]
MaxPlanCells = Annotated[int, Depends(max_plan_cells)]


def install(app: FastAPI, *, workers: int, queue: int, max_cells: int) -> HeavyPool:
    """Give ``app`` its pool and cell cap, and answer ``Busy`` with 503 and ``Retry-After``
    (JSON under ``/api``, the error page elsewhere)."""
    pool = HeavyPool(workers, queue)
    app.state.heavy = pool
    app.state.max_plan_cells = max_cells

    async def busy(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Busy):
            seconds, message = exc.retry_after_seconds, str(exc)
        elif isinstance(exc, OperationalError) and exc.connection_invalidated:
            logger.warning(
                "%s %s: database connection lost: %s", request.method, request.url.path, exc.orig
            )
            seconds = DATABASE_RETRY_AFTER_SECONDS  # the database's words are not shown
            message = _(
                "The connection to the database was lost; try again in a moment "
                "(a change you sent may or may not have been stored)."
            )
        else:
            raise exc
        headers = {"Retry-After": str(seconds)}
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=503, headers=headers)
        context = {"title": _("Busy"), "message": message}
        answer = render(request, "error.html", context, block="problem", status_code=503)
        answer.headers.update(headers)
        return answer

    app.add_exception_handler(Busy, busy)
    app.add_exception_handler(OperationalError, busy)
    return pool
