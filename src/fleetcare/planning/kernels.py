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
DENSE_BELOW = 10.0  # pieces on backorder below which an upstream location tries every level


@njit(cache=True, nogil=True)
def _log_pmf_at(mean: float, variance: float, poisson: bool, k: int) -> float:
    """ln P(X = k) of the Poisson or negative binomial with this mean and variance."""
    if poisson:
        return k * math.log(mean) - mean - math.lgamma(k + 1.0)
    n = mean * mean / (variance - mean)
    p = mean / variance
    if k < 5000:  # Σ ln(n + i): no cancellation when n is huge (variance ≈ mean)
        rising = 0.0
        for i in range(k):
            rising += math.log((n + i) / (i + 1.0))
    else:
        rising = math.lgamma(k + n) - math.lgamma(n) - math.lgamma(k + 1.0)
    return rising + n * math.log(p) + k * math.log1p(-p)


@njit(cache=True, nogil=True)
def _pmf_into(mean: float, variance: float, upto: int, out: NDArray[np.float64]) -> int:
    """Write P(X = k) for k = 0 … K (K > upto + 1, until the terms are negligible) into
    ``out``; returns K + 1, or −1 when ``out`` is too short."""
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
            out[:k] = 0.0
            break
    k = mode
    while True:
        if k + 1 >= out.size:
            return -1
        ratio = mean / (k + 1.0) if poisson else (k + n) * q / (k + 1.0)
        out[k + 1] = out[k] * ratio
        k += 1
        if k > anchor and (out[k] < RELATIVE_TAIL * out[anchor] or out[k] < 1e-300):
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


@njit(cache=True, nogil=True)
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
    ``work`` is too short. The tail form of ``backorder_table``, without VBO or allocation."""
    if mean <= 0.0:
        work[0] = 0.0
        return 1
    upto = min(most, int(mean + 9 * math.sqrt(variance)) + 6)
    used = _pmf_into(mean, variance, upto, work)
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
def _merge(
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    seg_child: NDArray[np.int64],
    start_value: float,
    n_children: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Sum of concave curves: their segments by falling slope (stable, so ties keep order).

    Returns the merged vertices (pieces, value) from zero pieces, and for each vertex how many
    segments of each child it holds (= the index of the child's hull vertex).
    """
    slopes = seg_gain / seg_pieces
    order = np.argsort(-slopes, kind="mergesort")
    pieces = np.zeros(order.size + 1, dtype=np.int64)
    values = np.zeros(order.size + 1)
    taken = np.zeros((order.size + 1, n_children), dtype=np.int64)
    values[0] = start_value
    for t in range(order.size):
        seg = order[t]
        pieces[t + 1] = pieces[t] + seg_pieces[seg]
        values[t + 1] = values[t] + seg_gain[seg]
        taken[t + 1] = taken[t]
        taken[t + 1, seg_child[seg]] += 1
    return pieces, values, taken


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
def upstream_levels(ebo: NDArray[np.float64], thinning: float) -> NDArray[np.int64]:
    """The own levels an internal location tries, given its EBO(s) table: with ``thinning``
    ≥ 1 all of them (the exact hull); with 0 < ``thinning`` < 1, where more than
    ``DENSE_BELOW`` pieces are on backorder (far below the pipeline mean, where backorders
    fall by about one per piece) only the levels that cut the EBO of the last level tried by
    the factor ``thinning``; from there on every level, where availability is decided."""
    if thinning >= 1.0:
        return np.arange(ebo.size)
    levels = np.empty(ebo.size, dtype=np.int64)
    levels[0] = 0
    count = 1
    for s in range(1, ebo.size):
        if ebo[s] <= DENSE_BELOW or ebo[s] <= thinning * ebo[levels[count - 1]]:
            levels[count] = s
            count += 1
    return levels[:count]


@njit(cache=True, nogil=True)
def _leaf_hull(
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
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """A leaf's hull given its parent's backorders (concave but where every machine waits),
    computed in ``work`` (returned, grown when it was too short); ``up_flow`` ≤ 0: the leaf is
    the root."""
    root = up_flow <= 0.0
    share = 1.0 if root else flow[child] / up_flow
    mean, variance = pipeline(flow[child] * lead[child], vmr, share, up_ebo, up_vbo, root)
    n = _leaf_curve(mean, variance, units[child], z, most, negligible, work)
    while n < 0:
        work = np.empty(2 * work.size)
        n = _leaf_curve(mean, variance, units[child], z, most, negligible, work)
    pieces = upper_hull(work[:n], np.arange(n))
    return pieces, work[pieces], work


@njit(cache=True, nogil=True)
def _append_segments(
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    child: int,
    seg_pieces: NDArray[np.int64],
    seg_gain: NDArray[np.float64],
    seg_child: NDArray[np.int64],
    used: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], int]:
    """Add a child's hull segments (pieces, gain, whose) after the first ``used`` ones."""
    steps = pieces.size - 1
    seg_pieces = _grow_int(seg_pieces, used + steps)
    seg_gain = _grow_float(seg_gain, used + steps)
    seg_child = _grow_int(seg_child, used + steps)
    for t in range(steps):
        seg_pieces[used + t] = pieces[t + 1] - pieces[t]
        seg_gain[used + t] = values[t + 1] - values[t]
        seg_child[used + t] = child
    return seg_pieces, seg_gain, seg_child, used + steps


