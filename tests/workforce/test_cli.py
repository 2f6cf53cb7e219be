"""``fleetcare workforce ...``: list, a technician's ladder, grant (refused and given),
countersign, and the dispatch problem as JSON."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from tests.workforce.factories import crew, day_ahead, work_order


def test_workforce_commands(runner: CliRunner, cli_env: dict[str, str], session: Session) -> None:
    """The commands answer what the API answers; refusals exit 1 (conflict) or 2 (bad input)."""
    crew(session)
    order = work_order(session)
    listed = runner.invoke(app, ["workforce", "technicians", "--json"], env=cli_env)
    assert listed.exit_code == 0
    assert [t["code"] for t in json.loads(listed.stdout)] == ["BAL-1", "CERT-1", "ENG-1", "TRN-1"]
    shown = runner.invoke(app, ["workforce", "technician", "TRN-1", "--json"], env=cli_env)
    assert json.loads(shown.stdout)["may_do"] == {"city_bus": "trainee"}
    promote = [
        "workforce",
        "grant",
        "TRN-1",
        "--family",
        "city_bus",
        "--level",
        "certified",
        "--expires",
        "2099-01-01",
    ]
    assert runner.invoke(app, promote, env=cli_env).exit_code == 2  # no trainer named
    blank = runner.invoke(app, [*promote, "--trainer", " "], env=cli_env)
    assert blank.exit_code == 2 and "trainer" in blank.stderr  # named, not a traceback
    refused = runner.invoke(app, [*promote, "--trainer", "ENG-1"], env=cli_env)
    assert refused.exit_code == 1 and "not eligible" in refused.stderr
    trainee = [
        "workforce",
        "grant",
        "BAL-1",
        "--family",
        "road_machine",
        "--level",
        "trainee",
        "--expires",
        "2099-01-01",
    ]
    assert runner.invoke(app, trainee, env=cli_env).exit_code == 0
    problem = runner.invoke(
        app,
        ["workforce", "dispatch-problem", "--region", "Arctic", "--date", day_ahead().isoformat()],
        env=cli_env,
    )
    assert problem.exit_code == 0, problem.stderr
    document = json.loads(problem.stdout)
    assert [j["id"] for j in document["jobs"]] == [f"WO-{order}"]
    unknown = runner.invoke(app, ["workforce", "countersign", "999", "--by", "CERT-1"], env=cli_env)
    assert unknown.exit_code == 2
