"""Early warning: a Poisson CUSUM of monthly claims against the count the fleet's exposure
predicts, one series per model × component × region.

Month t of a series brings Xₜ claims (or defects); the fleet's exposure times the in-control
rate (the fitted or baseline rate) predicts μₜ. The CUSUM tests "the rate is μₜ" against "it is
γ μₜ" (γ = ``shift`` > 1) by accumulating the log-likelihood ratio, scaled by 1/ln γ so that it
counts claims (Lucas 1985, for a constant μ; for a varying μ the same likelihood-ratio form,
Hawkins & Olwell 1998, ch. 6):

    kₜ = μₜ (γ − 1) / ln γ                 (the reference value, claims)
    Sₜ = max(0, Sₜ₋₁ + Xₜ − kₜ),  S₀ = 0   (claims above reference, accumulated)

and signals in the first month with Sₜ ≥ h (``decision_interval``, claims); S restarts at 0
after a signal. Sources: J. M. Lucas, "Counted data CUSUM's", Technometrics 27(2), 1985,
129–144; D. M. Hawkins & D. H. Olwell, Cumulative Sum Charts and Charting for Quality
Improvement, Springer 1998.

The in-control average run length (ARL₀: months between false alarms when the rate is as
expected) is measured by simulation (``simulate_run_lengths``) and computed exactly by the
Markov chain of Brook & Evans (1972) ("An approach to the probability distribution of cusum run
length", Biometrika 59(3), 539–549) for a constant μ (``average_run_length``); docs/analytics.md
gives both for the default parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import poisson

from fleetcare.core.errors import ParameterError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class CusumParams:
    """The Poisson CUSUM's tunables.

    ``shift`` γ > 1: the rate, as a multiple of the expected one, the test is tuned to catch
    quickest (2: a component failing twice as often as expected).
    ``decision_interval`` h > 0 [claims]: the CUSUM signals once it reaches h. A larger h
    means fewer false alarms (a longer ARL₀) and a slower detection.
    """

    shift: float = 2.0
    decision_interval: float = 4.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.shift) and 1 < self.shift <= 100):
            raise ParameterError("shift", "{shift} must be > 1 and ≤ 100")
        if not (math.isfinite(self.decision_interval) and 0 < self.decision_interval <= 1000):
            raise ParameterError("decision_interval", "{decision_interval} must be > 0 and ≤ 1000")

    def reference(self, expected: ArrayLike) -> FloatArray:
        """kₜ = μₜ (γ − 1) / ln γ [claims] for expected counts μₜ."""
        return np.asarray(expected, dtype=np.float64) * (self.shift - 1) / math.log(self.shift)


@dataclass(frozen=True)
class CusumResult:
    """Per series (rows) and month (columns): the statistic Sₜ and where it signalled."""

    statistic: FloatArray
    alarms: NDArray[np.bool_]

    @property
    def first_alarm(self) -> IntArray:
        """The month index of each series' first signal; −1 where none."""
        any_alarm = self.alarms.any(axis=-1)
        return np.where(any_alarm, self.alarms.argmax(axis=-1), -1).astype(np.int64)

    @property
    def flagged(self) -> NDArray[np.bool_]:
        """Series that signalled at least once in the months given."""
        return np.asarray(self.alarms.any(axis=-1))


def cusum(counts: ArrayLike, expected: ArrayLike, params: CusumParams) -> CusumResult:
    """The Poisson CUSUM of ``counts`` against ``expected`` (same shape: series × months,
    or one series of months); restarts at 0 after each signal."""
    x = np.asarray(counts, dtype=np.float64)
    mu = np.asarray(expected, dtype=np.float64)
    if x.shape != mu.shape or x.ndim not in (1, 2):
        raise ValueError("counts and expected must have one shape: (months,) or (series, months)")
    if not (np.all(np.isfinite(x)) and np.all(x >= 0) and np.all(np.isfinite(mu))):
        raise ValueError("counts must be finite and ≥ 0, expected finite")
    if np.any(mu < 0):
        raise ValueError("expected counts must be ≥ 0")
    increments = x - params.reference(mu)
    statistic = np.empty_like(increments)
    alarms = np.zeros(increments.shape, dtype=bool)
    s = np.zeros(increments.shape[:-1])
    for month in range(increments.shape[-1]):
        s = np.maximum(0.0, s + increments[..., month])
        signal = s >= params.decision_interval
        statistic[..., month] = s
        alarms[..., month] = signal
        s = np.where(signal, 0.0, s)
    return CusumResult(statistic, alarms)


