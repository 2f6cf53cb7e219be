"""Fits, warnings and the plan's rates from a small service history on the database."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.analytics import service
from fleetcare.core.errors import NotFound
from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Region
from fleetcare.planning import service as planning
from fleetcare.planning.build import build_problem
from tests.analytics.factories import cold_history, cold_network

TODAY = date(2026, 12, 5)


def test_fits_warnings_and_plan_rates(session: Session) -> None:
    """The cohorts count each unit's first failure; the arctic hydraulics (3× the temperate
    rate) are flagged against the temperate fit × 1.35, nothing else is; the plan takes the
    fitted hazard for the hydraulics parts and the engineering rate for the brakes."""
    written = cold_history(session)
    fits = service.cohort_fits(session)
    keys = {(c.component_group, c.climate): c for c in fits.cohorts}
    assert set(keys) == {
        ("engine", "arctic"),
        ("engine", "temperate"),
        ("hydraulics", "arctic"),
        ("hydraulics", "temperate"),
    }
    arctic = keys[("hydraulics", "arctic")]
    assert arctic.n_units == 30 and arctic.n_failed + arctic.n_censored == 30
    assert arctic.n_failed < written[("hydraulics", "Arctic")]  # first failures only
    assert arctic.status == "ok" and arctic.used_in_plan
    assert arctic.shape_ci95 and arctic.shape_ci95[0] < (arctic.shape or 0) < arctic.shape_ci95[1]
    assert fits.min_plan_failures == service.MIN_PLAN_FAILURES

    warnings = service.warnings(session, today=TODAY)
    assert warnings.months[0] == "2023-12" and warnings.months[-1] == "2026-11"
    flagged = [(s.component_group, s.region) for s in warnings.series if s.flagged]
    assert flagged == [("hydraulics", "Arctic")]
    first = warnings.series[0]
    assert first.reference == "temperate_fit" and first.first_alarm is not None
    assert first.claims_total > 2 * first.expected_total
    assert sum(first.claims) == first.claims_total and len(first.cusum) == 36

    cold_network(session)
    rates = service.plan_rates(session)
    assert ("CB-12", "hydraulics", "arctic") in rates.hazards
    problem = build_problem(session, today=datetime(2026, 12, 1), rates=rates)
    sources = {part["id"]: part["rate_source"] for part in problem["parts"]}
    assert sources == {"P-HOSE": "fitted", "P-PAD": "engineering", "P-PUMP": "fitted"}
    hose = {p["id"]: p for p in problem["parts"]}["P-HOSE"]["demand_per_day"]
    assert hose["DEPOT-A"] > 2 * hose["DEPOT-B"]  # the arctic fit, not the climate factor
    engineering = build_problem(session, today=datetime(2026, 12, 1))
    assert {p["rate_source"] for p in engineering["parts"]} == {"engineering"}
    planning.use_rates(service.plan_rates)
    document = planning.problem_document(session)
    assert {p["id"]: p["rate_source"] for p in document["parts"]} == sources


def test_a_regional_manager_sees_its_regions_warnings(session: Session) -> None:
    """Scoped to the Baltic: no arctic series; naming the Arctic is NotFound, like a region
    that does not exist."""
    cold_history(session)
    baltic = session.scalar(select(Region.id).where(Region.name == "Baltic"))
    assert baltic is not None
    scope = Scope(region_ids=frozenset({baltic}))
    seen = service.warnings(session, scope=scope, today=TODAY)
    assert seen.series and {s.region for s in seen.series} == {"Baltic"}
    for name in ("Arctic", "Nowhere"):
        with pytest.raises(NotFound):
            service.warnings(session, scope=scope, region=name, today=TODAY)
    only = service.warnings(session, region="Arctic", months=12, today=TODAY)
    assert {s.region for s in only.series} == {"Arctic"} and len(only.months) == 12
