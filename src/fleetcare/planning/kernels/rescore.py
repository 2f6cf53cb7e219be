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
convolution) first; everything else is kept from the row before.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.kernels.backorders import leaf_value
from fleetcare.planning.kernels.compound import _convolve, _pieces, _poisson, _short, _thin
from fleetcare.planning.kernels.hull import upper_hull

Scored = tuple[NDArray[np.float64], NDArray[np.float64]]
Allocations = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]


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
    first_child, next_sibling = tree[0], tree[1]
    parent = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        child = first_child[j]
        while child >= 0:
            parent[child] = j
            child = next_sibling[child]
    b = (max(vmr, 1.0) + 1.0) / 2.0
    p = 1.0 / b
    own = [np.ones(1) for _ in range(n)]
    for j in range(n):
        if flow[j] > 0.0:
            own[j] = _poisson(flow[j] * max(lead[j], 0.0) / b)
    segments = [np.ones(1) for _ in range(n)]
    short = [np.ones(1) for _ in range(n)]
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
            if fresh:
                if up < 0:
                    segments[j] = own[j]
                else:
                    share = min(flow[j] / flow[up], 1.0)
                    segments[j] = _convolve(_thin(short[up], share), own[j])
            if fresh or rows[r, j] != rows[r - 1, j]:
                short[j] = _short(segments[j], max(rows[r, j], 0), p)
                changed[j] = True
                if first_child[j] < 0 and units[j] > 0.0:
                    ebo = _pieces(short[j], b)[0]
                    current[j] = leaf_value(ebo, units[j], z) / units[j]
        total = 0.0
        for j in range(n):
            leaf[r, j] = current[j]
            total += units[j] * current[j]
        values[r] = total
    return values, leaf


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
) -> Allocations:
    """The upper concave hull of the candidate rows ``stock`` (pieces ascending, the first
    the empty plan) scored exactly: pieces, value, stock rows and leaf terms of its vertices,
    as ``part_hull`` returns them."""
    values, leaf = exact_rows(tree, flow, lead, units, vmr, z, stock)
    keep = upper_hull(values, pieces)
    return pieces[keep], values[keep], stock[keep], leaf[keep]
