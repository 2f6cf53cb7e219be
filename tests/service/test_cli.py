"""``fleetcare warranty check``: the decision as JSON on stdout, bad input exits 2."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from tests.service.factories import service_fleet


def check(runner: CliRunner, env: dict[str, str], *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["warranty", "check", *args, "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


def test_check_answers_the_contract(
    runner: CliRunner, cli_env: dict[str, str], session: Session
) -> None:
    """The JSON carries serial, group, day, decision, reasons, warranty_until, limit, hours."""
    service_fleet(session)
    answer = check(runner, cli_env, "BUS-001", "--component", "engine", "--on", "2024-03-01")
    assert answer == {
        "serial": "BUS-001",
        "component_group": "engine",
        "on": "2024-03-01",
        "decision": "covered",
        "reasons": answer["reasons"],
        "warranty_until": "2026-02-01",
        "hours_limit": 10000.0,
        "hours": 1000.0,  # the reading of 2024-01-10, 51 days old
    }
    assert answer["reasons"]


def test_check_stale_reading_given_hours_and_contract(
    runner: CliRunner, cli_env: dict[str, str], session: Session
) -> None:
    """A reading over 90 days old leaves the hours unknown (review under an hour limit); hours
    given decide; out of warranty, the customer's contract covers."""
    service_fleet(session)
    stale = check(runner, cli_env, "BUS-001", "--component", "engine", "--on", "2024-06-01")
    assert (stale["decision"], stale["hours"]) == ("review", None)
    over = check(
        runner,
        cli_env,
        "BUS-001",
        "--component",
        "engine",
        "--on",
        "2024-06-01",
        "--hours",
        "12000",
    )
    assert over["decision"] == "not_covered"
    lift = check(runner, cli_env, "LIFT-001", "--component", "cab", "--on", "2024-06-01")
    assert lift["decision"] == "contract"  # 12 months ended; WEST's contract covers it


def test_check_bad_input(runner: CliRunner, cli_env: dict[str, str], session: Session) -> None:
    """An unknown serial or group exits 2."""
    service_fleet(session)
    unknown = runner.invoke(
        app, ["warranty", "check", "NOPE", "--component", "engine"], env=cli_env
    )
    assert unknown.exit_code == 2
    group = runner.invoke(
        app, ["warranty", "check", "BUS-001", "--component", "wings"], env=cli_env
    )
    assert group.exit_code == 2
