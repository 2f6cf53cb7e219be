"""One part's candidate allocations scored in the exact model, and their exact hull.

The VARI-METRIC hull (``tree.part_hull``) proposes a part's allocations cheaply; here each
proposed stock row is re-evaluated with the exact distributions of ``compound`` (Graves 1985;
Axsäter 2006, ch. 5: a child's outstanding orders are its binomial share of the parent's
backorders plus its own lead-time demand, in batch segments for VMR > 1), and the upper
concave hull of the exact (pieces, value) points is kept — so every vertex is a real
allocation whose exact evaluation gives its value.

Consecutive rows mostly differ at one depot or one branch, so a row recomputes only what
changed: a location whose own level changed gets new backorders from its cached pipeline
(``_short``), and one whose parent's backorders changed gets a new pipeline (thinning and
convolution) first; everything else is kept from the row before. A leaf without stock needs
no distribution: its backorders are its pipeline, whose mean in segments is f E K + μ (its
share f of its parent's backordered segments K, and its own Poisson(μ)); one with a few
pieces needs only its pipeline's moments and first terms (``compound.leaf_head``); its
whole pipeline is computed only once it holds more.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.kernels.backorders import leaf_value
from fleetcare.planning.kernels.compound import (
    FEW_PIECES,
    _convolve,
    _pieces,
    _poisson,
    _short,
    _thin,
    leaf_head,
    takes_head,
)
from fleetcare.planning.kernels.hull import upper_hull
from fleetcare.planning.kernels.pmf import moments

Scored = tuple[NDArray[np.float64], NDArray[np.float64]]
Allocations = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]


@njit(cache=True, nogil=True)
def _setup(
    tree: NDArray[np.int64], flow: NDArray[np.float64], lead: NDArray[np.float64], vmr: float
) -> tuple[NDArray[np.int64], float, float, list[NDArray[np.float64]]]:
    """What every row of a part shares: each location's parent (−1 at the root), the mean
    batch b = (VMR + 1)/2 and p = 1/b, and each location's own lead-time demand in segments,
    Poisson(flow × lead / b)."""
    first_child, next_sibling = tree[0], tree[1]
    n = first_child.size
    parent = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        child = first_child[j]
        while child >= 0:
            parent[child] = j
            child = next_sibling[child]
    b = (max(vmr, 1.0) + 1.0) / 2.0
    own = [np.ones(1) for _ in range(n)]
    for j in range(n):
        if flow[j] > 0.0:
            own[j] = _poisson(flow[j] * max(lead[j], 0.0) / b)
    return parent, b, 1.0 / b, own


@njit(cache=True, nogil=True, inline="always")
def _stockless_ebo(
    j: int,
    up: int,
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    b: float,
    means: NDArray[np.float64],
) -> float:
    """EBO (pieces) of leaf j without stock: its pipeline's mean, b (f E K + μ) — its share f
    of its parent ``up``'s backordered segments K (E K in ``means[up]``; none at the root)
    and its own Poisson(μ)."""
    mean = flow[j] * max(lead[j], 0.0) / b
    if up >= 0:
        mean += min(flow[j] / flow[up], 1.0) * means[up]
    return float(b * mean)


@njit(cache=True, nogil=True)
def _head_ebo(
    j: int,
    up: int,
    level: int,
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    b: float,
    p: float,
    backordered: list[NDArray[np.float64]],
    kept: tuple[NDArray[np.float64], NDArray[np.float64]],
    scratch: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
) -> float:
    """EBO (pieces) of leaf j holding 1 … ``FEW_PIECES`` pieces with at most
    ``HEAD_MAX_SHARE`` of its parent's demand (see ``_takes_head``), as ``compound_terms``
    finds it (``compound.leaf_head``; ``kept`` holds E K and Var K of each parent's
    backordered segments, ``scratch`` three buffers of ``FEW_PIECES`` + 2). Far in the
    pipeline's tail its relative precision drops (``pmf.head_holds``), where
    ``compound_terms`` reports from the whole law instead; its absolute error stays near
    1e-16 · s · E M², some 1e-14 in a value Σ N Z ln(1 − EBO/(N Z)), an order below the
    smallest step a hull keeps (``hull.MIN_GAIN``), so the rows' values need no more."""
    f = 1.0 if up < 0 else min(flow[j] / flow[up], 1.0)
    above = backordered[up] if up >= 0 else backordered[j][:0]
    up_moments = (kept[0][up], kept[1][up]) if up >= 0 else (0.0, 0.0)
    own_mean = flow[j] * max(lead[j], 0.0) / b
    short_mean = leaf_head(above, f, own_mean, up_moments, level, p, scratch)[2]
    return float(b * short_mean)


