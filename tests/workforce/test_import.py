"""The workforce tables through ``fleetcare import/export``: all or nothing, every problem as
FILE:ROW:FIELD (a shift ending before it starts, an engineer with an employer, a trainer who is
not one, a grant expiring before it is granted), re-import a no-op, export within scope."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.permissions import Role
from fleetcare.workforce.models import Grant, Technician, TrainingSession
from tests.fleet.factories import small_fleet

HEADER = "code,name,kind,employer,region,home_latitude,home_longitude,languages,"
DAYS = "mon,tue,wed,thu,fri,sat,sun\n"
WEEK = "08:00-17:00," * 5
TECHNICIANS = (
    HEADER
    + DAYS
    + "E-1,Anna Engineer,engineer,,Arctic,68.97,33.08,ru en,"
    + WEEK
    + ",\n"
    + "L-1,Lev Local,local,NORD,Arctic,68.9,33.0,ru,"
    + WEEK
    + "09:00-13:00,\n"
)
BAD_TECHNICIANS = (
    HEADER
    + DAYS
    + "E-2,Bad Shift,engineer,,Arctic,68.97,33.08,ru,17:00-08:00,,,,,,\n"
    + "E-3,Employed Engineer,engineer,NORD,Arctic,68.97,33.08,ru,,,,,,,\n"
    + "L-2,Fine,local,,Arctic,68.9,33.0,ru,,,,,,,\n"
    + "L-3,Nowhere,local,,Atlantis,68.9,33.0,ru,,,,,,,\n"
)
GRANTS = """technician,family,level,granted_on,expires_on,granted_by
E-1,city_bus,trainer,2024-01-01,2099-01-01,plant
L-1,city_bus,trainee,2024-01-01,2023-01-01,plant
"""
COURSES = """code,name,family,kind
CB-T,Bus theory,city_bus,theory
CB-P,Bus practice,city_bus,practical
"""
SESSIONS = """code,course,starts_on,ends_on,region,place,trainer
S-1,CB-P,2025-03-03,2025-03-05,Arctic,North depot,E-1
S-2,CB-P,2025-03-03,2025-03-05,Arctic,North depot,L-1
"""


def run(runner: CliRunner, env: dict[str, str], kind: str, path: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", kind, str(path), "--json"], env=env)
    return result.exit_code, result.stdout.strip(), result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def count(session: Session, table: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(table)) or 0


def test_import_errors_name_file_row_and_field(
    runner: CliRunner, cli_env: dict[str, str], session: Session, data_dir: Path
) -> None:
    """Every problem of the file, as FILE:ROW:FIELD; nothing written, not even the good row."""
    small_fleet(session)
    path = write(data_dir, "technicians.csv", BAD_TECHNICIANS)
    code, _out, err = run(runner, cli_env, "technicians", path)
    assert code == 2
    assert f"{path}:2:mon: the shift ends before it starts" in err
    assert f"{path}:3:employer: an engineer is the maker's own: it has no employer" in err
    assert f"{path}:5:region: unknown region 'Atlantis'" in err
    assert count(session, Technician) == 0


def test_grants_and_sessions_are_checked(
    runner: CliRunner, cli_env: dict[str, str], session: Session, data_dir: Path
) -> None:
    """A grant expiring before its grant day and a session whose trainer is a trainee are
    refused by row and field; the good files import; a re-import changes nothing."""
    small_fleet(session)
    assert run(runner, cli_env, "technicians", write(data_dir, "t.csv", TECHNICIANS))[0] == 0
    grants = write(data_dir, "grants.csv", GRANTS)
    code, _out, err = run(runner, cli_env, "grants", grants)
    assert code == 2 and f"{grants}:3:expires_on:" in err
    assert count(session, Grant) == 0
    assert (
        run(
            runner,
            cli_env,
            "grants",
            write(data_dir, "g.csv", GRANTS.replace("2023-01-01", "2099-01-01")),
        )[0]
        == 0
    )
    assert run(runner, cli_env, "courses", write(data_dir, "c.csv", COURSES))[0] == 0
    sessions = write(data_dir, "sessions.csv", SESSIONS)
    code, _out, err = run(runner, cli_env, "training-sessions", sessions)
    assert code == 2
    assert f"{sessions}:3:trainer: L-1 is not a valid trainer for city_bus" in err
    assert count(session, TrainingSession) == 0
    good = write(
        data_dir, "s.csv", SESSIONS.splitlines()[0] + "\n" + SESSIONS.splitlines()[1] + "\n"
    )
    assert (
        run(runner, cli_env, "training-sessions", good)[1]
        == '{"created": 1, "updated": 0, "unchanged": 0}'
    )
    again = run(runner, cli_env, "technicians", write(data_dir, "t2.csv", TECHNICIANS))
    assert again[1] == '{"created": 0, "updated": 0, "unchanged": 2}'


def test_export_is_scoped(
    runner: CliRunner,
    cli_env: dict[str, str],
    session: Session,
    data_dir: Path,
    client_for: Callable[..., TestClient],
) -> None:
    """A Baltic manager's export of technicians holds none of Arctic's; an admin's holds both."""
    small_fleet(session)
    assert run(runner, cli_env, "technicians", write(data_dir, "t.csv", TECHNICIANS))[0] == 0
    baltic = client_for(Role.regional_manager, regions=("Baltic",))
    assert "E-1" not in baltic.get("/api/export/technicians", params={"format": "csv"}).text
    admin = client_for(Role.admin)
    exported = admin.get("/api/export/technicians", params={"format": "csv"}).text
    assert "E-1" in exported and "L-1" in exported
