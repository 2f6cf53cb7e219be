"""Pydantic shapes of analytics' answers: the cohort fits and the early warnings (read only)."""

from __future__ import annotations

from pydantic import BaseModel


class CohortFitRead(BaseModel):
    """One product model × component group × climate class: its Weibull fit in engine hours
    (None where ``status`` is not ``ok``) and whether ``plan build`` uses it."""

    model: str
    component_group: str
    climate: str
    n_units: int
    n_failed: int
    n_censored: int
    status: str  # ok, too_few_failures, unbounded, not_converged
    shape: float | None
    scale: float | None
    b10: float | None
    shape_ci95: list[float] | None
    scale_ci95: list[float] | None
    used_in_plan: bool


class CohortFits(BaseModel):
    """``GET /api/analytics/weibull`` and ``fleetcare analytics fits --json``."""

    unit: str = "engine hours"
    min_plan_failures: int
    cohorts: list[CohortFitRead]


class WarningRead(BaseModel):
    """One model × component group × region over the window: claims, expected, CUSUM."""

    model: str
    component_group: str
    region: str
    climate: str
    reference: str  # temperate_fit or baseline (see docs/analytics.md)
    claims: list[int]
    expected: list[float]
    cusum: list[float]
    claims_total: int
    expected_total: float
    flagged: bool
    first_alarm: str | None  # the month (YYYY-MM) of the first signal


class Warnings(BaseModel):
    """``GET /api/analytics/warnings`` and ``fleetcare analytics warnings --json``."""

    months: list[str]
    shift: float
    decision_interval: float
    series: list[WarningRead]
