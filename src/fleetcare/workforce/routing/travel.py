"""Travel between homes and jobs: great-circle distance stretched by a road factor.

Travel minutes between two points = haversine km × ``road_factor`` / ``speed_kmh`` × 60,
with the haversine formula on a sphere of radius 6371.0088 km (the IUGG mean Earth radius,
Moritz 2000, "Geodetic Reference System 1980"):
``d = 2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))``.
The solver works in integer seconds (rounded to the nearest second).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fleetcare.workforce.routing.problem import DAY_SECONDS, DispatchProblem

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1
MAX_TRAVEL_SECONDS = 2 * DAY_SECONDS  # longer legs are capped: no shift can hold them anyway


def haversine_km(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle km between points given in degrees (broadcast like NumPy)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result


def points(problem: DispatchProblem) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Latitudes and longitudes of every point: the technicians' homes, then the jobs."""
    lat = [t.lat for t in problem.technicians] + [j.lat for j in problem.jobs]
    lon = [t.lon for t in problem.technicians] + [j.lon for j in problem.jobs]
    return np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64)


def travel_seconds(problem: DispatchProblem) -> NDArray[np.int64]:
    """Travel seconds between every pair of points (homes first, then jobs), capped at
    ``MAX_TRAVEL_SECONDS``; point ``len(technicians) + j`` is job ``j``."""
    lat, lon = points(problem)
    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    seconds = km * problem.road_factor / problem.speed_kmh * 3600.0
    return np.minimum(np.rint(seconds), MAX_TRAVEL_SECONDS).astype(np.int64)
