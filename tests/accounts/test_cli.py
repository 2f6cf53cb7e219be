"""``fleetcare users``: passwords from stdin, never echoed; the demo creates one user per role."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fleetcare.cli import app


def test_users_add_list_disable(runner: CliRunner, cli_env: dict[str, str]) -> None:
    """Users are added with the password on stdin, listed, and disabled."""
    added = runner.invoke(
        app,
        ["users", "add", "ivan", "--role", "planner", "--password-stdin"],
        input="s3cret-pass-word\n",
        env=cli_env,
    )
    assert added.exit_code == 0, added.stderr
    assert "s3cret" not in added.stdout + added.stderr
    listed = runner.invoke(app, ["users", "list", "--json"], env=cli_env)
    assert json.loads(listed.stdout) == [
        {
            "id": json.loads(listed.stdout)[0]["id"],
            "username": "ivan",
            "role": "planner",
            "customer": None,
            "regions": [],
            "active": True,
        }
    ]
    assert runner.invoke(app, ["users", "disable", "ivan"], env=cli_env).exit_code == 0
    assert (
        json.loads(runner.invoke(app, ["users", "list", "--json"], env=cli_env).stdout)[0]["active"]
        is False
    )


def test_users_add_refuses_bad_bindings(runner: CliRunner, cli_env: dict[str, str]) -> None:
    """A customer user without a known customer, a short password, a taken name: exit 2."""
    short = runner.invoke(
        app,
        ["users", "add", "a1", "--role", "admin", "--password-stdin"],
        input="short\n",
        env=cli_env,
    )
    assert short.exit_code == 2 and "password" in short.stderr
    nobody = runner.invoke(
        app,
        ["users", "add", "c1", "--role", "customer", "--customer", "NOPE", "--password-stdin"],
        input="long-enough-pw\n",
        env=cli_env,
    )
    assert nobody.exit_code == 2 and "customer" in nobody.stderr
    manager = runner.invoke(
        app,
        ["users", "add", "m1", "--role", "regional_manager", "--password-stdin"],
        input="long-enough-pw\n",
        env=cli_env,
    )
    assert manager.exit_code == 2 and "regions" in manager.stderr


def test_demo_users_are_printed_once(runner: CliRunner, cli_env: dict[str, str]) -> None:
    """The demo creates one user per role with working passwords, shown only on creation."""
    first = runner.invoke(
        app, ["demo", "--units", "40", "--parts-per-family", "9", "--json"], env=cli_env
    )
    assert first.exit_code == 0, first.stderr
    users = json.loads(first.stdout)["users"]
    assert {u["role"] for u in users.values()} == {
        "admin",
        "planner",
        "dispatcher",
        "regional_manager",
        "technician",
        "customer",
    }
    again = runner.invoke(
        app, ["demo", "--units", "40", "--parts-per-family", "9", "--json"], env=cli_env
    )
    assert json.loads(again.stdout)["users"] == {}
    linked = runner.invoke(app, ["export", "technicians"], env=cli_env).stdout
    accounts = [line for line in linked.splitlines() if line.endswith(",technician")]
    assert len(accounts) == 1, linked  # the technician account works as one demo technician


def test_the_last_admin_stays(runner: CliRunner, cli_env: dict[str, str]) -> None:
    """The only active admin cannot be disabled or made something else (exit 2); once a
    second admin exists it can; a password sign-in would refuse is refused here too."""
    for name in ("boss", "deputy"):
        runner.invoke(
            app,
            ["users", "add", name, "--role", "admin", "--password-stdin"],
            input="s3cret-pass-word\n",
            env=cli_env,
        )
    assert runner.invoke(app, ["users", "disable", "deputy"], env=cli_env).exit_code == 0
    alone = runner.invoke(app, ["users", "disable", "boss"], env=cli_env)
    assert alone.exit_code == 2 and "last active admin" in alone.output
    long = runner.invoke(
        app, ["users", "password", "boss", "--password-stdin"], input="x" * 300 + "\n", env=cli_env
    )
    assert long.exit_code == 2