@njit(cache=True, nogil=True)
def _hull_values(
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
    negligible: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """The hull of location j's subtree given its parent's backorders.

    Returns, for each hull vertex: pieces in the subtree, value, j's own stock level, and the
    index of the merged-children vertex it holds (``tree`` rows: first child, next sibling).
    """
    first_child, next_sibling = tree[0], tree[1]
    if flow[j] <= 0.0:
        zero = np.zeros(1, dtype=np.int64)
        return zero, np.zeros(1), zero.copy(), zero.copy()
    if first_child[j] < 0:  # a leaf (here only a network of one location): its own value
        pieces, values, _ = _leaf_hull(
            j, up_flow, up_ebo, up_vbo, flow, lead, units, vmr, z, most, negligible, np.empty(1024)
        )
        return pieces, values, pieces.copy(), np.zeros(pieces.size, dtype=np.int64)
    ebo, vbo = _condition(j, up_flow, up_ebo, up_vbo, flow, lead, vmr, most, negligible)
    n_children = 0
    child = first_child[j]
    while child >= 0:
        n_children += 1
        child = next_sibling[child]
    cand_pieces = np.empty(64, dtype=np.int64)
    cand_values = np.empty(64)
    cand_level = np.empty(64, dtype=np.int64)
    cand_vertex = np.empty(64, dtype=np.int64)
    count = 0
    seg_pieces = np.empty(64, dtype=np.int64)
    seg_gain = np.empty(64)
    seg_child = np.empty(64, dtype=np.int64)
    work = np.empty(1024)
    for s in upstream_levels(ebo, thinning):
        # the children given this level's backorders, merged into one concave curve
        used = 0
        start = 0.0
        c = 0
        child = first_child[j]
        while child >= 0:
            if first_child[child] < 0 and flow[child] > 0.0:  # a leaf child, inline
                pieces, values, work = _leaf_hull(
                    child,
                    flow[j],
                    ebo[s],
                    vbo[s],
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    negligible,
                    work,
                )
            else:
                pieces, values = _hull_values(
                    child,
                    flow[j],
                    ebo[s],
                    vbo[s],
                    tree,
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    thinning,
                    negligible,
                )[:2]
            start += values[0]
            seg_pieces, seg_gain, seg_child, used = _append_segments(
                pieces, values, c, seg_pieces, seg_gain, seg_child, used
            )
            c += 1
            child = next_sibling[child]
        pieces, values, _ = _merge(
            seg_pieces[:used], seg_gain[:used], seg_child[:used], start, n_children
        )
        cand_pieces = _grow_int(cand_pieces, count + pieces.size)
        cand_values = _grow_float(cand_values, count + pieces.size)
        cand_level = _grow_int(cand_level, count + pieces.size)
        cand_vertex = _grow_int(cand_vertex, count + pieces.size)
        for t in range(pieces.size):
            cand_pieces[count + t] = pieces[t] + s
            cand_values[count + t] = values[t]
            cand_level[count + t] = s
            cand_vertex[count + t] = t
        count += pieces.size
    return _best_hull(
        cand_pieces[:count], cand_values[:count], cand_level[:count], cand_vertex[:count]
    )


@njit(cache=True, nogil=True)
def _best_hull(
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    level: NDArray[np.int64],
    vertex: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """The best candidate for each number of pieces (the lowest own level wins ties), then
    the upper hull of those."""
    order = np.argsort(pieces, kind="mergesort")  # stable: lower levels first
    keep = np.empty(order.size, dtype=np.int64)
    kept = 0
    for i in order:
        if kept > 0 and pieces[keep[kept - 1]] == pieces[i]:
            if values[i] > values[keep[kept - 1]]:
                keep[kept - 1] = i
            continue
        keep[kept] = i
        kept += 1
    keep = keep[:kept]
    hull = keep[upper_hull(values[keep], pieces[keep])]
    return pieces[hull], values[hull], level[hull], vertex[hull]


@njit(cache=True, nogil=True)
def _plans_of(
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
    negligible: float,
    pieces: NDArray[np.int64],
    values: NDArray[np.float64],
    level: NDArray[np.int64],
    vertex: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The allocation of each vertex of j's hull (as ``_hull_values`` gave it): the stock
    per location of the subtree (columns j … j + size − 1 in depth-first order) and each
    leaf's Z ln(1 − EBO/(N Z)) (0 on other columns)."""
    first_child, next_sibling, size = tree[0], tree[1], tree[2]
    stock = np.zeros((pieces.size, size[j]), dtype=np.int64)
    leaf_log = np.zeros((pieces.size, size[j]))
    if flow[j] <= 0.0:
        return stock, leaf_log
    stock[:, 0] = level
    if first_child[j] < 0:
        for t in range(pieces.size):
            leaf_log[t, 0] = values[t] / units[j]
        return stock, leaf_log
    ebo, vbo = _condition(j, up_flow, up_ebo, up_vbo, flow, lead, vmr, most, negligible)
    n_children = 0
    child = first_child[j]
    while child >= 0:
        n_children += 1
        child = next_sibling[child]
    work = np.empty(1024)
    seg_pieces = np.empty(64, dtype=np.int64)
    seg_gain = np.empty(64)
    seg_child = np.empty(64, dtype=np.int64)
    flat_pieces = np.empty(64, dtype=np.int64)
    flat_values = np.empty(64)
    offset = np.zeros(n_children + 1, dtype=np.int64)
    kept_index = np.full(n_children, -1, dtype=np.int64)
    for s in np.unique(level):
        # the same merge as in _hull_values, now keeping each child's hull and allocations
        kept_stock = List()
        kept_leaf = List()
        used = 0
        start = 0.0
        c = 0
        child = first_child[j]
        while child >= 0:
            kept_index[c] = -1
            if first_child[child] < 0 and flow[child] > 0.0:  # a leaf child, inline
                pieces, values, work = _leaf_hull(
                    child,
                    flow[j],
                    ebo[s],
                    vbo[s],
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    negligible,
                    work,
                )
            else:
                pieces, values, c_level, c_vertex = _hull_values(
                    child,
                    flow[j],
                    ebo[s],
                    vbo[s],
                    tree,
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    thinning,
                    negligible,
                )
                c_stock, c_leaf = _plans_of(
                    child,
                    flow[j],
                    ebo[s],
                    vbo[s],
                    tree,
                    flow,
                    lead,
                    units,
                    vmr,
                    z,
                    most,
                    thinning,
                    negligible,
                    pieces,
                    values,
                    c_level,
                    c_vertex,
                )
                kept_index[c] = len(kept_stock)
                kept_stock.append(c_stock)
                kept_leaf.append(c_leaf)
            start += values[0]
            flat_pieces = _grow_int(flat_pieces, offset[c] + pieces.size)
            flat_values = _grow_float(flat_values, offset[c] + pieces.size)
            flat_pieces[offset[c] : offset[c] + pieces.size] = pieces
            flat_values[offset[c] : offset[c] + pieces.size] = values
            offset[c + 1] = offset[c] + pieces.size
            seg_pieces, seg_gain, seg_child, used = _append_segments(
                pieces, values, c, seg_pieces, seg_gain, seg_child, used
            )
            c += 1
            child = next_sibling[child]
        taken = _merge(seg_pieces[:used], seg_gain[:used], seg_child[:used], start, n_children)[2]
        for row_here in np.flatnonzero(level == s):
            c = 0
            child = first_child[j]
            while child >= 0:
                row = int(taken[vertex[row_here], c])
                column = child - j
                if kept_index[c] < 0:  # a leaf: its level and its value
                    stock[row_here, column] = flat_pieces[offset[c] + row]
                    leaf_log[row_here, column] = flat_values[offset[c] + row] / units[child]
                else:
                    kept = kept_index[c]
                    stock[row_here, column : column + size[child]] = kept_stock[kept][row]
                    leaf_log[row_here, column : column + size[child]] = kept_leaf[kept][row]
                c += 1
                child = next_sibling[child]
    return stock, leaf_log


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
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """One part's efficient allocations, all arrays in depth-first location order.

    ``most`` caps the pieces per location; ``thinning`` < 1 thins the own levels an internal
    location tries (see ``upstream_levels``), 1 tries them all (the exact hull);
    levels stop at the first that leaves ≤ ``negligible`` pieces on backorder.

    Returns, per hull vertex (pieces ascending): pieces, Σ_leaves N Z ln(1 − EBO/(N Z)), the
    stock row, and each leaf's Z ln(1 − EBO/(N Z)).
    """
    pieces, values, level, vertex = _hull_values(
        0, 0.0, 0.0, 0.0, tree, flow, lead, units, vmr, z, most, thinning, negligible
    )
    stock, leaf_log = _plans_of(
        0,
        0.0,
        0.0,
        0.0,
        tree,
        flow,
        lead,
        units,
        vmr,
        z,
        most,
        thinning,
        negligible,
        pieces,
        values,
        level,
        vertex,
    )
    return pieces, values, stock, leaf_log
