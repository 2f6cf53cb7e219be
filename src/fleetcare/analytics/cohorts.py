"""Life data per cohort from the service history: product model × component group × climate
class, one row per unit of the model in that climate — its engine hours at its *first* failure
on the group, or, with none, its engine hours now (right-censored).

Only the first failure of each unit counts: a defect is repaired by replacing one piece of the
group and leaves the rest as old as it was (minimal repair, see ``planning.rates``), so the
later failures of a unit are not fresh lives; the first-failure distribution is the hazard
H(t) = (t/η)^β of the failure process, from which the plan takes its expected failures
H(t + Δ) − H(t). A failure found at 0 h is taken at ``MIN_FAILURE_HOURS`` (the Weibull
likelihood is degenerate at 0).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

from fleetcare.analytics.weibull import FloatArray, IntArray, WeibullFits, fit_cohorts

MIN_FAILURE_HOURS = 1.0
EPOCH = datetime(1970, 1, 1)
ALL_CLIMATES = "all"  # the climate of a cohort pooled over every climate class


def day_number(moment: datetime | date) -> float:
    """Days since 1970-01-01 (a date counts from its midnight)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return (moment - EPOCH).total_seconds() / 86400.0


@dataclass(frozen=True)
class FleetHistory:
    """Units (index i), their meter readings (rows ``indptr[i]:indptr[i+1]``, from 0 h at the
    warranty start) and failures; times in days since 1970, hours in engine hours."""

    models: list[str]  # product model code per unit
    regions: list[str]  # region name per unit
    region_ids: IntArray
    climates: list[str]  # climate class per unit
    hours_now: FloatArray  # engine hours now [h]
    reading_days: FloatArray
    reading_hours: FloatArray
    indptr: IntArray
    failure_unit: IntArray  # unit index of each failure, grouped by unit, in time order
    failure_group: list[str]  # component group of each failure
    failure_day: FloatArray  # when it was reported [days since 1970]
    failure_hours: FloatArray  # the unit's engine hours then [h]

    def hours_at(self, unit: int, days: FloatArray) -> FloatArray:
        """Engine hours of ``unit`` at ``days``, linear between readings, flat outside."""
        lo, hi = self.indptr[unit], self.indptr[unit + 1]
        return np.interp(days, self.reading_days[lo:hi], self.reading_hours[lo:hi])


@dataclass(frozen=True)
class Cohorts:
    """Flat life data: cohort c is rows ``indptr[c]:indptr[c+1]``, keyed (model, group,
    climate)."""

    keys: list[tuple[str, str, str]]
    ages: FloatArray  # engine hours
    failed: NDArray[np.bool_]
    indptr: IntArray

    def rows(self, cohort: int) -> tuple[FloatArray, NDArray[np.bool_]]:
        """The ages and failed flags of one cohort."""
        lo, hi = self.indptr[cohort], self.indptr[cohort + 1]
        return self.ages[lo:hi], self.failed[lo:hi]

    def fit(self) -> WeibullFits:
        """Every cohort's Weibull fit (``weibull.fit_cohorts``)."""
        return fit_cohorts(self.ages, self.failed, self.indptr)


def first_failure_cohorts(history: FleetHistory, *, pooled: bool = False) -> Cohorts:
    """One cohort per model × group × climate (``pooled``: per model × group, climate
    ``ALL_CLIMATES``) with at least one failure, in order of its key."""
    climates = [ALL_CLIMATES] * len(history.models) if pooled else history.climates
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for unit, key in enumerate(zip(history.models, climates, strict=True)):
        members[key].append(unit)
    first: dict[tuple[int, str], float] = {}
    for unit, group, hours in zip(
        history.failure_unit.tolist(),
        history.failure_group,
        history.failure_hours.tolist(),
        strict=True,
    ):
        first.setdefault((unit, group), max(hours, MIN_FAILURE_HOURS))
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit, group in first:
        groups[(history.models[unit], climates[unit])].add(group)
    keys: list[tuple[str, str, str]] = []
    ages: list[float] = []
    failed: list[bool] = []
    indptr = [0]
    for model, climate in sorted(groups):
        units = members[(model, climate)]
        for group in sorted(groups[(model, climate)]):
            for unit in units:
                hours = first.get((unit, group))
                ages.append(float(history.hours_now[unit]) if hours is None else hours)
                failed.append(hours is not None)
            keys.append((model, group, climate))
            indptr.append(len(ages))
    return Cohorts(
        keys=keys,
        ages=np.array(ages, dtype=np.float64),
        failed=np.array(failed, dtype=bool),
        indptr=np.array(indptr, dtype=np.int64),
    )
