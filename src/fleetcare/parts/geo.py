"""Which depot is nearest: great-circle distance on a spherical Earth (pure maths).

Distance = ``2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))`` (the haversine formula)
on a sphere of radius R = 6371.0088 km, the IUGG mean Earth radius (Moritz 2000, "Geodetic
Reference System 1980"). Over the distances between a site and its region's depots the
sphere is within 0.5 % of the ellipsoid — enough to tell which depot is nearest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1


def great_circle_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle km between points given in degrees (broadcast like NumPy)."""
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, float)) - np.radians(np.asarray(lon1, float))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    km: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return km


def nearest(latitude: float, longitude: float, points: Sequence[tuple[float, float]]) -> int | None:
    """Index of the point (latitude, longitude in degrees) nearest to the given one; the
    first of equally near points (callers list them in a fixed order); None without points."""
    if not points:
        return None
    lat, lon = np.array(points, dtype=np.float64).T
    return int(np.argmin(great_circle_km(latitude, longitude, lat, lon)))
