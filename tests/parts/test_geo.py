"""Great-circle distance and the nearest depot, against golden distances and a second formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.parts.geo import EARTH_RADIUS_KM, great_circle_km, nearest

latitudes = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(latitudes, longitudes)


def chord_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The same distance by another route: the chord between unit vectors, then its arc."""

    def vector(p: tuple[float, float]) -> np.ndarray:
        lat, lon = math.radians(p[0]), math.radians(p[1])
        return np.array(
            [math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)]
        )

    chord = float(np.linalg.norm(vector(a) - vector(b)))
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2))


def test_golden_distances() -> None:
    """A quarter meridian is πR/2; a degree of the equator is 2πR/360; Murmansk–Moscow is
    about 1,490 km (great circle, published city-to-city distance)."""
    assert great_circle_km(0, 0, 90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)
    assert great_circle_km(0, 10, 0, 11) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert great_circle_km(68.97, 33.09, 55.76, 37.62) == pytest.approx(1490, rel=0.01)


@given(points, points)
def test_agrees_with_the_chord_formula(a: tuple[float, float], b: tuple[float, float]) -> None:
    """Haversine and chord-of-unit-vectors give the same km (to a metre), symmetric."""
    km = float(great_circle_km(a[0], a[1], b[0], b[1]))
    assert km == pytest.approx(chord_km(a, b), abs=1e-3)
    assert km == pytest.approx(float(great_circle_km(b[0], b[1], a[0], a[1])), abs=1e-9)


@given(points, st.lists(points, min_size=1, max_size=8))
def test_nearest_is_the_closest(
    site: tuple[float, float], depots: list[tuple[float, float]]
) -> None:
    """No depot is closer than the one ``nearest`` picks, and among equals it is the first."""
    index = nearest(site[0], site[1], depots)
    assert index is not None
    distances = [chord_km(site, depot) for depot in depots]
    assert distances[index] <= min(distances) + 1e-3
    exact = [float(great_circle_km(site[0], site[1], d[0], d[1])) for d in depots]
    assert index == exact.index(min(exact))


def test_no_depot_no_answer() -> None:
    """Without any point there is no nearest one."""
    assert nearest(60.0, 30.0, []) is None
