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
and the same for the backorders from K. Nothing is approximated but tails below ``TAIL`` × the
pmf's peak. With VMR 1 (p = 1) segments are pieces and J = s: the exact Poisson model.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

TAIL = 1e-18  # pmf terms below this share of the peak are dropped (both tails)
HORNER_FLOOR = 1e-24  # thinning drops high terms below this share of its input's peak


@njit(cache=True, nogil=True)
def _poisson(mean: float) -> NDArray[np.float64]:
    """P(N = n) for n = 0 … until the tail falls below ``TAIL`` × the peak; from the mode
    outwards by ratios (its logarithm from ``lgamma``), stable for means in the thousands."""
    if mean <= 0.0:
        return np.ones(1)
    mode = int(mean)  # floor: mean > 0
    size = mode + 64 + int(40.0 * math.sqrt(mean))
    out = np.zeros(size)
    out[mode] = math.exp(mode * math.log(mean) - mean - math.lgamma(mode + 1.0))
    peak = out[mode]
    for k in range(mode, 0, -1):
        out[k - 1] = out[k] * k / mean
        if out[k - 1] < TAIL * peak:
            out[k - 1] = 0.0
            break
    k = mode
    while True:
        if k + 1 >= out.size:
            out = np.concatenate((out, np.zeros(out.size)))
        out[k + 1] = out[k] * mean / (k + 1.0)
        k += 1
        if out[k] < TAIL * peak:
            return out[:k]


@njit(cache=True, nogil=True)
def _binomial_into(n: int, q: float, row: NDArray[np.float64]) -> tuple[int, int]:
    """Binomial(n, q) terms into ``row[lo:hi]``, those above ``TAIL`` × the peak; (lo, hi)."""
    if q >= 1.0:
        row[n] = 1.0
        return n, n + 1
    if q <= 0.0:
        row[0] = 1.0
        return 0, 1
    mode = min(n, int((n + 1) * q))
    log_peak = (
        math.lgamma(n + 1.0)
        - math.lgamma(mode + 1.0)
        - math.lgamma(n - mode + 1.0)
        + mode * math.log(q)
        + (n - mode) * math.log1p(-q)
    )
    row[mode] = math.exp(log_peak)
    odds = q / (1.0 - q)
    lo = mode
    while lo > 0:
        value = row[lo] * lo / ((n - lo + 1.0) * odds)
        if value < TAIL * row[mode]:
            break
        lo -= 1
        row[lo] = value
    hi = mode
    while hi < n:
        value = row[hi] * (n - hi) / (hi + 1.0) * odds
        if value < TAIL * row[mode]:
            break
        hi += 1
        row[hi] = value
    return lo, hi + 1


@njit(cache=True, nogil=True)
def _thin(pmf: NDArray[np.float64], f: float) -> NDArray[np.float64]:
    """The law of Bin(K, f) for K ~ ``pmf``: each segment kept with probability f. With
    K ≥ lo on the support, Bin(K, f) = Bin(lo, f) + Bin(K − lo, f); the second term's pgf
    Σ_k P(K = lo + k) (1 − f + f z)^k by Horner's rule (two multiply-adds a term, no
    logarithms), then one convolution with the Binomial(lo, f) pmf. The highest terms of the
    running polynomial fall like f^m; once below ``HORNER_FLOOR`` × the input's peak they are
    dropped as it goes (a share of a far right tail the result's trim would drop anyway), so a
    small share costs the width of the result, not of the input, a step."""
    if f >= 1.0:
        return pmf.copy()
    lo = 0
    while lo < pmf.size - 1 and pmf[lo] == 0.0:
        lo += 1
    width = pmf.size - lo
    horner = np.zeros(width)
    length = 1
    horner[0] = pmf[pmf.size - 1]
    keep = 1.0 - f
    negligible = HORNER_FLOOR * pmf.max()
    for k in range(pmf.size - 2, lo - 1, -1):  # H ← H (1 − f + f z) + P(K = k)
        horner[length] = f * horner[length - 1]
        for m in range(length - 1, 0, -1):
            horner[m] = keep * horner[m] + f * horner[m - 1]
        horner[0] = keep * horner[0] + pmf[k]
        length += 1
        while length > 1 and horner[length - 1] < negligible:  # f^m: falls fast for small f
            length -= 1
            horner[length] = 0.0
    if lo == 0:
        return _trim(horner[:length])
    row = np.zeros(lo + 1)
    _, last = _binomial_into(lo, f, row)
    return _convolve(row[:last], horner[:length])


