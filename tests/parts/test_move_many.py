"""``ledger.move_many``: many moves at once keep the ledger's rules, as ``move`` one by one."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.parts.ledger import Delta, Entry, NotEnoughStock, level, move_many, verify
from fleetcare.parts.models import Location, MoveKind, Part, StockMove
from tests.parts.factories import small_network

CODES = ("HUB", "DEPOT-A")
DELTAS = {  # kind: (on hand, reserved, in transit) per piece
    MoveKind.receipt: (1, 0, 0),
    MoveKind.issue: (-1, 0, 0),
    MoveKind.reserve: (0, 1, 0),
    MoveKind.release: (0, -1, 0),
    MoveKind.transfer_received: (1, 0, -1),
    MoveKind.transfer_shipped: (0, 0, 1),
}
ENTRIES = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(list(DELTAS)), st.integers(1, 5)),
    min_size=1,
    max_size=30,
)


def ids(session: Session) -> tuple[int, dict[str, int]]:
    """P-1's id and the ids of the locations by code, building the network once."""
    part_id = session.scalar(select(Part.id).where(Part.number == "P-1"))
    if part_id is None:
        small_network(session)
        part_id = session.scalar(select(Part.id).where(Part.number == "P-1"))
    assert part_id is not None
    return part_id, {code: lid for code, lid in session.execute(select(Location.code, Location.id))}


def balances(session: Session, part_id: int, locations: dict[str, int]) -> dict[str, list[int]]:
    """The stored balances of P-1 at ``CODES`` ([0, 0, 0] where there is none)."""
    out = {}
    for code in CODES:
        found = level(session, part_id, locations[code])
        out[code] = (
            [0, 0, 0] if found is None else [found.on_hand, found.reserved, found.in_transit]
        )
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=ENTRIES)
def test_a_batch_is_all_or_nothing(
    session: Session, moves: list[tuple[str, MoveKind, int]]
) -> None:
    """A batch moves the balances as its moves in order would, or, when one would make a balance
    invalid, raises NotEnoughStock and writes nothing; balances stay the sum of their moves."""
    part_id, locations = ids(session)
    savepoint = session.begin_nested()
    try:
        before = balances(session, part_id, locations)
        expected = {code: list(values) for code, values in before.items()}
        valid = True
        for code, kind, quantity in moves:
            balance = expected[code]
            for i, per_piece in enumerate(DELTAS[kind]):
                balance[i] += per_piece * quantity
            valid = valid and 0 <= balance[1] <= balance[0] and balance[2] >= 0
        entries = [
            Entry(kind, part_id, locations[code], Delta(*(d * q for d in DELTAS[kind])))
            for code, kind, q in moves
        ]
        written_before = session.scalar(select(func.count()).select_from(StockMove))
        if valid:
            assert move_many(session, entries, actor="test") == len(entries)
            assert balances(session, part_id, locations) == expected
        else:
            with pytest.raises(NotEnoughStock):
                move_many(session, entries, actor="test")
            assert balances(session, part_id, locations) == before
            assert session.scalar(select(func.count()).select_from(StockMove)) == written_before
        assert verify(session)[1] == []
    finally:
        savepoint.rollback()


def test_moves_are_written_as_given(session: Session) -> None:
    """Each move keeps its kind, deltas, time, work order and note; without a time, it is now."""
    part_id, locations = ids(session)
    depot = locations["DEPOT-A"]
    opening = datetime(2024, 10, 31)
    written = move_many(
        session,
        [
            Entry(MoveKind.adjustment, part_id, depot, Delta(on_hand=5), at=opening, note="count"),
            Entry(MoveKind.issue, part_id, depot, Delta(on_hand=-2), work_order="WO-1"),
        ],
        actor="test",
    )
    assert written == 2
    rows = session.execute(
        select(
            StockMove.kind,
            StockMove.at,
            StockMove.on_hand_delta,
            StockMove.work_order,
            StockMove.note,
            StockMove.actor,
        ).order_by(StockMove.id)
    ).all()
    assert [tuple(row[:1]) + tuple(row[2:]) for row in rows] == [
        (MoveKind.adjustment, 5, None, "count", "test"),
        (MoveKind.issue, -2, "WO-1", None, "test"),
    ]
    assert rows[0].at == opening and rows[1].at > opening
    found = level(session, part_id, depot)
    assert found is not None and found.on_hand == 3
    assert move_many(session, [], actor="test") == 0
    session.rollback()
