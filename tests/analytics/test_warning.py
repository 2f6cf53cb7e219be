"""The Poisson CUSUM early warning: its arithmetic, false alarms and detection delay."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fleetcare.analytics.warning import (
    CusumParams,
    average_run_length,
    cusum,
    simulate_run_lengths,
)
from fleetcare.core.errors import ParameterError


def test_cusum_by_hand() -> None:
    """Sₜ = max(0, Sₜ₋₁ + Xₜ − μₜ(γ − 1)/ln γ), a signal at Sₜ ≥ h, then a restart at 0."""
    params = CusumParams(shift=2.0, decision_interval=3.0)
    k = 1 / math.log(2)  # μ = 1, γ = 2
    result = cusum([0, 3, 2, 2, 2, 4], [1, 1, 1, 1, 1, 1], params)
    s2 = 3 - k
    s3 = s2 + 2 - k
    s4 = s3 + 2 - k
    s5 = s4 + 2 - k  # 3.23 ≥ 3: a signal, and a restart
    assert s4 < 3 <= s5
    assert result.statistic.tolist() == pytest.approx([0.0, s2, s3, s4, s5, 4 - k])
    assert result.alarms.tolist() == [False, False, False, False, True, False]
    assert int(result.first_alarm) == 4 and bool(result.flagged)


def test_each_month_has_its_own_reference() -> None:
    """The reference value follows the month's expectation: twice the exposure, twice k."""
    params = CusumParams()
    result = cusum([[4, 4]], [[1.0, 2.0]], params)
    k1, k2 = params.reference([1.0, 2.0])
    assert k2 == pytest.approx(2 * k1)
    assert result.statistic[0].tolist() == pytest.approx([4 - k1, max(0.0, 4 - k1 + 4 - k2)])


def test_series_are_independent() -> None:
    """Rows are series: one running hot is flagged, its neighbour not."""
    expected = np.full((2, 12), 2.0)
    counts = np.array([[2] * 12, [2] * 6 + [6] * 6])
    result = cusum(counts, expected, CusumParams())
    assert result.flagged.tolist() == [False, True]
    assert result.first_alarm.tolist()[0] == -1 and 6 <= result.first_alarm[1] <= 8


@pytest.mark.parametrize("expected", [0.5, 2.0])
def test_false_alarm_rate_matches_the_markov_chain(expected: float) -> None:
    """In control, the simulated mean run length (4,000 seeded runs) lies within 4 standard
    errors of the exact Brook–Evans ARL₀ bounds: run lengths are nearly geometric, so their
    mean is close to normal and 4 SE is a 1-in-15,000 miss."""
    params = CusumParams()
    low, high = average_run_length(expected, params)
    assert low <= high < low * 1.01
    lengths = simulate_run_lengths(expected, params, runs=4000, seed=11)
    se = lengths.std() / math.sqrt(lengths.size)
    assert low - 4 * se <= lengths.mean() <= high + 4 * se
    assert lengths.mean() > 50  # the defaults leave years between false alarms


def test_doubling_is_detected_quickly() -> None:
    """After the rate doubles (month 24 of 60, μ = 1 claim a month), 1,000 seeded series
    signal after a median of at most 8 months (the chain's ARL₁ from S = 0 is 7.4) and 95 %
    within 18; before the step at most 25 % have a false alarm (ARL₀ ≈ 116 months)."""
    params = CusumParams()
    rng = np.random.default_rng(3)
    rate = np.where(np.arange(60) < 24, 1.0, 2.0)
    counts = rng.poisson(rate, size=(1000, 60))
    result = cusum(counts, np.ones((1000, 60)), params)
    assert result.alarms[:, :24].any(axis=1).mean() <= 0.25
    after = result.alarms[:, 24:]
    delay = np.where(after.any(axis=1), after.argmax(axis=1) + 1, 10**6)
    assert np.median(delay) <= 8
    assert np.mean(delay <= 18) >= 0.95
    arl1 = average_run_length(1.0, params, rate_ratio=2.0)
    assert 6 < arl1[0] <= arl1[1] < 9


def test_simulation_is_seeded() -> None:
    """The same seed gives the same run lengths, another seed others."""
    params = CusumParams()
    a = simulate_run_lengths(1.0, params, runs=200, seed=1)
    assert np.array_equal(a, simulate_run_lengths(1.0, params, runs=200, seed=1))
    assert not np.array_equal(a, simulate_run_lengths(1.0, params, runs=200, seed=2))


@pytest.mark.parametrize(
    ("shift", "h", "field"),
    [(1.0, 4.0, "shift"), (float("nan"), 4.0, "shift"), (2.0, 0.0, "decision_interval")],
)
def test_parameters_are_checked(shift: float, h: float, field: str) -> None:
    """A shift ≤ 1 or not a number, a decision interval ≤ 0, are refused naming the field."""
    with pytest.raises(ParameterError) as caught:
        CusumParams(shift=shift, decision_interval=h)
    assert caught.value.field == field


def test_bad_counts_are_refused() -> None:
    """Negative counts or expectations and mismatched shapes are refused."""
    params = CusumParams()
    for counts, expected in (([-1], [1.0]), ([1], [-1.0]), ([1, 2], [1.0])):
        with pytest.raises(ValueError):
            cusum(counts, expected, params)
