"""``fleetcare simulate``: replay years of fleet operation under a stock plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from fleetcare.core.cli import bad_file, command_session, err, refused
from fleetcare.core.i18n import _
from fleetcare.planning.exact import DEFAULT_MODEL, Model
from fleetcare.planning.optimise import OptimiseRequestError, check_request
from fleetcare.planning.problem import PlanningProblem, ProblemError, read_problem, read_stock
from fleetcare.simulation.runner import SimulationError, SimulationParams, run
from fleetcare.simulation.summary import summary


def _from_database(region: str) -> tuple[PlanningProblem, np.ndarray[Any, np.dtype[np.int64]]]:
    """The region's problem (as ``plan build``) and its current stock."""
    from fleetcare.planning import service

    try:
        with command_session() as session:
            loaded = service.load_problem(session, region=region)
    except ProblemError as exc:
        raise bad_file("--region", exc.messages) from None
    if loaded is None:
        raise bad_file("--region", [_("no depot serves machines here: nothing to simulate")])
    return loaded.problem, loaded.current


def simulate_command(
    problem_file: Annotated[
        Path | None,
        typer.Argument(metavar="PROBLEM", help=_("a fleetcare-plan/1 problem file")),
    ] = None,
    stock_file: Annotated[
        Path | None, typer.Option("--stock", help=_("the stock plan to simulate"))
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help=_("build the problem from the database (and its current stock)")),
    ] = None,
    years: Annotated[float, typer.Option(help=_("years simulated"))] = 10.0,
    warmup_years: Annotated[float, typer.Option(help=_("years left out at the start"))] = 1.0,
    replications: Annotated[int, typer.Option(help=_("independent replications"))] = 20,
    seed: Annotated[int, typer.Option(min=0, help=_("the same seed gives the same numbers"))] = 1,
    policy: Annotated[
        str, typer.Option(help=_("at a stock-out: wait, cannibalise, emergency or grey"))
    ] = "wait",
    workers: Annotated[
        int, typer.Option(min=0, max=256, help=_("Dask worker processes on this machine (0: none)"))
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help=_("address of an existing Dask scheduler"))
    ] = None,
    compare_plans: Annotated[
        bool,
        typer.Option(
            "--compare",
            help=_("simulate the optimised plan and the rules of thumb (and --stock) side by side"),
        ),
    ] = False,
    target_availability: Annotated[
        float, typer.Option(help=_("with --compare: the optimised plan's target, in (0, 1)"))
    ] = 0.95,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the result as JSON"))] = False,
    model: Annotated[
        Model, typer.Option(help=_("with --compare: optimise and evaluate in this model"))
    ] = DEFAULT_MODEL,
) -> None:
    """Replay years of fleet operation under a stock plan: availability with its 95 % CI,
    backorders per part-location, down time, emergency shipments, grey purchases."""
    params = SimulationParams(years, warmup_years, replications, seed, policy)
    try:
        params.check()
        if compare_plans:
            check_request(target_availability, None)
    except (SimulationError, OptimiseRequestError) as exc:
        raise refused("simulate", exc) from None
    stock: np.ndarray[Any, np.dtype[np.int64]] | None = None
    if region is not None and problem_file is not None:  # one would be silently ignored
        raise bad_file("simulate", [_("give PROBLEM and --stock, or --region, not both")])
    if region is not None:
        problem, stock = _from_database(region)
        if stock_file is not None:
            stock = _stock(stock_file, problem)
    elif problem_file is not None and (stock_file is not None or compare_plans):
        try:
            problem = read_problem(problem_file)
        except ProblemError as exc:
            raise bad_file(str(problem_file), exc.messages) from None
        if stock_file is not None:
            stock = _stock(stock_file, problem)
    else:
        raise bad_file("simulate", [_("give PROBLEM and --stock, or --region")])
    if compare_plans:
        _compare(problem, stock, params, target_availability, workers, scheduler, as_json, model)
        return
    assert stock is not None
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(_("Replications"), total=params.replications)
        try:
            results = run(
                problem,
                stock,
                params,
                workers=None if scheduler else workers,
                scheduler=scheduler,
                progress=lambda done: bar.update(task, completed=done),
            )
        except SimulationError as exc:
            raise refused("simulate", exc) from None
    simulated = summary(problem, stock, params, results)
    if as_json:
        print(json.dumps(simulated.document()))
    err.print(
        _("Availability {a:.3%} (95 % CI {lo:.3%} – {hi:.3%}) over {r} replications.").format(
            a=simulated.availability,
            lo=simulated.availability_ci95[0],
            hi=simulated.availability_ci95[1],
            r=params.replications,
        )
    )


def _stock(path: Path, problem: PlanningProblem) -> np.ndarray[Any, np.dtype[np.int64]]:
    try:
        return read_stock(path, problem)
    except ProblemError as exc:
        raise bad_file(str(path), exc.messages) from None


def _compare(
    problem: PlanningProblem,
    current: np.ndarray[Any, np.dtype[np.int64]] | None,
    params: SimulationParams,
    target: float,
    workers: int,
    scheduler: str | None,
    as_json: bool,
    model: Model = DEFAULT_MODEL,
) -> None:
    """``--compare``: one table (or a JSON list) of every plan simulated."""
    from fleetcare.planning.baselines import FILL_RATES, MONTHS_OF_DEMAND
    from fleetcare.simulation.compare import compare

    total = 1 + len(FILL_RATES) + len(MONTHS_OF_DEMAND) + (current is not None)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(_("Plans simulated"), total=total)
        try:
            rows = compare(
                problem,
                params,
                target_availability=target,
                current=current,
                workers=None if scheduler else workers,
                scheduler=scheduler,
                progress=lambda done: bar.update(task, completed=done),
                model=model,
            )
        except (SimulationError, OptimiseRequestError) as exc:
            raise refused("simulate", exc) from None
    if as_json:
        print(json.dumps([row.document() for row in rows]))
        return
    table = Table(
        _("plan"),
        _("stock value"),
        _("model"),
        _("simulated (95 % CI)"),
        _("grey or emergency spend a year"),
        _("cannibalisations a year"),
    )
    for row in rows:
        table.add_row(
            row.name,
            f"{row.cost:,.0f}",
            f"{row.model_availability:.2%}",
            f"{row.availability:.2%} ({row.ci95[0]:.2%} – {row.ci95[1]:.2%})",
            f"{row.grey_spend + row.emergency_spend:,.0f}",
            f"{row.cannibalisations:,.1f}",
        )
    Console().print(table)
