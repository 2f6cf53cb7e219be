"""Import and export of record files, the same for every table: validate all, then write once.

A ``Table`` knows one importable table: its record shape, how to check a batch of records
against the database (references, duplicates, cross-row rules) and how to upsert it by natural
key.
``import_file`` reports *every* problem (file, row, field) and writes nothing when there is one;
the caller's transaction makes the write all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.tabular import (
    csv_header,
    header_errors,
    read_rows,
    validation_errors,
    write_rows,
)

R = TypeVar("R", bound=BaseModel)
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Item(Generic[R]):
    """A record to write: upserted by natural key, or onto the row ``target_id`` (an update).

    ``row`` is the file row it came from; ``must_be_new`` refuses a key that exists (a create).
    """

    record: R
    row: int | None = None
    target_id: int | None = None
    must_be_new: bool = False


@dataclass
class ApplyResult:
    """What a batch did; ``ids`` holds the id of each item's row, in the items' order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


class Table(Protocol[R]):
    """One importable table: what ``import_file`` writes into and ``export_file`` reads."""

    name: str
    record_type: type[R]

    def apply(
        self, session: Session, items: Sequence[Item[R]], *, write: bool = True
    ) -> ApplyResult:
        """Check ``items``; raise ``InvalidInput`` listing every problem; upsert when ``write``."""
        ...

    def export(self, session: Session, scope: Scope = EVERYTHING) -> Iterator[R]:
        """Every row ``scope`` may see, as a record, in a stable order."""
        ...


def parse_file(
    table: Table[R], path: Path, on_progress: ProgressCallback | None = None
) -> tuple[list[Item[R]], list[FieldError]]:
    """Read and shape-check every row of ``path``; returns the good items and all errors."""
    name = str(path)
    rows, errors = read_rows(path)
    if path.suffix.lower() == ".csv" and rows:
        errors += header_errors(csv_header(path), table.record_type, name)
        if errors:
            return [], errors
    items: list[Item[R]] = []
    for done, (row, values) in enumerate(rows, start=1):
        try:
            items.append(Item(table.record_type.model_validate(values), row=row))
        except ValidationError as exc:
            errors += validation_errors(exc, row, name)
        if on_progress is not None and done % 1000 == 0:
            on_progress(done, len(rows))
    if on_progress is not None:
        on_progress(len(rows), len(rows))
    return items, errors


def import_file(
    session: Session, table: Table[R], path: Path, on_progress: ProgressCallback | None = None
) -> ApplyResult:
    """Import ``path`` into ``table``; raise ``InvalidInput`` listing every problem."""
    items, errors = parse_file(table, path, on_progress)
    try:
        result = table.apply(session, items, write=not errors)
    except InvalidInput as exc:
        errors += [FieldError(e.field, e.message, e.row, e.file or str(path)) for e in exc.errors]
        result = ApplyResult()
    if errors:
        raise InvalidInput(sorted(errors, key=lambda e: (e.row or 0, e.field)))
    return result


def export_file(
    session: Session, table: Table[R], fmt: str, out: IO[str], scope: Scope = EVERYTHING
) -> int:
    """Write the rows of ``table`` that ``scope`` may see as ``fmt`` (csv|json), with the
    columns import reads; returns the row count."""
    return write_rows(table.export(session, scope), list(table.record_type.model_fields), fmt, out)
