"""Plotly figure specs as plain dicts, drawn in the browser by the plotly.js the package ships."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import get_day_names, get_month_names

from fleetcare.core.i18n import N_, get_locale, gettext

# The words plotly.js shows of its own (the mode bar's buttons, hover labels), translated by
# the catalogue and handed to ``Plotly.register`` as a locale (``chart_locale``).
PLOTLY_WORDS = (  # as plotly.js 4 writes them
    N_("Autoscale"),
    N_("Box Select"),
    N_("Compare data on hover"),
    N_("Double-click on legend to isolate one trace"),
    N_("Double-click to zoom back out"),
    N_("Download plot"),
    N_("Download plot as a PNG"),
    N_("Image download succeeded"),
    N_("Lasso Select"),
    N_("Pan"),
    N_("Preparing image - this may take a few seconds"),
    N_("Reset"),
    N_("Reset axes"),
    N_("Reset view"),
    N_("Show closest data on hover"),
    N_("Sorry, there was a problem downloading your image!"),
    N_("Toggle Spike Lines"),
    N_("Toggle show closest data on hover"),
    N_("Zoom"),
    N_("Zoom in"),
    N_("Zoom out"),
)


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


def chart_locale() -> dict[str, Any] | None:
    """plotly.js's own words and calendar in the reader's language, as ``Plotly.register``
    takes a locale module; None for English (plotly.js's own)."""
    locale = get_locale()
    if locale == "en":
        return None
    days = get_day_names("wide", locale=locale)
    short_days = get_day_names("abbreviated", locale=locale)
    months = get_month_names("wide", context="stand-alone", locale=locale)
    short_months = get_month_names("abbreviated", context="stand-alone", locale=locale)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel numbers Monday 0, plotly.js starts on Sunday
    return {
        "moduleType": "locale",
        "name": locale,
        "dictionary": {words: gettext(words) for words in PLOTLY_WORDS},
        "format": {
            "days": [days[d] for d in sunday_first],
            "shortDays": [short_days[d] for d in sunday_first],
            "months": [months[m] for m in range(1, 13)],
            "shortMonths": [short_months[m] for m in range(1, 13)],
        },
    }
