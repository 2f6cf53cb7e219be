"""``fleetcare dispatch solve PROBLEM.json``: crews and routes for a day's jobs.

Reads a ``fleetcare-dispatch/1`` problem (``docs/workforce.md``), prints the plan as JSON with
``--json`` and a summary on stderr. Exit status 2 on bad input, each problem on a line
``PROBLEM.json: FIELD: message`` (``jobs[3].window``). Nothing is read from or written to the
database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetcare.core.cli import bad_file, bad_input, err
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import _

app = typer.Typer(no_args_is_help=True, help=_("Dispatch: crews and routes for a day's jobs."))
MAX_SECONDS = 3600.0  # the command may think longer than a request (30 s)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_file(path, [_("cannot read the file: {error}").format(error=exc)]) from None
    except json.JSONDecodeError as exc:
        message = _("not JSON: line {line}: {error}").format(line=exc.lineno, error=exc.msg)
        raise bad_file(path, [message]) from None


@app.command("solve")
def solve_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-dispatch/1 problem file"))
    ],
    seconds: Annotated[
        float,
        typer.Option(min=0.1, max=MAX_SECONDS, help=_("time allowed for the search, seconds")),
    ] = 5.0,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help=_("random seed"))] = 1,
    baseline: Annotated[
        bool, typer.Option("--baseline", help=_("answer the greedy baseline instead"))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the plan as JSON"))] = False,
) -> None:
    """Form crews (trainees with certified colleagues where that costs no job) and route them:
    as many jobs as possible, then as little travel."""
    from fleetcare.workforce.routing import SolveOptions, baseline_document, solve_document

    document = _read(problem_file)
    try:
        if baseline:
            plan = baseline_document(document)
        else:
            plan = solve_document(document, SolveOptions(seconds=seconds, seed=seed))
    except InvalidInput as exc:
        raise bad_input(exc.errors, where=str(problem_file)) from None
    if as_json:
        print(json.dumps(plan))
    served = sum(len(route["stops"]) for route in plan["routes"])
    err.print(
        _(
            "Jobs served: {served}; left out: {left}; crews on the road: {crews}; "
            "travel: {minutes:,.1f} minutes."
        ).format(
            served=served,
            crews=len(plan["routes"]),
            left=len(plan["unassigned"]),
            minutes=plan["travel_minutes"],
        )
    )
