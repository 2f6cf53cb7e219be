"""Many ``{id: number}`` maps read at once (``planning.entries``), and the problem and stock
files read through it: the same arrays and the same messages as entry by entry."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetcare.planning.entries import FLOATS, INTEGERS, flat_entries
from fleetcare.planning.problem import MAX_PIECES, ProblemError, parse_problem, parse_stock
from tests.planning.test_documents import PROBLEM

KEYS = ["A", "B", "C"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), st.integers(0, 9) | st.floats(0, 9))))
def test_flat_entries_are_every_entry_in_order(maps: list[dict[str, Any]]) -> None:
    """Rows, keys and values are those of a loop over the maps and their items."""
    entries = flat_entries(maps, set(KEYS), FLOATS, np.float64)
    assert entries is not None
    looped = [(i, key, float(value)) for i, m in enumerate(maps) for key, value in m.items()]
    rows, values = entries.rows.tolist(), entries.values.tolist()
    assert list(zip(rows, entries.keys, values, strict=True)) == looped
    column = {key: j for j, key in enumerate(KEYS)}
    assert entries.columns(column).tolist() == [column[key] for _, key, _ in looped]


@pytest.mark.parametrize(
    ("maps", "types", "dtype"),
    [
        ([{"A": 1}, ["A"]], FLOATS, np.float64),  # not a map
        ([{"A": 1}, {"Z": 1}], FLOATS, np.float64),  # a key not allowed
        ([{"A": True}], FLOATS, np.float64),  # bool is not a number here
        ([{"A": "1"}], FLOATS, np.float64),
        ([{"A": None}], FLOATS, np.float64),
        ([{"A": np.float64(1.0)}], FLOATS, np.float64),  # a subclass: checked one by one
        ([{"A": 10**400}], FLOATS, np.float64),  # beyond a float
        ([{"A": float("nan")}], FLOATS, np.float64),
        ([{"A": float("inf")}], FLOATS, np.float64),
        ([{"A": 1.0}], INTEGERS, np.int64),  # a float where whole numbers are asked
        ([{"A": 2**63}], INTEGERS, np.int64),  # beyond 64 bits
    ],
)
def test_anything_off_sends_the_caller_entry_by_entry(
    maps: list[Any], types: frozenset[type], dtype: Any
) -> None:
    """``None`` whenever a map, a key or a value is not plainly good, so that the caller's
    entry-by-entry check names it."""
    assert flat_entries(maps, set(KEYS), types, dtype) is None


def _stock_entry_by_entry(data: dict[str, Any], problem: Any) -> np.ndarray[Any, Any] | list[str]:
    """The stock file's rules, entry by entry: the array, or the messages."""
    rows, columns = problem.part_index(), problem.location_index()
    stock = np.zeros((len(rows), len(columns)), dtype=np.int64)
    errors = []
    for part, levels in data.items():
        if part not in rows:
            errors.append(f"part {part}: unknown part")
        elif not isinstance(levels, dict):
            errors.append(f"part {part}: an object of location → pieces is needed")
        else:
            for loc, pieces in levels.items():
                if loc not in columns:
                    errors.append(f"part {part}: {loc}: unknown location")
                elif type(pieces) is not int or not 0 <= pieces <= MAX_PIECES:
                    errors.append(
                        f"part {part}: {loc}: a whole number of pieces from 0 to "
                        f"{MAX_PIECES:,} is needed"
                    )
                else:
                    stock[rows[part], columns[loc]] = pieces
    return errors or stock


PIECES = st.integers(0, 40) | st.sampled_from([-1, MAX_PIECES, MAX_PIECES + 1, 2**70, 1.5, True])
PARTS = st.sampled_from(["Ölpumpe Ø12", "P-2", "P-idle", "P-9"])
LOCATIONS = st.sampled_from(["WERK", "Хаб-1", "DÉPÔT-A", "DEPOT-B", "DEPOT-C", "NOWHERE"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(PARTS, st.dictionaries(LOCATIONS, PIECES) | st.just([1])))
def test_stock_files_read_in_bulk_as_entry_by_entry(data: dict[str, Any]) -> None:
    """Good or bad, a stock document gives the array or the messages the rules give entry by
    entry: read in bulk when it is all good, named entry by entry when it is not."""
    problem = parse_problem(PROBLEM)
    expected = _stock_entry_by_entry(data, problem)
    if isinstance(expected, list):
        with pytest.raises(ProblemError) as caught:
            parse_stock(data, problem)
        assert caught.value.messages == expected
    else:
        np.testing.assert_array_equal(parse_stock(data, problem), expected)


def test_problem_read_in_bulk_as_entry_by_entry() -> None:
    """Demand and resupply overrides land where the file puts them, read in bulk or, for
    numbers of a subclass (NumPy's, from a Python caller), entry by entry; a bad entry among
    a thousand good ones is still named."""
    problem = parse_problem(PROBLEM)
    column = problem.location_index()
    for i, part in enumerate(PROBLEM["parts"]):
        for loc, rate in part["demand_per_day"].items():
            assert problem.demand[i, column[loc]] == rate
        for loc, days in part.get("resupply_days", {}).items():
            assert problem.resupply_days[i, column[loc]] == days
    numpy_numbers = json.loads(json.dumps(PROBLEM))
    for part in numpy_numbers["parts"]:
        part["demand_per_day"] = {k: np.float64(v) for k, v in part["demand_per_day"].items()}
    again = parse_problem(numpy_numbers)
    np.testing.assert_array_equal(again.demand, problem.demand)
    np.testing.assert_array_equal(again.resupply_days, problem.resupply_days)
    many = json.loads(json.dumps(PROBLEM))
    base = many["parts"][1]
    many["parts"] = [{**base, "id": f"P-{k}"} for k in range(1000)]
    many["parts"][617]["resupply_days"] = {"WERK": 0}
    with pytest.raises(ProblemError) as caught:
        parse_problem(many)
    assert caught.value.messages == [
        "part P-617: resupply_days: the days at WERK must be > 0 and ≤ 36,500"
    ]
