"""The root ``fleetcare`` command: every sub-command listed without importing its domain, each
imported when it runs, and the hooks the composition root fills still filled."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import COMMANDS, ORDER, LazyCommand, app, on_screen
from fleetcare.planning import service as planning
from tests.analytics.factories import cold_history, cold_network
from tests.planning.test_varimetric import TWO_ECHELON

HEAVY = ("numba", "scipy", "fastapi", "sqlalchemy", "dask")
DOMAIN_CLIS = sorted({spec.module for spec in COMMANDS.values()})

# runs in a fresh interpreter: the modules a command line leaves imported, as JSON on stdout
PROBE = """
import json, sys
from typer.testing import CliRunner
from fleetcare.cli import app
result = CliRunner().invoke(app, sys.argv[1:]) if sys.argv[1:] else None
print(json.dumps({
    "exit_code": None if result is None else result.exit_code,
    "output": None if result is None else result.output,
    "modules": sorted(sys.modules),
}))
"""


def probe(*args: str) -> dict[str, object]:
    """Run ``fleetcare ARGS`` (or only ``import fleetcare.cli``) in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def flat(text: str) -> str:
    """Help text without Rich's box and line breaks: words separated by one space."""
    return " ".join(text.replace("│", " ").split())


def test_import_loads_no_domain_and_no_heavy_library() -> None:
    """``import fleetcare.cli`` imports neither NumPy's heavy companions (Numba, SciPy), nor
    FastAPI or SQLAlchemy, nor any domain's CLI module."""
    modules = set(probe()["modules"])  # type: ignore[arg-type]
    assert not modules & {*HEAVY, *DOMAIN_CLIS}


def test_help_lists_every_command_with_its_help_without_importing_it() -> None:
    """``fleetcare --help`` names every sub-command, in ``ORDER``, each with its help, and
    imports no domain to do it."""
    answer = probe("--help")
    assert answer["exit_code"] == 0
    rows = [re.match(r"│ ([a-z]+) {2,}", line) for line in str(answer["output"]).splitlines()]
    assert [row.group(1) for row in rows if row] == list(ORDER)
    listing = flat(str(answer["output"]))
    for name, spec in COMMANDS.items():
        assert f"{name} {flat(spec.help)}" in listing, name
    modules = set(answer["modules"])  # type: ignore[arg-type]
    assert not modules & {*HEAVY, *DOMAIN_CLIS}


def test_plan_evaluate_imports_only_the_planning_maths(tmp_path: Path) -> None:
    """``plan evaluate`` runs without SciPy's statistics, FastAPI, SQLAlchemy or another
    domain's commands."""
    problem, stock = tmp_path / "problem.json", tmp_path / "stock.json"
    problem.write_text(json.dumps(TWO_ECHELON))
    stock.write_text("{}")
    answer = probe("plan", "evaluate", str(problem), "--stock", str(stock), "--json")
    assert answer["exit_code"] == 0, answer["output"]
    assert "availability" in json.loads(str(answer["output"]).splitlines()[0])
    modules = set(answer["modules"])  # type: ignore[arg-type]
    assert "fleetcare.planning.cli" in modules
    assert not modules & {"scipy.stats", "fastapi", "sqlalchemy", *DOMAIN_CLIS} - {
        "fleetcare.planning.cli"
    }


@pytest.mark.parametrize("name", COMMANDS)
def test_listed_help_is_the_commands_own(name: str) -> None:
    """What the listing says of a sub-command is the help it shows once imported."""
    command = LazyCommand(name, COMMANDS[name]).load()
    assert command.name == name
    assert flat(command.help or "") == flat(COMMANDS[name].help)


def test_help_reads_without_the_docstrings_markup() -> None:
    """``on_screen``: code loses its double backticks, a paragraph's lines are joined (the
    terminal wraps them again), a list keeps its lines, paragraphs stay apart."""
    docstring = """Solve on ``--workers``
    processes, or on a cluster.

    Stops:
    - at the target,
    - at the budget."""
    assert on_screen(docstring) == (
        "Solve on --workers processes, or on a cluster.\n\n"
        "Stops:\n- at the target,\n- at the budget."
    )


@pytest.mark.parametrize("name", COMMANDS)
def test_no_command_shows_markup_or_broken_lines(name: str) -> None:
    """Every command's help and every sub-command's, as the terminal gets them: no double
    backticks, and the first paragraph in one line (the listing shows it as it is)."""
    pending = [LazyCommand(name, COMMANDS[name]).load()]
    while pending:
        command = pending.pop()
        text = command.help or ""
        assert "``" not in text, command.name
        assert "\n" not in text.split("\n\n")[0], command.name
        pending += getattr(command, "commands", {}).values()


