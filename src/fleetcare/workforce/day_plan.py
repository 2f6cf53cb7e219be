"""A day's plan for people: rows per stop, the routes on a plot of coordinates and a timeline
per technician, from a ``fleetcare-dispatch/1`` problem and the solver's answer (both plain
documents, ``docs/workforce.md``). Pure: no database, no web.

Travel of a leg is the solver's road model (``routing.travel``): haversine km × road factor
/ speed × 60 minutes. The figures are Plotly specs (``core.charts``' way): the routes a plain
``scatter`` of longitude against latitude with one degree of latitude drawn 1 / cos(φ̄) times
as tall as one of longitude (φ̄ the mean latitude), so that kilometres look the same both
ways — no map tiles, nothing fetched; the timeline horizontal bars on a time axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from fleetcare.core.i18n import _
from fleetcare.workforce.routing.travel import haversine_km

Point = tuple[float, float]  # latitude, longitude [degrees]
KINDS = ("travel", "work", "booked")


def travel_minutes(a: Point, b: Point, road_factor: float, speed_kmh: float) -> float:
    """Minutes from ``a`` to ``b``: haversine km × ``road_factor`` / ``speed_kmh`` × 60."""
    lat1, lon1, lat2, lon2 = (np.array([x], dtype=np.float64) for x in (*a, *b))
    return float(haversine_km(lat1, lon1, lat2, lon2)[0]) * road_factor / speed_kmh * 60.0


@dataclass(frozen=True)
class Row:
    """One stop of a route: its crew (codes, comma-separated), job, family, the plan's times
    ("HH:MM") and the travel of the leg into it [minutes]."""

    crew: str
    job: str
    family: str
    arrive: str
    start: str
    end: str
    travel: float


@dataclass(frozen=True)
class Bar:
    """One interval on a technician's timeline: ``kind`` travel, work or booked."""

    technician: str
    kind: str
    label: str
    start: datetime
    end: datetime


def _index(problem: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    technicians = {t["id"]: t for t in problem["technicians"]}
    jobs = {j["id"]: j for j in problem["jobs"]}
    return technicians, jobs


def _leg(problem: dict[str, Any], a: Sequence[float], b: Sequence[float]) -> float:
    return travel_minutes((a[0], a[1]), (b[0], b[1]), problem["road_factor"], problem["speed_kmh"])


def plan_rows(problem: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    """Every stop of every route, in the plan's order."""
    technicians, jobs = _index(problem)
    rows = []
    for route in plan["routes"]:
        where = technicians[route["crew"][0]]["home"]
        for stop in route["stops"]:
            job = jobs[stop["job"]]
            rows.append(
                Row(
                    crew=", ".join(route["crew"]),
                    job=stop["job"],
                    family=job["family"],
                    arrive=stop["arrive"],
                    start=stop["start"],
                    end=stop["end"],
                    travel=round(_leg(problem, where, job["at"]), 1),
                )
            )
            where = job["at"]
    return rows


def _moment(day: date, text: str) -> datetime:
    hours, minutes = (int(part) for part in text.split(":"))
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hours, minutes=minutes)


def plan_bars(problem: dict[str, Any], plan: dict[str, Any]) -> list[Bar]:
    """Each crew member's travel (into every stop, and home after the last) and work."""
    technicians, jobs = _index(problem)
    day = date.fromisoformat(problem["date"])
    bars = []
    for route in plan["routes"]:
        home = technicians[route["crew"][0]]["home"]
        where, end = home, None
        for stop in route["stops"]:
            job = jobs[stop["job"]]
            arrive = _moment(day, stop["arrive"])
            leave = arrive - timedelta(minutes=_leg(problem, where, job["at"]))
            work = (_moment(day, stop["start"]), _moment(day, stop["end"]))
            for member in route["crew"]:
                bars.append(Bar(member, "travel", stop["job"], leave, arrive))
                bars.append(Bar(member, "work", stop["job"], *work))
            where, end = job["at"], work[1]
        if end is not None:
            back = end + timedelta(minutes=_leg(problem, where, home))
            for member in route["crew"]:
                bars.append(Bar(member, "travel", _("home"), end, back))
    return bars


def routes_figure(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The technicians' homes, one line per crew route (home → stops → home), the served jobs
    and the jobs left out, on longitude × latitude at equal kilometres."""
    technicians, jobs = _index(problem)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": _("homes"),
            "x": [t["home"][1] for t in technicians.values()],
            "y": [t["home"][0] for t in technicians.values()],
            "text": list(technicians),
            "textposition": "top center",
            "marker": {"symbol": "square", "size": 10},
        }
    ]
    for route in plan["routes"]:
        home = technicians[route["crew"][0]]["home"]
        points = [home, *(jobs[s["job"]]["at"] for s in route["stops"]), home]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": " + ".join(route["crew"]),
                "x": [p[1] for p in points],
                "y": [p[0] for p in points],
                "text": ["", *(s["job"] + " " + s["start"] for s in route["stops"]), ""],
                "hoverinfo": "text+name",
            }
        )
    left = [jobs[u["job"]] for u in plan["unassigned"] if u["job"] in jobs]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("left out"),
            "x": [j["at"][1] for j in left],
            "y": [j["at"][0] for j in left],
            "text": [u["job"] + ": " + u["reason"] for u in plan["unassigned"] if u["job"] in jobs],
            "hoverinfo": "text",
            "marker": {"symbol": "x", "size": 11, "color": "#c0392b"},
        }
    )
    latitudes = [
        p[0]
        for p in [*(t["home"] for t in technicians.values()), *(j["at"] for j in jobs.values())]
    ] or [0.0]
    mean = sum(latitudes) / len(latitudes)
    ratio = 1.0 / max(math.cos(math.radians(mean)), 0.05)
    layout = {
        "xaxis": {"title": {"text": _("longitude, °")}},
        "yaxis": {"title": {"text": _("latitude, °")}, "scaleanchor": "x", "scaleratio": ratio},
        "margin": {"t": 20, "r": 20},
        "height": 520,
        "legend": {"orientation": "h"},
        "hovermode": "closest",
    }
    return {"data": data, "layout": layout}


def timeline_figure(bars: Iterable[Bar]) -> dict[str, Any]:
    """A horizontal bar per interval, one row per technician, one trace per kind (travel,
    work, booked); the bars' lengths in milliseconds on a date axis (Plotly's Gantt)."""
    names = {"travel": _("travel"), "work": _("work"), "booked": _("already booked")}
    colours = {"travel": "#95a5a6", "work": "#2e86c1", "booked": "#8e44ad"}
    ordered = sorted(bars, key=lambda b: (b.technician, b.start))
    data = []
    for kind in KINDS:
        mine = [b for b in ordered if b.kind == kind]
        if not mine:
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": names[kind],
                "y": [b.technician for b in mine],
                "base": [b.start.isoformat(sep=" ") for b in mine],
                "x": [(b.end - b.start).total_seconds() * 1000.0 for b in mine],
                "text": [b.label for b in mine],
                "hovertext": [f"{b.label} {b.start:%H:%M}–{b.end:%H:%M}" for b in mine],
                "hoverinfo": "text+name",
                "marker": {"color": colours[kind]},
            }
        )
    rows = sorted({b.technician for b in ordered})
    layout = {
        "barmode": "overlay",
        "xaxis": {"type": "date", "title": {"text": _("time (UTC)")}},
        "yaxis": {"type": "category", "categoryorder": "category descending"},
        "margin": {"t": 20, "r": 20},
        "height": 120 + 36 * max(len(rows), 1),
        "legend": {"orientation": "h"},
    }
    return {"data": data, "layout": layout}
