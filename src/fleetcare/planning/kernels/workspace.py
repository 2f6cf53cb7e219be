"""The buffers of one location's hull over its levels, in one object sized up front.

``part_hull`` solves a location by trying its own levels one after another; each level writes
its children's hulls, their segments, the merged curve and the hull so far into the same
buffers. They live in one ``Workspace`` (a Numba structref: a mutable struct of arrays), made
for the location's number of levels and children, and each writer reserves the room it needs
just before it writes (a buffer that is too short doubles, keeping its contents).

Per level tried (entry = tried × children + c): a leaf child's hull in ``flat_pieces`` /
``flat_values`` [offset[entry], offset[entry + 1]), an internal child's allocations in the
caller's lists at kept[entry] (−1: a leaf); the internal children's hulls of the level in
``inner_pieces`` / ``inner_values`` from ``inner_first[c]``; every child's segments in
``seg_pieces`` / ``seg_gain`` from ``child_first[c]``; the merged curve in ``merged_pieces`` /
``merged_values``, and which child's segment it took at each step in ``taken_child``
[taken_at[tried], taken_at[tried + 1]); the merge's order in ``code``, ``counts``, ``slopes``,
``heap`` (see ``hull.merge``); the hull so far in ``hull_*`` and the next one in ``next_*``
(pieces, value, level tried, vertex of that level's curve); ``work`` holds one leaf's pmf and
EBO table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types
from numba.experimental import structref
from numpy.typing import NDArray

FIELDS = (
    "work",
    "flat_pieces",
    "flat_values",
    "offset",
    "kept",
    "inner_first",
    "inner_pieces",
    "inner_values",
    "child_first",
    "seg_pieces",
    "seg_gain",
    "code",
    "counts",
    "slopes",
    "heap",
    "merged_pieces",
    "merged_values",
    "taken_at",
    "taken_child",
    "hull_pieces",
    "hull_values",
    "hull_tried",
    "hull_vertex",
    "next_pieces",
    "next_values",
    "next_tried",
    "next_vertex",
)


@structref.register
class WorkspaceType(types.StructRef):
    """Numba's type of ``Workspace``."""

    def preprocess_fields(self, fields: Any) -> tuple[tuple[str, Any], ...]:
        """Array fields, as they are (no literal types)."""
        unliteral = types.unliteral
        return tuple((name, unliteral(kind)) for name, kind in fields)  # type: ignore[no-untyped-call]


class Workspace(structref.StructRefProxy):
    """The buffers of one location's hull (see the module's docstring); made in compiled
    code by ``new_workspace``."""

    work: NDArray[np.float64]
    flat_pieces: NDArray[np.int64]
    flat_values: NDArray[np.float64]
    offset: NDArray[np.int64]
    kept: NDArray[np.int64]
    inner_first: NDArray[np.int64]
    inner_pieces: NDArray[np.int64]
    inner_values: NDArray[np.float64]
    child_first: NDArray[np.int64]
    seg_pieces: NDArray[np.int64]
    seg_gain: NDArray[np.float64]
    code: NDArray[np.int64]
    counts: NDArray[np.int64]
    slopes: NDArray[np.float64]
    heap: NDArray[np.int64]
    merged_pieces: NDArray[np.int64]
    merged_values: NDArray[np.float64]
    taken_at: NDArray[np.int64]
    taken_child: NDArray[np.int64]
    hull_pieces: NDArray[np.int64]
    hull_values: NDArray[np.float64]
    hull_tried: NDArray[np.int64]
    hull_vertex: NDArray[np.int64]
    next_pieces: NDArray[np.int64]
    next_values: NDArray[np.float64]
    next_tried: NDArray[np.int64]
    next_vertex: NDArray[np.int64]


structref.define_proxy(Workspace, WorkspaceType, list(FIELDS))  # type: ignore[no-untyped-call]


