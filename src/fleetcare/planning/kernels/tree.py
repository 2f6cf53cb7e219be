"""One part's hull over its resupply tree: ``part_hull``, and the tree's ``depth_first`` rows.

``part_hull`` solves one part over its resupply tree: for each stock level of a location, the
children's hulls given the backorders that level passes down (VARI-METRIC: f·EBO and
f(1−f)·EBO + f²·VBO), merged by slope (the sum of concave curves is the merge of their
segments), then the upper concave hull over the location's own levels — Sherbrooke's convex
envelope over upstream stock. Every vertex of a location's hull is a real allocation of its
subtree, and the hull equals the concave hull of the exact frontier (over the levels
that leave more than a negligible number of pieces on backorder, 1e-10 by default).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numba import njit
from numba.typed import List
from numpy.typing import NDArray

from fleetcare.planning.kernels.backorders import pipeline
from fleetcare.planning.kernels.children import (
    PartTree,
    add_inner,
    add_to_hull,
    law_of,
    leaf_curve_into,
    level_segments,
    merge_level,
)
from fleetcare.planning.kernels.hull import below, dense_hull_into
from fleetcare.planning.kernels.levels import levels_worth_trying, upstream_levels
from fleetcare.planning.kernels.workspace import Workspace, new_workspace

Allocations = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]


@njit(cache=True, nogil=True)
def _condition(
    j: int, up_flow: float, up_ebo: float, up_vbo: float, part: PartTree
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO and VBO of location j at every level worth trying, given its parent's backorders
    (``up_flow`` ≤ 0 marks the root)."""
    own = part.flow[j] * part.lead[j]
    share = part.flow[j] / up_flow if up_flow > 0.0 else 1.0
    mean, variance = pipeline(own, part.vmr, share, up_ebo, up_vbo, up_flow <= 0.0, part.handed_vmr)
    return levels_worth_trying(mean, variance, part.most, part.negligible)


@njit(cache=True, nogil=True)
def _count_children(j: int, tree: NDArray[np.int64]) -> int:
    """How many children location j has."""
    count = 0
    child = tree[0, j]
    while child >= 0:
        count += 1
        child = tree[1, child]
    return count


@njit(cache=True, nogil=True)
def _nothing(size: int) -> Allocations:
    """The hull of a subtree no demand flows through: one vertex, nothing stocked."""
    return (
        np.zeros(1, dtype=np.int64),
        np.zeros(1),
        np.zeros((1, size), dtype=np.int64),
        np.zeros((1, size)),
    )


@njit(cache=True, nogil=True)
def _lone_leaf(j: int, up_flow: float, up_ebo: float, up_vbo: float, part: PartTree) -> Allocations:
    """The hull of a leaf solved alone (a network of one location; leaf children are solved
    inline by ``level_segments``)."""
    ws = new_workspace(1, 0)
    leaf = (part.flow[j], part.lead[j], part.units[j])
    n = leaf_curve_into(ws.work, leaf, (up_flow, up_ebo, up_vbo), law_of(part))
    while n < 0:  # the pmf did not fit
        ws.work = np.empty(2 * ws.work.size)
        n = leaf_curve_into(ws.work, leaf, (up_flow, up_ebo, up_vbo), law_of(part))
    pieces = np.empty(n, dtype=np.int64)
    values = np.empty(n)
    count = dense_hull_into(ws.work, n, pieces, values, 0)
    pieces, values = pieces[:count].copy(), values[:count].copy()
    leaf = (values / part.units[j]).reshape((-1, 1))
    return pieces, values, pieces.copy().reshape((-1, 1)), leaf


