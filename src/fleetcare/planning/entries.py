"""Many small ``{id: number}`` maps of a JSON document read at once: a problem's
``demand_per_day`` and ``resupply_days`` of every part, a stock file's pieces.

At 10⁶ entries a check and an array write per entry cost more than the planning itself; here
the keys and values are gathered by C-level iteration, checked as sets and arrays, and written
with one fancy-indexed assignment. When anything is off, ``flat_entries`` answers ``None`` and
the caller checks entry by entry, naming each bad one.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

FLOATS = frozenset({int, float})  # plain JSON numbers (``bool`` is neither)
INTEGERS = frozenset({int})


@dataclass(frozen=True)
class FlatEntries:
    """Every entry of a sequence of maps, in order: the map it came from, its key, its value."""

    rows: NDArray[np.int64]
    keys: list[str]
    values: NDArray[Any]

    def columns(self, column: dict[str, int]) -> NDArray[np.int64]:
        """The column of each entry's key (every key must be in ``column``)."""
        return np.fromiter(map(column.__getitem__, self.keys), np.int64, len(self.keys))


def all_entries(maps: list[dict[str, Any]], dtype: DTypeLike) -> FlatEntries:
    """The entries of ``maps`` (already checked) with their values as ``dtype``."""
    keys = list(chain.from_iterable(maps))
    values = np.array(list(chain.from_iterable(m.values() for m in maps)), dtype=dtype)
    rows = np.repeat(np.arange(len(maps)), np.fromiter(map(len, maps), np.int64, len(maps)))
    return FlatEntries(rows, keys, values)


def flat_entries(
    maps: list[Any], allowed: Set[str], types: frozenset[type], dtype: DTypeLike
) -> FlatEntries | None:
    """The entries of ``maps`` when each is a ``dict`` whose keys are in ``allowed`` and whose
    values are of exactly one of ``types`` (not a subclass) and finite in ``dtype``; ``None``
    otherwise."""
    if not {dict}.issuperset(map(type, maps)):
        return None
    if not set(chain.from_iterable(maps)) <= allowed:
        return None
    if not types.issuperset(map(type, chain.from_iterable(m.values() for m in maps))):
        return None
    try:
        entries = all_entries(maps, dtype)
    except OverflowError:  # an integer beyond the dtype
        return None
    if entries.values.dtype.kind == "f" and not np.isfinite(entries.values).all():
        return None
    return entries


def within(entries: FlatEntries | None, low: float, high: float, *, open_low: bool = False) -> bool:
    """True when every value lies in [low, high] (in (low, high] when ``open_low``)."""
    if entries is None:
        return False
    values = entries.values
    above = values > low if open_low else values >= low
    return bool(above.all() and (values <= high).all())
