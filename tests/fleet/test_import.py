"""Import and export of the installed base: all errors reported, nothing half-written, upserts."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core import bulk
from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import import_file
from fleetcare.core.db import transaction
from fleetcare.core.errors import InvalidInput
from fleetcare.exchange.registry import TABLES
from fleetcare.fleet.models import Unit, UsageReading
from tests.fleet.factories import small_fleet

UNITS_CSV = """serial,model,customer,site,delivered_on,warranty_start,status
BUS-101,CB-12,NORD,North depot,2023-03-01,2023-03-10,in_service
BUS-102,CB-12,NORD,North depot,2023-03-01,,down
LIFT-101,PL-630,WEST,West depot,2022-06-01,2022-06-01,in_service
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def run_import(url: str, table: str, path: Path):  # type: ignore[no-untyped-def]
    with transaction(url) as session:
        return import_file(session, TABLES[table], path, actor="test")


def test_units_import_then_reimport_is_a_no_op(session: Session, db: str, data_dir: Path) -> None:
    """A good file is written whole; the same file again changes nothing."""
    small_fleet(session)
    path = write(data_dir / "units.csv", UNITS_CSV)
    first = run_import(db, "units", path)
    again = run_import(db, "units", path)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    session.expire_all()
    unit = session.scalars(select(Unit).where(Unit.serial == "BUS-102")).one()
    assert unit.warranty_start.isoformat() == "2023-03-01"  # defaults to delivered_on
    assert unit.status.value == "down"


def test_changed_row_is_updated(session: Session, db: str, data_dir: Path) -> None:
    """Upsert on the serial: a changed status updates the stored unit."""
    small_fleet(session)
    run_import(db, "units", write(data_dir / "a.csv", UNITS_CSV))
    result = run_import(
        db,
        "units",
        write(data_dir / "b.csv", UNITS_CSV.replace("2023-03-10,in_service", "2023-03-10,retired")),
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_writes_what_import_reads(
    session: Session, db: str, data_dir: Path, runner: CliRunner, cli_env: dict[str, str], fmt: str
) -> None:
    """Exported units re-import as a no-op and export again byte for byte."""
    small_fleet(session)
    run_import(db, "units", write(data_dir / "units.csv", UNITS_CSV))
    first = runner.invoke(app, ["export", "units", "--format", fmt], env=cli_env)
    assert first.exit_code == 0, first.stderr
    if fmt == "csv":
        assert (
            first.stdout.splitlines()[0]
            == "serial,model,customer,site,delivered_on,warranty_start,status,delivery"
        )
    else:
        assert json.loads(first.stdout)[0]["serial"] == "BUS-001"
    exported = write(data_dir / f"export.{fmt}", first.stdout)
    result = run_import(db, "units", exported)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 7)
    second = runner.invoke(app, ["export", "units", "--format", fmt], env=cli_env)
    assert second.stdout == first.stdout
    nowhere = data_dir / "no-such-folder" / f"units.{fmt}"
    refused = runner.invoke(app, ["export", "units", "--out", str(nowhere)], env=cli_env)
    assert refused.exit_code == 2 and "its folder does not exist" in refused.stderr


def test_every_error_is_reported_and_nothing_written(
    session: Session, db: str, data_dir: Path
) -> None:
    """Unknown references, duplicates, future dates, wrong types: all listed by row and field."""
    small_fleet(session)
    before = count(session, Unit)
    bad = write(
        data_dir / "units.csv",
        """serial,model,customer,site,delivered_on,warranty_start,status
BUS-201,CB-99,NORD,North depot,2023-03-01,,in_service
BUS-202,CB-12,NOBODY,Nowhere,2023-03-01,,in_service
BUS-203,CB-12,NORD,North depot,2999-01-01,,in_service
BUS-204,CB-12,NORD,North depot,yesterday,,broken
BUS-205,CB-12,NORD,North depot,2023-03-01,2023-02-01,in_service
BUS-206,CB-12,NORD,North depot,2023-03-01,,in_service
BUS-206,CB-12,NORD,North depot,2023-03-01,,in_service
""",
    )
    with pytest.raises(InvalidInput) as caught:
        run_import(db, "units", bad)
    lines = [str(e) for e in caught.value.errors]
    name = str(bad)
    assert f"{name}:2:model: unknown model 'CB-99'" in lines
    assert f"{name}:3:customer: unknown customer 'NOBODY'" in lines
    assert f"{name}:3:site: unknown site 'Nowhere'" in lines
    assert f"{name}:4:delivered_on: date is in the future" in lines
    assert any(line.startswith(f"{name}:5:delivered_on: ") for line in lines)
    assert any(line.startswith(f"{name}:5:status: ") for line in lines)
    assert f"{name}:6:warranty_start: warranty_start is before delivered_on" in lines
    assert f"{name}:8:serial: duplicate serial 'BUS-206' (also row 7)" in lines
    session.expire_all()
    assert count(session, Unit) == before


