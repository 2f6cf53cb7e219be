"""Self-references of keyed tables (a location's parent, a part's successor) never loop."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.errors import InvalidInput
from fleetcare.parts import schemas
from fleetcare.parts.models import Location, LocationKind, Part
from fleetcare.parts.tables import LOCATIONS, PARTS
from tests.parts.factories import small_network


def _location(session: Session, code: str) -> Location:
    return session.scalars(select(Location).where(Location.code == code)).one()


def test_a_rename_under_its_own_child_is_a_loop(session: Session) -> None:
    """Renaming HUB to HUB2 under DEPOT-A (a child of HUB) is refused on the parent field."""
    small_network(session)
    hub = _location(session, "HUB")
    record = LOCATIONS.to_record(hub).model_copy(update={"code": "HUB2", "parent": "DEPOT-A"})
    with pytest.raises(InvalidInput) as caught:
        LOCATIONS.apply(session, [Item(record, target_id=hub.id)])
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("parent", "parent 'DEPOT-A' makes a loop")
    ]


def test_a_rename_under_its_old_code_is_a_loop(session: Session) -> None:
    """Renaming HUB to HUB2 with parent HUB names the row itself: refused."""
    small_network(session)
    hub = _location(session, "HUB")
    record = LOCATIONS.to_record(hub).model_copy(update={"code": "HUB2", "parent": "HUB"})
    with pytest.raises(InvalidInput) as caught:
        LOCATIONS.apply(session, [Item(record, target_id=hub.id)])
    assert [e.field for e in caught.value.errors] == ["parent"]


def test_a_part_renamed_cannot_supersede_itself(session: Session) -> None:
    """P-1 renamed to P-1B and superseded by P-1 (its own old number) is refused."""
    small_network(session)
    part = session.scalars(select(Part).where(Part.number == "P-1")).one()
    record = PARTS.to_record(part).model_copy(update={"number": "P-1B", "superseded_by": "P-1"})
    with pytest.raises(InvalidInput) as caught:
        PARTS.apply(session, [Item(record, target_id=part.id)])
    assert [e.field for e in caught.value.errors] == ["superseded_by"]


def test_a_plain_rename_and_a_new_chain_are_fine(session: Session) -> None:
    """A rename that keeps the tree, and new rows naming each other in order, are accepted."""
    small_network(session)
    hub = _location(session, "HUB")
    renamed = LOCATIONS.to_record(hub).model_copy(update={"code": "HUB2"})
    LOCATIONS.apply(session, [Item(renamed, target_id=hub.id)])
    new = [
        schemas.LocationRecord(
            code=code, name=code, kind=LocationKind.depot, latitude=0, longitude=0, parent=parent
        )
        for code, parent in (("C", "D"), ("D", "HUB2"))
    ]
    LOCATIONS.apply(session, [Item(record) for record in new])
    assert _location(session, "C").parent is not None
    assert _location(session, "DEPOT-A").parent == _location(session, "HUB2")
