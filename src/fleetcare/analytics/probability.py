"""The Weibull probability plot of a cohort: failures at Johnson's adjusted median ranks,
units still running drawn apart as censored, and the fitted line.

On Weibull paper, y = ln(−ln(1 − F)) against ln t, a Weibull is the straight line
y = β (ln t − ln η). The plotting position of each failure, with right-censored units among
them, is Johnson's adjusted rank (L. G. Johnson, The Statistical Treatment of Fatigue
Experiments, Elsevier 1964; Abernethy, The New Weibull Handbook, 5th ed. 2006, §2.11): units
sorted by age (a failure before a censored unit of the same age), for the i-th failure

    adjusted rank  jᵢ = jᵢ₋₁ + (n + 1 − jᵢ₋₁) / (1 + units at or beyond it),   j₀ = 0,

and its median rank by Benard's approximation F = (j − 0.3) / (n + 0.4). A censored unit has
no rank; it is drawn as an open triangle at its age on the plot's floor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from fleetcare.analytics.weibull import FloatArray
from fleetcare.core.i18n import _, format_fixed, format_number, format_significant

MAX_CENSORED_POINTS = 500  # censored units drawn at most (evenly by age) — the page's weight
TICKS = (0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 0.632, 0.9, 0.99)


def adjusted_ranks(ages: FloatArray, failed: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """The failures' ages (ascending) and their median ranks F (Johnson, Benard)."""
    order = np.lexsort((~failed, ages))  # by age, a failure first at a tie
    t, d = ages[order], failed[order]
    n = t.size
    beyond = n - np.arange(n)  # units at or beyond each position
    ranks = []
    previous = 0.0
    for at_or_beyond in beyond[d]:
        previous += (n + 1 - previous) / (1 + at_or_beyond)
        ranks.append(previous)
    return t[d], (np.array(ranks) - 0.3) / (n + 0.4)


def weibull_y(probability: FloatArray) -> FloatArray:
    """ln(−ln(1 − F)), the ordinate of Weibull paper."""
    return np.asarray(np.log(-np.log1p(-np.asarray(probability, dtype=np.float64))))


def probability_figure(
    ages: FloatArray,
    failed: NDArray[np.bool_],
    line: tuple[float, float] | None,
    *,
    title: str,
) -> dict[str, Any]:
    """A Plotly figure (a plain dict): failures, censored units, the fitted line (β, η)."""
    t, f = adjusted_ranks(ages, failed)
    y = weibull_y(f)
    running = np.sort(ages[~failed & (ages > 0)])
    if running.size > MAX_CENSORED_POINTS:
        running = running[np.linspace(0, running.size - 1, MAX_CENSORED_POINTS).astype(int)]
    floor = float(min(y.min() if y.size else -7.0, weibull_y(np.array([TICKS[0]]))[0]))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("failed (Johnson's adjusted median rank)"),
            "x": t.tolist(),
            "y": y.tolist(),
            "marker": {"symbol": "circle", "size": 8},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("still running (censored)"),
            "x": running.tolist(),
            "y": [floor] * running.size,
            "marker": {"symbol": "triangle-up-open", "size": 7},
        },
    ]
    if line is not None:
        shape, scale = line
        positive = ages[ages > 0]
        span = np.geomspace(positive.min(), positive.max(), 50) if positive.size else np.ones(1)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("fit: β = {shape}, η = {scale} h").format(
                    shape=format_significant(shape, 3), scale=format_fixed(scale)
                ),
                "x": span.tolist(),
                "y": (shape * (np.log(span) - np.log(scale))).tolist(),
            }
        )
    ticks = np.array(TICKS)
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "xaxis": {"type": "log", "title": {"text": _("engine hours")}},
            "yaxis": {
                "title": {"text": _("failed, % (Weibull scale)")},
                "tickvals": weibull_y(ticks).tolist(),
                "ticktext": [format_number(float(f"{p:.3g}")) + "%" for p in ticks * 100],
            },
            "margin": {"t": 40, "r": 20, "b": 110},
            "height": 460,
            # below the x axis's title, not over it
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
        },
    }
