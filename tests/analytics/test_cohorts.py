"""Life data per cohort from a fleet's history: the first failure per unit, the others
censored at their hours now, one cohort per model × group × climate with a failure."""

from __future__ import annotations

import numpy as np

from fleetcare.analytics.cohorts import (
    ALL_CLIMATES,
    MIN_FAILURE_HOURS,
    FleetHistory,
    first_failure_cohorts,
)


def history() -> FleetHistory:
    """Three buses (two arctic, one temperate) and a lift; four failures."""
    return FleetHistory(
        models=["CB-12", "CB-12", "CB-12", "PL-630"],
        regions=["Arctic", "Arctic", "Baltic", "Baltic"],
        region_ids=np.array([1, 1, 2, 2]),
        climates=["arctic", "arctic", "temperate", "temperate"],
        hours_now=np.array([5000.0, 4000.0, 3000.0, 800.0]),
        reading_days=np.array([0.0, 500.0] * 4),
        reading_hours=np.array([0.0, 5000.0, 0.0, 4000.0, 0.0, 3000.0, 0.0, 800.0]),
        indptr=np.array([0, 2, 4, 6, 8]),
        failure_unit=np.array([0, 0, 1, 3]),
        failure_group=["hydraulics", "hydraulics", "engine", "hydraulics"],
        failure_day=np.array([100.0, 300.0, 50.0, 10.0]),
        failure_hours=np.array([1000.0, 3000.0, 400.0, 0.0]),
    )


def test_first_failure_per_unit_others_censored_at_their_hours() -> None:
    """Bus 0's second hydraulics failure is left out; every unit of the model and climate is
    in each of its cohorts; a failure at 0 h is taken at MIN_FAILURE_HOURS."""
    cohorts = first_failure_cohorts(history())
    assert cohorts.keys == [
        ("CB-12", "engine", "arctic"),
        ("CB-12", "hydraulics", "arctic"),
        ("PL-630", "hydraulics", "temperate"),
    ]
    ages, failed = cohorts.rows(1)
    assert ages.tolist() == [1000.0, 4000.0] and failed.tolist() == [True, False]
    ages, failed = cohorts.rows(0)
    assert ages.tolist() == [5000.0, 400.0] and failed.tolist() == [False, True]
    ages, failed = cohorts.rows(2)
    assert ages.tolist() == [MIN_FAILURE_HOURS] and failed.tolist() == [True]


def test_pooled_cohorts_join_the_climates() -> None:
    """Pooled, the temperate bus joins the arctic ones in each CB-12 cohort, censored."""
    cohorts = first_failure_cohorts(history(), pooled=True)
    assert cohorts.keys[0] == ("CB-12", "engine", ALL_CLIMATES)
    ages, failed = cohorts.rows(1)
    assert ages.tolist() == [1000.0, 4000.0, 3000.0]
    assert failed.tolist() == [True, False, False]


def test_hours_at_interpolates_and_stays_flat_outside() -> None:
    """Between readings linear; before the first and after the last, flat."""
    fleet = history()
    hours = fleet.hours_at(0, np.array([-10.0, 250.0, 900.0]))
    assert hours.tolist() == [0.0, 2500.0, 5000.0]
