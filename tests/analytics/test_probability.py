"""Johnson's adjusted ranks and the Weibull probability plot."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.analytics.probability import adjusted_ranks, probability_figure, weibull_y


def test_without_censoring_the_ranks_are_benards() -> None:
    """With every unit failed, F = (i − 0.3)/(n + 0.4) in age order."""
    ages = np.array([30.0, 10.0, 20.0, 40.0])
    t, f = adjusted_ranks(ages, np.ones(4, dtype=bool))
    assert t.tolist() == [10.0, 20.0, 30.0, 40.0]
    assert np.allclose(f, (np.arange(1, 5) - 0.3) / 4.4)


def test_a_censored_unit_raises_the_next_rank_by_hand() -> None:
    """Failed 10, running 20, failed 30: ranks 1 and 1 + (4 − 1)/(1 + 1) = 2.5."""
    t, f = adjusted_ranks(np.array([10.0, 20.0, 30.0]), np.array([True, False, True]))
    assert t.tolist() == [10.0, 30.0]
    assert np.allclose(f, (np.array([1.0, 2.5]) - 0.3) / 3.4)


def test_a_failure_ranks_before_a_censored_unit_of_its_age() -> None:
    """At a tie the failure comes first (the censored unit outlived it)."""
    _t, f = adjusted_ranks(np.array([10.0, 10.0]), np.array([False, True]))
    assert np.allclose(f, (1.0 - 0.3) / 2.4)


@given(st.lists(st.tuples(st.floats(1, 1e5), st.booleans()), min_size=1, max_size=40))
def test_ranks_rise_and_stay_in_the_unit_interval(units: list[tuple[float, bool]]) -> None:
    """Median ranks strictly rise with age and lie in (0, 1)."""
    ages = np.array([a for a, _ in units])
    failed = np.array([d for _, d in units])
    _t, f = adjusted_ranks(ages, failed)
    assert np.all((f > 0) & (f < 1))
    assert np.all(np.diff(f) > 0)


def test_figure_has_failures_censored_and_the_fitted_line() -> None:
    """Three traces; the censored on the plot's floor; the line is β(ln t − ln η)."""
    ages = np.array([100.0, 200.0, 300.0, 400.0])
    failed = np.array([True, False, True, False])
    figure = probability_figure(ages, failed, (2.0, 500.0), title="x")
    failures, censored, line = figure["data"]
    assert failures["x"] == [100.0, 300.0]
    assert censored["x"] == [200.0, 400.0]
    assert len(set(censored["y"])) == 1 and censored["y"][0] < min(failures["y"])
    assert np.allclose(line["y"], 2.0 * (np.log(line["x"]) - np.log(500.0)))
    assert figure["layout"]["xaxis"]["type"] == "log"
    assert np.isclose(weibull_y(np.array([1 - np.exp(-1)]))[0], 0.0)


def test_the_fitted_line_is_named_in_the_readers_numbers(russian: None) -> None:
    """η = 139,963 h reads "139 963 ч" in Russian (a comma there is the decimal mark), and β
    to three significant digits with a decimal comma."""
    ages = np.array([100.0, 200.0])
    figure = probability_figure(ages, np.array([True, True]), (1.23456, 139963.2), title="x")
    assert figure["data"][-1]["name"] == "подбор: β = 1,23, η = 139\u00a0963 ч"
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert ticks[0] == "0,1%" and "63,2%" in ticks and ticks[-1] == "99%"  # the scale's percents
