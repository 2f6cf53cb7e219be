"""Backorder moments: golden values, an obvious SciPy reference, and the shape of EBO(s)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from fleetcare.planning.kernels import backorder_table
from fleetcare.planning.kernels.backorders import backorders_at


def reference(mean: float, variance: float, stock: int) -> tuple[float, float]:
    """E[(X−s)+] and Var[(X−s)+] from the definition: the pmf summed far into the tail."""
    upto = int(mean + 60 * math.sqrt(max(variance, 1.0)) + stock + 200)
    x = np.arange(upto + 1)
    if variance <= mean * (1 + 1e-9):
        pmf = stats.poisson.pmf(x, mean)
    else:
        pmf = stats.nbinom.pmf(x, mean * mean / (variance - mean), mean / variance)
    excess = np.maximum(x - stock, 0).astype(float)
    first = float(np.sum((excess * pmf)[::-1]))  # smallest terms first
    second = float(np.sum((excess**2 * pmf)[::-1]))
    return first, second - first * first


def test_golden_poisson_mean_two() -> None:
    """Poisson(2): EBO(0)=2, EBO(1)=1+e⁻², EBO(2)=EBO(1)−(1−3e⁻²) (hand-derived closed forms)."""
    ebo, vbo = backorder_table(2.0, 2.0, 3)
    e2 = math.exp(-2)
    assert ebo[0] == pytest.approx(2.0, abs=1e-12)
    assert ebo[1] == pytest.approx(1 + e2, abs=1e-12)
    assert ebo[2] == pytest.approx(1 + e2 - (1 - 3 * e2), abs=1e-12)
    assert vbo[0] == pytest.approx(2.0, abs=1e-10)  # Var X when s = 0


def test_tiny_mean_keeps_its_relative_precision() -> None:
    """μ = 0.01, s = 5: the recursion loses 0.4 %; the tail form matches the definition."""
    ebo, vbo = backorder_table(0.01, 0.01, 5)
    expected_ebo, expected_vbo = reference(0.01, 0.01, 5)
    assert ebo[5] == pytest.approx(expected_ebo, rel=1e-9)
    assert vbo[5] == pytest.approx(expected_vbo, rel=1e-6)
    # P(X=6) ≈ e^-0.01 0.01^6/720 dominates: about 1.37e-15.
    assert ebo[5] == pytest.approx(math.exp(-0.01) * 0.01**6 / 720, rel=2e-3)


@pytest.mark.parametrize(
    ("mean", "vmr"),
    [
        (0.004, 1.0),
        (0.3, 1.0),
        (3.7, 1.0),
        (40.0, 1.0),
        (2500.0, 1.0),
        (0.2, 1.6),
        (5.0, 2.5),
        (800.0, 4.0),
    ],
)
def test_matches_the_definition(mean: float, vmr: float) -> None:
    """Every s: within 1e-9 absolute or 1e-6 relative of the obvious SciPy reference."""
    stock_levels = [0, 1, 2, 5, int(mean), int(mean + 3 * math.sqrt(mean * vmr)) + 1]
    top = max(stock_levels)
    ebo, vbo = backorder_table(mean, mean * vmr, top)
    for s in stock_levels:
        want_ebo, want_vbo = reference(mean, mean * vmr, s)
        assert abs(ebo[s] - want_ebo) <= max(1e-9, 1e-6 * want_ebo), (s, ebo[s], want_ebo)
        assert abs(vbo[s] - want_vbo) <= max(1e-9, 1e-6 * want_vbo), (s, vbo[s], want_vbo)


@settings(max_examples=60, deadline=None)
@given(mean=st.floats(1e-4, 300), vmr=st.floats(1.0, 6.0), top=st.integers(1, 40))
def test_ebo_decreases_and_is_convex(mean: float, vmr: float, top: int) -> None:
    """EBO(s) falls with s, by ever smaller steps; both moments stay ≥ 0; EBO(0) = μ."""
    ebo, vbo = backorder_table(mean, mean * vmr, top)
    steps = np.diff(ebo)
    assert np.all(steps <= 1e-12)
    assert np.all(np.diff(steps) >= -1e-12)
    assert np.all(ebo >= 0) and np.all(vbo >= 0)
    assert ebo[0] == pytest.approx(mean, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    mean=st.floats(1e-6, 3000.0),
    excess=st.floats(0.0, 5.0),
    stock=st.integers(0, 4000),
    work_size=st.sampled_from([8, 64, 4096]),
)
def test_backorders_at_one_level_are_the_tables_numbers(
    mean: float, excess: float, stock: int, work_size: int
) -> None:
    """``backorders_at`` gives the table's EBO(s) and VBO(s) exactly (the same sums in the
    same order), in its buffer or, when that is too short, from the table itself."""
    variance = mean * (1.0 + excess)
    ebo, vbo = backorder_table(mean, variance, stock)
    assert backorders_at(mean, variance, stock, np.empty(work_size)) == (ebo[stock], vbo[stock])
