"""Commands given bad input exit 2 naming it, never a traceback (each case was one)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from tests.cooperation.factories import cooperation_world
from tests.service.factories import service_fleet


def test_warranty_check_refuses_hours_and_days_it_cannot_judge(
    runner: CliRunner, cli_env: dict[str, str], session: Session
) -> None:
    service_fleet(session)
    base = ["warranty", "check", "BUS-001", "--component", "engine", "--json"]
    for extra in (["--hours", "inf"], ["--hours", "1e308"], ["--on", "0001-01-01"]):
        refused = runner.invoke(app, [*base, *extra], env=cli_env)
        assert refused.exit_code == 2, (extra, refused.stderr)
    fine = runner.invoke(app, [*base, "--hours", "500"], env=cli_env)
    assert fine.exit_code == 0 and json.loads(fine.stdout)["hours"] == 500


def test_ids_past_an_integer_column_are_refused(runner: CliRunner, cli_env: dict[str, str]) -> None:
    huge = "99999999999999999999"
    for command in (["stock", "arrive", huge], ["workforce", "countersign", huge, "--by", "X"]):
        refused = runner.invoke(app, command, env=cli_env)
        assert refused.exit_code == 2 and "Traceback" not in refused.output, command


def test_cooperation_export_to_a_missing_folder(
    runner: CliRunner, cli_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    cooperation_world(session)
    nowhere = tmp_path / "no-such-folder" / "trade.csv"
    refused = runner.invoke(
        app, ["cooperation", "export", "trade", "--out", str(nowhere)], env=cli_env
    )
    assert refused.exit_code == 2 and "its folder does not exist" in refused.stderr


def test_demo_and_simulate_options(
    runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A negative seed; a problem file beside --region (one of them would be ignored)."""
    assert runner.invoke(app, ["demo", "--seed", "-1"], env=cli_env).exit_code == 2
    both = runner.invoke(
        app, ["simulate", str(tmp_path / "missing.json"), "--region", "Arctic"], env=cli_env
    )
    assert both.exit_code == 2 and "not both" in both.stderr


def test_an_unknown_region_is_said_not_answered_empty(
    runner: CliRunner, cli_env: dict[str, str], session: Session
) -> None:
    """A typo in --region reads as 'no region named …' (exit 2), not as nothing overdue."""
    cooperation_world(session)
    for command in (
        ["service", "overdue", "--region", "Nowhere"],
        ["cooperation", "deals", "--region", "Nowhere"],
        ["workforce", "technicians", "--region", "Nowhere"],
    ):
        said = runner.invoke(app, command, env=cli_env)
        assert said.exit_code == 2 and "no region named 'Nowhere'" in said.output, command
    assert (
        runner.invoke(app, ["cooperation", "deals", "--region", "Arctic"], env=cli_env).exit_code
        == 0
    )