@njit(cache=True, nogil=True)
def _convolve(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """The law of the sum of two independent counts, skipping zero terms."""
    out = np.zeros(a.size + b.size - 1)
    b_lo = 0
    while b_lo < b.size - 1 and b[b_lo] == 0.0:
        b_lo += 1
    for i in range(a.size):
        if a[i] == 0.0:
            continue
        for k in range(b_lo, b.size):
            out[i + k] += a[i] * b[k]
    return _trim(out)


@njit(cache=True, nogil=True)
def _short(pmf: NDArray[np.float64], s: int, p: float) -> NDArray[np.float64]:
    """The law of K = (M − J)⁺ for M ~ ``pmf`` and J ~ Binomial(s, p), independent: the
    segments still backordered when s pieces of stock fill the oldest orders.
    P(K = d) = Σ_j P(M = d + j) P(J = j) for d ≥ 1, P(K = 0) = Σ_m P(M = m) P(J ≥ m)."""
    if s == 0:
        return pmf.copy()
    row = np.zeros(s + 2)
    lo, hi = _binomial_into(s, p, row)
    at_least = np.zeros(s + 2)  # P(J ≥ j)
    for j in range(hi - 1, -1, -1):
        at_least[j] = at_least[j + 1] + row[j]
    out = np.zeros(max(pmf.size - lo, 1))
    zero = 0.0
    for m in range(min(pmf.size, hi)):
        zero += pmf[m] * at_least[m]
    out[0] = zero
    for d in range(1, out.size):
        total = 0.0
        for j in range(lo, min(hi, pmf.size - d)):
            total += pmf[d + j] * row[j]
        out[d] = total
    return _trim(out)


@njit(cache=True, nogil=True)
def _trim(pmf: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop the right tail below ``TAIL`` × the peak, and zero the left one."""
    peak = pmf.max()
    end = pmf.size
    while end > 1 and pmf[end - 1] < TAIL * peak:
        end -= 1
    out = pmf[:end].copy()
    for k in range(end):
        if out[k] < TAIL * peak:
            out[k] = 0.0
        else:
            break
    return out


@njit(cache=True, nogil=True)
def _moments(pmf: NDArray[np.float64]) -> tuple[float, float]:
    """Mean and variance of a count (two passes: no cancellation)."""
    total = 0.0
    mean = 0.0
    for k in range(pmf.size):
        total += pmf[k]
        mean += k * pmf[k]
    mean /= total
    variance = 0.0
    for k in range(pmf.size):
        variance += (k - mean) * (k - mean) * pmf[k]
    return mean, variance / total


@njit(cache=True, nogil=True)
def _pieces(pmf: NDArray[np.float64], b: float) -> tuple[float, float]:
    """Mean and variance of the pieces of K ~ ``pmf`` geometric segments of mean b:
    b E K and E K (b² − b) + b² Var K (Var G = (1 − p)/p² = b² − b)."""
    mean, variance = _moments(pmf)
    return b * mean, mean * (b * b - b) + b * b * variance


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
    — the array contract of ``varimetric._terms``. ``flow`` is pieces a day through each
    location, ``lead`` its resupply days, ``vmr`` per part (≥ 1)."""
    n_parts, n_locations = flow.shape
    out = np.zeros((4, n_parts, n_locations))
    for i in range(n_parts):
        b = (max(vmr[i], 1.0) + 1.0) / 2.0
        p = 1.0 / b
        short = [np.ones(1) for _ in range(n_locations)]  # backordered segments, per location
        for j in range(n_locations):
            if flow[i, j] <= 0.0:
                continue
            own = _poisson(flow[i, j] * max(lead[i, j], 0.0) / b)
            up = parent[j]
            if up < 0:
                segments = own
            else:
                share = min(flow[i, j] / flow[i, up], 1.0)
                segments = _convolve(_thin(short[up], share), own)
            short[j] = _short(segments, max(stock[i, j], 0), p)
            out[0, i, j], out[1, i, j] = _pieces(segments, b)
            out[2, i, j], out[3, i, j] = _pieces(short[j], b)
    return out
