"""``kernels.pmf``: results written into reused buffers are those of fresh ones.

The operations themselves are checked against SciPy in ``tests/planning/test_compound.py``;
here, that a buffer's old contents and size never leak into a result, and that
``compound_terms``, which reuses one set of buffers and one store across a chunk of parts,
gives every part exactly what it gives that part alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import stats

from fleetcare.planning.kernels import compound_terms
from fleetcare.planning.kernels.compound import FEW_PIECES, head_with_poisson
from fleetcare.planning.kernels.pmf import (
    HEAD_MAX_SHARE,
    convolve_into,
    head_holds,
    moments,
    poisson_into,
    short_into,
    short_moments,
    thin_into,
    thinned_head_into,
)


def _dirty(size: int) -> NDArray[np.float64]:
    """A used buffer: garbage (NaN, huge numbers) where a result may land."""
    return np.resize(np.array([np.nan, 1e300, -7.0, 0.5]), size)


def _fresh() -> NDArray[np.float64]:
    return np.empty(0)


def _pmf(mean: float, shift: int) -> tuple[NDArray[np.float64], int]:
    """A Poisson pmf shifted right (leading zeros, as a parent's backorders have), in a
    buffer longer than the pmf, its tail garbage."""
    out, n = poisson_into(mean, _fresh())
    buffer = _dirty(shift + n + 17)
    buffer[:shift] = 0.0
    buffer[shift : shift + n] = out[:n]
    return buffer, shift + n


@settings(max_examples=80, deadline=None)
@given(
    mean=st.floats(0.0, 300.0),
    shift=st.integers(0, 40),
    f=st.floats(1e-4, 1.0),
    s=st.integers(0, 60),
    p=st.floats(0.2, 1.0),
    scratch=st.integers(0, 600),
)
def test_reused_buffers_give_the_fresh_result(
    mean: float, shift: int, f: float, s: int, p: float, scratch: int
) -> None:
    """Poisson, thinning, convolution and the short fall, each written once into fresh empty
    buffers and once into dirty ones of any size, agree bit for bit."""
    pmf, n = _pmf(mean, shift)
    fresh = poisson_into(mean, _fresh())
    dirty = poisson_into(mean, _dirty(scratch))
    assert fresh[1] == dirty[1]
    assert np.array_equal(fresh[0][: fresh[1]], dirty[0][: dirty[1]])

    _, _, thin_fresh, size = thin_into(pmf, n, f, _fresh(), _fresh(), _fresh())
    _, _, thin_dirty, size_dirty = thin_into(
        pmf, n, f, _dirty(scratch), _dirty(scratch // 2), _dirty(scratch)
    )
    assert size == size_dirty
    assert np.array_equal(thin_fresh[:size], thin_dirty[:size])

    own, n_own = poisson_into(mean / 7.0, _fresh())
    sum_fresh, n_sum = convolve_into(thin_fresh, size, own, n_own, _fresh())
    sum_dirty, n_sum_dirty = convolve_into(thin_fresh, size, own, n_own, _dirty(scratch))
    assert n_sum == n_sum_dirty
    assert np.array_equal(sum_fresh[:n_sum], sum_dirty[:n_sum])
    assert abs(sum_fresh[:n_sum].sum() - 1.0) < 1e-9

    *_, short_fresh, n_short = short_into(pmf, n, s, p, _fresh(), _fresh(), _fresh())
    *_, short_dirty, n_short_dirty = short_into(
        pmf, n, s, p, _dirty(scratch), _dirty(scratch), _dirty(scratch)
    )
    assert n_short == n_short_dirty
    assert np.array_equal(short_fresh[:n_short], short_dirty[:n_short])


@settings(max_examples=300, deadline=None)
@given(
    mean=st.floats(0.0, 300.0) | st.floats(300.0, 20_000.0),  # a plant with thousands
    shift=st.integers(0, 40),
    f=st.floats(1e-4, HEAD_MAX_SHARE),
    own_mean=st.floats(0.0, 60.0),
    s=st.integers(1, 4 * FEW_PIECES),
    p=st.floats(0.2, 1.0),
    scratch=st.integers(0, 80),
)
def test_the_head_gives_the_whole_laws_short_moments(
    mean: float, shift: int, f: float, own_mean: float, s: int, p: float, scratch: int
) -> None:
    """A stocked leaf's backorders from its pipeline's moments and first s terms
    (``thinned_head_into``, ``head_with_poisson``, ``short_moments``; dirty buffers) equal
    those of the whole law (``thin_into``, ``convolve_into``, ``short_into``) to 1e-9
    relative wherever ``head_holds``, with the parent's pmf summing to 1 − 1e-9, as rounding
    leaves a long one (``moments`` divides by the sum; so must the head)."""
    pmf, n = _pmf(mean, shift)
    pmf[:n] *= 1.0 - 1e-9
    _, _, thinned, n_thinned = thin_into(pmf, n, f, _fresh(), _fresh(), _fresh())
    own, n_own = poisson_into(own_mean, _fresh())
    whole, n_whole = convolve_into(thinned, n_thinned, own, n_own, _fresh())
    *_, short, n_short = short_into(whole, n_whole, s, p, _fresh(), _fresh(), _fresh())
    expected = moments(short, n_short)

    parent_mean, parent_variance = moments(pmf, n)
    pipeline_mean = f * parent_mean + own_mean
    pipeline_variance = f * f * parent_variance + f * (1.0 - f) * parent_mean + own_mean
    np.testing.assert_allclose(
        (pipeline_mean, pipeline_variance), moments(whole, n_whole), rtol=1e-9, atol=1e-9
    )
    head = thinned_head_into(pmf, n, f, s, _dirty(scratch))
    head = head_with_poisson(head, own_mean, s, _dirty(scratch))
    whole_head = np.zeros(s)  # the whole law's terms below s (those past its end are 0)
    whole_head[: min(s, n_whole)] = whole[: min(s, n_whole)] / whole[:n_whole].sum()
    np.testing.assert_allclose(head[:s], whole_head, rtol=1e-9, atol=1e-15)
    _, got_mean, got_variance = short_moments(
        head, pipeline_mean, pipeline_variance, s, p, _dirty(scratch)
    )
    if head_holds(got_mean, pipeline_mean):  # what the kernels keep: to 1e-9 relative
        np.testing.assert_allclose((got_mean, got_variance), expected, rtol=1e-9, atol=1e-15)
    else:  # far in the tail, where they take the whole law: near only in absolute terms
        np.testing.assert_allclose((got_mean, got_variance), expected, rtol=0.0, atol=1e-10)


@pytest.mark.parametrize("segments", [769.0, 5_000.0, 100_000.0])
def test_the_head_of_a_long_parent_thinned_keeps_full_precision(segments: float) -> None:
    """A parent of K ~ Poisson(R) segments thinned by f is Poisson(f R) exactly: the head's
    first 12 terms equal SciPy's to 1e-13 relative for R up to 10⁵ and f R = 2 (the factor
    (1 − f)^m carried by repeated products alone was 2e-12 off at 10⁵)."""
    pmf, n = poisson_into(segments, _fresh())
    f = 2.0 / segments
    head = thinned_head_into(pmf, n, f, 12, _dirty(30))[:12]
    np.testing.assert_allclose(head, stats.poisson.pmf(np.arange(12), 2.0), rtol=1e-13)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_a_chunk_of_parts_is_each_part_alone(data: st.DataObject) -> None:
    """``compound_terms`` over several parts (buffers and the store reused, grown by a wide
    part after narrow ones) equals it part by part, bit for bit."""
    n_locations = data.draw(st.integers(2, 9))
    parent = np.array(
        [-1] + [data.draw(st.integers(0, j - 1)) for j in range(1, n_locations)], dtype=np.int64
    )
    n_parts = data.draw(st.integers(2, 6))
    rate = st.floats(0.0, 3.0) | st.just(0.0)
    own = np.array(
        [[data.draw(rate) for _ in range(n_locations)] for _ in range(n_parts)], dtype=np.float64
    )
    flow = own.copy()  # pieces a day through each location: its own and its subtree's
    for j in range(n_locations - 1, 0, -1):
        flow[:, parent[j]] += flow[:, j]
    lead = np.array(
        [[data.draw(st.floats(0.5, 200.0)) for _ in range(n_locations)] for _ in range(n_parts)]
    )
    vmr = np.array([data.draw(st.floats(1.0, 3.0)) for _ in range(n_parts)])
    stock = np.array(
        [[data.draw(st.integers(0, 400)) for _ in range(n_locations)] for _ in range(n_parts)],
        dtype=np.int64,
    )
    together = compound_terms(parent, flow, lead, vmr, stock)
    for i in range(n_parts):
        alone = compound_terms(
            parent, flow[i : i + 1], lead[i : i + 1], vmr[i : i + 1], stock[i : i + 1]
        )
        assert np.array_equal(together[:, i : i + 1], alone, equal_nan=True)


def test_the_store_grows_and_keeps_what_it_holds() -> None:
    """A wide plant and a wide hub overflow the store's first 4,096 entries while the plant's
    backorders are still to be handed to its second child: they are carried over."""
    parent = np.array([-1, 0, 1, 0], dtype=np.int64)
    flow = np.array([[30.0, 29.0, 1.0, 1.0]])
    lead = np.array([[120.0, 90.0, 5.0, 5.0]])
    vmr = np.array([1.0])
    stock = np.array([[0, 0, 0, 0]], dtype=np.int64)
    got = compound_terms(parent, flow, lead, vmr, stock)
    plant = 30.0 * 120.0  # nothing stocked: each pipeline is its whole lead-time demand
    np.testing.assert_allclose(got[0, 0, 3], plant / 30.0 + 5.0, rtol=1e-12)
    np.testing.assert_allclose(got[0, 0, 1], plant * 29.0 / 30.0 + 29.0 * 90.0, rtol=1e-12)
