"""Compiled (Numba) kernels of the planning maths: backorder tables and each part's hull.

``backorder_table`` gives EBO(s) and VBO(s) of a Poisson or negative-binomial pipeline
(Sherbrooke 2004, ch. 2–4) in the tail form, stable at every scale:

    EBO(s) = Σ_{k≥s} P(X > k),   E[(X−s)⁺²] = 2 U(s) + EBO(s),   U(s) = Σ_{k≥s} (k−s) P(X > k)

with U(s) = U(s+1) + EBO(s+1) — only additions of non-negative terms, smallest first. The pmf
starts at the mode (its logarithm from ``lgamma``) and moves outwards by ratios, so a mean in
the thousands does not underflow and a mean of 0.01 keeps its relative precision.

``part_hull`` solves one part over its resupply tree: for each stock level of a location, the
children's hulls given the backorders that level passes down (VARI-METRIC: f·EBO and
f(1−f)·EBO + f²·VBO), merged by slope (the sum of concave curves is the merge of their
segments), then the upper concave hull over the location's own levels — Sherbrooke's convex
envelope over upstream stock. Every vertex of a location's hull is a real allocation of its
subtree, and the hull equals the concave hull of the exact frontier (over the levels
that leave more than a negligible number of pieces on backorder, 1e-10 by default).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numba import njit
from numba.typed import List
from numpy.typing import NDArray

POISSON_TOLERANCE = 1e-9  # variance-to-mean above 1 by less than this: Poisson
RELATIVE_TAIL = 1e-18  # pmf terms below this share of P(X = upto + 1) end the table
FLOOR = -1e6  # the value of a leaf whose every machine waits for the part (ln 0)
MIN_GAIN = 1e-13  # a hull step must add at least this much value
# the own levels an upstream location tries (``upstream_levels``): a band from where at most
# max(DENSE_BELOW, DENSE_SIGMAS × σ) pieces are on backorder (σ: its pipeline's standard
# deviation, pieces) on a grid of k levels, k ≤ σ / LEVELS_PER_SIGMA and small enough that
# the hull loses at most GRID_LOSS of the availability of the machines below; halving steps
# below the band
DENSE_BELOW = 10.0
DENSE_SIGMAS = 2.0
LEVELS_PER_SIGMA = 3.0
GRID_LOSS = 1e-4


@njit(cache=True, nogil=True)
def _log_pmf_at(mean: float, variance: float, poisson: bool, k: int) -> float:
    """ln P(X = k) of the Poisson or negative binomial with this mean and variance."""
    if poisson:
        if k == 0:  # most leaves: no log or lgamma
            return -mean
        return k * math.log(mean) - mean - math.lgamma(k + 1.0)
    n = mean * mean / (variance - mean)
    p = mean / variance
    if k == 0:
        return n * math.log(p)
    if k < 5000:  # Σ ln(n + i): no cancellation when n is huge (variance ≈ mean)
        rising = 0.0
        for i in range(k):
            rising += math.log((n + i) / (i + 1.0))
    else:
        rising = math.lgamma(k + n) - math.lgamma(n) - math.lgamma(k + 1.0)
    return rising + n * math.log(p) + k * math.log1p(-p)


@njit(cache=True, nogil=True, inline="always")
def _pmf_into(
    mean: float, variance: float, upto: int, out: NDArray[np.float64], floor: float = 1e-300
) -> int:
    """Write P(X = k) for k = 0 … K into ``out``: K > upto + 1, up to where the terms fall
    below ``RELATIVE_TAIL`` × P(X = upto + 1) or below ``floor``; returns K + 1, or −1 when
    ``out`` is too short."""
    poisson = variance <= mean * (1 + POISSON_TOLERANCE)
    if poisson:
        n, q = 0.0, 0.0
        mode = math.floor(mean)
    else:
        n = mean * mean / (variance - mean)
        q = 1.0 - mean / variance
        mode = math.floor((n - 1.0) * q / (1.0 - q)) if n > 1.0 else 0
    anchor = max(upto, mode) + 1
    if anchor + 2 > out.size:
        return -1
    out[mode] = math.exp(_log_pmf_at(mean, variance, poisson, mode))
    k = mode
    while k > 0:  # downwards: P(k−1) = P(k) × ratio, until it underflows
        ratio = k / mean if poisson else k / ((k - 1.0 + n) * q)
        out[k - 1] = out[k] * ratio
        k -= 1
        if out[k] == 0.0:
            for m in range(k):
                out[m] = 0.0
            break
    k = mode
    while True:
        if k + 1 >= out.size:
            return -1
        ratio = mean / (k + 1.0) if poisson else (k + n) * q / (k + 1.0)
        out[k + 1] = out[k] * ratio
        k += 1
        if k > anchor and (out[k] < RELATIVE_TAIL * out[anchor] or out[k] < floor):
            return k + 1


@njit(cache=True, nogil=True)
def _pmf(mean: float, variance: float, upto: int) -> NDArray[np.float64]:
    """P(X = k) for k = 0 … K (K > upto + 1), until the terms are negligible."""
    size = max(upto, int(mean)) + 64 + int(12.0 * math.sqrt(variance))
    while True:
        pmf = np.empty(size)
        used = _pmf_into(mean, variance, upto, pmf)
        if used > 0:
            return pmf[:used]
        size *= 2


@njit(cache=True, nogil=True, inline="always")
def _leaf_curve(
    mean: float,
    variance: float,
    units: float,
    z: float,
    most: int,
    negligible: float,
    work: NDArray[np.float64],
) -> int:
    """A leaf's values N Z ln(1 − EBO(s)/(N Z)) into ``work[:n]`` for s = 0 … n − 1, up to
    the first level with EBO ≤ ``negligible`` (at most ``most``); returns n, or −1 when
    ``work`` is too short. The tail form of ``backorder_table``, without VBO or allocation;
    the pmf stops where its terms fall below 1e-10 × ``negligible``, which leaves the EBO of
    every level returned exact to far below that (the tails fall geometrically)."""
    if mean <= 0.0:
        work[0] = 0.0
        return 1
    used = _pmf_into(mean, variance, 0, work, 1e-10 * negligible)
    if used < 0 or 2 * used + 1 > work.size:
        return -1
    top = min(most, used - 1)
    survival = 0.0
    tail = 0.0
    for k in range(used - 1, -1, -1):  # EBO(k) into work[used + k], the pmf stays in front
        tail += survival
        work[used + k] = tail
        survival += work[k]
    for s in range(top + 1):
        if work[used + s] <= negligible:
            top = s
            break
    for s in range(top + 1):
        work[s] = _leaf_value(work[used + s], units, z)
    return top + 1


@njit(cache=True, nogil=True)
def backorder_table(
    mean: float, variance: float, upto: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO(s) and VBO(s) for s = 0 … upto of a pipeline with this mean and variance."""
    ebo = np.zeros(upto + 1)
    vbo = np.zeros(upto + 1)
    if mean <= 0.0:
        return ebo, vbo
    pmf = _pmf(mean, variance, upto)
    survival = 0.0  # P(X > k), summed from the far tail
    tail = 0.0  # EBO(k + 1) = Σ_{m>k} P(X > m)
    spread = 0.0  # U(k + 1)
    for k in range(pmf.size - 1, -1, -1):
        spread += tail  # U(k) = U(k+1) + EBO(k+1)
        tail += survival  # EBO(k)
        if k <= upto:
            ebo[k] = tail
            vbo[k] = max(2.0 * spread + tail - tail * tail, 0.0)
        survival += pmf[k]
    return ebo, vbo


