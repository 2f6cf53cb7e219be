"""Multi-echelon backorders of compound-Poisson parts (VMR > 1), exactly, by batch segments.

Demand at a leaf: batches at rate λ/b (Poisson), each of G pieces, G geometric on {1, 2, …}
with P(G = g) = p (1 − p)^(g−1), p = 1/b, b = (VMR + 1)/2 (so Var/mean of the pieces is
2b − 1 = VMR; ``simulation.fcfs.demand_stream``). Every piece is resupplied one for one from
the parent, first come first served, after fixed resupply days. Sources: Axsäter, *Inventory
Control*, 2nd ed. 2006, ch. 5 (the exact two-echelon recursion of Graves 1985: a child's
outstanding orders at t + L_j are its share of the parent's backorders at t plus its own demand
in (t, t + L_j]); Panjer 1981 (compound distributions; the pieces of M geometric segments are
the Pólya–Aeppli law, never needed here).

The model counts *segments* (whole batches, or the remaining part of one), not pieces:

- a location's outstanding orders X are M segments, each an independent geometric G. Read
  oldest first, every piece ends its segment with probability p independently (the geometric's
  memorylessness), so the boundaries form a Bernoulli(p) sequence independent of M;
- its backorders are the newest (X − s)⁺ pieces. The first s pieces hold J ~ Binomial(s, p)
  boundaries; X > s exactly when J < M, and then the backorders are the M − J segments after
  the J-th boundary — the one straddling piece s leaves a residual that is again geometric.
  So the backorders are K = (M − J)⁺ independent geometric segments, J independent of M;
- each segment is part of one batch, which belongs to child j with probability f = λ_j/λ_p,
  independently: the child's share is K thinned binomially, and its own lead-time demand adds
  Poisson(λ_j L_j / b) segments: M_j = Bin(K_p, f) + Poisson(λ_j L_j / b). Root: Poisson(λ L/b).

Pieces from segments (E G = b, Var G = (1 − p)/p²): E X = b E M, Var X = E M Var G + b² Var M,
and the same for the backorders from K. Nothing is approximated but tails below ``pmf.TAIL`` × the
pmf's peak. With VMR 1 (p = 1) segments are pieces and J = s: the exact Poisson model.

The pmf operations are ``pmf``'s, on buffers: ``compound_terms`` keeps one set for a chunk of
parts and the backordered segments of every location that has children in one flat store, so
it allocates almost nothing; the forms below that return fresh arrays serve ``rescore``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.kernels.pmf import (
    HEAD_MAX_SHARE,
    convolve_into,
    head_holds,
    moments,
    pieces,
    poisson_into,
    room,
    segment_pieces,
    short_into,
    short_moments,
    thin_into,
    thinned_head_into,
)

# A leaf holding at most this many pieces: its backorders from its pipeline's head (the
# whole law's path is as fast from ~16 pieces on, measured on plan_scale's network).
FEW_PIECES = 12


@njit(cache=True, nogil=True, inline="always")
def takes_head(s: int, f: float, root: bool) -> bool:
    """Whether a leaf holding s pieces, with share f of its parent's demand (``root``: it
    has no parent), is scored from its pipeline's head (``leaf_head``): at most
    ``FEW_PIECES`` pieces, and f ≤ ``HEAD_MAX_SHARE`` (beyond it ``thinned_head_into``'s
    (1 − f)^m underflows before its terms do)."""
    return s <= FEW_PIECES and (root or f <= HEAD_MAX_SHARE)


@njit(cache=True, nogil=True)
def _poisson(mean: float) -> NDArray[np.float64]:
    """``pmf.poisson_into`` into a fresh array (a view of it)."""
    out, n = poisson_into(mean, np.empty(0))
    return out[:n]


@njit(cache=True, nogil=True)
def _thin(pmf: NDArray[np.float64], f: float) -> NDArray[np.float64]:
    """``pmf.thin_into`` into a fresh array: the law of Bin(K, f) for K ~ ``pmf``."""
    _, _, out, n = thin_into(pmf, pmf.size, f, np.empty(0), np.empty(0), np.empty(0))
    return out[:n]


@njit(cache=True, nogil=True)
def _convolve(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``pmf.convolve_into`` into a fresh array: the law of the sum of two independent counts."""
    out, n = convolve_into(a, a.size, b, b.size, np.empty(0))
    return out[:n]