@njit(cache=True, nogil=True)
def _subtree(j: int, up_flow: float, up_ebo: float, up_vbo: float, part: PartTree) -> Allocations:
    """The hull of location j's subtree given its parent's backorders, and the allocation of
    each vertex.

    Returns, per hull vertex: pieces in the subtree, value, the stock per location of the
    subtree (columns j … j + size − 1 in depth-first order) and each leaf's
    Z ln(1 − EBO/(N Z)) (0 on other columns).

    With ``tolerance`` ≥ 0, j's own levels stop at the first level s whose curve cannot rise
    more than ``tolerance`` above the hull so far: no level's curve lies above the children's
    merged curve with nothing on backorder at j, shifted right by s pieces (a child's value
    only falls as j passes it more backorders), and that bound falls as s grows, so no later
    level can either. Below 0: every level. For Poisson parts (VMR 1) the bound holds; with
    VMR > 1 the negative binomial fitted to own + passed backorders is less dispersed than
    the own part alone, so a child's value is not quite monotone and the bound can be passed
    by a hair (about 1.6 times the tolerance for VMR 4–10 at tolerance 1e-6; the tests allow
    the tolerance per pruning location).
    Bounding with Poisson pipelines instead would be sound but prunes four times less.
    """
    first_child, next_sibling, size = part.tree[0], part.tree[1], part.tree[2]
    if part.flow[j] <= 0.0:
        return _nothing(size[j])
    if first_child[j] < 0:
        return _lone_leaf(j, up_flow, up_ebo, up_vbo, part)
    ebo, vbo = _condition(j, up_flow, up_ebo, up_vbo, part)
    n_children = _count_children(j, part.tree)
    machines = part.units[j : j + size[j]].sum()  # units stand on leaves only
    levels = upstream_levels(ebo, part.thinning, math.sqrt(vbo[0]), machines)
    ws = new_workspace(levels.size, n_children)
    kept_stock = List()  # the internal children's allocations, per level (ws.kept)
    kept_leaf = List()
    bound_pieces = np.zeros(1, dtype=np.int64)
    bound_values = np.zeros(1)
    n_order = n_hull = 0
    # tried = −1: the bound (nothing on backorder at j), then j's levels
    for tried in range(-1 if part.tolerance >= 0.0 else 0, levels.size):
        bound = tried < 0
        s = 0 if bound else levels[tried]
        down_ebo = 0.0 if bound else ebo[s]
        down_vbo = 0.0 if bound else vbo[s]
        # the internal children's hulls at this level, then every child's segments
        n_inner = 0
        c = 0
        child = first_child[j]
        while child >= 0:
            ws.inner_first[c] = n_inner
            if first_child[child] >= 0:
                pieces, values, stock, leaf = _subtree(
                    child, part.flow[j], down_ebo, down_vbo, part
                )
                if not bound:
                    ws.kept[tried * n_children + c] = len(kept_stock)
                    kept_stock.append(stock)
                    kept_leaf.append(leaf)
                n_inner = add_inner(ws, n_inner, pieces, values)
            c += 1
            child = next_sibling[child]
        ws.inner_first[n_children] = n_inner
        used, start = level_segments(j, tried, down_ebo, down_vbo, part, ws)
        n_order = merge_level(ws, tried, used, start, n_order)
        if bound:
            bound_pieces = ws.merged_pieces[: used + 1].copy()
            bound_values = ws.merged_values[: used + 1].copy()
            continue
        n_hull = add_to_hull(ws, n_hull, used, s, tried)
        if (
            part.tolerance >= 0.0
            and tried + 1 < levels.size
            and below(
                ws.hull_pieces[:n_hull],
                ws.hull_values[:n_hull],
                bound_pieces,
                bound_values,
                levels[tried + 1],
                part.tolerance,
            )
        ):
            break
    return _allocations(j, part, levels, ws, n_hull, kept_stock, kept_leaf)