@njit(cache=True, nogil=True)
def upper_hull(values: NDArray[np.float64], pieces: NDArray[np.int64]) -> NDArray[np.int64]:
    """Indices of the upper concave hull of (pieces, values), pieces ascending, value rising.

    Points are taken left to right; one that is not above the chord of its neighbours, or
    adds less than ``MIN_GAIN`` over the last vertex, is dropped.
    """
    hull = np.empty(values.size, dtype=np.int64)
    top = 0
    for i in range(values.size):
        if top > 0 and values[i] <= values[hull[top - 1]] + MIN_GAIN:
            continue
        while top >= 2:
            a, b = hull[top - 2], hull[top - 1]
            left = (values[b] - values[a]) * (pieces[i] - pieces[a])
            right = (values[i] - values[a]) * (pieces[b] - pieces[a])
            if left <= right:
                top -= 1
            else:
                break
        hull[top] = i
        top += 1
    return hull[:top]


@njit(cache=True, nogil=True)
def pipeline(
    own: float, vmr: float, share: float, up_ebo: float, up_vbo: float, root: bool
) -> tuple[float, float]:
    """VARI-METRIC pipeline mean and variance (share f = λ_j / λ_parent)."""
    if root:
        return own, vmr * own
    mean = own + share * up_ebo
    variance = vmr * own + share * (1 - share) * up_ebo + share * share * up_vbo
    return mean, variance


