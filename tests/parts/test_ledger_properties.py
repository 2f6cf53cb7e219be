"""The ledger: whatever sequence of moves, balances equal the sum of moves and never go negative."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.errors import InvalidInput
from fleetcare.parts import schemas, service
from fleetcare.parts.ledger import NotEnoughStock, level, verify
from fleetcare.parts.models import Location, MoveKind, Part, StockLevel
from tests.parts.factories import BY, small_network

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "receipt",
                "issue",
                "scrap",
                "return",
                "reserve",
                "release",
                "issue_reserved",
                "ship",
                "arrive",
                "adjustment",
            ]
        ),
        st.integers(-3, 6),
    ),
    min_size=1,
    max_size=25,
)


class Model:
    """An obvious reference: three numbers per location, checked by hand."""

    def __init__(self) -> None:
        self.stock = {"HUB": [0, 0, 0], "DEPOT-A": [0, 0, 0]}  # on hand, reserved, in transit
        self.reservations: list[tuple[int, int]] = []  # (id, quantity) active
        self.transfers: list[tuple[int, int]] = []  # (id, quantity) in transit to DEPOT-A

    def ok(self, location: str, on_hand: int = 0, reserved: int = 0, in_transit: int = 0) -> bool:
        a, r, t = self.stock[location]
        a, r, t = a + on_hand, r + reserved, t + in_transit
        return 0 <= r <= a and t >= 0

    def apply(
        self, location: str, on_hand: int = 0, reserved: int = 0, in_transit: int = 0
    ) -> None:
        balance = self.stock[location]
        balance[0] += on_hand
        balance[1] += reserved
        balance[2] += in_transit


def run(session: Session, model: Model, name: str, quantity: int) -> None:
    """Do one operation on the database and, when it is allowed, on the model."""
    simple = {
        "receipt": (MoveKind.receipt, 1),
        "issue": (MoveKind.issue, -1),
        "scrap": (MoveKind.scrap, -1),
        "return": (MoveKind.return_, 1),
        "adjustment": (MoveKind.adjustment, 1),
    }
    if name in simple:
        kind, sign = simple[name]
        body = schemas.MoveCreate(kind=kind, part="P-1", location="DEPOT-A", quantity=quantity)
        allowed = (quantity != 0 if kind is MoveKind.adjustment else quantity > 0) and model.ok(
            "DEPOT-A", on_hand=sign * quantity
        )
        try:
            service.record_move(session, body, by=BY)
        except (InvalidInput, NotEnoughStock):
            assert not allowed
            return
        assert allowed
        model.apply("DEPOT-A", on_hand=sign * quantity)
    elif name == "reserve" and quantity > 0:
        try:
            held = service.reserve(
                session,
                schemas.ReservationCreate(part="P-1", location="DEPOT-A", quantity=quantity),
                by=BY,
            )
        except NotEnoughStock:
            assert not model.ok("DEPOT-A", reserved=quantity)
            return
        assert model.ok("DEPOT-A", reserved=quantity)
        model.apply("DEPOT-A", reserved=quantity)
        model.reservations.append((held.id, quantity))
    elif name in ("release", "issue_reserved") and model.reservations:
        held_id, held_quantity = model.reservations.pop(quantity % len(model.reservations))
        if name == "release":
            service.release(session, held_id, by=BY)
            model.apply("DEPOT-A", reserved=-held_quantity)
        else:
            service.issue(session, held_id, by=BY)
            model.apply("DEPOT-A", on_hand=-held_quantity, reserved=-held_quantity)
    elif name == "ship" and quantity > 0:
        body = schemas.TransferCreate(
            part="P-1", origin="HUB", destination="DEPOT-A", quantity=quantity
        )
        if not model.ok("HUB", on_hand=-quantity):
            service.record_move(
                session,
                schemas.MoveCreate(
                    kind=MoveKind.receipt, part="P-1", location="HUB", quantity=quantity
                ),
                by=BY,
            )
            model.apply("HUB", on_hand=quantity)
        shipped = service.ship(session, body, by=BY)
        model.apply("HUB", on_hand=-quantity)
        model.apply("DEPOT-A", in_transit=quantity)
        model.transfers.append((shipped.id, quantity))
    elif name == "arrive" and model.transfers:
        transfer_id, transfer_quantity = model.transfers.pop(0)
        service.receive(session, transfer_id, by=BY)
        model.apply("DEPOT-A", on_hand=transfer_quantity, in_transit=-transfer_quantity)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_balances_follow_the_moves(session: Session, operations: list[tuple[str, int]]) -> None:
    """Every allowed operation moves the balance as the reference model does; none goes negative."""
    if session.get(Part, 1) is None:
        small_network(session)
    part_id = session.query(Part.id).filter(Part.number == "P-1").scalar()
    locations = {code: lid for code, lid in session.query(Location.code, Location.id)}
    model = Model()
    try:
        for name, quantity in operations:
            savepoint = session.begin_nested()
            try:
                run(session, model, name, quantity)
                savepoint.commit()
            except Exception:
                savepoint.rollback()
                raise
            for code, expected in model.stock.items():
                balance = level(session, part_id, locations[code])
                got = (
                    [0, 0, 0]
                    if balance is None
                    else [balance.on_hand, balance.reserved, balance.in_transit]
                )
                assert got == expected, (name, quantity, code)
                assert got[0] >= got[1] >= 0 and got[2] >= 0
        checked, mismatches = verify(session)
        assert mismatches == [], mismatches
        assert checked == len(list(session.scalars(select(StockLevel))))
    finally:
        session.rollback()


def test_verify_finds_a_balance_changed_behind_the_ledger(session: Session) -> None:
    """A balance edited without a move is reported by verify."""
    small_network(session)
    service.record_move(
        session,
        schemas.MoveCreate(kind=MoveKind.receipt, part="P-1", location="HUB", quantity=3),
        by=BY,
    )
    assert verify(session)[1] == []
    part_id = session.query(Part.id).filter(Part.number == "P-1").scalar()
    hub = session.query(Location.id).filter(Location.code == "HUB").scalar()
    balance = level(session, part_id, hub)
    assert balance is not None
    balance.on_hand = 7
    session.flush()
    mismatches = verify(session)[1]
    assert mismatches == [
        {"part_id": part_id, "location_id": hub, "balance": [7, 0, 0], "sum_of_moves": [3, 0, 0]}
    ]
    session.rollback()


@pytest.mark.parametrize("kind", [MoveKind.reserve, MoveKind.transfer_shipped, MoveKind.release])
def test_moves_with_their_own_routes_are_refused_by_hand(session: Session, kind: MoveKind) -> None:
    """Reservations and transfers only move through their own operations."""
    small_network(session)
    with pytest.raises(InvalidInput):
        service.record_move(
            session, schemas.MoveCreate(kind=kind, part="P-1", location="HUB", quantity=1), by=BY
        )
