"""Dashboard arithmetic and figures: pure, no database.

Shares are ``part / whole`` rounded to 4 decimals, None when ``whole`` is 0 (no data is not
100 %). The map is a plain Plotly ``scatter`` of longitude against latitude with equal axis
scale (one degree of each the same length on screen: a plate carrée sketch, good enough at a
region's scale): nothing is fetched, no tiles, no ``scattergeo``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fleetcare.core.charts import bar_chart, line_chart
from fleetcare.core.i18n import _


def share(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` to 4 decimals; None when ``whole`` is 0."""
    return None if whole == 0 else round(part / whole, 4)


def map_figure(
    sites: Sequence[Mapping[str, Any]], depots: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Sites (marker size by units, red when machines are down) and depots on lon/lat axes."""
    site_text = [
        _("{name}: {units} units, {down} down, {orders} open work orders").format(
            name=s["name"], units=s["units"], down=s["down"], orders=s["open_work_orders"]
        )
        for s in sites
    ]
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("sites"),
            "x": [s["longitude"] for s in sites],
            "y": [s["latitude"] for s in sites],
            "text": site_text,
            "hoverinfo": "text",
            "marker": {
                "size": [8 + min(int(s["units"]), 200) ** 0.5 * 2 for s in sites],
                "color": ["#c0392b" if s["down"] else "#2e86c1" for s in sites],
            },
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("depots"),
            "x": [d["longitude"] for d in depots],
            "y": [d["latitude"] for d in depots],
            "text": [d["name"] for d in depots],
            "hoverinfo": "text",
            "marker": {"symbol": "square", "size": 12, "color": "#7d3c98"},
        },
    ]
    layout = {
        "title": {"text": _("Sites and depots")},
        "xaxis": {"title": {"text": _("longitude °E")}},
        "yaxis": {"title": {"text": _("latitude °N")}, "scaleanchor": "x", "scaleratio": 1},
        "height": 420,
        "margin": {"t": 40, "r": 20},
        "legend": {"orientation": "h"},
    }
    return {"data": data, "layout": layout}


def trade_figure(series: Sequence[Mapping[str, Any]], currency: str) -> dict[str, Any]:
    """Trade volume and target per year, in ``currency``."""
    years = [row["year"] for row in series]
    return line_chart(
        years,
        {
            _("volume"): [float(row["volume"]) for row in series],
            _("target"): [
                None if row["target"] is None else float(row["target"]) for row in series
            ],
        },
        y_title=currency,
        title=_("Trade against target"),
    )


def deals_figure(stages: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Machines per deal stage."""
    return bar_chart(
        list(stages),
        [float(v["quantity"]) for v in stages.values()],
        y_title=_("machines"),
        title=_("Deals by stage"),
    )
