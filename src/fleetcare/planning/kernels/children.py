"""One level of a location: its children's hulls given the backorders it passes down, their
segments merged by slope into the level's curve, and that curve added to the location's hull.

VARI-METRIC: a child with share f of the location's demand inherits mean f·EBO(s) and
variance f(1−f)·EBO(s) + f²·VBO(s) of the location's backorders at its level s (Sherbrooke,
Optimal Inventory Modeling of Systems, 2nd ed. 2004). A leaf child's curve is
N Z ln(1 − EBO/(N Z)) over its own levels, its hull computed here; an internal child's hull is
the caller's (``tree``). The sum of the children's concave curves is the merge of their
segments by falling slope (``hull.merge``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.kernels.backorders import leaf_curve, pipeline
from fleetcare.planning.kernels.hull import append_segments, dense_hull_into, hull_with, merge
from fleetcare.planning.kernels.workspace import (
    Workspace,
    reserve_flat,
    reserve_hull,
    reserve_inner,
    reserve_merge,
    reserve_segments,
)


class PartTree(NamedTuple):
    """One part over the resupply tree, locations in depth-first order.

    ``tree`` rows: first child, next sibling, subtree size (−1: none). Per location: the
    demand ``flow`` through it (pieces/day), its ``lead`` time (days) and the ``units`` on
    it (machines, leaves only). The part's variance-to-mean ratio ``vmr`` and pieces per
    machine ``z``; ``most`` pieces per location at most, ``thinning`` and ``tolerance`` of
    the levels tried (see ``part_hull``), ``negligible`` backorders where levels stop,
    ``handed_vmr`` how a parent's backorders are thinned (see ``backorders.pipeline``).
    """

    tree: NDArray[np.int64]
    flow: NDArray[np.float64]
    lead: NDArray[np.float64]
    units: NDArray[np.float64]
    vmr: float
    z: float
    most: int
    thinning: float
    tolerance: float
    negligible: float
    handed_vmr: float


@njit(cache=True, nogil=True, inline="always")
def leaf_curve_into(
    ws: Workspace, child: int, up_flow: float, up_ebo: float, up_vbo: float, part: PartTree
) -> int:
    """A leaf's values N Z ln(1 − EBO(s)/(N Z)) given its parent's backorders into
    ``ws.work`` (``leaf_curve``); returns how many. ``up_flow`` ≤ 0: the leaf is the root.
    The pmf's length is known only as it is computed: a ``work`` too short for it doubles."""
    if part.flow[child] <= 0.0:
        ws.work[0] = 0.0
        return 1
    root = up_flow <= 0.0
    share = 1.0 if root else part.flow[child] / up_flow
    own = part.flow[child] * part.lead[child]
    mean, variance = pipeline(own, part.vmr, share, up_ebo, up_vbo, root, part.handed_vmr)
    units = part.units[child]
    while True:
        n = leaf_curve(mean, variance, units, part.z, part.most, part.negligible, ws.work)
        if n >= 0:
            return n
        ws.work = np.empty(2 * ws.work.size)


@njit(cache=True, nogil=True)
def level_segments(
    j: int, tried: int, down_ebo: float, down_vbo: float, part: PartTree, ws: Workspace
) -> tuple[int, float]:
    """The segments of j's children's hulls at j's ``tried``-th level (−1: the bound, with
    nothing on backorder at j), child c's from ``ws.child_first[c]`` on, by falling slope;
    and the sum of their first values.

    A leaf child's hull is computed here, into the flat arrays from ``offset`` of its entry
    (tried × children + c; the bound's from 0, not kept); an internal child's was put in
    ``inner_pieces``/``inner_values`` [``inner_first[c]``, ``inner_first[c + 1]``) by the
    caller. Returns (segments, Σ first values)."""
    first_child, next_sibling = part.tree[0], part.tree[1]
    n_children = ws.child_first.size - 1
    bound = tried < 0
    used = 0
    start = 0.0
    scratch = 0  # where the bound's leaf hulls go
    c = 0
    child = first_child[j]
    while child >= 0:
        ws.child_first[c] = used
        entry = tried * n_children + c
        if first_child[child] < 0:  # a leaf: its curve, then its hull into the flat arrays
            at = scratch if bound else ws.offset[entry]
            n = leaf_curve_into(ws, child, part.flow[j], down_ebo, down_vbo, part)
            reserve_flat(ws, at + n)
            count = dense_hull_into(ws.work, n, ws.flat_pieces, ws.flat_values, at)
            if bound:
                scratch += count
            else:
                ws.offset[entry + 1] = at + count
            reserve_segments(ws, used + count)
            used = append_segments(
                ws.flat_pieces, ws.flat_values, at, count, ws.seg_pieces, ws.seg_gain, used
            )
            start += ws.flat_values[at]
        else:
            first, count = ws.inner_first[c], ws.inner_first[c + 1] - ws.inner_first[c]
            if not bound:
                ws.offset[entry + 1] = ws.offset[entry]
            reserve_segments(ws, used + count)
            used = append_segments(
                ws.inner_pieces, ws.inner_values, first, count, ws.seg_pieces, ws.seg_gain, used
            )
            start += ws.inner_values[first]
        c += 1
        child = next_sibling[child]
    ws.child_first[n_children] = used
    return used, start


@njit(cache=True, nogil=True)
def add_inner(
    ws: Workspace, n_inner: int, pieces: NDArray[np.int64], values: NDArray[np.float64]
) -> int:
    """Append an internal child's hull to the level's ``inner`` arrays; returns their count."""
    reserve_inner(ws, n_inner + pieces.size)
    ws.inner_pieces[n_inner : n_inner + pieces.size] = pieces
    ws.inner_values[n_inner : n_inner + pieces.size] = values
    return n_inner + pieces.size


@njit(cache=True, nogil=True)
def merge_level(ws: Workspace, tried: int, used: int, start: float, n_order: int) -> int:
    """Merge the level's ``used`` segments into ``ws.merged_*`` (which child each step took
    into ``taken_child``, kept for every level but the bound); returns the merge's length."""
    first_taken = 0 if tried < 0 else ws.taken_at[tried]
    reserve_merge(ws, used, first_taken)
    n = merge(
        (ws.seg_pieces, ws.seg_gain, ws.child_first),
        start,
        (ws.merged_pieces, ws.merged_values, ws.taken_child),
        first_taken,
        (ws.code, ws.counts, ws.slopes, ws.heap),
        n_order,
    )
    if tried >= 0:
        ws.taken_at[tried + 1] = first_taken + used
    return n


@njit(cache=True, nogil=True)
def add_to_hull(ws: Workspace, n_hull: int, used: int, s: int, tried: int) -> int:
    """The hull so far and level s's merged curve (the hull so far wins ties), made the
    hull so far; returns its number of vertices."""
    reserve_hull(ws, n_hull + used + 1)
    n_hull = hull_with(
        (ws.hull_pieces, ws.hull_values, ws.hull_tried, ws.hull_vertex),
        n_hull,
        (ws.merged_pieces, ws.merged_values),
        used + 1,
        s,
        tried,
        (ws.next_pieces, ws.next_values, ws.next_tried, ws.next_vertex),
    )
    ws.hull_pieces, ws.next_pieces = ws.next_pieces, ws.hull_pieces
    ws.hull_values, ws.next_values = ws.next_values, ws.hull_values
    ws.hull_tried, ws.next_tried = ws.next_tried, ws.hull_tried
    ws.hull_vertex, ws.next_vertex = ws.next_vertex, ws.hull_vertex
    return n_hull
