"""Backorder tables of one pipeline: its pmf, EBO(s) and VBO(s), and a leaf's values.

``backorder_table`` gives EBO(s) and VBO(s) of a Poisson or negative-binomial pipeline
(Sherbrooke 2004, ch. 2–4) in the tail form, stable at every scale:

    EBO(s) = Σ_{k≥s} P(X > k),   E[(X−s)⁺²] = 2 U(s) + EBO(s),   U(s) = Σ_{k≥s} (k−s) P(X > k)

with U(s) = U(s+1) + EBO(s+1) — only additions of non-negative terms, smallest first. The pmf
starts at the mode (its logarithm from ``lgamma``) and moves outwards by ratios, so a mean in
the thousands does not underflow and a mean of 0.01 keeps its relative precision.

``pipeline`` gives a location's pipeline from its parent's backorders (VARI-METRIC: the share
f of the parent's backorders passes down with mean f·EBO and variance f(1−f)·EBO + f²·VBO).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

POISSON_TOLERANCE = 1e-9  # variance-to-mean above 1 by less than this: Poisson
RELATIVE_TAIL = 1e-18  # pmf terms below this share of P(X = upto + 1) end the table
FLOOR = -1e6  # the value of a leaf whose every machine waits for the part (ln 0)


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
def pmf_into(
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
        used = pmf_into(mean, variance, upto, pmf)
        if used > 0:
            return pmf[:used]
        size *= 2


@njit(cache=True, nogil=True, inline="always")
def leaf_curve(
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
    used = pmf_into(mean, variance, 0, work, 1e-10 * negligible)
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
        work[s] = leaf_value(work[used + s], units, z)
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
def backorders_at(
    mean: float, variance: float, stock: int, work: NDArray[np.float64]
) -> tuple[float, float]:
    """EBO(s) and VBO(s) at s = ``stock`` only: ``backorder_table``'s sums term for term
    (the same numbers), with the pmf written into ``work`` instead of new arrays (a table
    is made when ``work`` is too short)."""
    if mean <= 0.0:
        return 0.0, 0.0
    used = pmf_into(mean, variance, stock, work)
    if used < 0:
        ebo, vbo = backorder_table(mean, variance, stock)
        return ebo[stock], vbo[stock]
    survival = 0.0
    tail = 0.0
    spread = 0.0
    for k in range(used - 1, stock - 1, -1):
        spread += tail
        tail += survival
        survival += work[k]
    return tail, max(2.0 * spread + tail - tail * tail, 0.0)


@njit(cache=True, nogil=True)
def pipeline(
    own: float,
    vmr: float,
    share: float,
    up_ebo: float,
    up_vbo: float,
    root: bool,
    handed_vmr: float = 1.0,
) -> tuple[float, float]:
    """VARI-METRIC pipeline mean and variance (share f = λ_j / λ_parent): own lead-time
    demand (mean ``own``, variance VMR × own) plus the child's share of the parent's
    backorders, mean f EBO and variance f² VBO + f (1 − f) EBO × ``handed_vmr``.

    ``handed_vmr`` 1 thins the parent's backorders piece by piece (Sherbrooke 2004, ch. 4);
    the part's VMR thins them in whole orders of geometric size with mean (VMR + 1)/2, as the
    exact model does (for orders X: Var = f² V + f(1 − f) E · E[X²]/E[X], E[X²]/E[X] = VMR).
    """
    if root:
        return own, vmr * own
    mean = own + share * up_ebo
    variance = vmr * own + share * (1 - share) * up_ebo * handed_vmr + share * share * up_vbo
    return mean, variance


@njit(cache=True, nogil=True)
def leaf_value(ebo: float, units: float, z: float) -> float:
    """N Z ln(1 − EBO/(N Z)): the leaf's term of Σ_j N_j ln A_j for one part."""
    share = 1.0 - ebo / (units * z)
    return units * z * math.log(share) if share > 0.0 else FLOOR
