"""Expected backorders and their variance for a resupply pipeline (Sherbrooke 2004, ch. 2–4).

The pipeline X of a part at a location (pieces in resupply) is Poisson(μ) when its variance
equals its mean (to 1e-9 relative), else negative binomial with that mean and variance
(n = μ²/(σ²−μ), p = μ/σ²). With s pieces on stock:

    EBO(s) = E[(X − s)⁺] = Σ_{k≥s} P(X > k)
    E[(X − s)⁺²] = Σ_{k≥s} (2(k − s) + 1) P(X > k)
    VBO(s) = E[(X − s)⁺²] − EBO(s)²

The tail form sums survival probabilities (themselves summed from the far tail down, from a
log-space pmf via ``scipy.special.gammaln``) smallest first, so it keeps its relative
precision where the textbook recursion EBO(s+1) = EBO(s) − P(X > s) loses it (μ = 0.01,
s = 5: 0.4 % error), and it does not underflow for μ in the thousands. Source: C. C.
Sherbrooke, *Optimal Inventory Modeling of Systems*, 2nd ed., Kluwer 2004.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

POISSON_TOLERANCE = 1e-9  # variance-to-mean above 1 by less than this: Poisson
TAIL = 1e-17  # survival probability below which the tail is dropped (relative to EBO(0) = μ)


def is_poisson(mean: float, variance: float) -> bool:
    """True when the pipeline is Poisson: variance-to-mean ratio ≤ 1 (to 1e-9)."""
    return mean <= 0 or variance <= mean * (1 + POISSON_TOLERANCE)


def _log_pmf(mean: float, variance: float, k: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln P(X = k): Poisson, or negative binomial with the given mean and variance."""
    if is_poisson(mean, variance):
        return k * math.log(mean) - mean - special.gammaln(k + 1)  # type: ignore[no-any-return]
    n = mean * mean / (variance - mean)
    p = mean / variance
    return (  # type: ignore[no-any-return]
        special.gammaln(k + n)
        - special.gammaln(n)
        - special.gammaln(k + 1)
        + n * math.log(p)
        + k * math.log1p(-p)
    )


def survival(mean: float, variance: float, upto: int) -> NDArray[np.float64]:
    """P(X > k) for k = 0 … upto, summed from the far tail down (smallest terms first)."""
    if mean <= 0:
        return np.zeros(upto + 1)
    spread = math.sqrt(max(variance, mean))
    horizon = max(upto, int(mean + 14 * spread + 60))
    while True:
        pmf = np.exp(_log_pmf(mean, variance, np.arange(horizon + 1, dtype=np.float64)))
        if pmf[-1] < TAIL * 1e-3 * max(mean, 1.0) and pmf[-1] <= pmf[-2]:
            break
        horizon *= 2
    above = np.cumsum(pmf[::-1])[::-1]  # P(X ≥ k)
    return np.append(above[1:], 0.0)[: upto + 1]


def _horizon(mean: float, variance: float, max_stock: int) -> int:
    """A k beyond which P(X > k) < TAIL·max(μ, 1): far enough for the sums above."""
    spread = math.sqrt(max(variance, mean, 1e-12))
    guess = int(mean + 12 * spread + 40 + max_stock)
    while survival(mean, variance, guess)[-1] > TAIL * max(mean, 1.0):
        guess *= 2
    return guess


def backorder_moments(
    mean: float, variance: float, max_stock: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO(s) and VBO(s) for s = 0 … max_stock, for a pipeline of ``mean`` and ``variance``."""
    if mean <= 0:
        zeros = np.zeros(max_stock + 1)
        return zeros, zeros.copy()
    sf = survival(mean, variance, _horizon(mean, variance, max_stock))
    # Reverse cumulative sums add the smallest terms first.
    tail_1 = np.cumsum(sf[::-1])[::-1]  # Σ_{k≥s} P(X>k)
    k = np.arange(sf.size, dtype=np.float64)
    tail_k = np.cumsum((k * sf)[::-1])[::-1]  # Σ_{k≥s} k P(X>k)
    s = np.arange(max_stock + 1, dtype=np.float64)
    ebo = tail_1[: max_stock + 1]
    second = 2 * (tail_k[: max_stock + 1] - s * ebo) + ebo  # Σ (2(k−s)+1) P(X>k)
    vbo = np.maximum(second - ebo * ebo, 0.0)
    return ebo.copy(), vbo
