"""The Weibull MLE with right-censoring: published fits, lifelines, and simulated recovery."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from fleetcare.analytics.weibull import FitStatus, WeibullError, fit, fit_cohorts
from tests.analytics.lifelines_reference import censored_sample, lifelines_fit

# Bearing-cage field data (Abernethy et al. 1983) as Meeker & Escobar, Statistical Methods for
# Reliability Data (Wiley 1998), Table C.5 give it: 1703 units, 6 failures; (hours, failed, count).
BEARING_CAGE = [
    (50, 0, 288), (150, 0, 148), (230, 1, 1), (250, 0, 124), (334, 1, 1), (350, 0, 111),
    (423, 1, 1), (450, 0, 106), (550, 0, 99), (650, 0, 110), (750, 0, 114), (850, 0, 119),
    (950, 0, 127), (990, 1, 1), (1009, 1, 1), (1050, 0, 123), (1150, 0, 93), (1250, 0, 47),
    (1350, 0, 41), (1450, 0, 27), (1510, 1, 1), (1550, 0, 11), (1650, 0, 6), (1850, 0, 1),
    (2050, 0, 2),
]  # fmt: skip
# Ball-bearing endurance (millions of revolutions), Lieblein & Zelen (1956), 23 failures,
# uncensored, as Lawless, Statistical Models and Methods for Lifetime Data (2nd ed. 2003) uses it.
BALL_BEARINGS = [
    17.88, 28.92, 33.00, 41.52, 42.12, 45.60, 48.48, 51.84, 51.96, 54.12, 55.56, 67.80,
    68.64, 68.64, 68.88, 84.12, 93.12, 98.64, 105.12, 105.84, 127.92, 128.04, 173.40,
]  # fmt: skip
Z95 = float(ndtri(0.975))


def bearing_cage() -> tuple[np.ndarray, np.ndarray]:
    """The 1703 bearing cages as ages and failed flags."""
    hours, failed, count = (np.array(column) for column in zip(*BEARING_CAGE, strict=True))
    return np.repeat(hours, count).astype(float), np.repeat(failed, count).astype(bool)


def relative(a: float, b: float) -> float:
    """|a − b| / |b|."""
    return abs(a - b) / abs(b)


def test_bearing_cage_matches_meeker_escobar() -> None:
    """Meeker & Escobar (1998), Example 8.16: β̂ = 2.035 and B10 = 3903 hours (their precision);
    η̂ = 11,792 hours, which R's survival::survreg also gives (11792.18)."""
    ages, failed = bearing_cage()
    result = fit(ages, failed)
    assert (result.n_failed, result.n_censored) == (6, 1697)
    assert round(result.shape, 3) == 2.035
    assert round(result.b10) == 3903
    assert round(result.scale) == 11792


def test_ball_bearings_match_lawless() -> None:
    """Lawless (2003), the Lieblein–Zelen ball bearings: β̂ = 2.102, η̂ = 81.88 (and lifelines
    agrees to 1e-6)."""
    ages = np.array(BALL_BEARINGS)
    result = fit(ages, np.ones(ages.size, dtype=bool))
    assert round(result.shape, 3) == 2.102
    assert round(result.scale, 2) == 81.88
    reference = lifelines_fit(ages, np.ones(ages.size, dtype=bool))
    assert relative(result.shape, reference.shape) < 1e-6
    assert relative(result.scale, reference.scale) < 1e-6


