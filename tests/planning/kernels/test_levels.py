"""The own levels an upstream location tries (``kernels.levels``)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from fleetcare.planning.kernels import backorder_table, upstream_levels


def test_thinning_tries_every_level_where_backorders_are_few() -> None:
    """Far below the mean only halving levels; from ten backorders on, every level (a
    pipeline of σ = 2 pieces: the band starts at max(10, 2σ) = 10, the grid step is 1)."""
    ebo = np.array([400.0, 390.0, 300.0, 200.0, 90.0, 25.0, 9.0, 3.0, 0.5, 0.0])
    assert upstream_levels(ebo, 1.0, 2.0, 1000.0).tolist() == list(range(10))
    assert upstream_levels(ebo, 0.5, 2.0, 1000.0).tolist() == [0, 3, 4, 5, 6, 7, 8, 9]


def test_a_long_pipeline_tries_a_grid_of_a_third_of_its_spread() -> None:
    """σ = 31 pieces over 10,000 machines: halving steps until 2σ = 62 pieces wait, then
    every 10th level and the last; over 500 machines every 5th (√(20 × 1e-4 × 500 × 31) =
    5.6), over 30 machines every level."""
    ebo, vbo = backorder_table(960.0, 960.0, 1000)
    spread = math.sqrt(vbo[0])
    levels = upstream_levels(ebo, 0.5, spread, 10_000.0)
    band = int(np.argmax(ebo <= 2.0 * spread))
    below = levels[levels < band]
    assert below[0] == 0 and below.size >= 3
    for before, level in itertools.pairwise(below):  # the first level halving the last's EBO
        assert ebo[level] <= 0.5 * ebo[before] < ebo[level - 1]
    assert levels[levels >= band].tolist() == sorted({*range(band, 1001, 10), 1000})
    smaller = upstream_levels(ebo, 0.5, spread, 500.0)
    assert smaller[smaller >= band].tolist() == sorted({*range(band, 1001, 5), 1000})
    small = upstream_levels(ebo, 0.5, spread, 30.0)
    assert small[small >= band].tolist() == list(range(band, 1001))
    assert upstream_levels(ebo, 1.0, spread, 10_000.0).tolist() == list(range(1001))
