"""The analytics domain's facade: reliability fits of the service history, the rates they give
the plan, and early warnings — for the API, the pages and the CLI alike.

Every call reads the whole history once (``history.load_history``) and computes from it; no
result is kept between calls. Reads only: nothing here writes or audits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from fleetcare.analytics import schemas
from fleetcare.analytics.cohorts import (
    ALL_CLIMATES,
    Cohorts,
    FleetHistory,
    first_failure_cohorts,
)
from fleetcare.analytics.history import load_history
from fleetcare.analytics.monitor import Reference, monitor, month_edges
from fleetcare.analytics.probability import probability_figure
from fleetcare.analytics.warning import CusumParams
from fleetcare.analytics.weibull import FitStatus, WeibullFits
from fleetcare.core.clock import today as clock_today
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import N_, _
from fleetcare.core.labels import label
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet.models import ClimateClass
from fleetcare.planning.build import CLIMATE_FACTOR
from fleetcare.planning.rates import FittedRates, WeibullHazard

MIN_PLAN_FAILURES = 5  # a cohort's fit feeds the plan (and the warnings) from this many failures
WINDOW_MONTHS = 36  # the early warning's months, the last complete one last
MAX_WINDOW_MONTHS = 120
REFERENCE_CLIMATE = ClimateClass.temperate.value


FIT_STATUS_LABELS = {
    "ok": N_("fitted"),
    "too_few_failures": N_("too few failures"),
    "unbounded": N_("unbounded"),
    "not_converged": N_("not converged"),
}


REFERENCE_LABELS = {
    "temperate_fit": N_("temperate fit"),
    "baseline": N_("temperate fleet's rate"),
    "baseline_fleet": N_("whole fleet's rate"),
}


def reference_label(source: str) -> str:
    """Where a warning series' expected claims come from, in the reader's words
    (``temperate_fit`` → "temperate fit"; docs/analytics.md)."""
    return _(REFERENCE_LABELS.get(source, source))


def fit_status_label(status: str) -> str:
    """A cohort fit's ``status`` in the reader's words (``too_few_failures`` → "too few
    failures")."""
    return _(FIT_STATUS_LABELS.get(status, status))


def _status(code: int) -> str:
    return FitStatus(code).name.lower()


def _usable(fits: WeibullFits, index: int) -> bool:
    return bool(fits.status[index] == FitStatus.OK and fits.n_failed[index] >= MIN_PLAN_FAILURES)


def _fits(session: Session) -> tuple[FleetHistory, Cohorts, WeibullFits]:
    history = load_history(session)
    cohorts = first_failure_cohorts(history)
    return history, cohorts, cohorts.fit()


def cohort_fits(session: Session) -> schemas.CohortFits:
    """Every cohort with a failure, its fit, and whether the plan uses it."""
    _history, cohorts, fits = _fits(session)
    rows = []
    for index, (model, group, climate) in enumerate(cohorts.keys):
        ok = fits.status[index] == FitStatus.OK

        def number(values: Any, i: int = index, ok: bool = ok) -> float | None:
            return float(values[i]) if ok else None

        rows.append(
            schemas.CohortFitRead(
                model=model,
                component_group=group,
                climate=climate,
                n_units=int(cohorts.indptr[index + 1] - cohorts.indptr[index]),
                n_failed=int(fits.n_failed[index]),
                n_censored=int(fits.n_censored[index]),
                status=_status(int(fits.status[index])),
                shape=number(fits.shape),
                scale=number(fits.scale),
                b10=number(fits.b10),
                shape_ci95=[float(fits.shape_lower[index]), float(fits.shape_upper[index])]
                if ok
                else None,
                scale_ci95=[float(fits.scale_lower[index]), float(fits.scale_upper[index])]
                if ok
                else None,
                used_in_plan=_usable(fits, index),
            )
        )
    return schemas.CohortFits(min_plan_failures=MIN_PLAN_FAILURES, cohorts=rows)


def cohort_plot(session: Session, index: int) -> dict[str, Any]:
    """The Weibull probability plot of cohort ``index`` (its position in ``cohort_fits``);
    ``NotFound`` when there is none."""
    _history, cohorts, fits = _fits(session)
    if not 0 <= index < len(cohorts.keys):
        raise NotFound(_("no cohort number {index}").format(index=index))
    ages, failed = cohorts.rows(index)
    ok = fits.status[index] == FitStatus.OK
    line = (float(fits.shape[index]), float(fits.scale[index])) if ok else None
    return probability_figure(ages, failed, line, title=" × ".join(map(label, cohorts.keys[index])))


def plan_rates(session: Session) -> FittedRates:
    """The hazards of the cohorts with at least ``MIN_PLAN_FAILURES`` failures and a fit, for
    ``plan build`` (registered with ``planning.service.use_rates`` by the app and the CLI)."""
    _history, cohorts, fits = _fits(session)
    hazards = {
        key: WeibullHazard(float(fits.shape[i]), float(fits.scale[i]))
        for i, key in enumerate(cohorts.keys)
        if _usable(fits, i)
    }
    return FittedRates(hazards=hazards, min_failures=MIN_PLAN_FAILURES)


def _references(
    history: FleetHistory, cohorts: Cohorts, fits: WeibullFits
) -> Callable[[str, str, str], Reference | None]:
    """The in-control hazard of model × group in a climate: the model × group's fit in the
    reference (temperate) climate when it has ``MIN_PLAN_FAILURES`` failures, else the group's
    baseline — its failures per engine hour over the temperate fleet (the whole fleet when
    that has none) — each times the engineering climate allowance (planning's
    ``CLIMATE_FACTOR``: ×1.15 cold, ×1.35 arctic)."""
    temperate = {
        key[:2]: (float(fits.shape[i]), float(fits.scale[i]))
        for i, key in enumerate(cohorts.keys)
        if key[2] == REFERENCE_CLIMATE and _usable(fits, i)
    }
    mild = np.array([c == REFERENCE_CLIMATE for c in history.climates], dtype=bool)
    failure_mild = mild[history.failure_unit] if history.failure_unit.size else mild[:0]
    groups = np.array(history.failure_group, dtype=object)
    mild_hours = float(history.hours_now[mild].sum())
    all_hours = float(history.hours_now.sum())

    def reference(model: str, group: str, climate: str) -> Reference | None:
        allowance = (
            CLIMATE_FACTOR.get(ClimateClass(climate), 1.0) if climate != ALL_CLIMATES else 1.0
        )
        if (model, group) in temperate:
            shape, scale = temperate[(model, group)]
            return Reference("temperate_fit", allowance, shape, scale)
        of_group = groups == group
        mild_failures = int((of_group & failure_mild).sum())
        if mild_failures and mild_hours > 0:
            return Reference("baseline", allowance * mild_failures / mild_hours)
        if all_hours > 0 and of_group.any():
            return Reference("baseline_fleet", allowance * int(of_group.sum()) / all_hours)
        return None

    return reference


def warnings(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    months: int = WINDOW_MONTHS,
    region: str | None = None,
    params: CusumParams | None = None,
    today: date | None = None,
) -> schemas.Warnings:
    """Per model × component group × region with a claim in the last ``months`` complete
    months: claims, expected claims and the Poisson CUSUM, flagged series first. A regional
    manager sees its regions' series; ``region`` outside the scope (or unknown) is NotFound."""
    params = params or CusumParams()
    if not 1 <= months <= MAX_WINDOW_MONTHS:
        raise ValueError("months out of range")
    day = today or clock_today()
    history, cohorts, fits = _fits(session)
    ids: set[int] = set()
    if region is not None:
        ids = {
            int(r)
            for name, r in zip(history.regions, history.region_ids, strict=True)
            if name == region
        }
        if not ids or not (scope.everything or ids & (scope.region_ids or frozenset())):
            raise NotFound(_("no region named '{name}'").format(name=region))

    def keep(region_id: int) -> bool:
        if region is not None and region_id not in ids:
            return False
        return scope.everything or region_id in (scope.region_ids or frozenset())

    last = day.year * 12 + day.month - 2  # the last complete month
    edges, labels = month_edges(last, months)
    series = monitor(history, edges, _references(history, cohorts, fits), params, keep=keep)
    series.sort(key=lambda s: (not s.flagged, s.key))
    return schemas.Warnings(
        months=labels,
        shift=params.shift,
        decision_interval=params.decision_interval,
        series=[
            schemas.WarningRead(
                model=s.key[0],
                component_group=s.key[1],
                region=s.key[2],
                climate=s.climate,
                reference=s.reference.source,
                claims=[int(x) for x in s.claims],
                expected=[round(float(x), 4) for x in s.expected],
                cusum=[round(float(x), 4) for x in s.statistic],
                claims_total=int(s.claims.sum()),
                expected_total=round(float(s.expected.sum()), 4),
                flagged=s.flagged,
                first_alarm=labels[s.first_alarm] if s.first_alarm >= 0 else None,
            )
            for s in series
        ],
    )
