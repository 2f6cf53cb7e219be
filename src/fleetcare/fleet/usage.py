"""Usage readings: upsert by (unit, taken_at), and per unit the meters never run backwards.

A reading lower than the reading before it (in time, whether stored or in the same batch) is
an error on the row that breaks the order; the unit's latest hours and km are refreshed in the
same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fleetcare.core.audit import Change
from fleetcare.core.bulk import ApplyResult, Item
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import chunks, resolve
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet.models import Unit, UsageReading
from fleetcare.fleet.schemas import UsageRecord
from fleetcare.fleet.scoping import restrict

METERS = ("engine_hours", "km")


@dataclass
class _Point:
    """One reading in a unit's merged series: stored (``reading_id``) and/or from this batch."""

    taken_at: datetime
    engine_hours: float | None
    km: float | None
    reading_id: int | None = None
    item: int | None = None  # position in the batch when the batch writes this point
    stored: tuple[datetime, float | None, float | None] | None = None


def meter_order_errors(
    points: Sequence[_Point], items: Sequence[Item[UsageRecord]]
) -> list[FieldError]:
    """Errors for each meter that decreases along ``points`` (sorted by time)."""
    errors = []
    for meter in METERS:
        previous: _Point | None = None
        for point in points:
            value = getattr(point, meter)
            if value is None:
                continue
            if previous is not None and value < getattr(previous, meter):
                blamed, other = (point, previous) if point.item is not None else (previous, point)
                row = items[blamed.item].row if blamed.item is not None else None
                message = _(
                    "{meter} {value:g} at {at} is out of order with {other:g} at {other_at}"
                ).format(
                    meter=meter,
                    value=getattr(blamed, meter),
                    at=blamed.taken_at.isoformat(" "),
                    other=getattr(other, meter),
                    other_at=other.taken_at.isoformat(" "),
                )
                errors.append(FieldError(meter, message, row))
            previous = point
    return errors


