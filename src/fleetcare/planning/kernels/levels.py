"""The stock levels a location tries: every level worth trying, thinned upstream to a grid.

``levels_worth_trying`` stops where one more piece changes backorders by less than a negligible
number; ``upstream_levels`` keeps, for a location with locations below it, halving steps far
below its pipeline mean and a grid sized by its spread and the machines below (Sherbrooke's
convex envelope over upstream stock, tried on fewer levels).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from fleetcare.planning.kernels.backorders import backorder_table

# the own levels an upstream location tries (``upstream_levels``): a band from where at most
# max(DENSE_BELOW, DENSE_SIGMAS × σ) pieces are on backorder (σ: its pipeline's standard
# deviation, pieces) on a grid of k levels, k ≤ σ / LEVELS_PER_SIGMA and small enough that
# the hull loses at most GRID_LOSS of the availability of the machines below; halving steps
# below the band
DENSE_BELOW = 10.0
DENSE_SIGMAS = 2.0
LEVELS_PER_SIGMA = 3.0
GRID_LOSS = 1e-4


@njit(cache=True, nogil=True)
def levels_worth_trying(
    mean: float, variance: float, most: int, negligible: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EBO and VBO at the levels worth trying: up to the first with EBO ≤ ``negligible``
    pieces (beyond it one more piece changes availability by less than that over the
    location's machines), at most ``most``."""
    upto = min(most, int(mean + 9 * math.sqrt(variance)) + 6)
    ebo, vbo = backorder_table(mean, variance, upto)
    while ebo[upto] > negligible and upto < most:  # a long tail: look further
        upto = min(most, 2 * upto)
        ebo, vbo = backorder_table(mean, variance, upto)
    top = upto
    for s in range(upto + 1):
        if ebo[s] <= negligible:
            top = s
            break
    return ebo[: top + 1], vbo[: top + 1]


@njit(cache=True, nogil=True)
def upstream_levels(
    ebo: NDArray[np.float64], thinning: float, spread: float, machines: float
) -> NDArray[np.int64]:
    """The own levels an internal location tries, given its EBO(s) table, its pipeline's
    standard deviation ``spread`` (σ, pieces) and the ``machines`` its subtree serves. With
    ``thinning`` ≥ 1 all of them (the exact hull). With 0 < ``thinning`` < 1:

    - where more than max(``DENSE_BELOW``, ``DENSE_SIGMAS`` × σ) pieces are on backorder (about
      two standard deviations below the pipeline mean and further, where backorders fall by
      about one per piece), only the levels that cut the EBO of the last level tried by the
      factor ``thinning``;
    - from there on, where availability is decided, every k-th level. The subtree's value
      moves with the location's level on the scale of σ (its curvature, in backorders, is
      about the pipeline's pmf, ≤ 0.4 / σ per piece²), so between two levels of a grid of k
      the hull loses about 0.05 k² / σ backorders, and a backorder costs the availability of
      the N machines below about 1 / N. So k = max(1, ⌊min(σ / ``LEVELS_PER_SIGMA``,
      √(20 × ``GRID_LOSS`` × N × σ))⌋): at most a third of σ, and at most ``GRID_LOSS``
      (0.01 percentage point) of the machines' availability. A location with σ under 6
      pieces or a few dozen machines below tries every level in the band;
    - and the last level of the table, so that the most a location can hold is tried."""
    if thinning >= 1.0:
        return np.arange(ebo.size)
    step = max(
        1, int(min(spread / LEVELS_PER_SIGMA, math.sqrt(20.0 * GRID_LOSS * machines * spread)))
    )
    band = max(DENSE_BELOW, DENSE_SIGMAS * spread)
    levels = np.empty(ebo.size, dtype=np.int64)
    levels[0] = 0
    count = 1
    band_start = -1
    for s in range(1, ebo.size):
        if ebo[s] <= band:
            if band_start < 0:
                band_start = s
            if (s - band_start) % step == 0:
                levels[count] = s
                count += 1
        elif ebo[s] <= thinning * ebo[levels[count - 1]]:
            levels[count] = s
            count += 1
    if levels[count - 1] < ebo.size - 1:  # the last level, as with every level tried
        levels[count] = ebo.size - 1
        count += 1
    return levels[:count]
