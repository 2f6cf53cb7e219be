"""Import and export of record files, the same for every table: validate all, then write once.

A ``Table`` knows one importable table: its record shape, how to check a batch of records
against the database (references, duplicates, cross-row rules) and how to upsert it by natural
key.
``import_file`` reports *every* problem (file, row, field) and writes nothing when there is one;
the caller's transaction makes the write all-or-nothing. What it writes is audited: one entry per
row created or updated (before and after) up to ``AUDIT_EACH_ROW_UP_TO`` rows, and always one
entry for the file (its SHA-256, the counts, and above that threshold the keys of the rows
changed, at most ``AUDIT_KEYS_AT_MOST``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.core.statistics import ANALYZE_FROM_ROWS, refresh_statistics
from fleetcare.core.tabular import (
    csv_header,
    header_errors,
    read_rows,
    text_chunks,
    validation_errors,
    write_rows,
)

R = TypeVar("R", bound=BaseModel)
ProgressCallback = Callable[[int, int], None]
AUDIT_EACH_ROW_UP_TO = 10_000  # rows an import audits one by one; above, the file's entry only
AUDIT_KEYS_AT_MOST = 1_000  # keys of changed rows the file's entry lists above that


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
    """What a batch did; ``ids`` holds the id of each item's row, in the items' order, and
    ``changes`` each row created or updated, with its record before and after, for the audit."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)
    changes: list[audit.Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Created, updated and unchanged, as the import command prints them."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class Table(Protocol[R]):
    """One importable table: what ``import_file`` writes into and ``export_file`` reads."""

    name: str
    record_type: type[R]

    def apply(
        self, session: Session, items: Sequence[Item[R]], *, write: bool = True
    ) -> ApplyResult:
        """Check ``items``; raise ``InvalidInput`` listing every problem; upsert when ``write``.

        Writes nothing to the audit log: the result's ``changes`` are for the caller to record.
        """
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
    session: Session,
    table: Table[R],
    path: Path,
    on_progress: ProgressCallback | None = None,
    *,
    actor: str,
) -> ApplyResult:
    """Import ``path`` into ``table`` as ``actor``, audited; raise ``InvalidInput`` listing
    every problem. After ``ANALYZE_FROM_ROWS`` rows or more, the planner's statistics are
    refreshed in the same transaction (``core.statistics``)."""
    items, errors = parse_file(table, path, on_progress)
    try:
        result = table.apply(session, items, write=not errors)
    except InvalidInput as exc:
        errors += [FieldError(e.field, e.message, e.row, e.file or str(path)) for e in exc.errors]
        result = ApplyResult()
    if errors:
        raise InvalidInput(sorted(errors, key=lambda e: (e.row or 0, e.field)))
    audit_import(session, table.name, path, result, actor=actor)
    if result.created + result.updated >= ANALYZE_FROM_ROWS:
        refresh_statistics(session)  # the planner's view of the tables the file just filled
    return result


def audit_import(
    session: Session,
    entity: str,
    path: Path,
    result: ApplyResult,
    *,
    actor: str,
    key: str | None = None,
) -> None:
    """Audit an import: each row written (``import.create`` / ``import.update``, before and
    after) when there are at most ``AUDIT_EACH_ROW_UP_TO``, and one ``import`` entry for the
    file (its key ``key``, default the path): its SHA-256, the counts per table, and, when the
    rows were too many to audit one by one, the keys of the first ``AUDIT_KEYS_AT_MOST`` rows
    changed."""
    changes = result.changes
    each_row = len(changes) <= AUDIT_EACH_ROW_UP_TO
    if each_row:
        entries = [
            ("import.create" if change.before is None else "import.update", change)
            for change in changes
        ]
        audit.record_many(session, actor=actor, entity=entity, entries=entries)
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    summary: dict[str, Any] = {
        "file": path.name,
        "sha256": digest,
        "counts": {entity: result.counts()},
        "rows_audited": each_row,
    }
    if not each_row:
        summary["changed"] = [change.key for change in changes[:AUDIT_KEYS_AT_MOST]]
        summary["changed_listed"] = min(len(changes), AUDIT_KEYS_AT_MOST)
        summary["changed_total"] = len(changes)
    audit.record(
        session, actor=actor, action="import", entity=entity, key=key or str(path), after=summary
    )


def export_chunks(
    session: Session, table: Table[R], fmt: str, scope: Scope = EVERYTHING
) -> Iterator[str]:
    """The rows of ``table`` that ``scope`` may see as ``fmt`` (csv|json) text, in pieces, read
    from the database as they are written: memory does not grow with the table."""
    return text_chunks(table.export(session, scope), list(table.record_type.model_fields), fmt)


def export_file(
    session: Session, table: Table[R], fmt: str, out: IO[str], scope: Scope = EVERYTHING
) -> int:
    """Write the rows of ``table`` that ``scope`` may see as ``fmt`` (csv|json), with the
    columns import reads, as they come; returns the row count."""
    return write_rows(table.export(session, scope), list(table.record_type.model_fields), fmt, out)