@njit(cache=True, nogil=True)
def _allocations(
    j: int,
    part: PartTree,
    levels: NDArray[np.int64],
    ws: Workspace,
    n_hull: int,
    kept_stock: List[NDArray[np.int64]],
    kept_leaf: List[NDArray[np.float64]],
) -> Allocations:
    """The hull so far (``n_hull`` vertices) with each vertex's allocation: its own level,
    and the children's vertices it holds. One pass: per level, how many segments of each
    child its curve has taken so far, and how far along its merge order that is (a level's
    vertices come in ascending order)."""
    first_child, next_sibling, size = part.tree[0], part.tree[1], part.tree[2]
    flow, units = part.flow, part.units
    # the workspace's arrays as locals: every read of a structref's field counts a reference
    kept, offset = ws.kept, ws.offset
    flat_pieces, flat_values = ws.flat_pieces, ws.flat_values
    taken_at, taken_child = ws.taken_at, ws.taken_child
    n_children = ws.child_first.size - 1
    hull_pieces, hull_values = ws.hull_pieces[:n_hull], ws.hull_values[:n_hull]
    hull_tried, hull_vertex = ws.hull_tried[:n_hull], ws.hull_vertex[:n_hull]
    rows = hull_pieces.size
    stock = np.zeros((rows, size[j]), dtype=np.int64)
    leaf = np.zeros((rows, size[j]))
    taken = np.zeros((levels.size, n_children), dtype=np.int64)
    along = np.zeros(levels.size, dtype=np.int64)
    for r in range(rows):
        tried = hull_tried[r]
        stock[r, 0] = levels[tried]
        for t in range(along[tried], hull_vertex[r]):
            taken[tried, taken_child[taken_at[tried] + t]] += 1
        along[tried] = max(along[tried], hull_vertex[r])
        c = 0
        child = first_child[j]
        while child >= 0:
            entry = tried * n_children + c
            column = child - j
            vertex = taken[tried, c]
            if kept[entry] < 0:  # a leaf: its level and N Z ln(…) / N
                stock[r, column] = flat_pieces[offset[entry] + vertex]
                if flow[child] > 0.0:
                    leaf[r, column] = flat_values[offset[entry] + vertex] / units[child]
            else:
                internal = kept[entry]
                stock[r, column : column + size[child]] = kept_stock[internal][vertex]
                leaf[r, column : column + size[child]] = kept_leaf[internal][vertex]
            c += 1
            child = next_sibling[child]
    return hull_pieces, hull_values, stock, leaf


def depth_first(parent: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Depth-first order of a tree given by parent indices (root −1), and its ``tree`` rows.

    Returns ``order`` (order[d] = original index of the d-th location depth first) and the
    rows first child, next sibling and subtree size, in depth-first indices.
    """
    n = parent.size
    children: list[list[int]] = [[] for _ in range(n)]
    root = -1
    for j in range(n):
        if parent[j] < 0:
            root = j
        else:
            children[int(parent[j])].append(j)
    order: list[int] = []
    stack = [root]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(children[j]))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    tree = np.full((3, n), -1, dtype=np.int64)
    for j in range(n):
        kids = [int(position[c]) for c in children[j]]
        d = int(position[j])
        if kids:
            tree[0, d] = kids[0]
            for a, b in itertools.pairwise(kids):
                tree[1, a] = b
    for d in range(n - 1, -1, -1):
        size = 1
        child = tree[0, d]
        while child >= 0:
            size += tree[2, child]
            child = tree[1, child]
        tree[2, d] = size
    return np.array(order, dtype=np.int64), tree


def part_hull(
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    most: int,
    thinning: float = 1.0,
    negligible: float = 1e-10,
    tolerance: float = -1.0,
    orders: bool = False,
) -> Allocations:
    """One part's efficient allocations, all arrays in depth-first location order.

    ``most`` caps the pieces per location; ``thinning`` < 1 thins the own levels an internal
    location tries (see ``upstream_levels``), 1 tries them all (the exact hull);
    levels stop at the first that leaves ≤ ``negligible`` pieces on backorder; ``tolerance``
    ≥ 0 stops a location's levels once no later one can rise that far above its hull (see
    ``_subtree``), below 0 every level is tried. ``orders`` hands a parent's backorders
    down in whole orders, as the exact model does (see ``backorders.pipeline``), rather
    than piece by piece as VARI-METRIC does.

    Returns, per hull vertex (pieces ascending): pieces, Σ_leaves N Z ln(1 − EBO/(N Z)), the
    stock row, and each leaf's Z ln(1 − EBO/(N Z)).
    """
    part = PartTree(
        tree,
        flow,
        lead,
        units,
        float(vmr),
        float(z),
        int(most),
        float(thinning),
        float(tolerance),
        float(negligible),
        float(max(vmr, 1.0)) if orders else 1.0,
    )
    return _subtree(0, 0.0, 0.0, 0.0, part)
