"""A consistent copy of the whole database, taken while the server runs (``fleetcare db backup``).

SQLite: the library's online backup (``sqlite3.Connection.backup``) copies the database page by
page as one snapshot; writers go on meanwhile. PostgreSQL: ``pg_dump`` in its custom format
(one transaction's snapshot; restored with ``pg_restore``), the password handed in its
environment rather than on its command line. Either way the copy is written beside the target
under a temporary name and renamed into place only when whole, so a failed or interrupted
backup never leaves a partial file under the target's name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from fleetcare.core.i18n import _


class BackupError(Exception):
    """The copy could not be taken; the message says why."""


@dataclass(frozen=True)
class Copy:
    """A backup written: where, its size (bytes) and its SHA-256 (hex)."""

    path: Path
    size: int
    sha256: str


def backup(url: str, target: Path) -> Copy:
    """Copy the database ``url`` names into ``target`` (replaced when it exists)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        live = Path(parsed.database).resolve()
        copy = target.resolve()
        if copy in {live, live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")}:
            raise BackupError(_("the copy would replace the database it copies"))
    partial = target.with_name(f".{target.name}.partial")
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite(parsed.database, partial)
        elif parsed.get_backend_name() == "postgresql":
            _postgresql(url, partial)
        else:
            raise BackupError(_("no backup for this kind of database"))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with target.open("rb") as copied:
        for block in iter(lambda: copied.read(1 << 20), b""):
            digest.update(block)
    return Copy(target, target.stat().st_size, digest.hexdigest())


def _sqlite(database: str | None, partial: Path) -> None:
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupError(_("the SQLite database file does not exist"))
    try:
        # a plain connection (read-only ones cannot open a WAL database whose -shm is gone)
        source = sqlite3.connect(Path(database).resolve())
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(str(exc)) from None


def _postgresql(url: str, partial: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(_("pg_dump is not installed (PostgreSQL's client tools)"))
    parsed = make_url(url)
    environment = {**os.environ, "PGPASSWORD": parsed.password or ""}
    command = [program, "--format=custom", "--no-owner", f"--file={partial}"]
    for option, value in (
        ("--host", parsed.host),
        ("--port", parsed.port),
        ("--username", parsed.username),
        ("--dbname", parsed.database),
    ):
        if value is not None:
            command.append(f"{option}={value}")
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or _("pg_dump failed"))
