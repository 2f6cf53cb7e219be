"""Upper concave hulls, and the sum of concave curves as the merge of their segments.

A location's curve at one of its levels is the sum of its children's concave curves: their
segments taken by falling slope (``merge``). Its hull over all its levels is the upper
concave hull of those curves, each shifted right by its level (``hull_with``, one curve at a
time). Sherbrooke, Optimal Inventory Modeling of Systems, 2nd ed. 2004 (the convex
envelope of marginal analysis).

The arrays of a merge travel in tuples: ``segments`` = (pieces, gain, first) with child c's
segments at first[c] … first[c + 1] − 1; ``order`` = (code, counts, slopes, heap), the last
merge's order as child × 2³² + segment, the segments per child it took, scratch slopes and a
heap of one entry per child. A hull is (pieces, values, tried, vertex): each vertex's pieces,
value, the level it came from and its vertex in that level's curve.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

MIN_GAIN = 1e-13  # a hull step must add at least this much value

Segments = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]
Order = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]
Merged = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]
Hull = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]


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


@njit(cache=True, nogil=True, inline="always")
def dense_hull_into(
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
def append_segments(
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
def merge(
    segments: Segments, start_value: float, out: Merged, at: int, order: Order, n_order: int
) -> int:
    """Sum of concave curves: their segments by falling slope (a child's own keep their
    order), into ``out``.

    Child c's ``segments`` have falling slopes (a hull's). Writes the merged vertices (pieces
    from 0, value from ``start_value``) into ``out``'s pieces and values, and the child of
    each segment taken into its third array from ``at`` on. ``order``'s first ``n_order``
    codes are the order of the merge before (0: none); they and its counts are updated for
    the next merge. Returns the number of segments. Room in ``out`` and ``order`` is the
    caller's.

    A location's consecutive levels pass nearly the same backorders down, so its children's
    segments come in nearly the same order: the order before, without the segments gone and
    with the new ones at the end, sorted again by insertion takes about one comparison a
    segment, where a heap (used for the first merge) takes several unpredictable ones."""
    seg_pieces, seg_gain, first = segments
    out_pieces, out_values, out_child = out
    code = order[0]
    n = heap_order(segments, order) if n_order == 0 else insertion_order(segments, order, n_order)
    out_pieces[0] = 0
    out_values[0] = start_value
    for t in range(n):
        c = code[t] >> 32
        seg = first[c] + (code[t] & 0xFFFFFFFF)
        out_pieces[t + 1] = out_pieces[t] + seg_pieces[seg]
        out_values[t + 1] = out_values[t] + seg_gain[seg]
        out_child[at + t] = c
    return n


@njit(cache=True, nogil=True)
def heap_order(segments: Segments, order: Order) -> int:
    """``merge``'s order from scratch: a heap over the children's next segments (the counts
    double as each child's next segment)."""
    first = segments[2]
    code, counts, _, heap = order
    size = 0
    for c in range(first.size - 1):  # the heap holds children with segments left
        counts[c] = 0
        if first[c] < first[c + 1]:
            heap[size] = c
            size += 1
    for start in range(size // 2 - 1, -1, -1):
        _sift_down(heap, size, start, counts, segments)
    t = 0
    while size > 0:
        c = heap[0]
        code[t] = (c << 32) | counts[c]
        t += 1
        counts[c] += 1
        if first[c] + counts[c] >= first[c + 1]:
            size -= 1
            heap[0] = heap[size]
        _sift_down(heap, size, 0, counts, segments)
    return t


@njit(cache=True, nogil=True)
def insertion_order(segments: Segments, order: Order, n_order: int) -> int:
    """``merge``'s order from the one before: filtered, extended, sorted by insertion
    (stable, so a child's own segments keep their order)."""
    seg_pieces, seg_gain, first = segments
    code, counts, slopes, _ = order
    kept = 0
    for t in range(n_order):
        c, k = code[t] >> 32, code[t] & 0xFFFFFFFF
        if k < first[c + 1] - first[c]:
            seg = first[c] + k
            code[kept] = code[t]
            slopes[kept] = seg_gain[seg] / seg_pieces[seg]
            kept += 1
    for c in range(first.size - 1):
        for k in range(counts[c], first[c + 1] - first[c]):
            seg = first[c] + k
            code[kept] = (c << 32) | k
            slopes[kept] = seg_gain[seg] / seg_pieces[seg]
            kept += 1
        counts[c] = first[c + 1] - first[c]
    for t in range(1, kept):
        slope, this = slopes[t], code[t]
        u = t - 1
        # never past a segment of its own child: a hull's slopes fall strictly, but a
        # rounding in gain / pieces must not swap them (the allocations count in order)
        while u >= 0 and slopes[u] < slope and (code[u] >> 32) != (this >> 32):
            slopes[u + 1], code[u + 1] = slopes[u], code[u]
            u -= 1
        slopes[u + 1], code[u + 1] = slope, this
    return kept


@njit(cache=True, nogil=True)
def _sift_down(
    heap: NDArray[np.int64], size: int, k: int, counts: NDArray[np.int64], segments: Segments
) -> None:
    """Restore the max-heap (by the slope of each child's next segment) below entry k."""
    seg_pieces, seg_gain, first = segments
    while True:
        best = k
        for child in (2 * k + 1, 2 * k + 2):
            if child < size:
                a = first[heap[child]] + counts[heap[child]]
                b = first[heap[best]] + counts[heap[best]]
                if seg_gain[a] * seg_pieces[b] > seg_gain[b] * seg_pieces[a]:
                    best = child
        if best == k:
            return
        heap[k], heap[best] = heap[best], heap[k]
        k = best


@njit(cache=True, nogil=True)
def hull_with(
    hull: Hull,
    n_hull: int,
    curve: tuple[NDArray[np.int64], NDArray[np.float64]],
    n_curve: int,
    shift: int,
    tried: int,
    out: Hull,
) -> int:
    """The upper hull of the hull so far (``n_hull`` vertices) and one more curve
    (``n_curve`` vertices, shifted right by ``shift`` pieces, numbered 0, 1, … and tagged
    ``tried``) into ``out`` (room for both is the caller's); returns its size.

    The two are merged by pieces, the better of equal pieces kept (the hull so far on a tie),
    and each point goes through ``upper_hull``'s test as it comes: one pass, nothing
    allocated."""
    hull_pieces, hull_values, hull_tried, hull_vertex = hull
    pieces, values = curve
    out_pieces, out_values, out_tried, out_vertex = out
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
def below(
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
