"""JSON text of a table of records nested two deep, ``{group: {member: {field: value}}}``,
spliced from pieces already encoded: each field's values as one JSON array text (orjson's
shortest round-trip numbers), the keys and punctuation as byte strings.

Joining 10⁶ records' pieces as Python objects costs more than encoding the numbers; here the
bytes are copied into one buffer, a run of groups at a time (``splice_groups``), at offsets
the caller has summed, so that runs can fill on several threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def _copy(out: NDArray[np.uint8], at: int, source: NDArray[np.uint8], start: int, end: int) -> int:
    """Copy ``source[start:end]`` to ``out[at:]``; the position after it."""
    for b in range(start, end):
        out[at] = source[b]
        at += 1
    return at


@njit(cache=True, nogil=True)
def splice_groups(
    out: NDArray[np.uint8],
    group_offsets: NDArray[np.int64],
    first: int,
    last: int,
    values: NDArray[np.uint8],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    groups: NDArray[np.uint8],
    group_at: NDArray[np.int64],
    members: NDArray[np.uint8],
    member_at: NDArray[np.int64],
    between: NDArray[np.uint8],
    between_at: NDArray[np.int64],
) -> None:
    """Write groups ``first`` … ``last − 1`` of ``{g: {m: {f₀: v, f₁: v, …}, …}, …}`` into
    ``out``, group g from ``group_offsets[g]``.

    ``values[starts[f, c]:ends[f, c]]`` is field f's encoded value in record c (records group by
    group, ``len(member_at) − 1`` to a group); ``groups[group_at[g]:group_at[g + 1]]`` opens
    group g (``,"g":{`` — no comma before the first); ``members[member_at[m]:member_at[m + 1]]``
    opens member m and names field 0 (``,"m":{"f₀":``); ``between`` names fields 1… in turn
    (``,"f₁":``). Each record and each group ends with ``}``.
    """
    n_fields = starts.shape[0]
    n_members = member_at.size - 1
    for g in range(first, last):
        at = _copy(out, group_offsets[g], groups, group_at[g], group_at[g + 1])
        for m in range(n_members):
            c = g * n_members + m
            at = _copy(out, at, members, member_at[m], member_at[m + 1])
            at = _copy(out, at, values, starts[0, c], ends[0, c])
            for f in range(1, n_fields):
                at = _copy(out, at, between, between_at[f - 1], between_at[f])
                at = _copy(out, at, values, starts[f, c], ends[f, c])
            out[at] = 125  # }
            at += 1
        out[at] = 125
