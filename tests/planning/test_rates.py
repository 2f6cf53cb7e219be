"""The coming year's failures from a fitted Weibull hazard: H(t + Δ) − H(t)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fleetcare.planning.rates import WeibullHazard


def test_expected_failures_by_hand() -> None:
    """β = 2, η = 1000 h: from 1000 h to 2000 h, (2000/1000)² − (1000/1000)² = 3."""
    hazard = WeibullHazard(2.0, 1000.0)
    assert hazard.expected_failures(1000.0, 1000.0) == pytest.approx(3.0)
    assert hazard.cumulative(0.0) == 0.0


def test_exponential_is_poisson_whatever_the_age() -> None:
    """β = 1: Δ/η failures in any Δ hours, at any age (a Poisson process of rate 1/η)."""
    hazard = WeibullHazard(1.0, 5000.0)
    ages = np.array([0.0, 100.0, 30_000.0])
    assert np.allclose(hazard.expected_failures(ages, 2500.0), 0.5)


@given(
    st.floats(0.3, 5.0),
    st.floats(100.0, 1e5),
    st.floats(0.0, 5e4),
    st.floats(0.0, 1e4),
    st.floats(0.0, 1e4),
)
@example(2.0, 100.0, 32768.0, 1e-5, 1e-5)  # tiny steps at a high age: no cancellation
def test_failures_add_over_consecutive_intervals(
    shape: float, scale: float, age: float, first: float, second: float
) -> None:
    """N(t, t + a + b) = N(t, t + a) + N(t + a, t + a + b), each ≥ 0 (a cumulative intensity)."""
    hazard = WeibullHazard(shape, scale)
    whole = hazard.expected_failures(age, first + second)
    parts = hazard.expected_failures(age, first) + hazard.expected_failures(age + first, second)
    assert whole == pytest.approx(parts, rel=1e-9, abs=1e-12)
    assert hazard.expected_failures(age, first) >= 0


def test_minimal_repair_counts_match_a_simulation() -> None:
    """Simulated minimal-repair failure times (unit-rate Poisson arrivals mapped through
    H⁻¹) fall in (t, t + Δ] H(t + Δ) − H(t) times on average."""
    hazard = WeibullHazard(1.8, 8000.0)
    rng = np.random.default_rng(3)
    arrivals = np.cumsum(rng.exponential(size=(20_000, 40)), axis=1)
    times = hazard.scale * arrivals ** (1 / hazard.shape)  # H(T) = arrivals
    counts = ((times > 6000.0) & (times <= 9000.0)).sum(axis=1)
    expected = float(hazard.expected_failures(6000.0, 3000.0))
    assert counts.mean() == pytest.approx(expected, abs=4 * counts.std() / np.sqrt(20_000))


def test_failures_per_day_over_the_coming_year() -> None:
    """Two machines at 10 h a day: Σ (H(t + 3650) − H(t)) / 365."""
    hazard = WeibullHazard(1.0, 36_500.0)
    assert hazard.failures_per_day([0.0, 9000.0], [10.0, 10.0]) == pytest.approx(0.2 / 365)


def test_a_hazard_needs_positive_parameters() -> None:
    """A shape or scale ≤ 0, or not finite, is refused."""
    for shape, scale in ((0.0, 1.0), (1.0, -1.0), (float("nan"), 1.0)):
        with pytest.raises(ValueError):
            WeibullHazard(shape, scale)
