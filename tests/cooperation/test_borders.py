"""The map's shipped borders and figure: TopoJSON decoding, clipping, the shipped file, and the
map drawn from them (no geo trace, no tiles, nothing fetched)."""

from __future__ import annotations

import json
import math
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetcare.cooperation.borders import (
    AREA,
    DATA,
    borders_near,
    clip,
    decode_arcs,
    inside,
    shipped,
    split_at_antimeridian,
)
from fleetcare.cooperation.figures import aspect, map_figure, view_box

SITE = {"name": "North depot", "latitude": 68.9, "longitude": 33.1, "units": 3}


def test_decode_quantised_arcs() -> None:
    """Point k is the sum of the first k deltas, scaled and translated (TopoJSON 1.0, 2.1.3):
    x = 2·0.5 − 10 = −9, then (2+3)·0.5 − 10 = −7.5; y = 4·0.25 + 40 = 41, then 40.75."""
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [-10, 40]},
        "arcs": [[[2, 4], [3, -1]], [[0, 0], [1, 1]]],
    }
    assert decode_arcs(topology) == [[(-9.0, 41.0), (-7.5, 40.75)], [(-10.0, 40.0), (-9.5, 40.25)]]
    assert decode_arcs({"arcs": [[[1, 2], [3, 4]]]}) == [[(1.0, 2.0), (3.0, 4.0)]]


points = st.tuples(st.floats(-20, 20, allow_nan=False), st.floats(-20, 20, allow_nan=False))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(points, min_size=2, max_size=12), max_size=6))
def test_clip_keeps_what_reaches_the_box(lines: list[list[tuple[float, float]]]) -> None:
    """Every clipped run is a piece of one input line, has at least 2 points and one inside
    the box; every input point inside the box is kept."""
    box = (-5.0, -5.0, 5.0, 5.0)
    runs = clip(lines, box)
    for run in runs:
        assert len(run) >= 2 and any(inside(p, box) for p in run)
        assert any(line[i : i + len(run)] == run for line in lines for i in range(len(line)))
    kept = [p for run in runs for p in run]
    for line in lines:
        for point in line:
            if inside(point, box):
                assert point in kept


def test_antimeridian_is_not_drawn_across() -> None:
    """A line stepping from 179.9° E to 179.9° W is cut in two there (Chukotka's coast in
    the 110 m data), never drawn as a line across the whole map."""
    line = [(179.0, 69.0), (179.9, 69.2), (-179.9, 69.2), (-179.0, 69.0)]
    assert split_at_antimeridian([line]) == [line[:2], line[2:]]
    assert clip([line], (170.0, 60.0, 180.0, 70.0)) == [line[:2]]
    for _box, shipped_line in shipped():
        steps = pairwise(shipped_line)
        assert all(abs(b[0] - a[0]) <= 180 for a, b in steps)


def test_shipped_borders_are_small_and_within_the_area() -> None:
    """The shipped file names its source and licence, stays small, and every line reaches into
    the area it was clipped to; Kaliningrad, Murmansk and Yakutia each have borders near."""
    document = json.loads(DATA.read_text(encoding="utf-8"))
    assert "world-atlas" in document["source"] and "ISC" in document["source"]
    assert DATA.stat().st_size < 64 * 1024
    assert all(any(inside(p, AREA) for p in line) for _box, line in shipped())
    for region in ((19.5, 54.0, 23.0, 56.0), (30.0, 66.0, 36.0, 70.0), (110.0, 60.0, 131.0, 67.0)):
        assert borders_near(region)


def test_map_draws_borders_sites_and_depots() -> None:
    """Borders come first as one line trace without hover; a site's colour is its machines
    down and its size grows with open work orders; the axes keep 1/cos φ."""
    sites = [
        {**SITE, "down": 2, "open_work_orders": 4},
        {
            **SITE,
            "name": "Camp",
            "longitude": 32.4,
            "latitude": 67.2,
            "down": 0,
            "open_work_orders": 0,
        },
    ]
    depots = [{"code": "D", "name": "Depot", "latitude": 68.95, "longitude": 33.0}]
    figure = map_figure(sites, depots)
    text = json.dumps(figure)
    assert "scattergeo" not in text and "mapbox" not in text and "http" not in text
    borders, markers, depot = figure["data"]
    assert borders["mode"] == "lines" and borders["hoverinfo"] == "skip"
    assert None in borders["x"] and len(borders["x"]) > 10
    assert markers["marker"]["color"] == [2, 0] and markers["marker"]["cmax"] == 2
    assert markers["marker"]["size"] == [19.0, 9.0]
    assert "2 down, 4 open work orders" in markers["text"][0]
    assert depot["marker"]["symbol"] == "square"
    box = view_box([(33.1, 68.9), (32.4, 67.2), (33.0, 68.95)])
    assert figure["layout"]["xaxis"]["range"] == [box[0], box[2]]
    middle = (box[1] + box[3]) / 2
    assert figure["layout"]["yaxis"]["scaleratio"] == round(1 / math.cos(math.radians(middle)), 4)
    assert aspect((0.0, -10.0, 10.0, 10.0)) == 1.0


def test_empty_map_shows_the_area() -> None:
    """With no site or depot the window is the whole shipped area."""
    figure = map_figure([], [])
    assert figure["layout"]["xaxis"]["range"] == [AREA[0], AREA[2]]
    assert figure["data"][1]["x"] == []
