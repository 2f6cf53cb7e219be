"""``fleetcare db backup``: a whole, consistent copy of the database (SQLite's file, or
pg_dump's custom format), never a partial file under the target's name, audited."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.audit import AuditEntry
from fleetcare.core.backup import BackupError, backup
from tests.fleet.factories import small_fleet


def test_backup_copies_the_database_and_is_audited(
    runner: CliRunner, cli_env: dict[str, str], session: Session, db: str, data_dir: Path
) -> None:
    """The copy holds the fleet's units; an existing file needs --force; the entry names the
    file, its size and its SHA-256."""
    if db.startswith("postgresql") and shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's client tools are not installed")
    small_fleet(session)
    target = data_dir / "copy.backup"
    done = runner.invoke(app, ["db", "backup", str(target)], env=cli_env)
    assert done.exit_code == 0, done.stderr
    if db.startswith("sqlite"):
        with sqlite3.connect(target) as copy:
            serials = {s for (s,) in copy.execute("SELECT serial FROM units")}
        assert {"BUS-001", "LIFT-001"} <= serials
    else:
        listing = subprocess.run(
            ["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True
        ).stdout
        assert "TABLE DATA public units" in listing
    session.rollback()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "backup")).one()
    assert entry.key == str(target) and entry.after is not None
    assert entry.after["bytes"] == target.stat().st_size and len(entry.after["sha256"]) == 64
    again = runner.invoke(app, ["db", "backup", str(target)], env=cli_env)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert runner.invoke(app, ["db", "backup", str(target), "--force"], env=cli_env).exit_code == 0
    nowhere = runner.invoke(app, ["db", "backup", str(data_dir / "no" / "such.db")], env=cli_env)
    assert nowhere.exit_code == 2 and "folder does not exist" in nowhere.stderr
    if db.startswith("sqlite"):  # never over the database it copies, even with --force
        live = db.removeprefix("sqlite:///")
        over = runner.invoke(app, ["db", "backup", live, "--force"], env=cli_env)
        assert over.exit_code == 2 and "would replace the database" in over.stderr


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    """A database that cannot be copied leaves neither the target nor a partial file."""
    target = tmp_path / "copy.db"
    with pytest.raises(BackupError):
        backup(f"sqlite:///{tmp_path / 'missing.db'}", target)
    with pytest.raises(BackupError):
        backup("postgresql+psycopg://nobody@127.0.0.1:1/none", target)
    assert list(tmp_path.iterdir()) == []
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all, but long enough to be read as one" * 20)
    with pytest.raises(BackupError):  # SQLite's refusal, said as the backup's
        backup(f"sqlite:///{garbage}", target)
    assert list(tmp_path.iterdir()) == [garbage]
