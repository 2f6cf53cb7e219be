"""The pmf operations of the exact model, each written into buffers the caller owns.

A pmf is the first ``n`` entries of a float64 buffer, entry k = P(count = k), its left tail
zeroed rather than cut (so index and count agree). Every function here writes its result into
a buffer it is handed and returns the buffer with the result's length; a buffer that is too
short is replaced by one twice as long (``room``), so the caller keeps what comes back and,
across the part-locations of a plan, allocates almost nothing: in the innermost loop every
array made costs more than the arithmetic on it. ``compound`` builds the model from these;
its allocating forms (``compound._thin`` …) call them with fresh buffers.

Sources: Axsäter, *Inventory Control*, 2nd ed. 2006, ch. 5 (binomial thinning of a parent's
backorders, the child's own Poisson lead-time demand); the formulas are restated where used.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

TAIL = 1e-18  # pmf terms below this share of the peak are dropped (both tails)
HORNER_FLOOR = 1e-24  # thinning drops high terms below this share of its input's peak

Buffer = NDArray[np.float64]


@njit(cache=True, nogil=True)
def room(buffer: Buffer, size: int) -> Buffer:
    """``buffer`` if it holds ``size`` entries, else a new one of at least twice its length
    (its contents are not kept: every caller writes before it reads)."""
    if buffer.size >= size:
        return buffer
    return np.empty(max(size, 2 * buffer.size))


@njit(cache=True, nogil=True)
def trim_into(pmf: Buffer, n: int) -> int:
    """Cut ``pmf[:n]``'s right tail below ``TAIL`` × the peak and zero its left one, in
    place; returns the new length (at least 1)."""
    peak = 0.0
    for k in range(n):
        peak = max(peak, pmf[k])
    end = n
    while end > 1 and pmf[end - 1] < TAIL * peak:
        end -= 1
    for k in range(end):
        if pmf[k] < TAIL * peak:
            pmf[k] = 0.0
        else:
            break
    return end


@njit(cache=True, nogil=True)
def poisson_into(mean: float, out: Buffer) -> tuple[Buffer, int]:
    """P(N = n) for N ~ Poisson(``mean``), n = 0 … until the tail falls below ``TAIL`` × the
    peak; from the mode outwards by ratios (its logarithm from ``lgamma``), stable for means
    in the thousands."""
    if mean <= 0.0:
        out = room(out, 1)
        out[0] = 1.0
        return out, 1
    mode = int(mean)  # floor: mean > 0
    out = room(out, mode + 64 + int(40.0 * math.sqrt(mean)))
    out[: mode + 1] = 0.0
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
            bigger = np.empty(2 * out.size)
            bigger[: k + 1] = out[: k + 1]
            out = bigger
        out[k + 1] = out[k] * mean / (k + 1.0)
        k += 1
        if out[k] < TAIL * peak:
            return out, k


@njit(cache=True, nogil=True)
def binomial_into(n: int, q: float, row: Buffer) -> tuple[int, int]:
    """Binomial(n, q) terms into ``row[lo:hi]``, those above ``TAIL`` × the peak; (lo, hi).
    ``row`` holds n + 1 entries; those outside [lo, hi) are left as they were."""
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
def convolve_into(a: Buffer, na: int, b: Buffer, nb: int, out: Buffer) -> tuple[Buffer, int]:
    """The law of the sum of two independent counts ``a[:na]`` and ``b[:nb]``, skipping zero
    terms, trimmed."""
    size = na + nb - 1
    out = room(out, size)
    out[:size] = 0.0
    b_lo = 0
    while b_lo < nb - 1 and b[b_lo] == 0.0:
        b_lo += 1
    for i in range(na):
        if a[i] == 0.0:
            continue
        for k in range(b_lo, nb):
            out[i + k] += a[i] * b[k]
    return out, trim_into(out, size)


@njit(cache=True, nogil=True)
def thin_into(
    pmf: Buffer, n: int, f: float, horner: Buffer, row: Buffer, out: Buffer
) -> tuple[Buffer, Buffer, Buffer, int]:
    """The law of Bin(K, f) for K ~ ``pmf[:n]``: each segment kept with probability f, into
    ``out`` (``horner`` and ``row`` are scratch); returns the three buffers and the length.

    With K ≥ lo on the support, Bin(K, f) = Bin(lo, f) + Bin(K − lo, f); the second term's
    pgf Σ_k P(K = lo + k) (1 − f + f z)^k by Horner's rule (two multiply-adds a term, no
    logarithms), then one convolution with the Binomial(lo, f) pmf. The highest terms of the
    running polynomial fall like f^m; once below ``HORNER_FLOOR`` × the input's peak they are
    dropped as it goes (a share of a far right tail the result's trim would drop anyway), so a
    small share costs the width of the result, not of the input, a step."""
    if f >= 1.0:
        out = room(out, n)
        out[:n] = pmf[:n]
        return horner, row, out, n
    lo = 0
    while lo < n - 1 and pmf[lo] == 0.0:
        lo += 1
    horner = room(horner, n - lo)
    length = 1
    horner[0] = pmf[n - 1]
    keep = 1.0 - f
    peak = 0.0
    for k in range(n):
        peak = max(peak, pmf[k])
    negligible = HORNER_FLOOR * peak
    for k in range(n - 2, lo - 1, -1):  # H ← H (1 − f + f z) + P(K = k)
        horner[length] = f * horner[length - 1]
        for m in range(length - 1, 0, -1):
            horner[m] = keep * horner[m] + f * horner[m - 1]
        horner[0] = keep * horner[0] + pmf[k]
        length += 1
        while length > 1 and horner[length - 1] < negligible:  # f^m: falls fast for small f
            length -= 1
    if lo == 0:
        out = room(out, length)
        out[:length] = horner[:length]
        return horner, row, out, trim_into(out, length)
    row = room(row, lo + 1)
    row[: lo + 1] = 0.0
    _, last = binomial_into(lo, f, row)
    out, size = convolve_into(row, last, horner, length, out)
    return horner, row, out, size


@njit(cache=True, nogil=True)
def short_into(
    pmf: Buffer, n: int, s: int, p: float, row: Buffer, at_least: Buffer, out: Buffer
) -> tuple[Buffer, Buffer, Buffer, int]:
    """The law of K = (M − J)⁺ for M ~ ``pmf[:n]`` and J ~ Binomial(s, p), independent: the
    segments still backordered when s pieces of stock fill the oldest orders, into ``out``
    (``row`` and ``at_least`` are scratch); returns the three buffers and the length.
    P(K = d) = Σ_j P(M = d + j) P(J = j) for d ≥ 1, P(K = 0) = Σ_m P(M = m) P(J ≥ m)."""
    if s == 0:
        out = room(out, n)
        out[:n] = pmf[:n]
        return row, at_least, out, n
    row = room(row, s + 2)
    at_least = room(at_least, s + 2)
    row[: s + 2] = 0.0
    lo, hi = binomial_into(s, p, row)
    at_least[hi] = 0.0  # P(J ≥ j)
    for j in range(hi - 1, -1, -1):
        at_least[j] = at_least[j + 1] + row[j]
    size = max(n - lo, 1)
    out = room(out, size)
    zero = 0.0
    for m in range(min(n, hi)):
        zero += pmf[m] * at_least[m]
    out[0] = zero
    for d in range(1, size):
        total = 0.0
        for j in range(lo, min(hi, n - d)):
            total += pmf[d + j] * row[j]
        out[d] = total
    return row, at_least, out, trim_into(out, size)


HEAD_MAX_SHARE = 0.5  # ``thinned_head_into``'s shares f: at most this


@njit(cache=True, nogil=True)
def thinned_head_into(pmf: Buffer, n: int, f: float, s: int, out: Buffer) -> Buffer:
    """P(Bin(K, f) = k) for k = 0 … s − 1 and K ~ ``pmf[:n]`` normalised, f ≤
    ``HEAD_MAX_SHARE``, into ``out[:s]``: the head of ``thin_into``'s law,
    Σ_m P(K = m) C(m, k) f^k (1 − f)^(m − k), each m's terms from (1 − f)^m by the ratio
    (m − k)/(k + 1) · f/(1 − f); O(n s), where the whole law costs the input's length times
    its own width. Divided by Σ_m P(K = m), whose rounding from 1 would otherwise reach the
    backorders through 1 − Σ_k P(M = k) (``moments``, which these terms meet in
    ``short_moments``, divides too). Once (1 − f)^m < 1e-280 the rest adds nothing a double
    holds: then m f = 280 ln 10 · f/(−ln(1 − f)) lies in ~450 … 645 for f ≤ 1/2, past k,
    where P(Bin(m, f) = k) falls with m, and it is at most 1e-280 · (m f/(1 − f))^k/k!, below
    1e-170 for k < 64 (for larger f, (1 − f)^m underflows while the terms do not: the whole
    law's path)."""
    out = room(out, s)
    out[:s] = 0.0
    odds = f / (1.0 - f)
    log_keep = math.log1p(-f)
    keep = 1.0  # (1 − f)^m
    total = 0.0
    for m in range(n):
        total += pmf[m]
        if m > 0 and keep >= 1e-280:
            # anew from its logarithm every 16 steps: the rounding of 1 − f, raised to the
            # m-th power, would cost m ulps where parents hold thousands of segments
            keep = math.exp(m * log_keep) if m % 16 == 0 else keep * (1.0 - f)
        term = pmf[m] * keep
        if term == 0.0 or keep < 1e-280:
            continue
        for k in range(min(s, m + 1)):
            out[k] += term
            term *= (m - k) / (k + 1.0) * odds
    for k in range(s):
        out[k] /= total
    return out


@njit(cache=True, nogil=True)
def short_moments(
    head: Buffer, mean: float, variance: float, s: int, p: float, row: Buffer
) -> tuple[Buffer, float, float]:
    """E K and Var K of K = (M − J)⁺ for J ~ Binomial(s, p) independent of M (``short_into``'s
    law), from M's mean, variance and ``head[:s]`` = P(M = k), k < s, alone (``row`` is
    scratch; returned with the two). With P(M > k) = 1 − Σ_{i ≤ k} P(M = i):
    E (M − j)⁺ = E M − Σ_{k<j} P(M > k) and
    E ((M − j)⁺)² = E M² − Σ_{k<j} (2k + 1) P(M > k) − 2j E (M − j)⁺."""
    row = room(row, s + 2)
    row[: s + 2] = 0.0
    lo, hi = binomial_into(s, p, row)
    second = variance + mean * mean
    above = 1.0  # P(M > k), k = j − 1
    first_sum = second_sum = 0.0  # Σ_{k<j} P(M > k), Σ_{k<j} (2k + 1) P(M > k)
    short_mean = short_second = 0.0
    for j in range(hi):
        if j >= lo:
            once = max(mean - first_sum, 0.0)
            short_mean += row[j] * once
            short_second += row[j] * max(second - second_sum - 2.0 * j * once, 0.0)
        if j < s:
            above = max(above - head[j], 0.0)
            first_sum += above
            second_sum += (2.0 * j + 1.0) * above
    return row, short_mean, max(short_second - short_mean * short_mean, 0.0)


HEAD_MIN_SHORT = 1e-3  # ``short_moments`` is kept where E K ≥ this × max(E M, 1)


@njit(cache=True, nogil=True, inline="always")
def head_holds(short_mean: float, mean: float) -> bool:
    """Whether ``short_moments``' E K (from E M = ``mean``) keeps its relative precision.
    Its sums subtract from E M and E M² terms of about their size, so its error is some
    1e-16 · s · E M² absolute: against E K ≥ 1e-3 · max(E M, 1) (and E K² ≥ E K) that is
    below 1e-12 · s · (E M + VMR) relative. Smaller backorders — far in the pipeline's tail —
    are to be taken from the whole law, which sums the tail itself."""
    return short_mean >= HEAD_MIN_SHORT * max(mean, 1.0)


@njit(cache=True, nogil=True)
def moments(pmf: Buffer, n: int) -> tuple[float, float]:
    """Mean and variance of a count ``pmf[:n]`` (two passes: no cancellation)."""
    total = 0.0
    mean = 0.0
    for k in range(n):
        total += pmf[k]
        mean += k * pmf[k]
    mean /= total
    variance = 0.0
    for k in range(n):
        variance += (k - mean) * (k - mean) * pmf[k]
    return mean, variance / total


@njit(cache=True, nogil=True)
def pieces(pmf: Buffer, n: int, b: float) -> tuple[float, float]:
    """Mean and variance of the pieces of K ~ ``pmf[:n]`` geometric segments of mean b:
    b E K and E K (b² − b) + b² Var K (Var G = (1 − p)/p² = b² − b)."""
    mean, variance = moments(pmf, n)
    return segment_pieces(mean, variance, b)


@njit(cache=True, nogil=True, inline="always")
def segment_pieces(mean: float, variance: float, b: float) -> tuple[float, float]:
    """Mean and variance of the pieces of a count of geometric segments of mean b with the
    given mean and variance: b E K and E K (b² − b) + b² Var K."""
    return b * mean, mean * (b * b - b) + b * b * variance
