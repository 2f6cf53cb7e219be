"""Plotly figure specs as plain dicts, drawn in the browser by the plotly.js the package ships."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def line_chart(
    x: Sequence[Any], series: Mapping[str, Sequence[float | None]], *, y_title: str, title: str = ""
) -> dict[str, Any]:
    """A time series chart: one line per named series over ``x``."""
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": list(x), "y": list(values)}
        for name, values in series.items()
    ]
    return {"data": data, "layout": _layout(title, y_title)}


def bar_chart(
    categories: Sequence[str], values: Sequence[float], *, y_title: str, title: str = ""
) -> dict[str, Any]:
    """One bar per category."""
    return {
        "data": [{"type": "bar", "x": list(categories), "y": list(values)}],
        "layout": _layout(title, y_title),
    }


def _layout(title: str, y_title: str) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "yaxis": {"title": {"text": y_title}},
        "margin": {"t": 40, "r": 20},
        "height": 360,
        "legend": {"orientation": "h"},
    }
