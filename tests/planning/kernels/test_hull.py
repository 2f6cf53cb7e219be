"""The upper hull and the merge of concave curves (``kernels.hull``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetcare.planning.kernels.hull import merge, upper_hull


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50), min_size=1, max_size=30),
)
def test_upper_hull_is_concave_and_covers_every_point(values: list[float]) -> None:
    """Slopes fall strictly along the hull; no point lies above it (for rising prefixes)."""
    array = np.maximum.accumulate(np.array(values))  # values as the kernels see them: rising
    pieces = np.arange(array.size)
    hull = upper_hull(array, pieces)
    assert hull[0] == 0
    slopes = np.diff(array[hull]) / np.diff(pieces[hull])
    assert np.all(np.diff(slopes) < 0)
    assert np.all(array <= np.interp(pieces, pieces[hull], array[hull]) + 1e-13)


@st.composite
def children_segments(draw: Any) -> list[list[tuple[int, float]]]:
    """Each child's hull as segments (pieces, gain) with strictly falling slopes."""
    children = []
    for _ in range(draw(st.integers(1, 5))):
        slopes = sorted(set(draw(st.lists(st.integers(1, 10_000), max_size=6))), reverse=True)
        children.append([(p := draw(st.integers(1, 3)), p * slope / 100.0) for slope in slopes])
    return children


def merged_by(children: list[list[tuple[int, float]]], order: Any, counts: Any) -> tuple[Any, Any]:
    """``merge`` of these children's segments, the order and counts carried in and out."""
    flat = [seg for child in children for seg in child]
    first = np.cumsum([0] + [len(child) for child in children]).astype(np.int64)
    pieces = np.array([p for p, _ in flat], dtype=np.int64)
    gains = np.array([g for _, g in flat], dtype=np.float64)
    out_pieces = np.empty(len(flat) + 1, dtype=np.int64)
    out_values = np.empty(len(flat) + 1)
    out_child = np.full(len(flat) + 3, -1, dtype=np.int64)  # written from 3 on
    n_order = sum(int(c) for c in counts)
    merge(
        (pieces, gains, first),
        0.0,
        (out_pieces, out_values, out_child),
        3,
        (order, counts, np.empty(max(len(flat), 1)), np.empty(len(children), dtype=np.int64)),
        n_order,
    )
    # whose segment each step took: every child's, as many as it has, in its own order
    assert out_child[:3].tolist() == [-1, -1, -1]
    taken = out_child[3:]
    assert np.bincount(taken, minlength=len(children)).tolist() == [len(c) for c in children]
    for c, child in enumerate(children):
        steps = np.flatnonzero(taken == c)
        assert (
            out_pieces[steps + 1].tolist() == (out_pieces[steps] + [p for p, _ in child]).tolist()
        )
    return out_pieces, out_values


@settings(max_examples=80, deadline=None)
@given(first=children_segments(), data=st.data())
def test_merge_from_the_last_order_is_the_merge_by_slope(first: Any, data: Any) -> None:
    """The first merge (a heap) and the next from its order (insertion, the children's
    curves changed: other slopes, segments gone or added) both take the segments by falling
    slope: the merged curve is the sum of the concave curves."""
    order = np.empty(64, dtype=np.int64)
    counts = np.zeros(len(first), dtype=np.int64)
    rounds = [first] + [
        [data.draw(children_segments().map(lambda c: c[0])) for _ in first] for _ in range(2)
    ]
    for children in rounds:
        pieces, values = merged_by(children, order, counts)
        reference = sorted(
            (seg for child in children for seg in child), key=lambda seg: -seg[1] / seg[0]
        )
        reference_pieces = np.cumsum([0] + [p for p, _ in reference])
        reference_values = np.cumsum([0.0] + [g for _, g in reference])
        # the same concave curve (segments of equal slope may come in either order)
        assert pieces[-1] == reference_pieces[-1]
        assert np.allclose(values, np.interp(pieces, reference_pieces, reference_values))
        slopes = np.diff(values) / np.diff(pieces)
        assert np.all(np.diff(slopes) <= 1e-12)
        assert counts.tolist() == [len(child) for child in children]