@njit(cache=True, nogil=True, inline="always")
def _takes_head(j: int, up: int, level: int, flow: NDArray[np.float64]) -> bool:
    """Whether leaf j at ``level`` (> 0) is scored from its pipeline's head (``_head_ebo``):
    ``compound.takes_head``, the rule ``compound_terms`` follows."""
    f = 1.0 if up < 0 else min(flow[j] / flow[up], 1.0)
    return level > 0 and takes_head(level, f, up < 0)


@njit(cache=True, nogil=True, inline="always")
def _pipeline(
    j: int,
    up: int,
    flow: NDArray[np.float64],
    backordered: list[NDArray[np.float64]],
    own: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Location j's outstanding segments: its share of its parent ``up``'s backordered
    segments ``backordered[up]`` (thinned binomially) plus its own ``own``; the root's are
    its own."""
    if up < 0:
        return own
    return _convolve(_thin(backordered[up], min(flow[j] / flow[up], 1.0)), own)


@njit(cache=True, nogil=True)
def exact_rows(
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    rows: NDArray[np.int64],
) -> Scored:
    """Σ_leaves N Z ln(1 − EBO/(N Z)) of each stock row (rows × locations, depth-first order
    of ``tree`` as in ``part_hull``) and each leaf's Z ln(1 − EBO/(N Z)) (0 elsewhere), with
    the exact EBO. ``flow`` pieces a day, ``lead`` days, ``units`` machines at leaves."""
    n_rows, n = rows.shape
    first_child = tree[0]
    parent, b, p, own = _setup(tree, flow, lead, vmr)
    segments = [np.ones(1) for _ in range(n)]
    short = [np.ones(1) for _ in range(n)]
    kept = (np.zeros(n), np.zeros(n))  # E K, Var K of internal locations' backordered segments
    kept_mean = kept[0]
    scratch = (np.empty(FEW_PIECES + 2), np.empty(FEW_PIECES + 2), np.empty(FEW_PIECES + 2))
    stale = np.ones(n, dtype=np.bool_)  # a location whose pipeline is not computed (yet)
    changed = np.zeros(n, dtype=np.bool_)
    values = np.zeros(n_rows)
    leaf = np.zeros((n_rows, n))
    current = np.zeros(n)  # each leaf's Z ln(…) at the row before
    for r in range(n_rows):
        for j in range(n):
            changed[j] = False
            if flow[j] <= 0.0:
                continue
            up = parent[j]
            fresh = r == 0 or (up >= 0 and changed[up])
            if not (fresh or rows[r, j] != rows[r - 1, j]):
                continue
            changed[j] = True
            level = max(rows[r, j], 0)
            if first_child[j] < 0 and level == 0:  # no stock: the pipeline's mean suffices
                stale[j] = True
                if units[j] > 0.0:
                    ebo = _stockless_ebo(j, up, flow, lead, b, kept_mean)
                    current[j] = leaf_value(ebo, units[j], z) / units[j]
                continue
            if first_child[j] < 0 and _takes_head(j, up, level, flow):
                stale[j] = True  # its pipeline's head only
                if units[j] > 0.0:
                    ebo = _head_ebo(j, up, level, flow, lead, b, p, short, kept, scratch)
                    current[j] = leaf_value(ebo, units[j], z) / units[j]
                continue
            if fresh or stale[j]:
                stale[j] = False
                segments[j] = _pipeline(j, up, flow, short, own[j])
            short[j] = _short(segments[j], level, p)
            if first_child[j] >= 0:
                kept[0][j], kept[1][j] = moments(short[j], short[j].size)
            elif units[j] > 0.0:
                ebo = _pieces(short[j], b)[0]
                current[j] = leaf_value(ebo, units[j], z) / units[j]
        total = 0.0
        for j in range(n):
            leaf[r, j] = current[j]
            total += units[j] * current[j]
        values[r] = total
    return values, leaf


@njit(cache=True, nogil=True)
def _extend(
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    start: NDArray[np.int64],
    most: int,
    negligible: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Exact marginal steps from the stock row ``start``: one piece at a time, at the
    location whose piece adds the most Σ N Z ln(1 − EBO/(N Z)) (its subtree re-evaluated
    exactly), until every leaf has at most ``negligible`` pieces on backorder, no piece adds
    anything, or ``most`` pieces are at a location. Returns the rows after each step, their
    values and leaf terms (none when ``start`` already meets the bound)."""
    n = start.size
    first_child, size = tree[0], tree[2]
    parent, b, p, own = _setup(tree, flow, lead, vmr)
    segments = [np.ones(1) for _ in range(n)]
    short = [np.ones(1) for _ in range(n)]
    trial = [np.ones(1) for _ in range(n)]
    kept_mean = np.zeros(n)  # E K of each internal location's backordered segments
    trial_mean = np.zeros(n)  # the same in a trial step
    stale = np.ones(n, dtype=np.bool_)  # a location whose pipeline is not computed (yet)
    leaf = np.zeros(n)
    ebo = np.zeros(n)
    row = start.copy()
    steps = most * n  # at most: each location reaches ``most``
    rows = np.zeros((16, n), dtype=np.int64)
    values = np.zeros(16)
    leaves = np.zeros((16, n))
    taken = -1  # the start row first: scored as a step at the root (the whole tree)
    best = 0
    while True:
        for j in range(best, best + size[best]):  # the step's subtree, top down
            if flow[j] <= 0.0:
                continue
            up = parent[j]
            if first_child[j] < 0 and row[j] <= 0:  # no stock: the pipeline's mean suffices
                stale[j] = True
                if units[j] > 0.0:
                    ebo[j] = _stockless_ebo(j, up, flow, lead, b, kept_mean)
                    leaf[j] = leaf_value(ebo[j], units[j], z) / units[j]
                continue
            if j != best or stale[j]:
                stale[j] = False
                segments[j] = _pipeline(j, up, flow, short, own[j])
            short[j] = _short(segments[j], row[j], p)
            if first_child[j] >= 0:
                kept_mean[j] = moments(short[j], short[j].size)[0]
            elif units[j] > 0.0:
                ebo[j] = _pieces(short[j], b)[0]
                leaf[j] = leaf_value(ebo[j], units[j], z) / units[j]
        if taken >= 0:
            rows[taken] = row
            leaves[taken] = leaf
            values[taken] = (units * leaf).sum()
        taken += 1
        if taken >= steps or ebo.max() <= negligible:
            break
        if taken == values.size:  # room for twice as many steps
            rows = np.concatenate((rows, np.zeros_like(rows)))
            values = np.concatenate((values, np.zeros_like(values)))
            leaves = np.concatenate((leaves, np.zeros_like(leaves)))
        best, best_gain = -1, 0.0
        for u in range(n):  # one more piece at u: its subtree u … u + size[u] − 1, again
            if flow[u] <= 0.0 or row[u] >= most:
                continue
            gain = 0.0
            for j in range(u, u + size[u]):
                if flow[j] <= 0.0:
                    continue
                up = parent[j]
                is_leaf = first_child[j] < 0
                if j == u:
                    if stale[j]:  # a leaf without stock until now: its pipeline, first
                        stale[j] = False
                        segments[j] = _pipeline(j, up, flow, short, own[j])
                    trial[j] = _short(segments[j], row[j] + 1, p)
                elif is_leaf and row[j] <= 0:  # no stock: the pipeline's mean suffices
                    if units[j] > 0.0:
                        value = leaf_value(
                            _stockless_ebo(j, up, flow, lead, b, trial_mean), units[j], z
                        )
                        gain += value - units[j] * leaf[j]
                    continue
                else:
                    pipe = _pipeline(j, up, flow, trial, own[j])
                    trial[j] = _short(pipe, row[j], p)
                if not is_leaf:
                    trial_mean[j] = moments(trial[j], trial[j].size)[0]
                elif units[j] > 0.0:
                    value = leaf_value(_pieces(trial[j], b)[0], units[j], z)
                    gain += value - units[j] * leaf[j]
            if gain > best_gain:
                best, best_gain = u, gain
        if best < 0 or best_gain < 1e-13:
            break
        row[best] += 1
    return rows[:taken], values[:taken], leaves[:taken]


@njit(cache=True, nogil=True)
def exact_hull(
    tree: NDArray[np.int64],
    flow: NDArray[np.float64],
    lead: NDArray[np.float64],
    units: NDArray[np.float64],
    vmr: float,
    z: float,
    pieces: NDArray[np.int64],
    stock: NDArray[np.int64],
    most: int = 2000,
    negligible: float = 1e-6,
) -> Allocations:
    """The upper concave hull of the candidate rows ``stock`` (pieces ascending, the first
    the empty plan) scored exactly, extended from the last by exact marginal steps (``_extend``)
    until every leaf has at most ``negligible`` pieces on backorder: pieces, value, stock rows
    and leaf terms of its vertices, as ``part_hull`` returns them."""
    values, leaf = exact_rows(tree, flow, lead, units, vmr, z, stock)
    more, more_values, more_leaf = _extend(
        tree, flow, lead, units, vmr, z, stock[-1], most, negligible
    )
    if more_values.size:
        extra = pieces[-1] + np.arange(1, more_values.size + 1)
        pieces = np.concatenate((pieces, extra))
        values = np.concatenate((values, more_values))
        stock = np.concatenate((stock, more))
        leaf = np.concatenate((leaf, more_leaf))
    keep = upper_hull(values, pieces)
    return pieces[keep], values[keep], stock[keep], leaf[keep]