def test_bounds_are_lifelines_wald_bounds_on_the_log_scale() -> None:
    """The 95 % bounds are β·exp(±z se(β)/β) and η·exp(±z se(η)/η), with se(β), se(η) the
    standard errors behind lifelines' own bounds (its β ± z se(β))."""
    ages, failed = bearing_cage()
    result = fit(ages, failed)
    reference = lifelines_fit(ages, failed)
    se_shape = (reference.shape_bounds[1] - reference.shape_bounds[0]) / (2 * Z95)
    se_scale = (reference.scale_bounds[1] - reference.scale_bounds[0]) / (2 * Z95)
    assert relative(se_shape, reference.se_shape) < 1e-9
    lo, hi = result.shape_ci
    assert relative(lo, result.shape * np.exp(-Z95 * se_shape / reference.shape)) < 1e-4
    assert relative(hi, result.shape * np.exp(Z95 * se_shape / reference.shape)) < 1e-4
    lo, hi = result.scale_ci
    assert relative(lo, result.scale * np.exp(-Z95 * se_scale / reference.scale)) < 1e-4
    assert relative(hi, result.scale * np.exp(Z95 * se_scale / reference.scale)) < 1e-4
    # lifelines' linear bound for η is negative here; the log-scale bound is not.
    assert reference.scale_bounds[0] < 0 < lo


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 80),
    shape=st.floats(0.4, 6.0),
    scale=st.floats(0.01, 1e5),
    censoring=st.floats(0.05, 2.5),
)
def test_equals_lifelines_on_small_censored_cohorts(
    seed: int, n: int, shape: float, scale: float, censoring: float
) -> None:
    """On small cohorts, lightly to heavily censored, the estimates and standard errors equal
    lifelines' to 1e-4 (relative)."""
    ages, failed = censored_sample(np.random.default_rng(seed), n, shape, scale, censoring)
    fits = fit_cohorts(ages, failed, [0, n])
    assume(fits.status[0] == FitStatus.OK)
    reference = lifelines_fit(ages, failed)
    assert relative(float(fits.shape[0]), reference.shape) < 1e-4
    assert relative(float(fits.scale[0]), reference.scale) < 1e-4
    assert relative(float(fits.se_log_shape[0]), reference.se_shape / reference.shape) < 1e-4
    assert relative(float(fits.se_log_scale[0]), reference.se_scale / reference.scale) < 1e-4


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.floats(0.5, 5.0),
    scale=st.floats(1.0, 1e4),
    censoring=st.floats(0.2, 1.5),
)
def test_recovers_known_parameters(seed: int, shape: float, scale: float, censoring: float) -> None:
    """From 20,000 simulated units (up to about 60 % censored) the MLE lies within 4.5
    asymptotic standard errors of the true β and η (a 1-in-100,000 miss per parameter for a
    normal estimate), and those errors are small (se(ln β), se(ln η) < 5 %: under the
    heaviest censoring, β = 5, se(ln β) reaches about 4 %)."""
    ages, failed = censored_sample(np.random.default_rng(seed), 20_000, shape, scale, censoring)
    fits = fit_cohorts(ages, failed, [0, ages.size])
    assert fits.status[0] == FitStatus.OK
    assert abs(np.log(fits.shape[0] / shape)) < 4.5 * fits.se_log_shape[0] < 0.05 * 4.5
    assert abs(np.log(fits.scale[0] / scale)) < 4.5 * fits.se_log_scale[0] < 0.05 * 4.5


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), factor=st.floats(1e-6, 1e6))
def test_time_unit_does_not_matter(seed: int, factor: float) -> None:
    """Ages in another unit (× factor) give the same β and η × factor."""
    ages, failed = censored_sample(np.random.default_rng(seed), 50, 1.5, 100.0, 0.8)
    assume(failed.sum() >= 2 and ages[failed].min() < ages.max())
    a, b = fit(ages, failed), fit(ages * factor, failed)
    assert relative(b.shape, a.shape) < 1e-9
    assert relative(b.scale, a.scale * factor) < 1e-9
    assert relative(b.b10, a.b10 * factor) < 1e-9


def test_many_cohorts_fit_as_each_alone() -> None:
    """fit_cohorts over a ragged batch gives each cohort the fit it has alone; cohorts without
    a fit are NaN with their reason."""
    rng = np.random.default_rng(5)
    cohorts = [censored_sample(rng, n, 1.2 + n / 100, 50.0 * n, 0.7) for n in (3, 40, 250, 7)]
    cohorts.append((np.array([5.0, 9.0, 9.0]), np.array([False, True, True])))  # β̂ → ∞
    cohorts.append((np.array([4.0, 6.0]), np.array([True, False])))  # one failure
    ages = np.concatenate([a for a, _ in cohorts])
    failed = np.concatenate([f for _, f in cohorts])
    indptr = np.cumsum([0] + [a.size for a, _ in cohorts])
    fits = fit_cohorts(ages, failed, indptr)
    for c, (a, f) in enumerate(cohorts[:4]):
        if f.sum() < 2:
            assert fits.status[c] == FitStatus.TOO_FEW_FAILURES
            continue
        alone = fit(a, f)
        assert relative(float(fits.shape[c]), alone.shape) < 1e-12
        assert relative(float(fits.scale[c]), alone.scale) < 1e-12
    assert fits.status[4] == FitStatus.UNBOUNDED and np.isnan(fits.shape[4])
    assert fits.status[5] == FitStatus.TOO_FEW_FAILURES and np.isnan(fits.scale[5])
    assert list(fits.n_failed[4:]) == [2, 1] and list(fits.n_censored[4:]) == [1, 1]


def test_units_at_age_zero_still_running_add_nothing() -> None:
    """A unit censored at age 0 is counted and leaves the estimates unchanged."""
    ages, failed = bearing_cage()
    with_new = fit(np.append(ages, [0.0, 0.0]), np.append(failed, [False, False]))
    assert with_new.n_censored == 1699
    assert with_new.shape == pytest.approx(fit(ages, failed).shape, rel=1e-12)


@pytest.mark.parametrize(
    ("ages", "failed", "message"),
    [
        ([1.0, 2.0, 3.0], [True, False, False], "1 failure;"),
        ([1.0, 2.0, 3.0], [False, False, False], "0 failures"),
        ([3.0, 3.0, 1.0], [True, True, False], "greatest age"),
        ([0.0, 2.0, 3.0], [True, True, False], "age 0"),
        ([-1.0, 2.0, 3.0], [True, True, False], "≥ 0"),
        ([np.nan, 2.0, 3.0], [True, True, False], "finite"),
        ([1e307, 2e307, *[1e308] * 20], [True, True, *[False] * 20], "too large"),
    ],
)
def test_refuses_data_without_a_fit(ages: list[float], failed: list[bool], message: str) -> None:
    """Too few failures, every failure at the greatest age, a failure at age 0 and bad ages
    are refused with a message saying which."""
    with pytest.raises(WeibullError, match=message):
        fit(ages, failed)
