"""Intermittent-demand forecasts of the issue history, and their blend with the installed-base rate.

Each part-depot's monthly demand (pieces issued, cannibalised or bought grey) is classed by
Syntetos & Boylan (2005, *Int. J. Forecasting* 21: 303–314): ADI, the mean number of months
between demands, and CV², the squared coefficient of variation of the non-zero demand sizes,
with the cut-offs ADI 1.32 and CV² 0.49:

    smooth (ADI < 1.32, CV² < 0.49)        → Croston
    erratic (ADI < 1.32, CV² ≥ 0.49)       → SBA (Syntetos–Boylan approximation)
    intermittent (ADI ≥ 1.32, CV² < 0.49)  → SBA
    lumpy (ADI ≥ 1.32, CV² ≥ 0.49)         → SBA
    no demand in the last 12 months        → TSB (Teunter–Syntetos–Babai), which lets the
                                             demand probability decay for parts going obsolete

The forecasts come from statsforecast's compiled models (imported lazily: its import costs
seconds). The blend with the installed-base rate λ_IB is a credibility weight (Bühlmann):

    λ = w · λ_history + (1 − w) · λ_IB,   w = n / (n + CREDIBILITY_MONTHS)

with n the months of history: a year of history weighs as much as the installed-base model,
two years twice as much, and a depot opened last month barely moves the engineering rate.

The part's variance-to-mean ratio comes from the same history (``dispersion``): the monthly
counts' variance over their mean, pooled over the part's depots, Σ s²_j / Σ m_j — for
compound Poisson demand that ratio is the same over any interval, so a month's is the
pipeline's — shrunk towards 1 (Poisson) with the same credibility weight and capped at
``MAX_VMR``. A ratio the index-of-dispersion test does not tell from Poisson at the 5 % level
(Σ_j (n_j − 1) s²_j / m_j against χ² with Σ_j (n_j − 1) degrees of freedom) counts as 1:
two years of Poisson months have a sample ratio up to ~1.5 by chance.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
CREDIBILITY_MONTHS = 12.0
DAYS_PER_MONTH = 30.4
OBSOLESCENCE_MONTHS = 12  # this many trailing months without demand: forecast with TSB
TSB_ALPHAS = (0.1, 0.1)  # demand probability and size smoothing
MAX_VMR = 10.0  # a history more dispersed than this is more likely a trend than batches
MIN_VMR_MONTHS = 6  # fewer months of a depot's history: it does not count
DISPERSION_TEST_LEVEL = 0.05  # a VMR above 1 must be this unlikely under Poisson to count
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Forecast:
    """A part-location's demand class, the model used and its rate (pieces a day)."""

    demand_class: str  # smooth, erratic, intermittent, lumpy, obsolescent or none
    model: str
    rate_per_day: float


def dispersion(histories: list[NDArray[np.float64]]) -> float:
    """The part's demand variance-to-mean ratio from its depots' monthly counts (see the
    module): 1 without a usable history."""
    usable = [h for h in histories if h.size >= MIN_VMR_MONTHS and h.sum() > 0]
    if not usable:
        return 1.0
    from scipy.stats import chi2

    statistic = sum((h.size - 1) * float(h.var(ddof=1)) / float(h.mean()) for h in usable)
    if chi2.sf(statistic, sum(h.size - 1 for h in usable)) > DISPERSION_TEST_LEVEL:
        return 1.0
    raw = sum(float(h.var(ddof=1)) for h in usable) / sum(float(h.mean()) for h in usable)
    months = float(np.mean([h.size for h in usable]))
    weight = months / (months + CREDIBILITY_MONTHS)
    return float(min(MAX_VMR, max(1.0, 1.0 + weight * (raw - 1.0))))


def classify(monthly: NDArray[np.float64]) -> tuple[str, float, float]:
    """The Syntetos–Boylan class of a monthly demand series, with its ADI and CV²."""
    sizes = monthly[monthly > 0]
    if sizes.size == 0:
        return "none", float("inf"), 0.0
    adi = monthly.size / sizes.size
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if sizes.size > 1 else 0.0
    if adi < ADI_CUTOFF:
        return ("smooth" if cv2 < CV2_CUTOFF else "erratic"), adi, cv2
    return ("intermittent" if cv2 < CV2_CUTOFF else "lumpy"), adi, cv2


def forecast_series(monthly: NDArray[np.float64]) -> Forecast:
    """Next month's demand of one series (oldest month first), as a rate per day."""
    from statsforecast.models import TSB, CrostonClassic, CrostonSBA

    demand_class, _adi, _cv2 = classify(monthly)
    if demand_class == "none":
        return Forecast("none", "none", 0.0)
    model: Any
    if monthly.size >= OBSOLESCENCE_MONTHS and not monthly[-OBSOLESCENCE_MONTHS:].any():
        demand_class, model = "obsolescent", TSB(*TSB_ALPHAS)
    elif demand_class == "smooth":
        model = CrostonClassic()
    else:
        model = CrostonSBA()
    per_month = float(model.forecast(y=monthly.astype(np.float64), h=1)["mean"][0])
    return Forecast(demand_class, type(model).__name__, max(per_month, 0.0) / DAYS_PER_MONTH)


def credibility(months: int) -> float:
    """The history's weight w = n / (n + 12) after ``months`` months."""
    return months / (months + CREDIBILITY_MONTHS) if months > 0 else 0.0


def blend(
    installed_base: Mapping[K, float], history: Mapping[K, NDArray[np.float64]]
) -> dict[K, float]:
    """Rates per (part, depot), pieces a day: the installed-base rate blended with the history's
    forecast where there is history (its series' length is the months of history)."""
    rates = dict(installed_base)
    for key, monthly in history.items():
        forecast = forecast_series(monthly)
        weight = credibility(monthly.size)
        rates[key] = weight * forecast.rate_per_day + (1 - weight) * installed_base.get(key, 0.0)
    return rates
