"""The audit log of stock: every ledger move with its balance before and after, reservation
release and issue, transfer receipt, and the rows a stock import writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import import_file
from fleetcare.parts import service
from fleetcare.parts.ledger import Delta, Entry, move_many
from fleetcare.parts.models import Location, MoveKind, Part, StockMove
from fleetcare.parts.schemas import ReservationCreate, TransferCreate
from fleetcare.parts.stock_tables import STOCK
from tests.parts.factories import BY, receive, small_network


def entries(session: Session, entity: str, action: str | None = None) -> list[AuditEntry]:
    """The audit entries of ``entity`` (of one action), oldest first."""
    statement = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return list(session.scalars(statement))


def balance(on_hand: int, reserved: int = 0, in_transit: int = 0) -> dict[str, int]:
    return {"on_hand": on_hand, "reserved": reserved, "in_transit": in_transit}


def test_a_move_is_audited_with_the_balance_before_and_after(session: Session) -> None:
    """A receipt of 5 then one of 2 leave two entries: 0 → 5 and 5 → 7 on hand, naming the move."""
    small_network(session)
    receive(session, "P-1", "DEPOT-A", 5)
    receive(session, "P-1", "DEPOT-A", 2)
    session.commit()
    moves = list(session.scalars(select(StockMove.id).order_by(StockMove.id)))
    audited = entries(session, "stock", "move.receipt")
    assert [(e.key, e.actor, e.before, e.after) for e in audited] == [
        ("P-1@DEPOT-A", BY.username, balance(0), {**balance(5), "move": moves[0]}),
        ("P-1@DEPOT-A", BY.username, balance(5), {**balance(7), "move": moves[1]}),
    ]


def test_move_many_audits_each_move_in_order(session: Session) -> None:
    """A batch leaves one entry per move; each before is the balance the previous move left."""
    small_network(session)
    part = session.scalars(select(Part.id).where(Part.number == "P-2")).one()
    hub, depot = (
        session.scalars(select(Location.id).where(Location.code == code)).one()
        for code in ("HUB", "DEPOT-B")
    )
    batch = [
        Entry(MoveKind.receipt, part, hub, Delta.of(MoveKind.receipt, 4)),
        Entry(MoveKind.reserve, part, hub, Delta.of(MoveKind.reserve, 3)),
        Entry(MoveKind.transfer_shipped, part, depot, Delta(in_transit=2)),
        Entry(MoveKind.release, part, hub, Delta.of(MoveKind.release, 1)),
    ]
    assert move_many(session, batch, actor="batch") == 4
    session.commit()
    moves = list(session.scalars(select(StockMove.id).order_by(StockMove.id)))
    audited = [(e.action, e.key, e.before, e.after) for e in entries(session, "stock")]
    assert audited == [
        ("move.receipt", "P-2@HUB", balance(0), {**balance(4), "move": moves[0]}),
        ("move.reserve", "P-2@HUB", balance(4), {**balance(4, 3), "move": moves[1]}),
        (
            "move.transfer_shipped",
            "P-2@DEPOT-B",
            balance(0),
            {**balance(0, 0, 2), "move": moves[2]},
        ),
        ("move.release", "P-2@HUB", balance(4, 3), {**balance(4, 2), "move": moves[3]}),
    ]


def _status(entry: AuditEntry, side: str) -> Any:
    state = getattr(entry, side)
    return None if state is None else state["status"]


def test_release_and_issue_are_audited_before_and_after(session: Session) -> None:
    """Releasing and issuing a reservation leave the reservation before (active) and after, and
    the ledger entries of the release and the issue."""
    small_network(session)
    receive(session, "P-1", "DEPOT-A", 5)
    kept = service.reserve(
        session, ReservationCreate(part="P-1", location="DEPOT-A", quantity=2), by=BY
    )
    given_back = service.reserve(
        session, ReservationCreate(part="P-1", location="DEPOT-A", quantity=1), by=BY
    )
    service.release(session, given_back.id, by=BY)
    service.issue(session, kept.id, by=BY)
    session.commit()
    release, issue = (
        entries(session, "reservations", action)[0] for action in ("release", "issue")
    )
    assert (release.key, _status(release, "before"), _status(release, "after")) == (
        str(given_back.id),
        "active",
        "released",
    )
    assert (issue.key, _status(issue, "before"), _status(issue, "after")) == (
        str(kept.id),
        "active",
        "issued",
    )
    assert issue.before is not None and issue.before["quantity"] == 2
    ledger = {e.action: (e.before, e.after) for e in entries(session, "stock")}
    assert ledger["move.release"][0] == balance(5, 3)
    assert {k: v for k, v in ledger["move.release"][1].items() if k != "move"} == balance(5, 2)
    assert ledger["move.issue"][0] == balance(5, 2)
    assert {k: v for k, v in ledger["move.issue"][1].items() if k != "move"} == balance(3, 0)


def test_transfer_receipt_is_audited_before_and_after(session: Session) -> None:
    """Receiving a transfer leaves the transfer before (in transit) and after (received), and
    the destination's balance moving 3 pieces from in transit to on hand."""
    small_network(session)
    receive(session, "P-1", "HUB", 3)
    shipped = service.ship(
        session, TransferCreate(part="P-1", origin="HUB", destination="DEPOT-A", quantity=3), by=BY
    )
    service.receive(session, shipped.id, by=BY)
    session.commit()
    [received] = entries(session, "transfers", "receive")
    assert received.key == str(shipped.id)
    assert received.before is not None and received.after is not None
    assert (received.before["status"], received.before["received_at"]) == ("in_transit", None)
    assert received.after["status"] == "received" and received.after["received_at"]
    [arrival] = entries(session, "stock", "move.transfer_received")
    assert arrival.key == "P-1@DEPOT-A"
    assert arrival.before == balance(0, 0, 3)
    assert arrival.after == {**balance(3), "move": arrival.after["move"]}


def test_stock_import_audits_each_row_and_the_file(session: Session, tmp_path: Path) -> None:
    """A stock file leaves one entry per balance it changed (on hand before and after), one
    adjustment move each, and one entry for the file with its SHA-256 and counts."""
    small_network(session)
    receive(session, "P-1", "DEPOT-A", 5)
    session.commit()
    path = tmp_path / "stock.csv"
    path.write_text("part,location,on_hand\nP-1,DEPOT-A,8\nP-2,HUB,4\n", encoding="utf-8")
    import_file(session, STOCK, path, actor="importer")
    session.commit()
    rows = [(e.action, e.key, e.before, e.after) for e in entries(session, "stock", None)]
    assert (
        "import.update",
        "P-1@DEPOT-A",
        *[{"part": "P-1", "location": "DEPOT-A", "on_hand": n} for n in (5, 8)],
    ) in rows
    assert (
        "import.update",
        "P-2@HUB",
        *[{"part": "P-2", "location": "HUB", "on_hand": n} for n in (0, 4)],
    ) in rows
    adjustments = [
        (key, before) for action, key, before, _after in rows if action == "move.adjustment"
    ]
    assert adjustments == [("P-1@DEPOT-A", balance(5)), ("P-2@HUB", balance(0))]
    [summary] = entries(session, "stock", "import")
    assert summary.actor == "importer" and summary.after is not None
    assert summary.after["counts"] == {"stock": {"created": 0, "updated": 2, "unchanged": 0}}
    assert summary.after["rows_audited"] is True
