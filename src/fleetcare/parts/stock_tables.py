"""Opening (counted) stock and target stock as importable tables.

``stock`` rows set the on-hand quantity of a part at a location through adjustment moves, so
the ledger stays the only way stock changes; ``targets`` rows set the planned stock that the
replenishment proposals aim for. Both are upserted by (part, location).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.audit import Change
from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import resolve
from fleetcare.core.permissions import EVERYTHING, Principal, Scope, system
from fleetcare.parts import schemas
from fleetcare.parts.balances import set_on_hand, set_target
from fleetcare.parts.ledger import NotEnoughStock, level
from fleetcare.parts.models import Location, Part, StockLevel
from fleetcare.parts.scoping import location_condition, where

R = TypeVar("R", bound=schemas.PartLocation)


class _PartLocationTable(Generic[R]):
    """Rows keyed by (part number, location code)."""

    name: str
    record_type: type[R]

    def __init__(self, actor: Principal | None = None) -> None:
        self.actor = actor or system("import")  # whom the stock table's adjustment moves are by

    @staticmethod
    def key_text(record: schemas.PartLocation) -> str:
        """The natural key as people write it: ``P-100@DEPOT-MUR``."""
        return f"{record.part}@{record.location}"

    def _resolve(
        self, session: Session, items: Sequence[Item[R]]
    ) -> tuple[dict[str, int], dict[str, int]]:
        errors: list[FieldError] = []
        parts = resolve(session, Part, "number", (i.record.part for i in items))
        locations = resolve(session, Location, "code", (i.record.location for i in items))
        first_row: dict[tuple[str, str], int | None] = {}
        for item in items:
            part, location = item.record.part, item.record.location
            if part not in parts:
                errors.append(
                    FieldError("part", _("unknown part '{number}'").format(number=part), item.row)
                )
            if location not in locations:
                errors.append(
                    FieldError(
                        "location", _("unknown location '{code}'").format(code=location), item.row
                    )
                )
            if (part, location) in first_row:
                errors.append(
                    FieldError(
                        "part",
                        _("duplicate part/location '{part}/{location}' (also row {row})").format(
                            part=part, location=location, row=first_row[(part, location)]
                        ),
                        item.row,
                    )
                )
            first_row.setdefault((part, location), item.row)
        if errors:
            raise InvalidInput(errors)
        return parts, locations


class StockTable(_PartLocationTable[schemas.StockRecord]):
    """Counted stock: brings on hand to the given quantity with adjustment moves."""

    name = "stock"
    record_type = schemas.StockRecord

    def apply(
        self, session: Session, items: Sequence[Item[schemas.StockRecord]], *, write: bool = True
    ) -> ApplyResult:
        """Check parts and locations; then adjust each balance to its counted quantity."""
        parts, locations = self._resolve(session, items)
        result = ApplyResult()
        if not write:
            return result
        errors: list[FieldError] = []
        for item in items:
            part = session.get(Part, parts[item.record.part])
            location = session.get(Location, locations[item.record.location])
            assert part is not None and location is not None
            try:
                change = set_on_hand(session, part, location, item.record.on_hand, by=self.actor)
            except NotEnoughStock:
                errors.append(FieldError("on_hand", _("below the pieces reserved there"), item.row))
                continue
            result.updated += change != 0
            result.unchanged += change == 0
            if change:
                before = item.record.model_copy(update={"on_hand": item.record.on_hand - change})
                result.changes.append(Change(self.key_text(item.record), before, item.record))
        if errors:
            raise InvalidInput(errors)
        return result

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[schemas.StockRecord]:
        """Every balance with stock on hand at the locations ``scope`` may see, by part and
        location."""
        statement = where(
            (
                select(Part.number, Location.code, StockLevel.on_hand)
                .join(Part, StockLevel.part_id == Part.id)
                .join(Location, StockLevel.location_id == Location.id)
                .where(StockLevel.on_hand > 0)
                .order_by(Part.number, Location.code)
                .execution_options(yield_per=1000)
            ),
            location_condition(scope),
        )
        for number, code, on_hand in session.execute(statement):
            yield schemas.StockRecord(part=number, location=code, on_hand=on_hand)


class TargetTable(_PartLocationTable[schemas.TargetRecord]):
    """Target stock per part and location; each change comes back in the result's ``changes``."""

    name = "targets"
    record_type = schemas.TargetRecord

    def apply(
        self, session: Session, items: Sequence[Item[schemas.TargetRecord]], *, write: bool = True
    ) -> ApplyResult:
        """Check parts and locations; then set each target."""
        parts, locations = self._resolve(session, items)
        result = ApplyResult()
        if not write:
            return result
        for item in items:
            part = session.get(Part, parts[item.record.part])
            location = session.get(Location, locations[item.record.location])
            assert part is not None and location is not None
            before = level(session, part.id, location.id)
            was = before.target if before is not None else None
            changed = set_target(session, part, location, item.record.target)
            if changed:
                result.changes.append(
                    Change(
                        self.key_text(item.record),
                        {"target": was},
                        {"target": item.record.target},
                    )
                )
            result.updated += changed
            result.unchanged += not changed
        return result

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[schemas.TargetRecord]:
        """Every target at the locations ``scope`` may see, by part and location."""
        statement = where(
            (
                select(Part.number, Location.code, StockLevel.target)
                .join(Part, StockLevel.part_id == Part.id)
                .join(Location, StockLevel.location_id == Location.id)
                .where(StockLevel.target.is_not(None))
                .order_by(Part.number, Location.code)
                .execution_options(yield_per=1000)
            ),
            location_condition(scope),
        )
        for number, code, target in session.execute(statement):
            yield schemas.TargetRecord(part=number, location=code, target=target)


STOCK = StockTable()
TARGETS = TargetTable()
