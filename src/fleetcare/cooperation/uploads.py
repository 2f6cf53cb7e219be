"""Importing a file sent from a page (multipart upload): the same checks as ``fleetcare
import``, all or nothing, every problem as ``FILE:ROW:FIELD: message`` naming the file as it
was sent, and a scoped writer's rows held to its regions.

The upload is at most ``MAX_UPLOAD_BYTES`` (a year of trade per region and group is a few
hundred rows, far below it); its name is reduced to letters, digits, ``.``, ``_`` and ``-``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.cooperation.tables import visible_regions
from fleetcare.core.bulk import ApplyResult, Item, audit_import, parse_file
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import Principal, Scope
from fleetcare.fleet.models import Region

MAX_UPLOAD_BYTES = 512 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class TooLarge(InvalidInput):
    """An upload above ``MAX_UPLOAD_BYTES``."""


def upload_name(filename: str | None) -> str:
    """The sent file's base name, reduced to safe characters (``upload`` when nothing is
    left); its suffix decides the format (``.csv`` or ``.json``)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", base).strip("._")[:80] or "upload"


def check_size(name: str, size: int) -> None:
    """``TooLarge`` naming the file when ``size`` bytes exceed the limit."""
    if size > MAX_UPLOAD_BYTES:
        message = _("the file is larger than {limit} KiB").format(limit=MAX_UPLOAD_BYTES // 1024)
        raise TooLarge([FieldError("-", message, 0, name)])


def _out_of_scope(
    session: Session, items: list[Item[Any]], scope: Scope, name: str
) -> list[FieldError]:
    """Rows naming a region the writer does not see, reported as an unknown region."""
    ids = visible_regions(scope)
    if ids is None:
        return []
    seen = set(session.scalars(select(Region.name).where(Region.id.in_(ids))))
    return [
        FieldError(
            "region",
            _("unknown {field} '{value}'").format(field="region", value=item.record.region),
            item.row,
            name,
        )
        for item in items
        if item.record.region not in seen
    ]


def import_upload(
    session: Session, table: KeyedTable[Any], filename: str | None, content: bytes, *, by: Principal
) -> ApplyResult:
    """Import ``content`` (a file named ``filename``) into ``table`` as ``by``, audited; raise
    ``InvalidInput`` listing every problem, having written nothing."""
    name = upload_name(filename)
    check_size(name, len(content))
    with tempfile.TemporaryDirectory(prefix="fleetcare-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        items, parsed = parse_file(table, path)
        errors = [FieldError(e.field, e.message, e.row, name) for e in parsed]
        if table.scope_field == "region":
            errors += _out_of_scope(session, items, by.scope, name)
        try:
            result = table.apply(session, items, write=not errors)
        except InvalidInput as exc:
            errors += [FieldError(e.field, e.message, e.row, name) for e in exc.errors]
            result = ApplyResult()
        if errors:
            raise InvalidInput(sorted(errors, key=lambda e: (e.row or 0, e.field)))
        audit_import(session, table.name, path, result, actor=by.username, key=f"upload:{name}")
    return result
