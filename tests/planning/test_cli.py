"""``fleetcare plan ...``: build from the database, evaluate, optimise, baselines."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from tests.planning.factories import planned_network
from tests.planning.test_varimetric import TWO_ECHELON


def test_cli_build(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``fleetcare plan build`` writes a problem that ``plan evaluate`` accepts."""
    planned_network(session)
    out = tmp_path / "problem.json"
    built = runner.invoke(app, ["plan", "build", "--out", str(out)], env=cli_env)
    assert built.exit_code == 0, built.stderr
    assert json.loads(out.read_text())["format"] == "fleetcare-plan/1"
    stock = tmp_path / "stock.json"
    stock.write_text('{"P-1": {"DEPOT-N": 2}}')
    assert (
        runner.invoke(
            app, ["plan", "evaluate", str(out), "--stock", str(stock)], env=cli_env
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["plan", "build", "--region", "Nowhere", "--out", str(out)], env=cli_env
        ).exit_code
        == 2
    )


def test_cli_baselines(tmp_path: Path, runner: CliRunner) -> None:
    """``fleetcare plan baselines PROBLEM --json`` prints one row a rule."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(TWO_ECHELON))
    result = runner.invoke(app, ["plan", "baselines", str(problem), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"name", "rule", "parameter", "cost", "availability"} <= set(rows[0])
    assert [r["rule"] for r in rows].count("fill_rate") == 4


def test_cli_optimise_names_the_options_it_refuses(tmp_path: Path, runner: CliRunner) -> None:
    """A refused stopping rule prints ``PROBLEM: message`` with the options spelled as on
    the command line, and exits 2."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(TWO_ECHELON))
    base = ["plan", "optimise", str(problem), "--out", str(tmp_path / "stock.json")]
    expected = {
        (): "give exactly one of --target-availability and --budget",
        ("--target-availability", "1.2"): "--target-availability must lie strictly between 0 and 1",
        ("--budget", "-1"): "--budget must be a finite amount ≥ 0",
        ("--budget", "nan"): "--budget must be a finite amount ≥ 0",
        ("--target-availability", "nan"): "--target-availability must lie strictly between 0 and 1",
    }
    for flags, message in expected.items():
        result = runner.invoke(app, [*base, *flags])
        assert result.exit_code == 2 and result.stderr == f"{problem}: {message}\n", flags
    nowhere = tmp_path / "no-such-folder" / "curve.json"
    unwritable = runner.invoke(app, [*base, "--budget", "100", "--curve", str(nowhere)])
    assert unwritable.exit_code == 2 and f"{nowhere}: cannot write" in unwritable.stderr
    assert not (tmp_path / "stock.json").exists()  # nothing written: refused before the solve
    unreachable = runner.invoke(
        app, [*base, "--target-availability", "0.9999999", "--max-pieces", "2"]
    )
    line = f"{problem}: --target-availability 0.9999999 is not reachable within 2 pieces"
    assert unreachable.exit_code == 2 and line in unreachable.stderr