def test_missing_and_unknown_columns(session: Session, db: str, data_dir: Path) -> None:
    """A header without a required column, or with a column nobody reads, is refused at line 1."""
    small_fleet(session)
    bad = write(
        data_dir / "units.csv",
        "serial,model,customer,delivered,status\nX,CB-12,NORD,2023-01-01,in_service\n",
    )
    with pytest.raises(InvalidInput) as caught:
        run_import(db, "units", bad)
    fields = sorted((e.row, e.field, e.message.split(";")[0]) for e in caught.value.errors)
    assert fields == [
        (1, "delivered", "unknown column"),
        (1, "delivered_on", "missing column"),
        (1, "site", "missing column"),
    ]


def test_delivery_must_match_unit(session: Session, db: str, data_dir: Path) -> None:
    """A unit may only name a delivery of its own customer and model."""
    small_fleet(session)
    bad = write(
        data_dir / "units.json",
        json.dumps(
            [
                {
                    "serial": "L-9",
                    "model": "PL-630",
                    "customer": "WEST",
                    "site": "West depot",
                    "delivered_on": "2023-01-01",
                    "delivery": "D-1",
                }
            ]
        ),
    )
    with pytest.raises(InvalidInput) as caught:
        run_import(db, "units", bad)
    assert [str(e) for e in caught.value.errors] == [
        f"{bad}:1:delivery: delivery 'D-1' is for another customer or model"
    ]


def test_each_table_imports(session: Session, db: str, data_dir: Path) -> None:
    """Regions, sites, customers, models and deliveries import from CSV with their natural keys."""
    files = {
        "regions": "name,country,climate\nTaiga,Russia,cold\n",
        "sites": "name,region,latitude,longitude\nCamp 7,Taiga,63.7,34.3\n",
        "customers": "code,name,region\nLES,Timber Co,Taiga\n",
        "models": "code,family,name\nFW-14,forestry_forwarder,Forwarder 14 t\n",
        "deliveries": (
            "reference,customer,model,quantity,shipped_on,delivered_on\n"
            "D-9,LES,FW-14,2,2024-01-10,2024-02-01\n"
        ),
        "units": "serial,model,customer,site,delivered_on,warranty_start,status,delivery\n"
        "FW-1,FW-14,LES,Camp 7,2024-02-01,,in_service,D-9\n",
        "usage": (
            "serial,taken_at,engine_hours,km\nFW-1,2024-03-01,120.5,\nFW-1,2024-04-01T08:30:00,300,\n"
        ),
    }
    for table, text in files.items():
        result = run_import(db, table, write(data_dir / f"{table}.csv", text))
        assert result.created == text.count("\n") - 1, table
    unit = session.scalars(select(Unit).where(Unit.serial == "FW-1")).one()
    assert unit.engine_hours == 300
    assert (
        unit.last_reading_at is not None
        and unit.last_reading_at.isoformat() == "2024-04-01T08:30:00"
    )


