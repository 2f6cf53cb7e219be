"""Photos of a defect: JPEG or PNG recognised by their first bytes (never by name or declared
type), capped in size and number, stored under ``<var_dir>/photos/<defect id>/`` with a random
name. The folder is the link to the defect (no table): a photo is served only through its
defect, so only to those who may see the defect.

A photo reaches its defect's folder only once the defect's transaction has committed: it is
written first under ``<var_dir>/photos.pending/`` with a random name, renamed into the folder
(an atomic rename on the same file system) after the commit, and deleted when the transaction
rolls back or ends without committing. A failed report therefore leaves no file behind — and
none that a later defect reusing the rolled-back id could show. A process killed between the
write and the commit leaves its pending files in ``photos.pending/``, never served.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from fleetcare.core import audit
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal
from fleetcare.service.images import picture

MAX_PIXELS = 50_000_000  # a camera's photo has fewer; more is a decompression bomb
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
PENDING = "photos.pending"
log = logging.getLogger(__name__)


class TooLarge(InvalidInput):
    """A photo over the size cap (answered 413)."""


@dataclass(frozen=True)
class PhotoLimits:
    """What one defect's photos may weigh: bytes per photo, photos per defect."""

    max_bytes: int = 2 * 1024 * 1024
    max_count: int = 3


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
        found = picture(content)
        if found is None:
            raise InvalidInput([FieldError("photos", _("a photo is not a JPEG or PNG image"))])
        kind, width, height = found
        if width * height > MAX_PIXELS:
            message = _("a photo of {w} × {h} pixels has more than {n} million").format(
                w=width, h=height, n=MAX_PIXELS // 1_000_000
            )
            raise InvalidInput([FieldError("photos", message)])
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
    """Stage checked photos of a defect the caller has just reported (audited); their names.

    They appear in the defect's folder when ``session``'s transaction commits, and are deleted
    if it does not."""
    pending = var_dir / PENDING
    pending.mkdir(parents=True, exist_ok=True)
    target = folder(var_dir, defect_id)
    staged: list[tuple[Path, Path]] = []
    names = []
    try:
        for content, kind in zip(contents, kinds, strict=True):
            name = f"{secrets.token_hex(16)}.{kind}"
            path = pending / f"{secrets.token_hex(16)}.part"
            staged.append((path, target / name))
            path.write_bytes(content)
            names.append(name)
    except OSError:
        _discard(staged)
        raise
    if not names:
        return names
    _publish_on_commit(session, target, staged)
    audit.record(
        session,
        actor=by.username,
        action="photos",
        entity="defects",
        key=str(defect_id),
        after={"photos": names},
    )
    return names


def _discard(staged: list[tuple[Path, Path]]) -> None:
    for path, _final in staged:
        path.unlink(missing_ok=True)


def _publish_on_commit(session: Session, target: Path, staged: list[tuple[Path, Path]]) -> None:
    """Rename the staged files into ``target`` after the session's outermost transaction
    commits; delete whatever is still staged when that transaction ends (rolled back, or
    published already). Savepoints do neither. The listeners stay on the session (a request's
    or command's, short-lived) and do nothing once their transaction has ended."""
    ended = False

    def publish(committed: Session) -> None:
        if ended or committed.in_nested_transaction():
            return
        try:
            target.mkdir(parents=True, exist_ok=True)
            for path, final in staged:
                path.replace(final)
        except OSError:  # committed: the report stands without the photos that failed
            log.exception("defect photos could not be moved into %s", target)

    def end(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal ended
        if ended or transaction.parent is not None:
            return
        ended = True
        _discard(staged)

    event.listen(session, "after_commit", publish)
    event.listen(session, "after_transaction_end", end)


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