@njit(cache=True, nogil=True)
def new_workspace(levels: int, n_children: int) -> Workspace:
    """A workspace for a location with this many levels to try and children: the tables
    indexed by level and child at their size, the others at a first guess that grows."""
    flat = 256 + 8 * n_children
    return Workspace(  # type: ignore[no-untyped-call]
        np.empty(1024),
        np.empty(flat, dtype=np.int64),
        np.empty(flat),
        np.zeros(levels * n_children + 1, dtype=np.int64),
        np.full(levels * n_children, -1, dtype=np.int64),
        np.zeros(n_children + 1, dtype=np.int64),
        np.empty(64, dtype=np.int64),
        np.empty(64),
        np.zeros(n_children + 1, dtype=np.int64),
        np.empty(flat, dtype=np.int64),
        np.empty(flat),
        np.empty(64, dtype=np.int64),
        np.zeros(n_children, dtype=np.int64),
        np.empty(64),
        np.empty(n_children, dtype=np.int64),
        np.empty(64, dtype=np.int64),
        np.empty(64),
        np.zeros(levels + 1, dtype=np.int64),
        np.empty(flat, dtype=np.int64),
        np.empty(64, dtype=np.int64),
        np.empty(64),
        np.empty(64, dtype=np.int64),
        np.empty(64, dtype=np.int64),
        np.empty(64, dtype=np.int64),
        np.empty(64),
        np.empty(64, dtype=np.int64),
        np.empty(64, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def grow_int(buffer: NDArray[np.int64], need: int) -> NDArray[np.int64]:
    """``buffer`` with room for at least ``need`` entries (doubling, contents kept)."""
    if need <= buffer.size:
        return buffer
    grown = np.empty(max(need, 2 * buffer.size), dtype=np.int64)
    grown[: buffer.size] = buffer
    return grown


@njit(cache=True, nogil=True)
def grow_float(buffer: NDArray[np.float64], need: int) -> NDArray[np.float64]:
    """``buffer`` with room for at least ``need`` entries (doubling, contents kept)."""
    if need <= buffer.size:
        return buffer
    grown = np.empty(max(need, 2 * buffer.size))
    grown[: buffer.size] = buffer
    return grown


@njit(cache=True, nogil=True, inline="always")
def reserve_flat(ws: Workspace, need: int) -> None:
    """Room for ``need`` entries of the leaf hulls."""
    if need > ws.flat_pieces.size:
        ws.flat_pieces = grow_int(ws.flat_pieces, need)
        ws.flat_values = grow_float(ws.flat_values, need)


@njit(cache=True, nogil=True, inline="always")
def reserve_segments(ws: Workspace, need: int) -> None:
    """Room for ``need`` segments of one level's children."""
    if need > ws.seg_pieces.size:
        ws.seg_pieces = grow_int(ws.seg_pieces, need)
        ws.seg_gain = grow_float(ws.seg_gain, need)


@njit(cache=True, nogil=True)
def reserve_inner(ws: Workspace, need: int) -> None:
    """Room for ``need`` vertices of one level's internal children's hulls."""
    if need > ws.inner_pieces.size:
        ws.inner_pieces = grow_int(ws.inner_pieces, need)
        ws.inner_values = grow_float(ws.inner_values, need)


@njit(cache=True, nogil=True)
def reserve_merge(ws: Workspace, segments: int, first_taken: int) -> None:
    """Room to merge this many segments, their children noted from ``first_taken`` on."""
    if segments + 1 > ws.merged_pieces.size:
        ws.merged_pieces = grow_int(ws.merged_pieces, segments + 1)
        ws.merged_values = grow_float(ws.merged_values, segments + 1)
    if first_taken + segments > ws.taken_child.size:
        ws.taken_child = grow_int(ws.taken_child, first_taken + segments)
    if segments > ws.code.size:
        ws.code = grow_int(ws.code, segments)
        ws.slopes = grow_float(ws.slopes, segments)


@njit(cache=True, nogil=True)
def reserve_hull(ws: Workspace, need: int) -> None:
    """Room for a next hull of ``need`` vertices."""
    if need > ws.next_pieces.size:
        ws.next_pieces = grow_int(ws.next_pieces, need)
        ws.next_values = grow_float(ws.next_values, need)
        ws.next_tried = grow_int(ws.next_tried, need)
        ws.next_vertex = grow_int(ws.next_vertex, need)