def test_bad_values_in_other_tables(session: Session, db: str, data_dir: Path) -> None:
    """A climate outside the list, a latitude out of range, an unknown region, a zero quantity."""
    small_fleet(session)
    cases = {
        "regions": ("name,country,climate\nX,Russia,tropical\n", "climate"),
        "sites": ("name,region,latitude,longitude\nS,Arctic,95,10\n", "latitude"),
        "customers": ("code,name,region\nC,Name,Atlantis\n", "region"),
        "deliveries": (
            "reference,customer,model,quantity,shipped_on,delivered_on\nD,NORD,CB-12,0,2023-01-01,\n",
            "quantity",
        ),
    }
    for table, (text, field) in cases.items():
        with pytest.raises(InvalidInput) as caught:
            run_import(db, table, write(data_dir / f"{table}.csv", text))
        assert [(e.row, e.field) for e in caught.value.errors] == [(2, field)], table


def test_usage_out_of_order_against_stored_and_in_file(
    session: Session, db: str, data_dir: Path
) -> None:
    """A reading below an earlier one (stored or in the file) is refused on the breaking row."""
    small_fleet(session)
    run_import(
        db,
        "usage",
        write(data_dir / "a.csv", "serial,taken_at,engine_hours,km\nBUS-001,2024-01-01,100,2000\n"),
    )
    bad = write(
        data_dir / "b.csv",
        "serial,taken_at,engine_hours,km\n"
        "BUS-001,2024-02-01,90,2100\n"  # hours below the stored 100
        "BUS-002,2024-01-01,50,\n"
        "BUS-002,2024-02-01,40,\n"  # below the row above
        "BUS-003,2024-01-01,-5,\n"  # negative
        "BUS-003,2024-01-02,,\n"  # no value at all
        "NOPE-1,2024-01-01,5,\n",
    )
    with pytest.raises(InvalidInput) as caught:
        run_import(db, "usage", bad)
    found = {(e.row, e.field) for e in caught.value.errors}
    assert found == {
        (2, "engine_hours"),
        (4, "engine_hours"),
        (5, "engine_hours"),
        (6, "km"),
        (7, "serial"),
    }
    assert count(session, UsageReading) == 1


def test_cli_import_reports_lines_and_exits_2(
    session: Session, runner: CliRunner, cli_env: dict[str, str], data_dir: Path
) -> None:
    """The CLI prints one FILE:ROW:FIELD line per problem on stderr and exits with status 2."""
    small_fleet(session)
    bad = write(
        data_dir / "usage.csv",
        "serial,taken_at,engine_hours\nNOPE,2024-01-01,5\nBUS-001,2024-01-01,x\n",
    )
    result = runner.invoke(app, ["import", "usage", str(bad)], env=cli_env)
    assert result.exit_code == 2
    assert f"{bad}:2:serial: unknown unit 'NOPE'" in result.stderr
    assert f"{bad}:3:engine_hours: " in result.stderr
    assert "nothing was written" in result.stderr
    ok = write(data_dir / "ok.csv", "serial,taken_at,engine_hours\nBUS-001,2024-01-01,5\n")
    good = runner.invoke(app, ["import", "usage", str(ok), "--json"], env=cli_env)
    assert good.exit_code == 0, good.stderr
    assert json.loads(good.stdout) == {"created": 1, "updated": 0, "unchanged": 0}


def test_cli_refuses_a_wrong_encoding(
    session: Session, runner: CliRunner, cli_env: dict[str, str], data_dir: Path
) -> None:
    """A file that is not UTF-8 is refused with its line; nothing written."""
    small_fleet(session)
    path = data_dir / "regions.csv"
    path.write_bytes("name,country,climate\nМурманск,Россия,arctic\n".encode("cp1251"))
    result = runner.invoke(app, ["import", "regions", str(path)], env=cli_env)
    assert result.exit_code == 2
    assert f"{path}:2:-: not UTF-8 text" in result.stderr


def audit_entries(session: Session, entity: str) -> list[AuditEntry]:
    """The audit entries of ``entity``, oldest first."""
    statement = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    return list(session.scalars(statement))


