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


Leaf = tuple[float, float, float]  # a leaf's demand flow (pieces/day), lead (days), units


@njit(cache=True, nogil=True, inline="always")
def leaf_curve_into(
    work: NDArray[np.float64],
    leaf: Leaf,
    up: tuple[float, float, float],
    law: tuple[float, float, float, int, float],
) -> int:
    """A leaf's values N Z ln(1 − EBO(s)/(N Z)) into ``work`` (``leaf_curve``); returns how
    many, or −1 when the pmf did not fit (its length is known only as it is computed).

    ``leaf`` is its (flow, lead, units), ``up`` its parent's (flow, EBO, VBO) (flow ≤ 0: the
    leaf is the root), ``law`` the part's (VMR, handed VMR, Z, most, negligible): numbers,
    not the part's arrays, whose every read in a loop counts a reference."""
    flow, lead, units = leaf
    up_flow, up_ebo, up_vbo = up
    vmr, handed_vmr, z, most, negligible = law
    if flow <= 0.0:
        work[0] = 0.0
        return 1
    root = up_flow <= 0.0
    share = 1.0 if root else flow / up_flow
    mean, variance = pipeline(flow * lead, vmr, share, up_ebo, up_vbo, root, handed_vmr)
    return leaf_curve(mean, variance, units, z, most, negligible, work)


@njit(cache=True, nogil=True, inline="always")
def law_of(part: PartTree) -> tuple[float, float, float, int, float]:
    """The part's numbers ``leaf_curve_into`` needs: (VMR, handed VMR, Z, most, negligible)."""
    return part.vmr, part.handed_vmr, part.z, part.most, part.negligible


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
    caller. Returns (segments, Σ first values). A leaf's pmf too long for ``ws.work``
    doubles it, and the level starts again (it rewrites all it wrote)."""
    while True:
        used, start = _level_segments(j, tried, down_ebo, down_vbo, part, ws)
        if used >= 0:
            return used, start
        ws.work = np.empty(2 * ws.work.size)


@njit(cache=True, nogil=True)
def _level_segments(
    j: int, tried: int, down_ebo: float, down_vbo: float, part: PartTree, ws: Workspace
) -> tuple[int, float]:
    """``level_segments`` with ``ws.work`` as it is: (−1, 0) when a leaf's pmf does not fit.

    The workspace's and the part's arrays are read into locals once, and a buffer again
    only after it grew: every read of a structref's field counts a reference, an atomic
    operation that cost more than the loop's own work when it was done per child."""
    first_child, next_sibling = part.tree[0], part.tree[1]
    flow, lead, units = part.flow, part.lead, part.units
    law = law_of(part)
    work, offset, child_first = ws.work, ws.offset, ws.child_first
    flat_pieces, flat_values = ws.flat_pieces, ws.flat_values
    seg_pieces, seg_gain = ws.seg_pieces, ws.seg_gain
    inner_first, inner_pieces, inner_values = ws.inner_first, ws.inner_pieces, ws.inner_values
    n_children = child_first.size - 1
    bound = tried < 0
    used = 0
    start = 0.0
    scratch = 0  # where the bound's leaf hulls go
    c = 0
    child = first_child[j]
    while child >= 0:
        child_first[c] = used
        entry = tried * n_children + c
        if first_child[child] < 0:  # a leaf: its curve, then its hull into the flat arrays
            at = scratch if bound else offset[entry]
            leaf = (flow[child], lead[child], units[child])
            n = leaf_curve_into(work, leaf, (flow[j], down_ebo, down_vbo), law)
            if n < 0:
                return -1, 0.0
            if at + n > flat_pieces.size:
                reserve_flat(ws, at + n)
                flat_pieces, flat_values = ws.flat_pieces, ws.flat_values
            count = dense_hull_into(work, n, flat_pieces, flat_values, at)
            if bound:
                scratch += count
            else:
                offset[entry + 1] = at + count
            if used + count > seg_pieces.size:
                reserve_segments(ws, used + count)
                seg_pieces, seg_gain = ws.seg_pieces, ws.seg_gain
            used = append_segments(flat_pieces, flat_values, at, count, seg_pieces, seg_gain, used)
            start += flat_values[at]
        else:
            first, count = inner_first[c], inner_first[c + 1] - inner_first[c]
            if not bound:
                offset[entry + 1] = offset[entry]
            if used + count > seg_pieces.size:
                reserve_segments(ws, used + count)
                seg_pieces, seg_gain = ws.seg_pieces, ws.seg_gain
            used = append_segments(
                inner_pieces, inner_values, first, count, seg_pieces, seg_gain, used
            )
            start += inner_values[first]
        c += 1
        child = next_sibling[child]
    child_first[n_children] = used
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
