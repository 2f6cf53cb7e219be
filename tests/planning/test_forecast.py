"""Syntetos–Boylan classes, Croston/SBA/TSB forecasts and the credibility blend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.parts.models import Location, MoveKind, Part, StockMove
from fleetcare.planning.forecast import (
    DAYS_PER_MONTH,
    MAX_VMR,
    blend,
    classify,
    credibility,
    dispersion,
    forecast_series,
)
from tests.planning.factories import planned_network


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([3, 4, 3, 5, 4, 3, 4, 4], "smooth"),  # ADI 1, CV² ≈ 0.03
        ([1, 9, 1, 12, 2, 1, 10, 1], "erratic"),  # ADI 1, CV² ≈ 0.9
        ([0, 2, 0, 0, 2, 0, 3, 0], "intermittent"),  # ADI 2.67, CV² ≈ 0.03
        ([0, 1, 0, 0, 12, 0, 1, 0], "lumpy"),  # ADI 2.67, CV² ≈ 1.6
        ([0, 0, 0, 0], "none"),
    ],
)
def test_syntetos_boylan_classes(series: list[int], expected: str) -> None:
    """The 1.32 / 0.49 cut-offs put each textbook shape in its class."""
    assert classify(np.array(series, dtype=float))[0] == expected


def test_forecasts_by_hand() -> None:
    """Two pieces every other month: Croston 1 a month, SBA (1 − α/2) = 0.95 with α = 0.1."""
    every_other = np.array([0, 2] * 12, dtype=float)
    sba = forecast_series(every_other)
    assert sba.model == "CrostonSBA" and sba.demand_class == "intermittent"
    assert sba.rate_per_day == pytest.approx(0.95 / DAYS_PER_MONTH)
    quiet = np.array([1, 0, 1] + [0] * 12, dtype=float)
    quieter = np.array([1, 0, 1] + [0] * 18, dtype=float)
    assert (
        forecast_series(quiet).model == "TSB"
        and forecast_series(quiet).demand_class == "obsolescent"
    )
    # TSB lets the demand probability decay with every silent month (Croston would not)
    assert 0 < forecast_series(quieter).rate_per_day < forecast_series(quiet).rate_per_day


def test_blend_weights_history_by_credibility() -> None:
    """w = n/(n+12): a year of history weighs as much as the installed base."""
    assert credibility(12) == 0.5 and credibility(24) == pytest.approx(2 / 3)
    assert credibility(0) == 0
    history = {("P", "D"): np.array([0, 2] * 6, dtype=float)}  # SBA 0.95 a month
    rates = blend({("P", "D"): 0.1, ("Q", "D"): 0.2}, history)
    assert rates[("P", "D")] == pytest.approx(0.5 * 0.95 / DAYS_PER_MONTH + 0.5 * 0.1)
    assert rates[("Q", "D")] == 0.2  # no history: the installed-base rate


def test_build_blends_the_issue_history(client: TestClient, session: Session) -> None:
    """Issues at the depot over the last 24 months pull the built rate toward the history."""
    planned_network(session)
    before = client.get("/api/plans/build").json()["parts"][0]["demand_per_day"]["DEPOT-N"]
    part = session.scalar(select(Part).where(Part.number == "P-1"))
    depot = session.scalar(select(Location).where(Location.code == "DEPOT-N"))
    assert part and depot
    first = datetime.now(UTC).replace(tzinfo=None, day=15) - timedelta(days=30 * 24)
    for month in range(0, 24, 2):  # two pieces every other month
        session.add(
            StockMove(
                at=first + timedelta(days=30 * month),
                kind=MoveKind.issue,
                part_id=part.id,
                location_id=depot.id,
                on_hand_delta=-2,
                actor="test",
            )
        )
    session.commit()
    after = client.get("/api/plans/build").json()["parts"][0]["demand_per_day"]["DEPOT-N"]
    history_rate = 0.95 / DAYS_PER_MONTH
    assert after != before
    assert min(before, history_rate) < after < max(before, history_rate)


def test_dispersion_of_the_history() -> None:
    """Poisson months give a VMR near 1, batches of four about (4 + 1)/2 + … > 1, shrunk
    towards 1 by n/(n + 12); no usable history (too short, or silent) gives 1."""
    rng = np.random.default_rng(3)
    poisson = [rng.poisson(3.0, 24).astype(float) for _ in range(20)]
    assert dispersion(poisson) == 1.0  # not told from Poisson by the dispersion test
    assert dispersion([rng.poisson(0.5, 24).astype(float)]) == 1.0
    # compound Poisson: 1.5 batches a month of geometric size, mean 4 → VMR = 2·4 − 1 = 7
    batches = [
        np.array([rng.geometric(0.25, rng.poisson(1.5)).sum() for _ in range(24)], dtype=float)
        for _ in range(20)
    ]
    raw = 7.0
    assert dispersion(batches) == pytest.approx(1 + (raw - 1) * 24 / 36, rel=0.25)
    assert dispersion([np.array([5.0, 0.0, 9.0])]) == 1.0  # three months: too short
    assert dispersion([np.zeros(24)]) == 1.0
    assert dispersion([np.array([0.0] * 23 + [400.0])]) == MAX_VMR
