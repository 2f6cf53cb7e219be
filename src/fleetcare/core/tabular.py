"""Reading and writing the CSV/JSON files of imports and exports.

Rows are numbered as a person finds them: in a CSV the physical line (the header is line 1,
the first record usually line 2); in a JSON array the 1-based position of the object.
A JSON file is an array of objects, or an object whose ``items`` is one (a REST list answer).

A CSV cell that a spreadsheet would read as a formula is written with a leading ``'`` and read
back without it (``defuse`` / ``restore``); JSON is written as it is. Exports come out in pieces
of about ``CHUNK_CHARS`` as the records arrive, never as one string of the whole table.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _
from fleetcare.core.validation import refusal_words

Row = tuple[int, dict[str, Any]]
FORMATS = ("csv", "json")
CHUNK_CHARS = 64 * 1024  # an export is handed on in pieces of about this many characters

# A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_START = frozenset("=+-@\t\r")
# A plain decimal number (``-3.5``, ``-2``, ``1e-05``): a spreadsheet reads it as that number.
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def defuse(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet could run it as a formula.

    That is a cell starting, after any ``'`` s, with ``= + - @``, tab or carriage return,
    unless it is a plain decimal number (a negative quantity stays ``-3``). Cells already
    starting with ``'`` before such a character get one more, so ``restore`` is its exact
    inverse: ``restore(defuse(v)) == v`` for every string ``v``.
    """
    if cell.lstrip("'")[:1] in FORMULA_START and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """A CSV cell as it was before ``defuse``: one leading ``'`` dropped before a formula start."""
    if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_START:
        return cell[1:]
    return cell


def read_rows(path: Path) -> tuple[list[Row], list[FieldError]]:
    """Parse ``path`` into numbered rows; file-level problems come back as errors, never raised."""
    name = str(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        return [], [FieldError("-", _("expected a .csv or .json file"), 0, name)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [
            FieldError("-", _("cannot read the file: {error}").format(error=exc.strerror), 0, name)
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _("not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8").format(
            byte=raw[exc.start]
        )
        return [], [FieldError("-", message, line, name)]
    if not text.strip():
        return [], [FieldError("-", _("the file is empty"), 1, name)]
    return _read_csv(text, name) if suffix == "csv" else _read_json(text, name)


def _read_csv(text: str, name: str) -> tuple[list[Row], list[FieldError]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra")
    rows: list[Row] = []
    errors: list[FieldError] = []
    try:
        for record in reader:
            line = reader.line_num
            if "\0extra" in record:
                errors.append(
                    FieldError("-", _("more cells than the header has columns"), line, name)
                )
                continue
            # An empty cell means "not given": the default applies, or it is reported missing.
            values = {k: restore(v) for k, v in record.items() if v not in (None, "")}
            rows.append((line, values))
    except csv.Error as exc:
        errors.append(
            FieldError("-", _("not valid CSV: {error}").format(error=exc), reader.line_num, name)
        )
    header = reader.fieldnames or []
    if not rows and not errors:
        errors.append(FieldError("-", _("the file has a header but no rows"), 1, name))
    blank = [column for column in header if not column or not column.strip()]
    if blank:
        errors.append(FieldError("-", _("a column in the header has no name"), 1, name))
    return rows, errors


class NotJson(Exception):
    """Text that is not JSON: ``reason``, and the ``line`` of a syntax error (None for the
    others: nesting deeper than the decoder recurses, an integer past 4,300 digits)."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def parse_json(text: str) -> Any:
    """``json.loads(text)``; every way the text is not JSON raised as ``NotJson``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotJson(exc.msg, exc.lineno) from None
    except RecursionError:  # the standard library's decoder recurses once per level
        raise NotJson(_("nested too deeply"), None) from None
    except ValueError as exc:  # an integer past Python's 4,300 digits
        raise NotJson(str(exc)[:200], None) from None


def _read_json(text: str, name: str) -> tuple[list[Row], list[FieldError]]:
    try:
        data = parse_json(text)
    except NotJson as exc:
        message = _("not valid JSON: {error}").format(error=exc.reason)
        return [], [FieldError("-", message, exc.line or 1, name)]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        return [], [FieldError("-", _("expected a JSON array of objects"), 1, name)]
    if not data:
        return [], [FieldError("-", _("the file has no rows"), 1, name)]
    rows: list[Row] = []
    errors: list[FieldError] = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(FieldError("-", _("expected an object"), index, name))
            continue
        rows.append((index, {k: v for k, v in item.items() if v is not None}))
    return rows, errors


def header_errors(
    columns: Iterable[str], record_type: type[BaseModel], name: str
) -> list[FieldError]:
    """Columns a CSV header lacks (required fields) or has but nobody reads (unknown)."""
    present = set(columns)
    fields = record_type.model_fields
    errors = [
        FieldError(field, _("missing column"), 1, name)
        for field, info in fields.items()
        if info.is_required() and field not in present
    ]
    errors += [
        FieldError(
            column,
            _("unknown column; expected: {columns}").format(columns=", ".join(fields)),
            1,
            name,
        )
        for column in sorted(present - set(fields))
    ]
    return errors


def csv_header(path: Path) -> list[str]:
    """The header of a CSV file that ``read_rows`` already accepted."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def validation_errors(
    exc: ValidationError, row: int | None = None, name: str | None = None
) -> list[FieldError]:
    """Pydantic's errors as ``FieldError`` s naming the field (``-`` for the whole row)."""
    errors = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
        message = refusal_words(error)
        if error["type"] == "extra_forbidden":
            message = _("unknown field")
        errors.append(FieldError(".".join(loc) or "-", message, row, name))
    return errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):  # whole seconds as such; a fraction kept (it is the key)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _take(buffer: io.StringIO) -> str:
    """What ``buffer`` holds, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def text_chunks(records: Iterable[BaseModel], columns: Sequence[str], fmt: str) -> Iterator[str]:
    """``records`` as CSV (``columns`` in order, cells defused) or a JSON array, in pieces.

    A piece is handed on as soon as it holds ``CHUNK_CHARS`` characters, so at most one
    piece's worth of rows is held at a time, however long ``records`` is.
    """
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        # csv quotes a cell holding "\n" but not one holding a lone "\r", which a reader takes
        # for a line end: such a row is written with every cell quoted.
        quoting_all = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for record in records:
            cells = [defuse(_cell(getattr(record, column))) for column in columns]
            (quoting_all if any("\r" in cell for cell in cells) else writer).writerow(cells)
            if buffer.tell() >= CHUNK_CHARS:
                yield _take(buffer)
        yield _take(buffer)
        return
    buffer.write("[")
    first = True
    for record in records:
        buffer.write("\n " if first else ",\n ")
        first = False
        buffer.write(
            json.dumps(record.model_dump(mode="json", include=set(columns)), ensure_ascii=False)
        )
        if buffer.tell() >= CHUNK_CHARS:
            yield _take(buffer)
    buffer.write("]\n" if first else "\n]\n")
    yield _take(buffer)


class Counted:
    """An iterable that counts the items taken from it (``count``)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.count += 1
            yield item


def write_rows(records: Iterable[BaseModel], columns: Sequence[str], fmt: str, out: IO[str]) -> int:
    """Write ``records`` to ``out`` as ``text_chunks`` makes them; returns the row count."""
    counted = Counted(records)
    for chunk in text_chunks(counted, columns, fmt):
        out.write(chunk)
    return counted.count
