"""Monthly claims against the count the fleet's exposure predicts, per product model ×
component group × region, and the Poisson CUSUM over them (``warning.cusum``).

Claims Xₜ: the failures (``cohorts.FleetHistory``: defects not closed as no fault found) of
the group on the model's units in the region reported in month t. Expected μₜ: over those
units, the reference's cumulative hazard across the engine hours each ran in month t,

    μₜ = Σ_units c · (H(a(end of t)) − H(a(start of t))),

a(·) the unit's engine hours (interpolated between readings), H the reference hazard and c
its climate allowance (``Reference``). Under the minimal-repair model of ``planning.rates``
this is the expected count of the month exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from fleetcare.analytics.cohorts import FleetHistory, day_number
from fleetcare.analytics.warning import CusumParams, cusum
from fleetcare.analytics.weibull import FloatArray

SeriesKey = tuple[str, str, str]  # (model, component group, region)


@dataclass(frozen=True)
class Reference:
    """The in-control hazard of a series: H(t) = factor · (t/η)^β, or, without a fit
    (``shape`` NaN), the constant rate ``factor`` per engine hour; ``source`` says which."""

    source: str
    factor: float
    shape: float = float("nan")
    scale: float = float("nan")

    def cumulative(self, hours: FloatArray) -> FloatArray:
        """H at engine hours ``hours`` [expected failures since new]."""
        if np.isnan(self.shape):
            return self.factor * hours
        return np.asarray(self.factor * (hours / self.scale) ** self.shape)


@dataclass(frozen=True)
class Series:
    """One model × group × region over the months of the window, with its CUSUM."""

    key: SeriesKey
    region_id: int
    climate: str
    reference: Reference
    claims: FloatArray
    expected: FloatArray
    statistic: FloatArray
    alarms: np.ndarray
    flagged: bool
    first_alarm: int  # month index, −1 without one


def monitor(
    history: FleetHistory,
    edges: FloatArray,
    reference: Callable[[str, str, str], Reference | None],
    params: CusumParams,
    *,
    keep: Callable[[int], bool] = lambda _region_id: True,
) -> list[Series]:
    """Every series with a claim in the months between ``edges`` (days since 1970, M + 1
    ascending month starts) whose region ``keep`` accepts and that has a ``reference``
    (model, group, climate → Reference), in order of its key."""
    months = edges.size - 1
    counts: dict[SeriesKey, FloatArray] = defaultdict(lambda: np.zeros(months))
    inside = (history.failure_day >= edges[0]) & (history.failure_day < edges[-1])
    month_of = np.searchsorted(edges, history.failure_day, side="right") - 1
    climate_of: dict[str, str] = {}
    region_id_of: dict[str, int] = {}
    for row in np.flatnonzero(inside).tolist():
        unit = int(history.failure_unit[row])
        if not keep(int(history.region_ids[unit])):
            continue
        key = (history.models[unit], history.failure_group[row], history.regions[unit])
        counts[key][month_of[row]] += 1
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for unit, (model, region) in enumerate(zip(history.models, history.regions, strict=True)):
        members[(model, region)].append(unit)
        climate_of[region] = history.climates[unit]
        region_id_of[region] = int(history.region_ids[unit])
    hours: dict[tuple[str, str], FloatArray] = {}  # units × month edges
    out: list[Series] = []
    for key in sorted(counts):
        model, group, region = key
        ref = reference(model, group, climate_of[region])
        if ref is None:
            continue
        if (model, region) not in hours:
            hours[(model, region)] = np.array(
                [history.hours_at(unit, edges) for unit in members[(model, region)]]
            )
        cumulative = ref.cumulative(hours[(model, region)])
        expected = np.diff(cumulative, axis=1).sum(axis=0)
        result = cusum(counts[key], expected, params)
        out.append(
            Series(
                key=key,
                region_id=region_id_of[region],
                climate=climate_of[region],
                reference=ref,
                claims=counts[key],
                expected=expected,
                statistic=result.statistic,
                alarms=result.alarms,
                flagged=bool(result.flagged),
                first_alarm=int(result.first_alarm),
            )
        )
    return out


def month_edges(last_month: int, months: int) -> tuple[FloatArray, list[str]]:
    """The starts of ``months`` months ending with month index ``last_month`` (year × 12 +
    month − 1) and the start of the next, in days since 1970; and the months' labels."""
    firsts = range(last_month - months + 1, last_month + 2)
    starts = [datetime(m // 12, m % 12 + 1, 1) for m in firsts]
    labels = [f"{s:%Y-%m}" for s in starts[:-1]]
    return np.array([day_number(s) for s in starts]), labels
