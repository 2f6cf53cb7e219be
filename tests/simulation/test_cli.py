"""The ``fleetcare simulate`` command's contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fleetcare.cli import app
from tests.simulation.networks import NETWORK


def test_cli_contract(tmp_path: Path, runner: CliRunner) -> None:
    """``fleetcare simulate PROBLEM --stock STOCK --json`` prints the documented keys; bad
    input exits 2 with the option named."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(NETWORK))
    stock = tmp_path / "stock.json"
    stock.write_text(json.dumps({"P1": {"A": 2, "B": 3}, "P2": {"HUB": 1}}))
    base = ["simulate", str(problem), "--stock", str(stock), "--years", "3", "--warmup-years", "1"]
    result = runner.invoke(app, [*base, "--replications", "3", "--workers", "0", "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) >= {
        "availability",
        "parts",
        "downtime_days",
        "emergency_shipments",
        "cannibalisations",
        "grey_purchases",
        "grey_spend",
        "cost",
    }
    assert set(document["availability"]) == {"mean", "ci95"}
    assert set(document["parts"]["P1"]["A"]) == {"backorders_mean", "backorders_ci95"}
    assert document["cost"] == 2 * 100 + 3 * 100 + 40
    refused = runner.invoke(app, [*base, "--replications", "1", "--workers", "0"])
    assert refused.exit_code == 2 and "--replications" in refused.stderr
    unreachable = runner.invoke(
        app, [*base, "--replications", "2", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert unreachable.exit_code == 2 and "--scheduler" in unreachable.stderr
    nonsense = runner.invoke(app, [*base, "--replications", "2", "--scheduler", "nonsense"])
    assert nonsense.exit_code == 2 and "--scheduler" in nonsense.stderr
    for option, value in (("--seed", "-1"), ("--workers", "-1")):
        bad = runner.invoke(app, [*base, "--replications", "2", option, value])
        assert bad.exit_code == 2 and option in bad.stderr, (option, bad.stderr)
    too_high = runner.invoke(
        app, [*base, "--compare", "--target-availability", "0.999999999", "--workers", "0"]
    )
    assert too_high.exit_code == 2 and "not reachable" in too_high.stderr


def test_cli_compares_the_optimised_plan_with_the_rules_of_thumb(
    tmp_path: Path, runner: CliRunner
) -> None:
    """``simulate PROBLEM --compare --json``: one row a plan, the optimised one first; the
    simulated availability of each lies near the model's."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(NETWORK))
    result = runner.invoke(
        app,
        [
            "simulate",
            str(problem),
            "--compare",
            "--target-availability",
            "0.9",
            "--years",
            "20",
            "--warmup-years",
            "1",
            "--replications",
            "3",
            "--workers",
            "0",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["rule"] == "optimised" and rows[0]["model_availability"] >= 0.9
    assert {row["rule"] for row in rows} == {"optimised", "fill_rate", "months"}
    for row in rows:
        assert abs(row["availability"]["mean"] - row["model_availability"]) < 0.05, row


def test_cli_compare_refuses_an_unknown_model(tmp_path: Path, runner: CliRunner) -> None:
    """``--model`` names the model the comparison optimises and evaluates in: exact or
    vari-metric; anything else exits 2 before anything is simulated."""
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(NETWORK))
    result = runner.invoke(app, ["simulate", str(problem), "--compare", "--model", "metric"])
    assert result.exit_code == 2 and "--model" in result.stderr
