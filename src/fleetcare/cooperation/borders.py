"""Country borders for the dashboard's map, shipped with fleetcare: pure, no database, nothing
fetched at run time.

``data/borders-110m.json`` holds the border lines of Natural Earth's 1:110 m countries as
pre-built in TopoJSON by the npm package ``world-atlas`` 2.0.2 (``countries-110m.json``; ISC
licence, Mike Bostock; Natural Earth is in the public domain), decoded to longitude/latitude
in degrees, rounded to 0.01°, and clipped to the area the partner regions lie in
(``AREA``: 10° W – 180° E, 35° N – 83° N). Each TopoJSON arc — a shared border or a coast — is
one line, drawn once. Rebuild it with::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m fleetcare.cooperation.borders package/countries-110m.json \\
        src/fleetcare/cooperation/data/borders-110m.json

TopoJSON arcs are quantised and delta-encoded: point k of an arc is
``(x_k, y_k) = Σ_{j≤k} (dx_j, dy_j)``, and ``lon = x·scale_x + translate_x``,
``lat = y·scale_y + translate_y`` (TopoJSON specification 1.0, "2.1.3 Transforms").
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

Point = tuple[float, float]  # (longitude °E, latitude °N)
Line = list[Point]
Box = tuple[float, float, float, float]  # west, south, east, north (degrees)
AREA: Box = (-10.0, 35.0, 180.0, 83.0)
DATA = Path(__file__).resolve().parent / "data" / "borders-110m.json"
SOURCE = (
    "Natural Earth 1:110m countries (public domain) via world-atlas 2.0.2 "
    "countries-110m.json (ISC licence, Mike Bostock)"
)


def decode_arcs(topology: Mapping[str, Any]) -> list[Line]:
    """Every arc of a TopoJSON ``topology`` as a line of (lon, lat) points; quantised arcs
    are undone with its ``transform``, plain ones are taken as they are."""
    transform = topology.get("transform")
    lines: list[Line] = []
    for arc in topology["arcs"]:
        if transform is None:
            lines.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        line = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            line.append((x * sx + tx, y * sy + ty))
        lines.append(line)
    return lines


def inside(point: Point, box: Box) -> bool:
    """Whether ``point`` lies in ``box`` (edges included)."""
    west, south, east, north = box
    return west <= point[0] <= east and south <= point[1] <= north


def split_at_antimeridian(lines: Sequence[Line]) -> list[Line]:
    """``lines`` cut where a step jumps more than 180° of longitude: the line crosses the
    antimeridian there (180° E to 180° W), which a lon/lat chart must not draw across."""
    pieces: list[Line] = []
    for line in lines:
        piece: Line = []
        for point in line:
            if piece and abs(point[0] - piece[-1][0]) > 180:
                pieces.append(piece)
                piece = []
            piece.append(point)
        pieces.append(piece)
    return [piece for piece in pieces if len(piece) > 1]


def clip(lines: Sequence[Line], box: Box) -> list[Line]:
    """The parts of ``lines`` near ``box``: each run of points inside it, with the first
    point outside on either side kept so that the line reaches the edge; a line crossing the
    antimeridian is cut there first."""
    kept: list[Line] = []
    for line in split_at_antimeridian(lines):
        run: Line = []
        for index, point in enumerate(line):
            if inside(point, box):
                if not run and index > 0:
                    run.append(line[index - 1])
                run.append(point)
            elif run:
                run.append(point)
                kept.append(run)
                run = []
        if len(run) > 1:
            kept.append(run)
    return [run for run in kept if len(run) > 1]


def bounds(line: Sequence[Point]) -> Box:
    """The smallest box holding ``line``."""
    lons, lats = [p[0] for p in line], [p[1] for p in line]
    return min(lons), min(lats), max(lons), max(lats)


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any point."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@cache
def shipped() -> tuple[tuple[Box, tuple[Point, ...]], ...]:
    """The shipped border lines, each with its bounding box (read once)."""
    document = json.loads(DATA.read_text(encoding="utf-8"))
    lines = []
    for flat in document["lines"]:
        line = tuple((float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2))
        lines.append((bounds(line), line))
    return tuple(lines)


def borders_near(box: Box) -> list[Sequence[Point]]:
    """The shipped lines that reach into ``box`` (whole: the chart's axes cut them)."""
    return [line for line_box, line in shipped() if overlaps(line_box, box)]


def build(source: Path, out: Path, box: Box = AREA) -> int:
    """Write the border file from a TopoJSON ``source``; returns the number of points kept."""
    lines = clip(decode_arcs(json.loads(source.read_text(encoding="utf-8"))), box)
    flat = [[round(v, 2) for point in line for v in point] for line in lines]
    document = {"source": SOURCE, "area": list(box), "lines": flat}
    out.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    return sum(len(line) for line in lines)


if __name__ == "__main__":  # pragma: no cover - the maintainers' rebuild, documented above
    kept = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {kept} points", file=sys.stderr)
