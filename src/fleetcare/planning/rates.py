"""Replacement rates from fitted Weibull hazards: the failures a machine's component group is
expected to have in the coming year, from its current engine hours.

A defect on a component group is repaired by replacing one piece of it (a hose, a seal), which
leaves the rest of the group as old as it was: a *minimal repair* (Ascher & Feingold,
Repairable Systems Reliability, Dekker 1984, ch. 3; Rigdon & Basu, Statistical Methods for the
Reliability of Repairable Systems, Wiley 2000, ch. 2). Failures then form a non-homogeneous
Poisson process whose cumulative intensity is the cumulative hazard of the first failure,
H(t) = (t/η)^β for a Weibull fitted to first failures (analytics), so the expected number of
failures of one machine in the engine-hour interval (t, t + Δ] is exactly

    E[N(t, t + Δ)] = H(t + Δ) − H(t) = ((t + Δ)/η)^β − (t/η)^β.

A renewal function (each failure renews the whole group) would instead restart the clock at
each failure; it is not used because a defect renews one piece, not the group. For β = 1 the
two agree (a Poisson process of rate 1/η). Here t is the machine's engine hours now and Δ the
hours it runs in the coming year (its hours per day × 365), and the rate per day is
E[N] / 365.

The planning maths (``build``) takes these rates, keyed by cohort, from whatever provider the
composition root registers (``planning.service.use_rates``): planning itself knows no fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

DAYS_A_YEAR = 365.0

CohortKey = tuple[str, str, str]  # (product model code, component group, climate class)


@dataclass(frozen=True)
class WeibullHazard:
    """A fitted two-parameter Weibull: shape β > 0, scale η > 0 [engine hours]."""

    shape: float
    scale: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.shape) and self.shape > 0):
            raise ValueError("the shape must be a finite number > 0")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError("the scale must be a finite number > 0 (engine hours)")

    def cumulative(self, hours: ArrayLike) -> NDArray[np.float64]:
        """H(t) = (t/η)^β at engine hours t ≥ 0 [expected failures since new]."""
        t = np.maximum(np.asarray(hours, dtype=np.float64), 0.0)
        return np.asarray((t / self.scale) ** self.shape, dtype=np.float64)

    def expected_failures(
        self, hours_now: ArrayLike, hours_ahead: ArrayLike
    ) -> NDArray[np.float64]:
        """H(t + Δ) − H(t): failures expected while a machine at t hours runs Δ more.

        For 0 ≤ Δ ≤ t as (t/η)^β · expm1(β · log1p(Δ/t)), the same quantity without the
        cancellation of two nearly equal H values (at t = 32,768 h, Δ = 2·10⁻⁵ h the difference
        lost seven significant digits); for Δ > t the difference, where H(t + Δ) dominates."""
        t = np.asarray(hours_now, dtype=np.float64)
        ahead = np.asarray(hours_ahead, dtype=np.float64)
        difference = self.cumulative(t + ahead) - self.cumulative(t)
        stable = (t > 0) & (ahead >= 0) & (ahead <= t)
        if not np.any(stable):
            return np.asarray(difference, dtype=np.float64)
        base = np.where(stable, t, 1.0)
        growth = np.expm1(self.shape * np.log1p(np.where(stable, ahead, 0.0) / base))
        exact = (base / self.scale) ** self.shape * growth
        return np.asarray(np.where(stable, exact, difference), dtype=np.float64)

    def failures_per_day(self, hours_now: ArrayLike, hours_per_day: ArrayLike) -> float:
        """Σ over machines of the coming year's expected failures / 365 [failures per day]."""
        per_day = np.asarray(hours_per_day, dtype=np.float64)
        ahead = self.expected_failures(hours_now, per_day * DAYS_A_YEAR)
        return float(ahead.sum() / DAYS_A_YEAR)


@dataclass(frozen=True)
class FittedRates:
    """The cohorts whose fits the plan uses (at least ``min_failures`` failures each)."""

    hazards: Mapping[CohortKey, WeibullHazard]
    min_failures: int

    def get(self, model: str, group: str, climate: str) -> WeibullHazard | None:
        """The cohort's hazard, or None (the plan then takes the engineering rate)."""
        return self.hazards.get((model, group, climate))