def test_each_imported_row_is_audited(session: Session, db: str, data_dir: Path) -> None:
    """Each row an import creates or updates has its entry, before and after; unchanged rows
    have none; the file has one entry with its SHA-256 and counts."""
    small_fleet(session)
    first = write(data_dir / "a.csv", UNITS_CSV)
    run_import(db, "units", first)
    second = write(
        data_dir / "b.csv", UNITS_CSV.replace("2023-03-10,in_service", "2023-03-10,retired")
    )
    run_import(db, "units", second)
    rows = [e for e in audit_entries(session, "units") if e.action.startswith("import.")]
    assert [(e.action, e.key, e.actor) for e in rows] == [
        ("import.create", "BUS-101", "test"),
        ("import.create", "BUS-102", "test"),
        ("import.create", "LIFT-101", "test"),
        ("import.update", "BUS-101", "test"),
    ]
    assert rows[0].before is None and rows[0].after is not None
    assert rows[0].after["site"] == "North depot" and rows[0].after["status"] == "in_service"
    assert rows[3].before is not None and rows[3].after is not None
    assert (rows[3].before["status"], rows[3].after["status"]) == ("in_service", "retired")
    files = [e for e in audit_entries(session, "units") if e.action == "import"]
    assert [e.key for e in files] == [str(first), str(second)]
    assert files[1].after == {
        "file": "b.csv",
        "sha256": hashlib.sha256(second.read_bytes()).hexdigest(),
        "counts": {"units": {"created": 0, "updated": 1, "unchanged": 2}},
        "rows_audited": True,
    }


def test_usage_import_audits_readings_before_and_after(
    session: Session, db: str, data_dir: Path
) -> None:
    """A reading imported again with another value is audited with the stored reading before."""
    small_fleet(session)
    header = "serial,taken_at,engine_hours,km\n"
    run_import(db, "usage", write(data_dir / "a.csv", header + "BUS-001,2024-01-01,100,\n"))
    run_import(db, "usage", write(data_dir / "b.csv", header + "BUS-001,2024-01-01,120,\n"))
    rows = [e for e in audit_entries(session, "usage") if e.action.startswith("import.")]
    assert [(e.action, e.key) for e in rows] == [
        ("import.create", "BUS-001/2024-01-01T00:00:00"),
        ("import.update", "BUS-001/2024-01-01T00:00:00"),
    ]
    assert rows[1].before is not None and rows[1].after is not None
    assert (rows[1].before["engine_hours"], rows[1].after["engine_hours"]) == (100, 120)


def test_large_imports_are_audited_by_file(
    session: Session, db: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold an import leaves one entry: hash, counts, the first keys changed."""
    monkeypatch.setattr(bulk, "AUDIT_EACH_ROW_UP_TO", 2)
    monkeypatch.setattr(bulk, "AUDIT_KEYS_AT_MOST", 2)
    small_fleet(session)
    path = write(data_dir / "units.csv", UNITS_CSV)
    run_import(db, "units", path)
    [entry] = [e for e in audit_entries(session, "units") if e.action.startswith("import")]
    assert entry.action == "import" and entry.after is not None
    assert entry.after["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry.after["counts"] == {"units": {"created": 3, "updated": 0, "unchanged": 0}}
    assert entry.after["rows_audited"] is False
    assert entry.after["changed"] == ["BUS-101", "BUS-102"]
    assert (entry.after["changed_listed"], entry.after["changed_total"]) == (2, 3)


def test_a_reading_with_a_fraction_of_a_second_round_trips(
    session: Session, db: str, data_dir: Path, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """A reading taken at 10:00:00.5 exports with its fraction and re-imports as unchanged (it
    was written as 10:00:00, a new reading)."""
    small_fleet(session)
    session.add(
        UsageReading(
            unit_id=session.scalars(select(Unit.id).where(Unit.serial == "BUS-001")).one(),
            taken_at=datetime(2024, 1, 1, 10, 0, 0, 500_000),
            engine_hours=10.0,
        )
    )
    session.commit()
    exported = runner.invoke(app, ["export", "usage"], env=cli_env)
    assert "2024-01-01T10:00:00.500000" in exported.stdout
    result = run_import(db, "usage", write(data_dir / "usage.csv", exported.stdout))
    assert (result.created, result.updated) == (0, 0)