@njit(cache=True, nogil=True)
def _short(pmf: NDArray[np.float64], s: int, p: float) -> NDArray[np.float64]:
    """``pmf.short_into`` into a fresh array: the law of (M − J)⁺, J ~ Binomial(s, p)."""
    _, _, out, n = short_into(pmf, pmf.size, s, p, np.empty(0), np.empty(0), np.empty(0))
    return out[:n]


@njit(cache=True, nogil=True)
def _pieces(pmf: NDArray[np.float64], b: float) -> tuple[float, float]:
    """``pmf.pieces`` of a whole array."""
    return pieces(pmf, pmf.size, b)


@njit(cache=True, nogil=True)
def compound_terms(
    parent: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    vmr: NDArray[np.float64],
    stock: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Pipeline mean, variance, EBO and VBO (pieces) of every part-location (4 × parts ×
    locations) under compound-Poisson-geometric demand; locations in tree order, parents first
    — the array contract of ``varimetric.varimetric_terms``. ``flow`` is pieces a day through
    each location, ``lead`` its resupply days, ``vmr`` per part (≥ 1).

    A location's backordered segments are kept (in ``store``, from ``start[j]``, ``length[j]``
    long), with their mean and variance, only where it has children to hand them down to.
    A leaf often needs no whole pmf: its pipeline's segments M = Bin(K, f) + Poisson(μ) have
    E M = f E K + μ and Var M = f² Var K + f(1 − f) E K + μ; without stock its backorders are
    that pipeline, and with s ≤ ``FEW_PIECES`` pieces their moments follow from those and
    P(M = k) for k < s (``pmf.short_moments``), at O(s) a term of K where the whole law
    costs its length times its width — unless they are far in the tail (``pmf.head_holds``)."""
    n_parts, n_locations = flow.shape
    out = np.zeros((4, n_parts, n_locations))
    has_children = np.zeros(n_locations, dtype=np.bool_)
    for j in range(n_locations):
        if parent[j] >= 0:
            has_children[parent[j]] = True
    start = np.zeros(n_locations, dtype=np.int64)
    length = np.zeros(n_locations, dtype=np.int64)
    kept_mean = np.zeros(n_locations)  # E K and Var K of the kept backordered segments
    kept_variance = np.zeros(n_locations)
    store = np.empty(4096)
    own, thinned, segments, short = np.empty(256), np.empty(256), np.empty(256), np.empty(256)
    horner, row, at_least = np.empty(256), np.empty(256), np.empty(256)
    for i in range(n_parts):
        b = (max(vmr[i], 1.0) + 1.0) / 2.0
        p = 1.0 / b
        used = 0
        for j in range(n_locations):
            start[j], length[j] = used, 1
            kept_mean[j] = kept_variance[j] = 0.0
            if flow[i, j] <= 0.0:  # nothing passes: no backorders to hand down
                if has_children[j]:
                    store = room_kept(store, used, used + 1)
                    store[used] = 1.0
                    used += 1
                continue
            own_mean = flow[i, j] * max(lead[i, j], 0.0) / b
            up = parent[j]
            s = max(stock[i, j], 0)
            f = 1.0 if up < 0 else min(flow[i, j] / flow[i, up], 1.0)
            above = store[start[up] : start[up] + length[up]] if up >= 0 else store[:0]
            head = takes_head(s, f, up < 0)
            if not has_children[j] and (s == 0 or head):  # moments and the pmf's head say all
                up_moments = (kept_mean[up], kept_variance[up]) if up >= 0 else (0.0, 0.0)
                mean, variance, short_mean, short_variance = leaf_head(
                    above, f, own_mean, up_moments, s, p, (thinned, segments, row)
                )
                out[0, i, j], out[1, i, j] = segment_pieces(mean, variance, b)
                if s == 0 or head_holds(short_mean, mean):
                    out[2, i, j], out[3, i, j] = segment_pieces(short_mean, short_variance, b)
                    continue  # else backorders far in the tail: the whole law, below
            own, n_own = poisson_into(own_mean, own)
            if up < 0:
                segments = room(segments, n_own)
                segments[:n_own] = own[:n_own]
                n_segments = n_own
            else:
                horner, row, thinned, n_thinned = thin_into(
                    above, length[up], f, horner, row, thinned
                )
                segments, n_segments = convolve_into(thinned, n_thinned, own, n_own, segments)
            row, at_least, short, n_short = short_into(
                segments, n_segments, s, p, row, at_least, short
            )
            out[0, i, j], out[1, i, j] = pieces(segments, n_segments, b)
            out[2, i, j], out[3, i, j] = pieces(short, n_short, b)
            if has_children[j]:
                store = room_kept(store, used, used + n_short)
                store[used : used + n_short] = short[:n_short]
                length[j] = n_short
                used += n_short
                kept_mean[j], kept_variance[j] = moments(short, n_short)
    return out


@njit(cache=True, nogil=True)
def leaf_head(
    above: NDArray[np.float64],
    f: float,
    own_mean: float,
    up_moments: tuple[float, float],
    s: int,
    p: float,
    scratch: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
) -> tuple[float, float, float, float]:
    """E M, Var M, E K and Var K (segments) of a leaf's pipeline M = Bin(K_up, f) +
    Poisson(``own_mean``) and its backorders K = (M − J)⁺ with s pieces, from M's moments,
    f E K_up + μ and f² Var K_up + f(1 − f) E K_up + μ (``up_moments``: E K_up, Var K_up),
    and its first s terms (``above``: K_up's pmf, f ≤ ``HEAD_MAX_SHARE``; empty at the root).
    ``scratch``: three buffers of at least s + 2 entries, written. Far in the tail E K loses
    its relative precision (``pmf.head_holds``)."""
    up_mean, up_variance = up_moments
    mean = own_mean + f * up_mean
    variance = own_mean + f * f * up_variance + f * (1.0 - f) * up_mean
    if s == 0:
        return mean, variance, mean, variance
    thinned, summed, row = scratch
    if above.size == 0:
        thinned[:s] = 0.0
        thinned[0] = 1.0
    else:
        thinned = thinned_head_into(above, above.size, f, s, thinned)
    summed = head_with_poisson(thinned, own_mean, s, summed)
    _, short_mean, short_variance = short_moments(summed, mean, variance, s, p, row)
    return mean, variance, short_mean, short_variance


@njit(cache=True, nogil=True)
def head_with_poisson(
    thinned: NDArray[np.float64], mean: float, s: int, out: NDArray[np.float64]
) -> NDArray[np.float64]:
    """P(T + N = k) for k < s, T's from ``thinned[:s]`` and N ~ Poisson(``mean``) independent
    (P(N = i) = e^(−mean) meanⁱ/i!), into ``out[:s]``."""
    out = room(out, s)
    out[:s] = 0.0
    poisson = math.exp(-mean)
    for i in range(s):
        if i > 0:
            poisson *= mean / i
        for k in range(i, s):
            out[k] += thinned[k - i] * poisson
    return out


@njit(cache=True, nogil=True)
def room_kept(buffer: NDArray[np.float64], used: int, size: int) -> NDArray[np.float64]:
    """``buffer`` if it holds ``size`` entries, else one twice as long with its first
    ``used`` entries kept."""
    if buffer.size >= size:
        return buffer
    bigger = np.empty(max(size, 2 * buffer.size))
    bigger[:used] = buffer[:used]
    return bigger
