"""Work that must not delay requests runs on threads at a lower scheduling priority.

A planning solve or a simulation (seconds of CPU, on threads of its own) would otherwise take
every core of a small server, and every request arriving meanwhile would wait for it. On Linux
a thread has a nice value of its own, and the threads it starts inherit it: the heavy pool
(``heavy.HeavyPool``) gives its threads ``BACKGROUND_NICENESS``, so the scheduler serves the
requests first and the solve takes the CPU they leave. Elsewhere nothing changes.

Not for work that holds what others wait for: a password check holds the sign-in throttle's
lock and a connection, and its throttle's delays run from before the check, so a check
starved by a busy server would hold them longer and let the delays lapse.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

BACKGROUND_NICENESS = 10  # 0 is a request thread's; 19 the lowest priority


def lower_thread_priority(niceness: int = BACKGROUND_NICENESS) -> None:
    """Give the calling thread a nice value of at least ``niceness`` (Linux; elsewhere
    nothing). Never a higher priority than it had: that needs a privilege."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):  # a sandbox may refuse: the work still runs
        if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
            os.setpriority(os.PRIO_PROCESS, thread, niceness)


def thread_niceness() -> int:
    """The calling thread's nice value (0 where threads have none of their own)."""
    if sys.platform != "linux":
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