def simulate_run_lengths(
    expected: float,
    params: CusumParams,
    *,
    rate_ratio: float = 1.0,
    runs: int = 10_000,
    max_months: int = 1_000_000,
    seed: int = 0,
) -> IntArray:
    """Months to the first signal of ``runs`` independent series whose monthly claims are
    Poisson(``rate_ratio`` × ``expected``) against an expectation of ``expected`` a month.

    ``rate_ratio`` 1 measures false alarms (ARL₀ = the mean); a run still silent after
    ``max_months`` counts as ``max_months`` (a lower bound). Seeded: the same seed, the same
    lengths.
    """
    if not (expected > 0 and rate_ratio >= 0 and runs >= 1 and max_months >= 1):
        raise ValueError("expected > 0, rate_ratio ≥ 0, runs ≥ 1 and max_months ≥ 1 needed")
    rng = np.random.default_rng(seed)
    k = float(params.reference(expected))
    h = params.decision_interval
    lengths = np.full(runs, max_months, dtype=np.int64)
    alive = np.arange(runs)
    s = np.zeros(runs)
    month = 0
    block = 256  # months drawn at once for the series still running
    while alive.size and month < max_months:
        draws = rng.poisson(rate_ratio * expected, size=(alive.size, block)) - k
        stopped = np.zeros(alive.size, dtype=bool)
        for column in range(min(block, max_months - month)):
            s = np.maximum(0.0, s + draws[:, column])
            signal = (s >= h) & ~stopped
            lengths[alive[signal]] = month + column + 1
            stopped |= signal
        month += block
        alive, s = alive[~stopped], s[~stopped]
    return lengths


def average_run_length(
    expected: float, params: CusumParams, *, rate_ratio: float = 1.0, grid: int = 500
) -> tuple[float, float]:
    """Bounds on the average run length [months] by the Brook–Evans Markov chain, for a
    constant expectation ``expected`` a month and claims Poisson(``rate_ratio`` × ``expected``).

    With k and h multiples of 1/``grid``, S lives on that lattice and the chain over the states
    0 … h − 1/grid is exact: the ARL from S₀ = 0 solves (I − P) L = 1 (Brook & Evans 1972).
    The ARL grows with k and with h (S falls pathwise as k grows), so the chains with k and h
    rounded down and rounded up to the lattice bound the ARL of the CUSUM as specified.
    """
    if not (expected > 0 and rate_ratio >= 0 and 1 <= grid <= 2000):
        raise ValueError("expected > 0, rate_ratio ≥ 0 and a grid of 1 to 2000 needed")
    k = float(params.reference(expected)) * grid
    h = params.decision_interval * grid
    return (
        _chain_arl(expected * rate_ratio, math.floor(k), math.floor(h), grid),
        _chain_arl(expected * rate_ratio, math.ceil(k), math.ceil(h), grid),
    )


def _chain_arl(mean: float, k_steps: int, states: int, grid: int) -> float:
    """ARL from 0 of S' = max(0, S + X − k) on the lattice 1/grid, X ~ Poisson(mean),
    signalling at S ≥ h = states/grid and k = k_steps/grid."""
    # Every x that can leave S below h, or its probability is below 1e-15.
    top = (states + k_steps) // grid + 1
    if mean > 0:
        top = min(top, int(poisson.isf(1e-15, mean)) + 1)
    pmf = poisson.pmf(np.arange(top + 1), mean) if mean > 0 else np.array([1.0])
    cdf = np.cumsum(pmf)
    i = np.arange(states)
    transition = np.zeros((states, states))
    # To state 0: every x with i + grid·x − k ≤ 0.
    to_zero = np.floor((k_steps - i) / grid).astype(np.int64)
    transition[:, 0] = np.where(to_zero >= 0, cdf[np.clip(to_zero, 0, top)], 0.0)
    for x in range(pmf.size):
        j = i + grid * x - k_steps
        ok = (j > 0) & (j < states)
        transition[i[ok], j[ok]] += pmf[x]
    lengths = np.linalg.solve(np.eye(states) - transition, np.ones(states))
    return float(lengths[0])
