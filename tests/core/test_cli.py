"""The command-line support every domain's commands share: error lines and the session."""

from __future__ import annotations

import pytest
import typer
from sqlalchemy import text

from fleetcare.core.cli import bad_input, command_session, error_line
from fleetcare.core.errors import FieldError, InvalidInput, NotFound


def test_error_line_forms() -> None:
    """A file's row keeps the import contract; other input reads ``WHERE: FIELD: message``."""
    from_file = FieldError("serial", "unknown unit", row=3, file="usage.csv")
    assert error_line(from_file) == "usage.csv:3:serial: unknown unit"
    assert error_line(FieldError("quantity", "must be positive"), "stock move") == (
        "stock move: quantity: must be positive"
    )
    assert error_line(FieldError("quantity", "must be positive")) == "quantity: must be positive"
    assert error_line(FieldError("target", "too high", row=2), "plan.json") == (
        "plan.json:2: target: too high"
    )


def test_bad_input_prints_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    """Every problem gets its own line on stderr and the exit status is 2."""
    exit_ = bad_input([FieldError("a", "one"), FieldError("b", "two")], "cmd")
    assert exit_.exit_code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == ["cmd: a: one", "cmd: b: two"]
    assert "2 problems" in lines[2]


@pytest.mark.parametrize(
    "error", [InvalidInput([FieldError("name", "taken")]), NotFound("user 'x' not found")]
)
def test_command_session_turns_bad_input_into_status_2(
    error: Exception, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """Bad input inside a command's session writes nothing and exits with status 2."""
    monkeypatch.setenv("FLEETCARE_DATABASE_URL", database_url)
    insert = "INSERT INTO regions (name, country, climate) VALUES ('Rolled back', 'X', 'cold')"
    with pytest.raises(typer.Exit) as caught, command_session(write=True) as session:
        session.execute(text(insert))
        raise error
    assert caught.value.exit_code == 2
    with command_session() as session:
        count = "SELECT count(*) FROM regions WHERE name = 'Rolled back'"
        assert session.scalar(text(count)) == 0
