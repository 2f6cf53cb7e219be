"""Dashboard arithmetic and figures: pure, no database.

Shares are ``part / whole`` rounded to 4 decimals, None when ``whole`` is 0 (no data is not
100 %). The map is a plain Plotly ``scatter`` of longitude against latitude over the country
borders fleetcare ships (``borders``), a degree of latitude drawn 1/cos φ times a degree of
longitude (``aspect``): nothing is fetched, no tiles, no ``scattergeo``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fleetcare.cooperation.borders import AREA, Box, borders_near, bounds
from fleetcare.core.charts import bar_chart, line_chart
from fleetcare.core.i18n import _
from fleetcare.core.labels import label


def share(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` to 4 decimals; None when ``whole`` is 0."""
    return None if whole == 0 else round(part / whole, 4)


def view_box(points: Sequence[tuple[float, float]]) -> Box:
    """The map's window: the points' box widened by a quarter of its size on each side (at
    least 3°, so the nearest coast or border shows), or the whole shipped area when there are
    no points."""
    if not points:
        return AREA
    west, south, east, north = bounds(points)
    dx = max((east - west) * 0.25, 3.0)
    dy = max((north - south) * 0.25, 3.0)
    return west - dx, max(south - dy, -90.0), east + dx, min(north + dy, 90.0)


def aspect(box: Box) -> float:
    """Screen length of a degree of latitude over one of longitude: 1 / cos φ at the window's
    middle latitude φ (capped at 80°), the equidistant cylindrical projection with its
    standard parallel there — true scale along φ, shapes nearly true across a region."""
    middle = min(abs((box[1] + box[3]) / 2), 80.0)
    return round(1 / math.cos(math.radians(middle)), 4)


def _border_trace(box: Box) -> dict[str, Any]:
    """The shipped border lines near ``box`` as one line trace (``None`` between lines).

    Lines are taken from well around the window (Plotly widens the longitude range to keep
    the aspect on a wide chart), whole: the axes cut them."""
    west, south, east, north = box
    dx, dy = east - west, north - south
    reach = (west - 2 * dx - 10, south - dy - 5, east + 2 * dx + 10, north + dy + 5)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in borders_near(reach):
        xs += [p[0] for p in line] + [None]
        ys += [p[1] for p in line] + [None]
    return {
        "type": "scatter",
        "mode": "lines",
        "name": _("borders"),
        "x": xs,
        "y": ys,
        "hoverinfo": "skip",
        "showlegend": False,
        "line": {"color": "#b3b3b3", "width": 1},
    }


def map_figure(
    sites: Sequence[Mapping[str, Any]], depots: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Sites and depots over the shipped country borders, on longitude/latitude axes.

    A site's colour runs from blue (no machine down) to red (the most machines down of the
    map's sites); its size grows with its open work orders (9 + 5·√n px); hovering names its
    units, machines down and open work orders. Depots are purple squares.
    """
    box = view_box(
        [(s["longitude"], s["latitude"]) for s in sites]
        + [(d["longitude"], d["latitude"]) for d in depots]
    )
    site_text = [
        _("{name}: {units} units, {down} down, {orders} open work orders").format(
            name=s["name"], units=s["units"], down=s["down"], orders=s["open_work_orders"]
        )
        for s in sites
    ]
    most_down = max([int(s["down"]) for s in sites] + [1])
    data = [
        _border_trace(box),
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("sites"),
            "x": [s["longitude"] for s in sites],
            "y": [s["latitude"] for s in sites],
            "text": site_text,
            "hoverinfo": "text",
            "marker": {
                "size": [round(9 + 5 * math.sqrt(int(s["open_work_orders"])), 1) for s in sites],
                "color": [int(s["down"]) for s in sites],
                "cmin": 0,
                "cmax": most_down,
                "colorscale": [[0, "#2e86c1"], [1, "#c0392b"]],
                "colorbar": {"title": {"text": _("machines down")}, "thickness": 12},
                "line": {"color": "#ffffff", "width": 1},
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
            "marker": {"symbol": "square", "size": 11, "color": "#7d3c98"},
        },
    ]
    layout = {
        "title": {"text": _("Sites and depots")},
        "xaxis": {
            "title": {"text": _("longitude °E")},
            "range": [box[0], box[2]],
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": _("latitude °N")},
            "range": [box[1], box[3]],
            "scaleanchor": "x",
            "scaleratio": aspect(box),
            "zeroline": False,
        },
        "height": 460,
        "margin": {"t": 40, "r": 20},
        "legend": {"orientation": "h"},
        "plot_bgcolor": "#f4f8fb",
    }
    return {"data": data, "layout": layout}


def trade_figure(series: Sequence[Mapping[str, Any]], currency: str) -> dict[str, Any]:
    """Trade volume and target per year, in ``currency``."""
    years = [row["year"] for row in series]
    return line_chart(
        years,
        {
            _("volume"): [
                None if row["volume"] is None else float(row["volume"]) for row in series
            ],
            _("target"): [
                None if row["target"] is None else float(row["target"]) for row in series
            ],
        },
        y_title=currency,
        title=_("Trade against target"),
    )


def deals_figure(stages: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Machines per deal stage (the stages in the reader's words)."""
    return bar_chart(
        [label(stage) for stage in stages],
        [float(v["quantity"]) for v in stages.values()],
        y_title=_("machines"),
        title=_("Deals by stage"),
    )
