"""The first-come-first-served engine's demand streams."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numba import njit

from fleetcare.simulation.fcfs import demand_stream


@pytest.mark.parametrize("vmr", [1.0, 3.0])
def test_demand_streams_have_their_rates_and_dispersion(vmr: float) -> None:
    """The superposed demand stream: each location's pieces come at its rate, times are
    sorted, and counts over 30-day windows have the part's variance-to-mean ratio."""

    @njit
    def draw(rate: Any, vmr: float, horizon: float, seed: int) -> Any:
        np.random.seed(seed)
        return demand_stream(rate, vmr, horizon)

    rate = np.array([0.0, 0.2, 0.05, 0.0, 0.5])
    horizon = 200_000.0
    times, where = draw(rate, vmr, horizon, 11)
    assert np.all(np.diff(times) >= 0) and times[-1] <= horizon
    per_day = np.bincount(where, minlength=rate.size) / horizon
    assert per_day == pytest.approx(rate, rel=0.03, abs=1e-12)
    windows = np.bincount((times // 30).astype(np.int64), minlength=int(horizon // 30))
    assert windows.var() / windows.mean() == pytest.approx(vmr, rel=0.1)