@njit(cache=True, nogil=True)
def _levels(
    mean: float, variance: float, most: int, negligible: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO and VBO at the levels worth trying: up to the first with EBO ≤ ``negligible``
    pieces (beyond it one more piece changes availability by less than that over the
    location's machines), at most ``most``."""
    upto = min(most, int(mean + 9 * math.sqrt(variance)) + 6)
    ebo, vbo = backorder_table(mean, variance, upto)
    while ebo[upto] > negligible and upto < most:  # a long tail: look further
        upto = min(most, 2 * upto)
        ebo, vbo = backorder_table(mean, variance, upto)
    top = upto
    for s in range(upto + 1):
        if ebo[s] <= negligible:
            top = s
            break
    return ebo[: top + 1], vbo[: top + 1]


@njit(cache=True, nogil=True)
def _leaf_value(ebo: float, units: float, z: float) -> float:
    """N Z ln(1 − EBO/(N Z)): the leaf's term of Σ_j N_j ln A_j for one part."""
    share = 1.0 - ebo / (units * z)
    return units * z * math.log(share) if share > 0.0 else FLOOR


@njit(cache=True, nogil=True)
def _grow_int(buffer: NDArray[np.int64], need: int) -> NDArray[np.int64]:
    """``buffer`` with room for at least ``need`` entries (doubling)."""
    if need <= buffer.size:
        return buffer
    grown = np.empty(max(need, 2 * buffer.size), dtype=np.int64)
    grown[: buffer.size] = buffer
    return grown


@njit(cache=True, nogil=True)
def _grow_float(buffer: NDArray[np.float64], need: int) -> NDArray[np.float64]:
    """``buffer`` with room for at least ``need`` entries (doubling)."""
    if need <= buffer.size:
        return buffer
    grown = np.empty(max(need, 2 * buffer.size))
    grown[: buffer.size] = buffer
    return grown


@njit(cache=True, nogil=True)
def _condition(
    j: int,
    up_flow: float,
    up_ebo: float,
    up_vbo: float,
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    vmr: float,
    most: int,
    negligible: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO and VBO of location j at every level worth trying, given its parent's backorders
    (``up_flow`` ≤ 0 marks the root)."""
    own = flow[j] * lead[j]
    share = flow[j] / up_flow if up_flow > 0.0 else 1.0
    mean, variance = pipeline(own, vmr, share, up_ebo, up_vbo, up_flow <= 0.0)
    return _levels(mean, variance, most, negligible)


@njit(cache=True, nogil=True)
def upstream_levels(
    ebo: NDArray[np.float64], thinning: float, spread: float, machines: float
) -> NDArray[np.int64]:
    """The own levels an internal location tries, given its EBO(s) table, its pipeline's
    standard deviation ``spread`` (σ, pieces) and the ``machines`` its subtree serves. With
    ``thinning`` ≥ 1 all of them (the exact hull). With 0 < ``thinning`` < 1:

    - where more than max(``DENSE_BELOW``, ``DENSE_SIGMAS`` × σ) pieces are on backorder (about
      two standard deviations below the pipeline mean and further, where backorders fall by
      about one per piece), only the levels that cut the EBO of the last level tried by the
      factor ``thinning``;
    - from there on, where availability is decided, every k-th level. The subtree's value
      moves with the location's level on the scale of σ (its curvature, in backorders, is
      about the pipeline's pmf, ≤ 0.4 / σ per piece²), so between two levels of a grid of k
      the hull loses about 0.05 k² / σ backorders, and a backorder costs the availability of
      the N machines below about 1 / N. So k = max(1, ⌊min(σ / ``LEVELS_PER_SIGMA``,
      √(20 × ``GRID_LOSS`` × N × σ))⌋): at most a third of σ, and at most ``GRID_LOSS``
      (0.01 percentage point) of the machines' availability. A location with σ under 6
      pieces or a few dozen machines below tries every level in the band, as many as before
      or more (the band began at ten backorders whatever σ);
    - and the last level of the table, so that the most a location can hold is tried."""
    if thinning >= 1.0:
        return np.arange(ebo.size)
    step = max(
        1, int(min(spread / LEVELS_PER_SIGMA, math.sqrt(20.0 * GRID_LOSS * machines * spread)))
    )
    band = max(DENSE_BELOW, DENSE_SIGMAS * spread)
    levels = np.empty(ebo.size, dtype=np.int64)
    levels[0] = 0
    count = 1
    band_start = -1
    for s in range(1, ebo.size):
        if ebo[s] <= band:
            if band_start < 0:
                band_start = s
            if (s - band_start) % step == 0:
                levels[count] = s
                count += 1
        elif ebo[s] <= thinning * ebo[levels[count - 1]]:
            levels[count] = s
            count += 1
    if levels[count - 1] < ebo.size - 1:  # the last level, as with every level tried
        levels[count] = ebo.size - 1
        count += 1
    return levels[:count]


@njit(cache=True, nogil=True, inline="always")
def _leaf_curve_of(
    child: int,
    up_flow: float,
    up_ebo: float,
    up_vbo: float,
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    most: int,
    negligible: float,
    work: NDArray[np.float64],
) -> int:
    """A leaf's values N Z ln(1 − EBO(s)/(N Z)) given its parent's backorders into ``work``
    (``_leaf_curve``; −1 when ``work`` is too short); ``up_flow`` ≤ 0: the leaf is the root."""
    root = up_flow <= 0.0
    share = 1.0 if root else flow[child] / up_flow
    mean, variance = pipeline(flow[child] * lead[child], vmr, share, up_ebo, up_vbo, root)
    return _leaf_curve(mean, variance, units[child], z, most, negligible, work)


@njit(cache=True, nogil=True, inline="always")
def _dense_hull_into(
    values: NDArray[np.float64],
    n: int,
    out_pieces: NDArray[np.int64],
    out_values: NDArray[np.float64],
    at: int,
) -> int:
    """``upper_hull`` of (s, values[s]) for s = 0 … n − 1 (a leaf's curve: concave but where
    every machine waits), written as (pieces, value) into the out arrays from ``at`` on
    (room for n is the caller's); returns how many vertices. Nothing is allocated: in the
    innermost loop, every array made or handed back costs reference counting."""
    top = 0
    for i in range(n):
        if top > 0 and values[i] <= out_values[at + top - 1] + MIN_GAIN:
            continue
        while top >= 2:
            a, b = out_pieces[at + top - 2], out_pieces[at + top - 1]
            if (values[b] - values[a]) * (i - a) <= (values[i] - values[a]) * (b - a):
                top -= 1
            else:
                break
        out_pieces[at + top] = i
        out_values[at + top] = values[i]
        top += 1
    return top


@njit(cache=True, nogil=True, inline="always")
def _append_segments(
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    first: int,
    count: int,
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    used: int,
) -> int:
    """Write the segments (pieces, gain) of a child's hull — vertices first … first + count − 1
    of ``pieces``/``values`` — after the first ``used``; returns the new count (room is the
    caller's)."""
    for t in range(count - 1):
        seg_pieces[used + t] = pieces[first + t + 1] - pieces[first + t]
        seg_gain[used + t] = values[first + t + 1] - values[first + t]
    return used + count - 1


@njit(cache=True, nogil=True)
def _merge(
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    child_first: NDArray[np.int64],
    n_children: int,
    start_value: float,
    out_pieces: NDArray[np.int64],
    out_values: NDArray[np.float64],
    out_child: NDArray[np.int64],
    at: int,
    order: NDArray[np.int64],
    n_order: int,
    counts: NDArray[np.int64],
    slopes: NDArray[np.float64],
    heap: NDArray[np.int64],
) -> int:
    """Sum of concave curves: their segments by falling slope (a child's own keep their
    order), into the out arrays.

    Child c's segments are ``child_first[c]`` … ``child_first[c + 1] − 1``, slopes falling
    (a hull's). Writes the merged vertices (pieces from 0, value from ``start_value``) into
    ``out_pieces``/``out_values`` and the child of each segment taken into ``out_child`` from
    ``at`` on. ``order`` [0, n_order) is the order of the merge before (child × 2³² + its
    segment; ``n_order`` 0: none) and ``counts`` its segments per child; both are updated for
    the next merge. Returns the number of segments. Room in the out arrays, ``order`` and the
    scratch ``slopes`` is the caller's, as is ``heap`` (one entry per child).

    A location's consecutive levels pass nearly the same backorders down, so its children's
    segments come in nearly the same order: the order before, without the segments gone and
    with the new ones at the end, sorted again by insertion takes about one comparison a
    segment, where a heap (used for the first merge) takes several unpredictable ones."""
    if n_order == 0:
        n = _heap_order(seg_pieces, seg_gain, child_first, n_children, order, counts, heap)
    else:
        n = _insertion_order(
            seg_pieces, seg_gain, child_first, n_children, order, n_order, counts, slopes
        )
    out_pieces[0] = 0
    out_values[0] = start_value
    for t in range(n):
        c = order[t] >> 32
        seg = child_first[c] + (order[t] & 0xFFFFFFFF)
        out_pieces[t + 1] = out_pieces[t] + seg_pieces[seg]
        out_values[t + 1] = out_values[t] + seg_gain[seg]
        out_child[at + t] = c
    return n


@njit(cache=True, nogil=True)
def _heap_order(
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    child_first: NDArray[np.int64],
    n_children: int,
    order: NDArray[np.int64],
    counts: NDArray[np.int64],
    heap: NDArray[np.int64],
) -> int:
    """``_merge``'s order from scratch: a heap over the children's next segments (``counts``
    doubles as each child's next segment)."""
    size = 0
    for c in range(n_children):  # the heap holds children with segments left
        counts[c] = 0
        if child_first[c] < child_first[c + 1]:
            heap[size] = c
            size += 1
    for start in range(size // 2 - 1, -1, -1):
        _sift_down(heap, size, start, counts, child_first, seg_pieces, seg_gain)
    t = 0
    while size > 0:
        c = heap[0]
        order[t] = (c << 32) | counts[c]
        t += 1
        counts[c] += 1
        if child_first[c] + counts[c] >= child_first[c + 1]:
            size -= 1
            heap[0] = heap[size]
        _sift_down(heap, size, 0, counts, child_first, seg_pieces, seg_gain)
    return t


@njit(cache=True, nogil=True)
def _insertion_order(
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    child_first: NDArray[np.int64],
    n_children: int,
    order: NDArray[np.int64],
    n_order: int,
    counts: NDArray[np.int64],
    slopes: NDArray[np.float64],
) -> int:
    """``_merge``'s order from the one before: filtered, extended, sorted by insertion
    (stable, so a child's own segments keep their order)."""
    kept = 0
    for t in range(n_order):
        c, k = order[t] >> 32, order[t] & 0xFFFFFFFF
        if k < child_first[c + 1] - child_first[c]:
            seg = child_first[c] + k
            order[kept] = order[t]
            slopes[kept] = seg_gain[seg] / seg_pieces[seg]
            kept += 1
    for c in range(n_children):
        for k in range(counts[c], child_first[c + 1] - child_first[c]):
            seg = child_first[c] + k
            order[kept] = (c << 32) | k
            slopes[kept] = seg_gain[seg] / seg_pieces[seg]
            kept += 1
        counts[c] = child_first[c + 1] - child_first[c]
    for t in range(1, kept):
        slope, code = slopes[t], order[t]
        u = t - 1
        # never past a segment of its own child: a hull's slopes fall strictly, but a
        # rounding in gain / pieces must not swap them (the allocations count in order)
        while u >= 0 and slopes[u] < slope and (order[u] >> 32) != (code >> 32):
            slopes[u + 1], order[u + 1] = slopes[u], order[u]
            u -= 1
        slopes[u + 1], order[u + 1] = slope, code
    return kept


@njit(cache=True, nogil=True)
def _sift_down(
    heap: NDArray[np.int64],
    size: int,
    k: int,
    counts: NDArray[np.int64],
    child_first: NDArray[np.int64],
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
) -> None:
    """Restore the max-heap (by the slope of each child's next segment) below entry k."""
    while True:
        best = k
        for child in (2 * k + 1, 2 * k + 2):
            if child < size:
                a = child_first[heap[child]] + counts[heap[child]]
                b = child_first[heap[best]] + counts[heap[best]]
                if seg_gain[a] * seg_pieces[b] > seg_gain[b] * seg_pieces[a]:
                    best = child
        if best == k:
            return
        heap[k], heap[best] = heap[best], heap[k]
        k = best


@njit(cache=True, nogil=True)
def _hull_with(
    hull_pieces: NDArray[np.int64],
    hull_values: NDArray[np.float64],
    hull_tried: NDArray[np.int64],
    hull_vertex: NDArray[np.int64],
    n_hull: int,
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    n_curve: int,
    shift: int,
    tried: int,
    out_pieces: NDArray[np.int64],
    out_values: NDArray[np.float64],
    out_tried: NDArray[np.int64],
    out_vertex: NDArray[np.int64],
) -> int:
    """The upper hull of the hull so far (``n_hull`` vertices) and one more curve
    (``n_curve`` vertices, shifted right by ``shift`` pieces, numbered 0, 1, … and tagged
    ``tried``) into the out arrays (room for both is the caller's); returns its size.

    The two are merged by pieces, the better of equal pieces kept (the hull so far on a tie),
    and each point goes through ``upper_hull``'s test as it comes: one pass, nothing
    allocated."""
    a = b = top = 0
    have = False  # a point waiting for any other with its pieces
    wk, wv, wt, wx = 0, 0.0, 0, 0
    while a < n_hull or b < n_curve or have:
        if a < n_hull or b < n_curve:
            take_old = b >= n_curve or (a < n_hull and hull_pieces[a] <= pieces[b] + shift)
            if take_old:
                k, v, t, x = hull_pieces[a], hull_values[a], hull_tried[a], hull_vertex[a]
                a += 1
            else:
                k, v, t, x = pieces[b] + shift, values[b], tried, b
                b += 1
            if have and k == wk:
                if v > wv:
                    wv, wt, wx = v, t, x
                continue
            if not have:
                wk, wv, wt, wx = k, v, t, x
                have = True
                continue
            k, wk = wk, k  # emit the waiting point; the new one waits
            v, wv = wv, v
            t, wt = wt, t
            x, wx = wx, x
        else:
            k, v, t, x = wk, wv, wt, wx
            have = False
        if top > 0 and v <= out_values[top - 1] + MIN_GAIN:
            continue
        while top >= 2:
            pa, pb = out_pieces[top - 2], out_pieces[top - 1]
            va, vb = out_values[top - 2], out_values[top - 1]
            if (vb - va) * (k - pa) <= (v - va) * (pb - pa):
                top -= 1
            else:
                break
        out_pieces[top], out_values[top], out_tried[top], out_vertex[top] = k, v, t, x
        top += 1
    return top


@njit(cache=True, nogil=True)
def _level_segments(
    j: int,
    tried: int,
    down_ebo: float,
    down_vbo: float,
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    most: int,
    negligible: float,
    inner_pieces: NDArray[np.int64],
    inner_values: NDArray[np.float64],
    inner_first: NDArray[np.int64],
    offset: NDArray[np.int64],
    flat_pieces: NDArray[np.int64],
    flat_values: NDArray[np.float64],
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    child_first: NDArray[np.int64],
    work: NDArray[np.float64],
) -> tuple[int, float, int]:
    """The segments of j's children's hulls at j's ``tried``-th level (−1: the bound, with
    nothing on backorder at j), child c's from ``child_first[c]`` on, by falling slope; and
    the sum of their first values.

    A leaf child's hull is computed here, into the flat arrays from ``offset`` of its entry
    (tried × children + c; the bound's from 0, not kept); an internal child's was put in
    ``inner_pieces``/``inner_values`` [``inner_first[c]``, ``inner_first[c + 1]``) by the
    caller. Returns (segments, Σ first values, entries of the flat arrays written), or a
    negative count when a buffer is too short: −1 ``work``, −2 the flat arrays, −3 the
    segment arrays (the caller grows it and calls again). No array is reassigned here: in
    a loop that grows its buffers in place, Numba counts references to them on every child
    (atomic operations, which took a third of this loop's time; 10 % of the whole solve)."""
    first_child, next_sibling = tree[0], tree[1]
    n_children = child_first.size - 1
    bound = tried < 0
    used = 0
    start = 0.0
    scratch = 0  # where the bound's leaf hulls go
    written = 0
    c = 0
    child = first_child[j]
    while child >= 0:
        child_first[c] = used
        entry = tried * n_children + c
        if first_child[child] < 0:  # a leaf: its curve, then its hull into the flat arrays
            at = scratch if bound else offset[entry]
            n = 1
            work[0] = 0.0
            if flow[child] > 0.0:
                n = _leaf_curve_of(
                    child,
                    flow[j],
                    down_ebo,
                    down_vbo,
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    negligible,
                    work,
                )
                if n < 0:
                    return -1, 0.0, 0
            if at + n > flat_pieces.size:
                return -2, 0.0, 0
            count = _dense_hull_into(work, n, flat_pieces, flat_values, at)
            if bound:
                scratch += count
            else:
                offset[entry + 1] = at + count
            written += count
            if used + count > seg_pieces.size:
                return -3, 0.0, 0
            used = _append_segments(flat_pieces, flat_values, at, count, seg_pieces, seg_gain, used)
            start += flat_values[at]
        else:
            first, count = inner_first[c], inner_first[c + 1] - inner_first[c]
            if not bound:
                offset[entry + 1] = offset[entry]
            if used + count > seg_pieces.size:
                return -3, 0.0, 0
            used = _append_segments(
                inner_pieces, inner_values, first, count, seg_pieces, seg_gain, used
            )
            start += inner_values[first]
        c += 1
        child = next_sibling[child]
    child_first[n_children] = used
    return used, start, written


@njit(cache=True, nogil=True)
def _subtree(
    j: int,
    up_flow: float,
    up_ebo: float,
    up_vbo: float,
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    most: int,
    thinning: float,
    tolerance: float,
    negligible: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """The hull of location j's subtree given its parent's backorders, and the allocation of
    each vertex (``tree`` rows: first child, next sibling, subtree size).

    Returns, per hull vertex: pieces in the subtree, value, the stock per location of the
    subtree (columns j … j + size − 1 in depth-first order) and each leaf's
    Z ln(1 − EBO/(N Z)) (0 on other columns).

    With ``tolerance`` ≥ 0, j's own levels stop at the first level s whose curve cannot rise
    more than ``tolerance`` above the hull so far: no level's curve lies above the children's
    merged curve with nothing on backorder at j, shifted right by s pieces (a child's value
    only falls as j passes it more backorders), and that bound falls as s grows, so no later
    level can either. Below 0: every level. For Poisson parts (VMR 1) the bound holds; with
    VMR > 1 the negative binomial fitted to own + passed backorders is less dispersed than
    the own part alone, so a child's value is not quite monotone and the bound can be passed
    by a hair: 1.6e-6 at most over 150 random trees with VMR 4–10 at tolerance 1e-6 (a
    review's experiment; the hypothesis test allows the tolerance per pruning location).
    Bounding with Poisson pipelines instead would be sound but prunes four times less.
    """
    first_child, next_sibling, size = tree[0], tree[1], tree[2]
    if flow[j] <= 0.0:
        return (
            np.zeros(1, dtype=np.int64),
            np.zeros(1),
            np.zeros((1, size[j]), dtype=np.int64),
            np.zeros((1, size[j])),
        )
    if first_child[j] < 0:  # a network of one location (leaf children are inline below)
        work = np.empty(1024)
        n = _leaf_curve_of(
            j, up_flow, up_ebo, up_vbo, flow, lead, units, vmr, z, most, negligible, work
        )
        while n < 0:
            work = np.empty(2 * work.size)
            n = _leaf_curve_of(
                j, up_flow, up_ebo, up_vbo, flow, lead, units, vmr, z, most, negligible, work
            )
        pieces = np.empty(n, dtype=np.int64)
        values = np.empty(n)
        count = _dense_hull_into(work, n, pieces, values, 0)
        pieces, values = pieces[:count].copy(), values[:count].copy()
        return pieces, values, pieces.copy().reshape((-1, 1)), (values / units[j]).reshape((-1, 1))
    ebo, vbo = _condition(j, up_flow, up_ebo, up_vbo, flow, lead, vmr, most, negligible)
    n_children = 0
    child = first_child[j]
    while child >= 0:
        n_children += 1
        child = next_sibling[child]
    machines = units[j : j + size[j]].sum()  # units stand on leaves only
    levels = upstream_levels(ebo, thinning, math.sqrt(vbo[0]), machines)
    # per level tried, each child's hull (entry = tried × n_children + c): a leaf child's
    # vertices (its own level) and values in the flat arrays [offset[entry], offset[entry + 1]),
    # an internal child's allocations in the lists at kept[entry]; and which child's segment
    # the merge took at each step, in ``taken_child`` [taken_at[tried], taken_at[tried + 1])
    offset = np.zeros(levels.size * n_children + 1, dtype=np.int64)
    flat_pieces = np.empty(256, dtype=np.int64)
    flat_values = np.empty(256)
    kept = np.full(levels.size * n_children, -1, dtype=np.int64)
    kept_stock = List()
    kept_leaf = List()
    taken_at = np.zeros(levels.size + 1, dtype=np.int64)
    taken_child = np.empty(256, dtype=np.int64)
    # the hull so far (n_hull vertices) and the buffers its next version is written to
    n_hull = 0
    hull_pieces, next_pieces = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    hull_values, next_values = np.empty(64), np.empty(64)
    hull_tried, next_tried = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    hull_vertex, next_vertex = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    bound_pieces = np.zeros(1, dtype=np.int64)
    bound_values = np.zeros(1)
    seg_pieces = np.empty(64, dtype=np.int64)
    seg_gain = np.empty(64)
    child_first = np.zeros(n_children + 1, dtype=np.int64)
    inner_first = np.zeros(n_children + 1, dtype=np.int64)
    inner_pieces = np.empty(64, dtype=np.int64)
    inner_values = np.empty(64)
    sequence = np.empty(64, dtype=np.int64)  # the last merge's order: child × 2³² + segment
    slopes = np.empty(64)
    seq_counts = np.zeros(n_children, dtype=np.int64)
    n_seq = 0
    heap = np.empty(n_children, dtype=np.int64)
    merged_pieces = np.empty(64, dtype=np.int64)
    merged_values = np.empty(64)
    work = np.empty(1024)
    used = written = 0
    # tried = −1: the bound (nothing on backorder at j), then j's levels
    for tried in range(-1 if tolerance >= 0.0 else 0, levels.size):
        bound = tried < 0
        s = 0 if bound else levels[tried]
        down_ebo = 0.0 if bound else ebo[s]
        down_vbo = 0.0 if bound else vbo[s]
        # the internal children's hulls at this level, then every child's segments
        n_inner = 0
        c = 0
        child = first_child[j]
        while child >= 0:
            inner_first[c] = n_inner
            if first_child[child] >= 0:
                pieces, values, stock, leaf = _subtree(
                    child,
                    flow[j],
                    down_ebo,
                    down_vbo,
                    tree,
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    thinning,
                    tolerance,
                    negligible,
                )
                if not bound:
                    kept[tried * n_children + c] = len(kept_stock)
                    kept_stock.append(stock)
                    kept_leaf.append(leaf)
                if n_inner + pieces.size > inner_pieces.size:
                    inner_pieces = _grow_int(inner_pieces, n_inner + pieces.size)
                    inner_values = _grow_float(inner_values, n_inner + pieces.size)
                inner_pieces[n_inner : n_inner + pieces.size] = pieces
                inner_values[n_inner : n_inner + pieces.size] = values
                n_inner += pieces.size
            c += 1
            child = next_sibling[child]
        inner_first[n_children] = n_inner
        # room for twice the last level's (a level passes fewer backorders down than the
        # one before, so its children's hulls are rarely longer): a retry redoes the level
        at = 0 if bound else offset[tried * n_children]
        if at + 2 * written > flat_pieces.size:
            flat_pieces = _grow_int(flat_pieces, at + 2 * written)
            flat_values = _grow_float(flat_values, at + 2 * written)
        if 2 * used > seg_pieces.size:
            seg_pieces, seg_gain = _grow_int(seg_pieces, 2 * used), _grow_float(seg_gain, 2 * used)
        while True:  # until the buffers are long enough
            used, start, written = _level_segments(
                j,
                tried,
                down_ebo,
                down_vbo,
                tree,
                flow,
                lead,
                units,
                vmr,
                z,
                most,
                negligible,
                inner_pieces,
                inner_values,
                inner_first,
                offset,
                flat_pieces,
                flat_values,
                seg_pieces,
                seg_gain,
                child_first,
                work,
            )
            if used >= 0:
                break
            if used == -1:
                work = np.empty(2 * work.size)
            elif used == -2:
                flat_pieces = _grow_int(flat_pieces, 2 * flat_pieces.size)
                flat_values = _grow_float(flat_values, 2 * flat_values.size)
            else:
                seg_pieces = _grow_int(seg_pieces, 2 * seg_pieces.size)
                seg_gain = _grow_float(seg_gain, 2 * seg_gain.size)
        if used + 1 > merged_pieces.size:
            merged_pieces = _grow_int(merged_pieces, used + 1)
            merged_values = _grow_float(merged_values, used + 1)
        first_taken = 0 if bound else taken_at[tried]
        if first_taken + used > taken_child.size:
            taken_child = _grow_int(taken_child, first_taken + used)
        if used > sequence.size:
            sequence, slopes = _grow_int(sequence, used), _grow_float(slopes, used)
        n_seq = _merge(
            seg_pieces,
            seg_gain,
            child_first,
            n_children,
            start,
            merged_pieces,
            merged_values,
            taken_child,
            first_taken,
            sequence,
            n_seq,
            seq_counts,
            slopes,
            heap,
        )
        if bound:
            bound_pieces = merged_pieces[: used + 1].copy()
            bound_values = merged_values[: used + 1].copy()
            continue
        taken_at[tried + 1] = first_taken + used
        # the hull so far and this level's curve (the hull so far wins ties)
        if n_hull + used + 1 > next_pieces.size:
            need = n_hull + used + 1
            next_pieces, next_values = _grow_int(next_pieces, need), _grow_float(next_values, need)
            next_tried, next_vertex = _grow_int(next_tried, need), _grow_int(next_vertex, need)
        n_hull = _hull_with(
            hull_pieces,
            hull_values,
            hull_tried,
            hull_vertex,
            n_hull,
            merged_pieces,
            merged_values,
            used + 1,
            s,
            tried,
            next_pieces,
            next_values,
            next_tried,
            next_vertex,
        )
        hull_pieces, next_pieces = next_pieces, hull_pieces
        hull_values, next_values = next_values, hull_values
        hull_tried, next_tried = next_tried, hull_tried
        hull_vertex, next_vertex = next_vertex, hull_vertex
        if (
            tolerance >= 0.0
            and tried + 1 < levels.size
            and _below(
                hull_pieces[:n_hull],
                hull_values[:n_hull],
                bound_pieces,
                bound_values,
                levels[tried + 1],
                tolerance,
            )
        ):
            break
    hull_pieces, hull_values = hull_pieces[:n_hull], hull_values[:n_hull]
    hull_tried, hull_vertex = hull_tried[:n_hull], hull_vertex[:n_hull]
    # each hull vertex's allocation: its own level, and the children's vertices it holds
    # (one pass: per level, how many segments of each child its curve has taken so far, and
    # how far along its merge order that is; a level's vertices come in ascending order)
    rows = hull_pieces.size
    stock = np.zeros((rows, size[j]), dtype=np.int64)
    leaf = np.zeros((rows, size[j]))
    taken = np.zeros((levels.size, n_children), dtype=np.int64)
    along = np.zeros(levels.size, dtype=np.int64)
    for r in range(rows):
        tried = hull_tried[r]
        stock[r, 0] = levels[tried]
        for t in range(along[tried], hull_vertex[r]):
            taken[tried, taken_child[taken_at[tried] + t]] += 1
        along[tried] = max(along[tried], hull_vertex[r])
        c = 0
        child = first_child[j]
        while child >= 0:
            entry = tried * n_children + c
            column = child - j
            vertex = taken[tried, c]
            if kept[entry] < 0:  # a leaf: its level and N Z ln(…) / N
                stock[r, column] = flat_pieces[offset[entry] + vertex]
                if flow[child] > 0.0:
                    leaf[r, column] = flat_values[offset[entry] + vertex] / units[child]
            else:
                internal = kept[entry]
                stock[r, column : column + size[child]] = kept_stock[internal][vertex]
                leaf[r, column : column + size[child]] = kept_leaf[internal][vertex]
            c += 1
            child = next_sibling[child]
    return hull_pieces, hull_values, stock, leaf


@njit(cache=True, nogil=True)
def _below(
    hull_pieces: NDArray[np.int64],
    hull_values: NDArray[np.float64],
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    shift: int,
    tolerance: float,
) -> bool:
    """Whether the concave curve (``pieces`` ascending, shifted right by ``shift``, ``values``)
    lies nowhere more than
    ``tolerance`` above the hull (beyond the hull's last vertex: its last value, since more
    pieces for no more value add nothing). Its vertices suffice: between two of them the curve
    is a chord and the hull, being concave, lies above its own chords."""
    a = 0
    last = hull_pieces.size - 1
    for k in range(pieces.size):
        p = pieces[k] + shift
        if p >= hull_pieces[last]:
            height = hull_values[last]
        else:
            while hull_pieces[a + 1] <= p:
                a += 1
            share = (p - hull_pieces[a]) / (hull_pieces[a + 1] - hull_pieces[a])
            height = hull_values[a] + share * (hull_values[a + 1] - hull_values[a])
        if values[k] > height + tolerance:
            return False
    return True


def depth_first(parent: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Depth-first order of a tree given by parent indices (root −1), and its ``tree`` rows.

    Returns ``order`` (order[d] = original index of the d-th location depth first) and the
    rows first child, next sibling and subtree size, in depth-first indices.
    """
    n = parent.size
    children: list[list[int]] = [[] for _ in range(n)]
    root = -1
    for j in range(n):
        if parent[j] < 0:
            root = j
        else:
            children[int(parent[j])].append(j)
    order: list[int] = []
    stack = [root]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(children[j]))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    tree = np.full((3, n), -1, dtype=np.int64)
    for j in range(n):
        kids = [int(position[c]) for c in children[j]]
        d = int(position[j])
        if kids:
            tree[0, d] = kids[0]
            for a, b in itertools.pairwise(kids):
                tree[1, a] = b
    for d in range(n - 1, -1, -1):
        size = 1
        child = tree[0, d]
        while child >= 0:
            size += tree[2, child]
            child = tree[1, child]
        tree[2, d] = size
    return np.array(order, dtype=np.int64), tree


def part_hull(
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    most: int,
    thinning: float = 1.0,
    negligible: float = 1e-10,
    tolerance: float = -1.0,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """One part's efficient allocations, all arrays in depth-first location order.

    ``most`` caps the pieces per location; ``thinning`` < 1 thins the own levels an internal
    location tries (see ``upstream_levels``), 1 tries them all (the exact hull);
    levels stop at the first that leaves ≤ ``negligible`` pieces on backorder.

    Returns, per hull vertex (pieces ascending): pieces, Σ_leaves N Z ln(1 − EBO/(N Z)), the
    stock row, and each leaf's Z ln(1 − EBO/(N Z)).
    """
    pieces, values, stock, leaf_log = _subtree(
        0, 0.0, 0.0, 0.0, tree, flow, lead, units, vmr, z, most, thinning, tolerance, negligible
    )
    return pieces, values, stock, leaf_log