def test_a_group_shows_its_own_commands(runner: CliRunner) -> None:
    """``fleetcare plan --help`` (and ``fleetcare plan`` alone) shows the plan commands."""
    for args in (["plan", "--help"], ["plan"]):
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 2), result.output
        assert "plan [OPTIONS] COMMAND" in result.output
        for command in ("build", "evaluate", "optimise", "baselines"):
            assert f" {command} " in result.output, (args, command)


def test_a_misspelt_command_is_suggested(runner: CliRunner) -> None:
    """A typo of a sub-command imported only on use still gets its suggestion."""
    result = runner.invoke(app, ["pln"])
    assert result.exit_code == 2 and "Did you mean 'plan'?" in result.output


def test_plan_build_takes_the_fitted_rates(
    session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``plan build`` registers the reliability fits (the root's hook): the parts with a
    fitted cohort are planned at its rate, not at the engineering one."""
    cold_history(session)
    cold_network(session)
    planning.use_rates(None)  # as in a fresh process: nothing registered yet
    out = tmp_path / "problem.json"
    built = runner.invoke(app, ["plan", "build", "--out", str(out)], env=cli_env)
    assert built.exit_code == 0, built.stderr
    sources = {part["id"]: part["rate_source"] for part in json.loads(out.read_text())["parts"]}
    assert sources == {"P-HOSE": "fitted", "P-PAD": "engineering", "P-PUMP": "fitted"}


def test_the_terminals_language() -> None:
    """``LANG=ru_RU.UTF-8`` (and no ``LANGUAGE``): help and messages in Russian."""
    from fleetcare.core.i18n import translations

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}

    def help_in(lang: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "fleetcare.cli", "--help"],
            capture_output=True,
            text=True,
            check=True,
            env={**environment, "LANG": lang, "COLUMNS": "200"},
        )
        return flat(done.stdout)

    summary = translations("ru").gettext("fleetcare: keep exported machine fleets running.")
    assert summary != "fleetcare: keep exported machine fleets running."
    assert summary in help_in("ru_RU.UTF-8")
    assert "fleetcare: keep exported machine fleets running." in help_in("C.UTF-8")


def test_every_command_names_every_domains_codes_in_words() -> None:
    """In Russian, once any command is loaded (here ``users``), a code of any domain named in a
    message reads in words: a deal's stages, a product family, a role (the web app learns
    them all as well)."""
    code = (
        "import typer;"
        "from fleetcare.cli import app;"
        "typer.main.get_command(app).commands['users'].load();"
        "from fleetcare.core.i18n import set_locale; set_locale('ru');"
        "from fleetcare.core.labels import named;"
        "from fleetcare.cooperation.stages import IllegalMove, Stage;"
        "from fleetcare.fleet.models import ProductFamily;"
        "print(IllegalMove(Stage.signed, Stage.delivered), named(ProductFamily.city_bus),"
        " named('regional_manager'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "«signed»" not in done.stdout and "«" in done.stdout, done.stdout
    assert "«Городской автобус» «Региональный менеджер»" in done.stdout, done.stdout


def test_every_commands_help_reads_in_russian() -> None:
    """Under a Russian terminal each command's help (its docstring) reads in Russian, in a
    group's listing and in the command's own help; under C it stays English."""

    def help_of(*args: str, lang: str) -> str:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
        environment.pop("LANGUAGE", None)
        done = subprocess.run(
            [sys.executable, "-m", "fleetcare.cli", *args, "--help"],
            capture_output=True,
            text=True,
            check=True,
            env={**environment, "LANG": lang, "COLUMNS": "200"},
        )
        return flat(done.stdout)

    assert "Список техников." in help_of("workforce", lang="ru_RU.UTF-8")
    assert "List the technicians." in help_of("workforce", lang="C.UTF-8")
    assert "Список пользователей." in help_of("users", "list", lang="ru_RU.UTF-8")
    assert "резервные копии" in help_of("db", lang="ru_RU.UTF-8")
    assert "Запустить веб-интерфейс" in help_of("serve", lang="ru_RU.UTF-8")
    for lazy in ("import", "simulate", "audit", "export"):  # one command each, no group
        assert "Импорт" in help_of("import", lang="ru_RU.UTF-8") or lazy != "import"
        english = help_of(lazy, lang="C.UTF-8").split("Options")[0]
        assert english not in help_of(lazy, lang="ru_RU.UTF-8"), lazy
