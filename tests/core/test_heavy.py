"""The heavy pool: a bounded number of jobs running or waiting, the rest refused at once."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from fleetcare.core.heavy import Busy, HeavyPool

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
