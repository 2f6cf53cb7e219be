"""``fleetcare plan ...``: build from the database, evaluate, optimise, baselines."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import import_file
from fleetcare.parts.stock_tables import STOCK
from tests.planning.factories import parts_left_out, planned_network
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


def test_cli_build_says_what_it_left_out(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``plan build`` names how many parts it left out and why; ``--parts all`` plans the
    ones a machine runs without; a scope that leaves every part out says so (exit 2);
    another scope is refused by name."""
    planned_network(session)
    parts_left_out(session)
    out = tmp_path / "problem.json"
    built = runner.invoke(app, ["plan", "build", "--out", str(out)], env=cli_env)
    assert built.exit_code == 0, built.stderr
    said = " ".join(built.stderr.split())
    assert "1 part is critical on no machine: left out (--parts not_critical" in said
    assert "1 part has no cost" in said
    assert [part["id"] for part in json.loads(out.read_text())["parts"]] == ["P-1", "P-4"]
    other = runner.invoke(
        app, ["plan", "build", "--out", str(out), "--parts", "not_critical"], env=cli_env
    )
    assert other.exit_code == 0 and "3 critical parts: left out" in other.stderr
    baltic = runner.invoke(
        app,
        ["plan", "build", "--out", str(out), "--parts", "not_critical", "--region", "Baltic"],
        env=cli_env,
    )
    assert baltic.exit_code == 2 and "No depot serves machines here" in baltic.stderr
    every = runner.invoke(app, ["plan", "build", "--out", str(out), "--parts", "all"], env=cli_env)
    assert every.exit_code == 0, every.stderr
    assert [part["id"] for part in json.loads(out.read_text())["parts"]] == ["P-1", "P-2", "P-4"]
    wrong = runner.invoke(app, ["plan", "build", "--out", str(out), "--parts", "some"], env=cli_env)
    assert wrong.exit_code == 2 and "--parts" in wrong.stderr


def test_cli_build_writes_the_stock_held(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``plan build --stock-out`` writes the problem's stock on hand now as a stock file that
    ``plan baselines --stock`` scores as the current stock; a part-location holding nothing
    is left out, and a stock file in a folder that does not exist is refused before any work."""
    planned_network(session)
    stock_file = tmp_path / "stock.csv"
    stock_file.write_text("part,location,on_hand\nP-1,DEPOT-N,3\nP-1,PLANT,7\n")
    import_file(session, STOCK, stock_file, actor="importer")
    session.commit()
    problem, held = tmp_path / "problem.json", tmp_path / "current.json"
    built = runner.invoke(
        app, ["plan", "build", "--out", str(problem), "--stock-out", str(held)], env=cli_env
    )
    assert built.exit_code == 0, built.stderr
    assert json.loads(held.read_text()) == {"P-1": {"DEPOT-N": 3, "PLANT": 7}}
    scored = runner.invoke(
        app, ["plan", "baselines", str(problem), "--stock", str(held), "--json"], env=cli_env
    )
    assert scored.exit_code == 0, scored.stderr
    current = next(row for row in json.loads(scored.stdout) if row["rule"] == "current")
    assert current["cost"] == 10 * 500
    nowhere = tmp_path / "missing" / "current.json"
    refused = runner.invoke(
        app, ["plan", "build", "--out", str(problem), "--stock-out", str(nowhere)], env=cli_env
    )
    assert refused.exit_code == 2 and "folder does not exist" in refused.stderr


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
