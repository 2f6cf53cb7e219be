"""The engine for ``wait`` and ``cannibalise``: first-come-first-served one-for-one resupply
needs no event heap.

A location reorders the moment it hands a piece out or takes an order it cannot fill, so the
orders a location receives are exactly the demands of the depots below it, in time order.
Pieces are alike, so its n-th order (from 0) is served by the (n − s)-th piece to arrive:

    serve_n = o_n                       for n < s (its s pieces of stock)
    serve_n = max(o_n, a_(n − s))       otherwise,

where o_n is the order's time and a_(k) the k-th earliest of its own resupply arrivals; its
k-th resupply arrives when its parent served the matching order, plus its resupply days (at
the root: the order's time plus the procurement days) — with a lane spread, a gamma draw per
piece, sorted, since pieces may overtake each other. Taking the locations parents first,
each is a pass over its orders: the event heap of ``engine.simulate_part`` computes the same
times one event at a time (the tests compare the two). A depot's waits then go to machines
drawn among the pieces still working, as in ``engine``. Emergency and grey purchases change
which demands reorder, so those policies stay on the heap. Time is in days.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.simulation.machines import note_wait, resupply_days, working_machine


@njit(cache=True, nogil=True)
def _alias_table(weight: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Walker's alias table (Vose's construction) for drawing index j with probability
    weight_j / Σ weight in constant time: column i = floor(u·n) keeps i with probability
    keep[i], else gives alias[i]."""
    n = weight.size
    scaled = weight * n / weight.sum()
    keep = np.ones(n)
    alias = np.arange(n)
    small = np.flatnonzero(scaled < 1.0)
    large = np.flatnonzero(scaled >= 1.0)
    s_top, l_top = small.size, large.size
    while s_top > 0 and l_top > 0:
        low, high = small[s_top - 1], large[l_top - 1]
        s_top -= 1
        keep[low] = scaled[low]
        alias[low] = high
        scaled[high] -= 1.0 - scaled[low]
        if scaled[high] < 1.0:
            l_top -= 1
            small[s_top] = high
            s_top += 1
    return keep, alias


@njit(cache=True, nogil=True)
def _arrival_times(mean_gap: float, horizon: float) -> NDArray[np.float64]:
    """The times of a Poisson process with this mean gap (days) up to the horizon: gaps
    −ln U · mean drawn a block at a time (vectorised draws cost a third of one-by-one)."""
    expected = horizon / mean_gap
    times = np.empty(0)
    last = 0.0
    while last <= horizon:
        block = int(expected + 6.0 * np.sqrt(expected)) + 16
        more = last + np.cumsum(-np.log(1.0 - np.random.random(block)) * mean_gap)
        times = np.concatenate((times, more))
        last = more[-1]
    return times[: np.searchsorted(times, horizon, side="right")]


