"""Reading and writing the CSV/JSON files of imports and exports.

Rows are numbered as a person finds them: in a CSV the physical line (the header is line 1,
the first record usually line 2); in a JSON array the 1-based position of the object.
A JSON file is an array of objects, or an object whose ``items`` is one (a REST list answer).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _

Row = tuple[int, dict[str, Any]]
FORMATS = ("csv", "json")


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
            rows.append((line, {k: v for k, v in record.items() if v not in (None, "")}))
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


def _read_json(text: str, name: str) -> tuple[list[Row], list[FieldError]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [
            FieldError("-", _("not valid JSON: {error}").format(error=exc.msg), exc.lineno, name)
        ]
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
        message = str(error["msg"]).removeprefix("Value error, ")
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
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_rows(records: Iterable[BaseModel], columns: Sequence[str], fmt: str, out: IO[str]) -> int:
    """Write ``records`` as CSV (``columns`` in order) or a JSON array; returns the row count."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_cell(getattr(record, column)) for column in columns])
            count += 1
        return count
    out.write("[")
    for record in records:
        out.write(",\n " if count else "\n ")
        out.write(
            json.dumps(record.model_dump(mode="json", include=set(columns)), ensure_ascii=False)
        )
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
