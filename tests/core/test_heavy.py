"""The heavy pool: a bounded number of jobs running or waiting, the rest refused at once."""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fleetcare.core.heavy import Busy, HeavyPool
from fleetcare.core.priority import BACKGROUND_NICENESS, thread_niceness

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def test_beyond_workers_and_queue_a_job_is_refused_and_a_slot_frees_when_one_ends() -> None:
    """One worker and one waiting: a third job is ``Busy`` (nothing started); once the jobs
    end, failing or not, the pool takes jobs again."""
    pool = HeavyPool(workers=1, queue=1)
    release = threading.Event()
    running = pool.submit(release.wait, 30)
    waiting = pool.submit(lambda: 1 // 0)
    with pytest.raises(Busy) as refused:
        pool.submit(lambda: "never")
    assert refused.value.retry_after_seconds > 0
    release.set()
    assert running.result(30) is True
    with pytest.raises(ZeroDivisionError):
        waiting.result(30)
    assert pool.call(lambda: "again") == "again"
    pool.shutdown()


def test_a_job_runs_in_the_callers_context_and_can_be_awaited() -> None:
    """The job sees the caller's context variables (the reader's language); ``run`` awaits
    it from async code."""
    pool = HeavyPool(workers=1, queue=0)
    WHO.set("reader")
    assert pool.call(WHO.get) == "reader"
    assert asyncio.run(pool.run(lambda x: x + 1, 41)) == 42
    pool.shutdown()


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_jobs_and_the_threads_they_start_run_below_the_requests_priority() -> None:
    """A job runs at a nice value of at least ``BACKGROUND_NICENESS`` (the caller's is left
    alone), and so does a thread the job starts, as a planning solve starts its own."""
    pool = HeavyPool(workers=1, queue=0)

    def niceness_here_and_in_a_thread() -> tuple[int, int]:
        with ThreadPoolExecutor(1) as inner:
            started = inner.submit(thread_niceness).result()
        return thread_niceness(), started

    caller = thread_niceness()
    own, started = pool.call(niceness_here_and_in_a_thread)
    assert own >= BACKGROUND_NICENESS and started >= BACKGROUND_NICENESS
    assert thread_niceness() == caller  # the caller's own priority is left as it was
    pool.shutdown()