@njit(cache=True, nogil=True)
def demand_stream(
    rate: NDArray[np.float64], vmr: float, horizon: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Every demanded piece over the horizon (time, location), in time order: Poisson batches
    at rate/b of geometric size with mean b = (VMR + 1)/2 (VMR 1: single pieces). Drawn as
    one Poisson process at the total rate whose batches go to location j with probability
    rate_j / Σ rate (superposition, by Walker's alias table), so the times come out sorted."""
    batch = (vmr + 1.0) / 2.0
    total = rate.sum()
    if total <= 0.0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    keep, alias = _alias_table(rate)
    times = _arrival_times(batch / total, horizon)
    column = np.random.random(times.size) * keep.size
    where = np.empty(times.size, dtype=np.int64)
    for i in range(times.size):
        c = min(int(column[i]), keep.size - 1)
        where[i] = c if column[i] - c < keep[c] else alias[c]
    if batch <= 1.0:
        return times, where
    # geometric batch sizes by inversion: 1 + ⌊ln(1 − U) / ln(1 − p)⌋, p = 1/b
    sizes = 1 + np.floor(np.log(1.0 - np.random.random(times.size)) / np.log(1.0 - 1.0 / batch))
    pieces = sizes.astype(np.int64)
    return np.repeat(times, pieces), np.repeat(where, pieces)


@njit(cache=True, nogil=True)
def _serve(
    mine: NDArray[np.int64],
    times: NDArray[np.float64],
    serve: NDArray[np.float64],
    from_supplier: bool,
    days: float,
    spread: float,
    stock: int,
    horizon: float,
    warmup: float,
) -> tuple[float, int]:
    """One location's pass (see the module): its orders ``mine`` (demand numbers in time
    order), shipped at ``serve`` by its parent (at their own times by the supplier), arrive
    after ``days`` (± ``spread``, gamma); ``serve`` then holds when it served each. Returns
    the backorder-days after the warm-up and the events (orders and arrivals)."""
    arrivals = np.empty(mine.size)
    for q in range(mine.size):
        shipped = times[mine[q]] if from_supplier else serve[mine[q]]
        arrivals[q] = shipped + resupply_days(days, spread)
    if spread > 0.0:
        arrivals.sort()
    area = 0.0
    arrived = 0
    for q in range(mine.size):
        ordered = times[mine[q]]
        served = ordered if q < stock else max(ordered, arrivals[q - stock])
        serve[mine[q]] = served
        late = min(served, horizon) - max(ordered, warmup)
        if late > 0.0:
            area += late
        if arrivals[q] <= horizon:
            arrived += 1
    return area, mine.size + arrived


@njit(cache=True, nogil=True)
def simulate_part_fcfs(
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
    """``engine.simulate_part`` under ``wait``, by the recursion of the module: the same
    results (time-average backorders per location after ``warmup``, every machine wait, no
    outside pieces) and the events a heap would handle (demanded pieces and arrivals)."""
    np.random.seed(seed)
    n = parent.size
    times, where = demand_stream(rate, vmr, horizon)
    # every location's orders (its subtree's demands) in time order, one list after another:
    # orders[first[k] : first[k + 1]], filled in one pass up each demand's ancestors
    count = np.bincount(where, minlength=n)
    for j in range(n - 1, 0, -1):  # parents come first: add each subtree into its parent
        count[parent[j]] += count[j]
    first = np.zeros(n + 1, dtype=np.int64)
    first[1:] = np.cumsum(count)
    orders = np.empty(first[n], dtype=np.int64)
    filled = first[:-1].copy()
    for m in range(where.size):
        j = where[m]
        while j >= 0:
            orders[filled[j]] = m
            filled[j] += 1
            j = parent[j]
    serve = times.copy()  # per demand: when the location last passed served its order
    backorder_area = np.zeros(n)
    broken = np.zeros(max(1, (first_unit + units).max()), dtype=np.int64)
    wait_machine = np.empty(64, dtype=np.int64)
    wait_start = np.empty(64)
    wait_end = np.empty(64)
    waits = 0
    handled = 0
    for k in range(n):
        mine = orders[first[k] : first[k + 1]]
        if mine.size == 0:
            continue
        area, events = _serve(
            mine, times, serve, parent[k] < 0, lead[k], lead_sd[k], stock[k], horizon, warmup
        )
        backorder_area[k] += area
        handled += events
        if not is_leaf[k]:
            continue
        # the depot's waits, each on a machine drawn among the pieces still working; waits
        # end in the order they began (first come, first served)
        pending = np.empty(mine.size, dtype=np.int64)
        pending_end = np.empty(mine.size)
        head = tail = 0
        for q in range(mine.size):
            while head < tail and pending_end[head] <= times[mine[q]]:
                broken[pending[head]] -= 1
                head += 1
            if serve[mine[q]] <= times[mine[q]]:
                continue
            machine = working_machine(first_unit[k], units[k], z, broken)
            broken[machine] += 1
            pending[tail] = machine
            pending_end[tail] = serve[mine[q]]
            tail += 1
            wait_machine, wait_start, wait_end, waits = note_wait(
                machine,
                times[mine[q]],
                min(serve[mine[q]], horizon),
                wait_machine,
                wait_start,
                wait_end,
                waits,
            )
    span = max(horizon - warmup, 1e-12)
    return (
        backorder_area / span,
        wait_machine[:waits],
        wait_start[:waits],
        wait_end[:waits],
        np.zeros(n, dtype=np.int64),
        handled,
    )
