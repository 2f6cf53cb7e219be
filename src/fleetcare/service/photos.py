"""Photos of a defect: JPEG or PNG recognised by their first bytes (never by name or declared
type), capped in size and number, stored under ``<var_dir>/photos/<defect id>/`` with a random
name. The folder is the link to the defect (no table): a photo is served only through its
defect, so only to those who may see the defect.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal

MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


class TooLarge(InvalidInput):
    """A photo over the size cap (answered 413)."""


@dataclass(frozen=True)
class PhotoLimits:
    """What one defect's photos may weigh: bytes per photo, photos per defect."""

    max_bytes: int = 2 * 1024 * 1024
    max_count: int = 3


def kind_of(content: bytes) -> str | None:
    """``jpg`` or ``png`` by the file's first bytes, else None."""
    return next((ext for magic, ext in MAGIC.items() if content.startswith(magic)), None)


def check(contents: list[bytes], limits: PhotoLimits) -> list[str]:
    """The kind of each photo; refused (422 on ``photos``) when one is not a JPEG or PNG, is too
    large, or there are too many."""
    if len(contents) > limits.max_count:
        message = _("at most {n} photos").format(n=limits.max_count)
        raise InvalidInput([FieldError("photos", message)])
    kinds = []
    for content in contents:
        if len(content) > limits.max_bytes:
            message = _("a photo is larger than {n:,} bytes").format(n=limits.max_bytes)
            raise TooLarge([FieldError("photos", message)])
        kind = kind_of(content)
        if kind is None:
            raise InvalidInput([FieldError("photos", _("a photo is not a JPEG or PNG image"))])
        kinds.append(kind)
    return kinds


def folder(var_dir: Path, defect_id: int) -> Path:
    """Where the defect's photos are kept."""
    return var_dir / "photos" / str(defect_id)


def store(
    session: Session,
    var_dir: Path,
    defect_id: int,
    contents: list[bytes],
    kinds: list[str],
    *,
    by: Principal,
) -> list[str]:
    """Write checked photos of a defect the caller has just reported (audited); their names."""
    target = folder(var_dir, defect_id)
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for content, kind in zip(contents, kinds, strict=True):
        name = f"{secrets.token_hex(16)}.{kind}"
        (target / name).write_bytes(content)
        names.append(name)
    if names:
        audit.record(
            session,
            actor=by.username,
            action="photos",
            entity="defects",
            key=str(defect_id),
            after={"photos": names},
        )
    return names


def names(var_dir: Path, defect_id: int) -> list[str]:
    """The defect's photos, oldest first (by file time, then name)."""
    target = folder(var_dir, defect_id)
    if not target.is_dir():
        return []
    found = [p for p in target.iterdir() if NAME.match(p.name)]
    return [p.name for p in sorted(found, key=lambda p: (p.stat().st_mtime, p.name))]


def path_of(var_dir: Path, defect_id: int, name: str) -> Path | None:
    """The file of one photo, or None when the name is not one of ours or is absent."""
    if not NAME.match(name):
        return None
    path = folder(var_dir, defect_id) / name
    return path if path.is_file() else None
