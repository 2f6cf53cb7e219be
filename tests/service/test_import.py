"""The importable service tables through ``fleetcare import/export``: blank key fields, all or
nothing with every problem as FILE:ROW:FIELD, re-import a no-op, export within scope."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.permissions import Role
from fleetcare.service.models import ServiceContract, ServiceLevel, WarrantyPolicy
from tests.fleet.factories import small_fleet

POLICIES = """model,component_group,months,hours
CB-12,,24,
CB-12,engine,36,10000
PL-630,,12,
"""
CONTRACTS = """reference,customer,model,component_group,starts_on,ends_on
SC-1,NORD,CB-12,,2024-01-01,2026-12-31
SC-2,WEST,,,2024-01-01,2025-12-31
"""
LEVELS = """region,customer,response_hours,restore_hours
Arctic,,24,72
Arctic,NORD,8,24
Baltic,,12,48
"""


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def import_json(runner: CliRunner, env: dict[str, str], kind: str, path: Path) -> str:
    result = runner.invoke(app, ["import", kind, str(path), "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_import_then_reimport_is_a_no_op(
    runner: CliRunner, cli_env: dict[str, str], session: Session, data_dir: Path
) -> None:
    """Blank component groups and customers are keys like any other: importing again changes
    nothing, and export writes back exactly the file's rows."""
    small_fleet(session)
    for kind, text in (
        ("warranty-policies", POLICIES),
        ("service-contracts", CONTRACTS),
        ("service-levels", LEVELS),
    ):
        path = data_dir / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        rows = text.count("\n") - 1
        assert import_json(runner, cli_env, kind, path) == (
            f'{{"created": {rows}, "updated": 0, "unchanged": 0}}'
        )
        assert import_json(runner, cli_env, kind, path) == (
            f'{{"created": 0, "updated": 0, "unchanged": {rows}}}'
        )
        exported = runner.invoke(app, ["export", kind], env=cli_env)
        assert exported.exit_code == 0
        assert sorted(exported.stdout.splitlines()) == sorted(text.splitlines())
    assert (count(session, WarrantyPolicy), count(session, ServiceLevel)) == (3, 3)
    changed = data_dir / "changed.csv"
    changed.write_text("model,component_group,months,hours\nCB-12,,30,\n", encoding="utf-8")
    assert import_json(runner, cli_env, "warranty-policies", changed) == (
        '{"created": 0, "updated": 1, "unchanged": 0}'
    )


def test_bad_rows_are_all_reported_and_nothing_is_written(
    runner: CliRunner, cli_env: dict[str, str], session: Session, data_dir: Path
) -> None:
    """An unknown model, a non-positive month count, dates out of order: every problem as
    FILE:ROW:FIELD, exit 2, no row written."""
    small_fleet(session)
    bad = data_dir / "policies.csv"
    bad.write_text(POLICIES + "XX-1,,12,\nPL-630,brakes,0,\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "warranty-policies", str(bad)], env=cli_env)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"{bad}:5:model: unknown model 'XX-1'" in lines
    assert any(line.startswith(f"{bad}:6:months: ") for line in lines)
    assert count(session, WarrantyPolicy) == 0
    contracts = data_dir / "contracts.csv"
    contracts.write_text(
        "reference,customer,starts_on,ends_on\nSC-9,NORD,2024-02-01,2024-01-01\n"
        "SC-8,NOPE,2024-01-01,2024-02-01\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "service-contracts", str(contracts)], env=cli_env)
    assert result.exit_code == 2
    assert f"{contracts}:3:customer: unknown customer 'NOPE'" in result.stderr.splitlines()
    assert any(line.startswith(f"{contracts}:2:") for line in result.stderr.splitlines())
    assert count(session, ServiceContract) == 0


def test_export_within_scope(
    runner: CliRunner,
    cli_env: dict[str, str],
    session: Session,
    data_dir: Path,
    client_for: object,
) -> None:
    """A customer exports its own contracts and its region's default level, nothing else."""
    small_fleet(session)
    for kind, text in (("service-contracts", CONTRACTS), ("service-levels", LEVELS)):
        path = data_dir / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        import_json(runner, cli_env, kind, path)
    nord: TestClient = client_for(Role.customer, "nord", customer="NORD")  # type: ignore[operator]
    contracts = nord.get("/api/export/service-contracts", params={"format": "json"}).json()
    assert [c["reference"] for c in contracts] == ["SC-1"]
    levels = nord.get("/api/export/service-levels", params={"format": "json"}).json()
    assert sorted((lv["region"], lv["customer"] or "") for lv in levels) == [
        ("Arctic", ""),
        ("Arctic", "NORD"),
    ]