class UsageTable:
    """Usage readings as an importable table."""

    name = "usage"
    record_type = UsageRecord

    def apply(
        self, session: Session, items: Sequence[Item[UsageRecord]], *, write: bool = True
    ) -> ApplyResult:
        """Check keys, units and meter order for every affected unit; then upsert. Writing,
        the units' rows are locked first (in id order), so two concurrent batches cannot both
        pass the order check against readings the other is adding (PostgreSQL; SQLite's
        write transactions take turns already)."""
        unit_ids = resolve(session, Unit, "serial", (i.record.serial for i in items))
        affected = sorted(set(unit_ids.values()))
        if write:  # a concurrent batch on the same units waits, then sees these readings
            for part in chunks(affected):
                locked = select(Unit.id).where(Unit.id.in_(part)).order_by(Unit.id)
                session.execute(locked.with_for_update()).all()
        series, stored = self._load(session, affected)
        errors: list[FieldError] = []
        first_row: dict[tuple[str, datetime], int | None] = {}
        for position, item in enumerate(items):
            record = item.record
            key = (record.serial, record.taken_at)
            if key in first_row:
                message = _("duplicate reading of '{serial}' at {at} (also row {row})").format(
                    serial=record.serial, at=record.taken_at.isoformat(" "), row=first_row[key]
                )
                errors.append(FieldError("taken_at", message, item.row))
                continue
            first_row[key] = item.row
            if record.serial not in unit_ids:
                message = _("unknown unit '{serial}'").format(serial=record.serial)
                errors.append(FieldError("serial", message, item.row))
                continue
            error = self._merge(series[unit_ids[record.serial]], stored, item, position)
            if error is not None:
                errors.append(error)
        for points in series.values():
            errors += meter_order_errors(sorted(points.values(), key=lambda p: p.taken_at), items)
        if errors:
            raise InvalidInput(errors)
        if not write:
            return ApplyResult()
        return self._write(session, items, series)

    @staticmethod
    def _load(
        session: Session, unit_ids: Sequence[int]
    ) -> tuple[dict[int, dict[datetime, _Point]], dict[int, _Point]]:
        """The stored readings of ``unit_ids``: per unit by time, and by reading id."""
        series: dict[int, dict[datetime, _Point]] = defaultdict(dict)
        by_id: dict[int, _Point] = {}
        columns = (
            UsageReading.id,
            UsageReading.unit_id,
            UsageReading.taken_at,
            UsageReading.engine_hours,
            UsageReading.km,
        )
        for part in chunks(unit_ids):
            rows = session.execute(select(*columns).where(UsageReading.unit_id.in_(part)))
            for reading_id, unit_id, taken_at, hours, km in rows:
                point = _Point(taken_at, hours, km, reading_id, stored=(taken_at, hours, km))
                series[unit_id][taken_at] = by_id[reading_id] = point
        return series, by_id

    @staticmethod
    def _merge(
        points: dict[datetime, _Point],
        stored: dict[int, _Point],
        item: Item[UsageRecord],
        position: int,
    ) -> FieldError | None:
        """Put ``item`` into its unit's series: over the stored reading it updates, or new."""
        record = item.record
        if item.target_id is not None:  # an update may move a stored reading in time
            points.pop(stored[item.target_id].taken_at, None)
        clash = points.get(record.taken_at)
        if clash is not None and (item.must_be_new or item.target_id is not None):
            message = _("'{serial}' already has a reading at {at}").format(
                serial=record.serial, at=record.taken_at.isoformat(" ")
            )
            return FieldError("taken_at", message, item.row)
        reading_id = item.target_id if item.target_id is not None else None
        if reading_id is None and clash is not None:
            reading_id = clash.reading_id
        before = stored[reading_id].stored if reading_id is not None else None
        points[record.taken_at] = _Point(
            record.taken_at, record.engine_hours, record.km, reading_id, position, before
        )
        return None

    def _write(
        self,
        session: Session,
        items: Sequence[Item[UsageRecord]],
        series: dict[int, dict[datetime, _Point]],
    ) -> ApplyResult:
        result = ApplyResult()
        new_rows, new_positions, changed = [], [], []
        ids: list[int | None] = [None] * len(items)
        for unit_id, points in series.items():
            for point in points.values():
                if point.item is None:
                    continue
                values = {
                    "taken_at": point.taken_at,
                    "engine_hours": point.engine_hours,
                    "km": point.km,
                }
                record = items[point.item].record
                if point.reading_id is None:
                    new_rows.append({"unit_id": unit_id, **values})
                    new_positions.append(point.item)
                    result.changes.append(Change(self.key_text(record), None, record))
                    continue
                ids[point.item] = point.reading_id
                if point.stored == (point.taken_at, point.engine_hours, point.km):
                    result.unchanged += 1
                else:
                    changed.append({"id": point.reading_id, **values})
                    assert point.stored is not None
                    taken_at, hours, km = point.stored
                    before = UsageRecord.model_construct(
                        serial=record.serial, taken_at=taken_at, engine_hours=hours, km=km
                    )
                    result.changes.append(Change(self.key_text(record), before, record))
        if new_rows:
            statement = insert(UsageReading).returning(
                UsageReading.id, sort_by_parameter_order=True
            )
            for position, new_id in zip(
                new_positions, session.scalars(statement, new_rows).all(), strict=True
            ):
                ids[position] = new_id
            result.created = len(new_rows)
        if changed:
            session.execute(update(UsageReading), changed)
            result.updated = len(changed)
        if new_rows or changed:
            session.execute(
                update(Unit),
                [
                    self._latest(unit_id, points)
                    for unit_id, points in series.items()
                    if any(p.item is not None for p in points.values())
                ],
            )
        session.flush()
        result.ids = [i for i in ids if i is not None]
        return result

    @staticmethod
    def key_text(record: UsageRecord) -> str:
        """A reading's natural key as people write it: ``BUS-001/2024-05-01T00:00:00``."""
        return f"{record.serial}/{record.taken_at.isoformat(timespec='seconds')}"

    @staticmethod
    def _latest(unit_id: int, points: dict[datetime, _Point]) -> dict[str, object]:
        """The unit's cached meters: the newest reading time, the highest value of each meter."""
        ordered = sorted(points.values(), key=lambda p: p.taken_at)
        latest: dict[str, object] = {
            "id": unit_id,
            "last_reading_at": ordered[-1].taken_at if ordered else None,
        }
        for meter in METERS:
            values = [getattr(p, meter) for p in ordered if getattr(p, meter) is not None]
            latest[meter] = values[-1] if values else None
        return latest

    def to_record(self, reading: UsageReading, serial: str) -> UsageRecord:
        """The record form of one stored reading."""
        return UsageRecord.model_construct(
            serial=serial,
            taken_at=reading.taken_at,
            engine_hours=reading.engine_hours,
            km=reading.km,
        )

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[UsageRecord]:
        """Every reading ``scope`` may see, by unit serial and time."""
        statement = (
            select(UsageReading, Unit.serial)
            .join(Unit, Unit.id == UsageReading.unit_id)
            .order_by(Unit.serial, UsageReading.taken_at)
        )
        statement = restrict(statement, UsageReading, scope)
        for reading, serial in session.execute(statement).yield_per(5000):
            yield self.to_record(reading, serial)


USAGE = UsageTable()
