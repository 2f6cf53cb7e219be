"""One replication of years of fleet operation under a stock plan: a compiled event loop per part.

The runner uses it for ``emergency`` and ``grey``; ``wait`` and ``cannibalise`` run on
``fcfs.simulate_part_fcfs``, which computes the same times without a heap (tests compare the
two).

Per part, every location holds its planned stock and reorders one-for-one from its parent
the moment it hands a piece out; the parent ships first come first served, the piece arrives
after the location's resupply days; the root buys from the supplier, whose pieces arrive after
the root's resupply days. A location with a resupply spread (standard deviation, days) draws
each resupply time from the gamma distribution with that mean and spread, so pieces may
overtake each other on the way. Failures arrive at the leaves as a Poisson process (or compound
Poisson with geometric batch sizes of mean (VMR + 1)/2, which gives that variance-to-mean
ratio); each failing piece is one of the leaf's N·Z fitted pieces still working, drawn
uniformly (as the model's availability (1 − EBO/(N Z))^Z assumes). When the leaf has no piece:

- ``wait``: the machine waits for the next piece the leaf receives (a backorder);
- ``emergency``: a piece comes by the leaf's emergency lane after its days
  (``external_days``); the leaf's own stock is not touched, so it does not reorder;
- ``grey``: the customer buys a grey-market piece, arriving after the grey market's delay
  (``external_days``); the leaf does not reorder either.

Parts do not share stock, so each part is simulated on its own event heap; machines couple
the parts only through downtime: a machine is down while it waits for any part, which the
runner computes afterwards from the waiting intervals (``downtime``). Time is in days.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.simulation.machines import note_wait, resupply_days, working_machine

WAIT, EMERGENCY, GREY = 0, 1, 2
POLICIES = {"wait": WAIT, "emergency": EMERGENCY, "grey": GREY}
_ARRIVAL, _DEMAND, _REPAIRED = 0, 1, 2  # at equal times a piece arrives before a demand


@njit(cache=True, nogil=True)
def simulate_part(
    parent: NDArray[np.int64],
    is_leaf: NDArray[np.bool_],
    lead: NDArray[np.float64],
    lead_sd: NDArray[np.float64],
    stock: NDArray[np.int64],
    rate: NDArray[np.float64],
    units: NDArray[np.int64],
    first_unit: NDArray[np.int64],
    vmr: float,
    z: int,
    policy: int,
    external_days: NDArray[np.float64],
    horizon: float,
    warmup: float,
    seed: int,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    int,
]:
    """Simulate one part over ``horizon`` days (locations in tree order, parents first).

    Returns the time-average backorders per location after ``warmup`` (leaves: pieces
    machines wait for; others: children's orders waiting to be shipped); every machine wait
    (machine, start, end — clipped to the horizon; the runner clips to the warm-up); how many
    pieces came from outside (emergency or grey) at each leaf after the warm-up; and the
    events handled.
    """
    np.random.seed(seed)
    n = parent.size
    on_hand = stock.copy()
    # FIFO queues of waiting requests, one linked list per location in a shared pool
    pool_item = np.empty(1024, dtype=np.int64)
    pool_time = np.empty(1024)
    pool_next = np.empty(1024, dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    backorder_area = np.zeros(n)
    broken = np.zeros(max(1, (first_unit + units).max()), dtype=np.int64)  # pieces, by machine
    events = [(0.0, _DEMAND, -1)]
    events.pop()
    batch = (vmr + 1.0) / 2.0
    for j in range(n):
        if rate[j] > 0.0:
            heapq.heappush(events, (np.random.exponential(batch / rate[j]), _DEMAND, j))
    wait_machine = np.empty(64, dtype=np.int64)
    wait_start = np.empty(64)
    wait_end = np.empty(64)
    waits = 0
    outside = np.zeros(n, dtype=np.int64)
    handled = 0
    while events:
        t, kind, j = heapq.heappop(events)
        if t > horizon:
            break
        handled += 1
        if kind == _DEMAND:
            heapq.heappush(events, (t + np.random.exponential(batch / rate[j]), _DEMAND, j))
            size = 1 if batch <= 1.0 else np.random.geometric(1.0 / batch)
            while used[0] + size * n >= pool_item.size:
                pool_item, pool_time, pool_next = _grow_pool(pool_item, pool_time, pool_next)
            for _piece in range(size):
                machine = working_machine(first_unit[j], units[j], z, broken)
                if on_hand[j] > 0 or policy == WAIT:
                    if on_hand[j] > 0:
                        on_hand[j] -= 1
                    else:  # a backorder: the machine waits in the depot's queue
                        broken[machine] += 1
                        _enqueue(j, machine, t, pool_item, pool_time, pool_next, used, first, last)
                    _reorder(
                        j,
                        t,
                        parent,
                        lead,
                        lead_sd,
                        on_hand,
                        pool_item,
                        pool_time,
                        pool_next,
                        used,
                        first,
                        last,
                        events,
                    )
                else:
                    broken[machine] += 1
                    heapq.heappush(events, (t + external_days[j], _REPAIRED, machine))
                    wait_machine, wait_start, wait_end, waits = note_wait(
                        machine,
                        t,
                        min(t + external_days[j], horizon),
                        wait_machine,
                        wait_start,
                        wait_end,
                        waits,
                    )
                    if t >= warmup:
                        outside[j] += 1
        elif kind == _REPAIRED:  # an emergency or grey piece is fitted: j is the machine
            broken[j] -= 1
        elif first[j] >= 0:  # a piece arrives where requests wait: the oldest gets it
            record = first[j]
            first[j] = pool_next[record]
            if first[j] < 0:
                last[j] = -1
            waiting, since = pool_item[record], pool_time[record]
            if t > warmup:
                backorder_area[j] += t - max(since, warmup)
            if is_leaf[j]:
                broken[waiting] -= 1
                wait_machine, wait_start, wait_end, waits = note_wait(
                    waiting, since, t, wait_machine, wait_start, wait_end, waits
                )
            else:  # ship to the child whose order waited longest
                heapq.heappush(events, (t + _days(waiting, lead, lead_sd), _ARRIVAL, waiting))
        else:
            on_hand[j] += 1
    # requests still waiting at the horizon count until the horizon
    for j in range(n):
        record = first[j]
        while record >= 0:
            since = pool_time[record]
            if horizon > warmup:
                backorder_area[j] += horizon - max(since, warmup)
            if is_leaf[j]:
                wait_machine, wait_start, wait_end, waits = note_wait(
                    pool_item[record], since, horizon, wait_machine, wait_start, wait_end, waits
                )
            record = pool_next[record]
    span = max(horizon - warmup, 1e-12)
    return (
        backorder_area / span,
        wait_machine[:waits],
        wait_start[:waits],
        wait_end[:waits],
        outside,
        handled,
    )


@njit(cache=True, nogil=True)
def _days(j: int, lead: NDArray[np.float64], lead_sd: NDArray[np.float64]) -> float:
    """One resupply time of location j (``resupply_days``)."""
    return resupply_days(lead[j], lead_sd[j])


@njit(cache=True, nogil=True)
def _grow_pool(
    item: NDArray[np.int64], time: NDArray[np.float64], following: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """The queue pool, twice as large (records keep their indices)."""
    size = 2 * item.size
    new_item = np.empty(size, dtype=np.int64)
    new_time = np.empty(size)
    new_next = np.empty(size, dtype=np.int64)
    new_item[: item.size] = item
    new_time[: time.size] = time
    new_next[: following.size] = following
    return new_item, new_time, new_next


@njit(cache=True, nogil=True)
def _enqueue(
    j: int,
    item: int,
    t: float,
    pool_item: NDArray[np.int64],
    pool_time: NDArray[np.float64],
    pool_next: NDArray[np.int64],
    used: NDArray[np.int64],
    first: NDArray[np.int64],
    last: NDArray[np.int64],
) -> None:
    """Append ``item`` (a machine at a leaf, a child elsewhere) to j's FIFO queue."""
    record = used[0]
    used[0] += 1
    pool_item[record] = item
    pool_time[record] = t
    pool_next[record] = -1
    if last[j] >= 0:
        pool_next[last[j]] = record
    else:
        first[j] = record
    last[j] = record


@njit(cache=True, nogil=True)
def _reorder(
    j: int,
    t: float,
    parent: NDArray[np.int64],
    lead: NDArray[np.float64],
    lead_sd: NDArray[np.float64],
    on_hand: NDArray[np.int64],
    pool_item: NDArray[np.int64],
    pool_time: NDArray[np.float64],
    pool_next: NDArray[np.int64],
    used: NDArray[np.int64],
    first: NDArray[np.int64],
    last: NDArray[np.int64],
    events: list[tuple[float, int, int]],
) -> None:
    """j orders one piece from its parent (the root from the supplier), one-for-one; a parent
    that hands out a piece or takes the order as a backorder reorders in turn."""
    while True:
        p = parent[j]
        if p < 0:  # the supplier: the piece arrives after the root's resupply days
            heapq.heappush(events, (t + _days(j, lead, lead_sd), _ARRIVAL, j))
            return
        if on_hand[p] > 0:
            on_hand[p] -= 1
            heapq.heappush(events, (t + _days(j, lead, lead_sd), _ARRIVAL, j))
        else:
            _enqueue(p, j, t, pool_item, pool_time, pool_next, used, first, last)
        j = p
