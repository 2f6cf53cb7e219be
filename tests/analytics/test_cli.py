"""``fleetcare analytics weibull FILE``: the JSON contract and each bad input's error line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fleetcare.analytics import lifedata
from fleetcare.analytics.weibull import fit
from fleetcare.cli import app
from tests.analytics.test_weibull import bearing_cage

KEYS = {"shape", "scale", "b10", "shape_ci95", "scale_ci95", "n_failed", "n_censored"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_json_is_the_pure_fit(runner: CliRunner, tmp_path: Path) -> None:
    """The JSON has exactly the contract's keys, with the values of ``weibull.fit``."""
    ages, failed = bearing_cage()
    lines = ["serial,age,failed"] + [
        f"S{i},{a:g},{int(f)}" for i, (a, f) in enumerate(zip(ages, failed, strict=True))
    ]
    file = write(tmp_path / "cages.csv", "\n".join(lines) + "\n")
    result = runner.invoke(app, ["analytics", "weibull", str(file), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == KEYS
    expected = fit(ages, failed)
    assert document == json.loads(json.dumps(expected.as_json()))
    assert document["n_failed"] == 6 and document["n_censored"] == 1697
    lo, hi = document["shape_ci95"]
    assert lo < document["shape"] < hi


def test_table_and_json_files(runner: CliRunner, tmp_path: Path) -> None:
    """Without --json a table for people; a JSON array of objects is read as the CSV is."""
    rows = [{"age": a, "failed": f} for a, f in ((10, 1), (25.5, 0), (17, 1), (30, 1), (8, 0))]
    file = write(tmp_path / "units.json", json.dumps(rows))
    result = runner.invoke(app, ["analytics", "weibull", str(file)])
    assert result.exit_code == 0, result.stderr
    assert "B10" in result.stdout and "3 / 2" in result.stdout
    as_json = runner.invoke(app, ["analytics", "weibull", str(file), "--json"])
    ages = np.array([r["age"] for r in rows], dtype=float)
    failed = np.array([r["failed"] for r in rows], dtype=bool)
    assert json.loads(as_json.stdout)["shape"] == fit(ages, failed).shape


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("age,failed\n5,1\n-2,0\n7,1\n", "units.csv:3:age: "),
        ("age,failed\n5,1\n,0\n7,1\n", "units.csv:3:age: missing"),
        ("age,failed\n5,1\nabc,0\n7,1\n", "units.csv:3:age: expected a number"),
        ("age,failed\n5,1\ninf,0\n7,1\n", "units.csv:3:age: expected a finite number"),
        ("age,failed\n5,1\n6,2\n7,1\n", "units.csv:3:failed: expected 1"),
        ("age,failed\n5,1\n6,yes\n7,1\n", "units.csv:3:failed: expected 1"),
        ("age,failed\n5,1\n6,\n7,1\n", "units.csv:3:failed: missing"),
        ("age,failed\n5,1\n0,1\n7,1\n", "units.csv:3:age: a failure at age 0"),
        ("age,failed\n5,1\n6,0\n7,0\n", "units.csv:-:failed: 1 failure;"),
        ("age,failed\n5,1\n5,1\n3,0\n", "units.csv:-:failed: every failure is at the greatest"),
        ("age\n5\n", "units.csv:1:failed: missing column"),
        ("age,failed\n", "units.csv:1:-: the file has a header but no rows"),
    ],
)
def test_bad_input_names_the_row(runner: CliRunner, tmp_path: Path, body: str, where: str) -> None:
    """Each bad input ends with status 2 and a ``FILE:ROW:FIELD: message`` line."""
    file = write(tmp_path / "units.csv", body)
    result = runner.invoke(app, ["analytics", "weibull", str(file), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{tmp_path}/{where}" in result.stderr


def test_every_bad_row_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    """All bad rows are reported at once, not only the first."""
    file = write(tmp_path / "units.csv", "age,failed\n-1,1\n4,1\nx,3\n")
    result = runner.invoke(app, ["analytics", "weibull", str(file)])
    assert result.exit_code == 2
    assert ":2:age:" in result.stderr and ":4:age:" in result.stderr
    assert ":4:failed:" in result.stderr


def test_a_huge_file_is_refused_unread(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file above the size cap is refused with its size, before it is parsed."""
    monkeypatch.setattr(lifedata, "MAX_FILE_BYTES", 20)
    file = write(tmp_path / "units.csv", "age,failed\n" + "5,1\n" * 10)
    result = runner.invoke(app, ["analytics", "weibull", str(file)])
    assert result.exit_code == 2
    assert "units.csv:0:-: the file holds 51 bytes; at most 20 are read" in result.stderr


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    """A file that is not there: status 2 and the reason."""
    result = runner.invoke(app, ["analytics", "weibull", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "none.csv:0:-: cannot read the file" in result.stderr
