"""``fleetcare plan ...``: evaluate and optimise stock plans from ``fleetcare-plan/1`` files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from fleetcare.core.cli import bad_file, command_session, err, refused, writable
from fleetcare.core.i18n import _, ngettext
from fleetcare.planning.baselines import (
    MAX_FILL_RATE,
    baseline_document,
    baselines,
    demand_weighted,
    fill_rate_stock,
    shelf_rates,
)
from fleetcare.planning.distributed import ClusterError, optimise_on
from fleetcare.planning.documents import (
    curve_json,
    dumps,
    evaluation_json,
    optimise_json,
    print_json,
    write,
)
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate, part_models
from fleetcare.planning.optimise import (
    OptimiseParams,
    OptimiseRequestError,
    check_reached,
    check_request,
)
from fleetcare.planning.problem import (
    DEFAULT_PARTS,
    PartScope,
    PlanningProblem,
    ProblemError,
    read_problem,
    read_stock,
    stock_document,
)

if TYPE_CHECKING:
    pass

app = typer.Typer(
    no_args_is_help=True,
    help=_("Spare-parts planning: evaluation and optimisation, exact or VARI-METRIC."),
)


def _problem(path: Path) -> PlanningProblem:
    try:
        return read_problem(path)
    except ProblemError as exc:
        raise bad_file(str(path), exc.messages) from None


@app.command("build")
def build_command(
    out: Annotated[Path, typer.Option("--out", help=_("where to write the problem file"))],
    region: Annotated[str | None, typer.Option(help=_("only the depots of this region"))] = None,
    stock_out: Annotated[
        Path | None,
        typer.Option(
            "--stock-out",
            help=_("also write the stock held now (on hand + in transit) as a stock file"),
        ),
    ] = None,
    parts: Annotated[
        PartScope,
        typer.Option(
            help=_(
                "critical: the parts a machine is down without (bill of materials); "
                "not_critical: the others; all: every fitted part"
            )
        ),
    ] = DEFAULT_PARTS,
) -> None:
    """Write the planning problem of the network (or one region) from the database."""
    from fleetcare.planning import service

    writable(out)
    if stock_out is not None:
        writable(stock_out)
    with command_session() as session:
        document = service.problem_document(session, region=region, parts=parts)
        held = service.current_stock(session, document) if stock_out is not None else None
    if not document["parts"]:
        if document["left_out"]:
            reasons = Counter(document["left_out"].values())
            err.print(
                _("Nothing to plan: every part fitted here is left out ({reasons}).").format(
                    reasons=", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
                ),
                style="red",
            )
        else:
            err.print(_("No depot serves machines here: nothing to plan."), style="red")
        raise typer.Exit(2)
    write(out, document, indent=True)
    if stock_out is not None:
        write(stock_out, held, indent=True)
    err.print(
        _("{parts} parts over {locations} locations written to {out}.").format(
            parts=len(document["parts"]), locations=len(document["locations"]), out=out
        )
    )
    reasons = Counter(document["left_out"].values())
    if reasons["not_critical"]:
        err.print(
            ngettext(
                "{n} part is critical on no machine: left out (--parts not_critical plans it).",
                "{n} parts are critical on no machine: left out (--parts not_critical plans them).",
                reasons["not_critical"],
            ).format(n=reasons["not_critical"])
        )
    if reasons["critical"]:
        err.print(
            ngettext(
                "{n} critical part: left out (--parts critical plans it).",
                "{n} critical parts: left out (--parts critical plans them).",
                reasons["critical"],
            ).format(n=reasons["critical"])
        )
    if reasons["no_cost"]:
        err.print(
            ngettext(
                "{n} part has no cost: left out.",
                "{n} parts have no cost: left out.",
                reasons["no_cost"],
            ).format(n=reasons["no_cost"])
        )
    sources = Counter(part.get("rate_source", "engineering") for part in document["parts"])
    err.print(
        _(
            "Replacement rates: {fitted} parts fitted, {mixed} mixed, {engineering} engineering."
        ).format(
            fitted=sources["fitted"], mixed=sources["mixed"], engineering=sources["engineering"]
        )
    )


@app.command("evaluate")
def evaluate_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-plan/1 problem file"))
    ],
    stock_file: Annotated[Path, typer.Option("--stock", help=_("the stock file to evaluate"))],
    as_json: Annotated[
        bool, typer.Option("--json", help=_("print the evaluation as JSON"))
    ] = False,
    model: Annotated[
        Model, typer.Option(help=_("exact distributions or VARI-METRIC's two moments"))
    ] = DEFAULT_MODEL,
) -> None:
    """Availability, cost and backorders of a stock plan."""
    problem = _problem(problem_file)
    try:
        stock = read_stock(stock_file, problem)
    except ProblemError as exc:
        raise bad_file(stock_file, exc.messages) from None
    result = evaluate(problem, stock, model)
    if as_json:
        print_json(evaluation_json(problem, stock, result))
    err.print(
        _("Fleet availability {a:.4%} at a cost of {cost:,.2f}.").format(
            a=result.availability, cost=result.cost
        )
    )


@app.command("optimise")
def optimise_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-plan/1 problem file"))
    ],
    out: Annotated[Path, typer.Option("--out", help=_("where to write the chosen stock plan"))],
    target_availability: Annotated[
        float | None, typer.Option(help=_("stop at this fleet availability, in (0, 1)"))
    ] = None,
    budget: Annotated[
        float | None, typer.Option(help=_("stop before spending more than this"))
    ] = None,
    curve_file: Annotated[
        Path | None, typer.Option("--curve", help=_("also write the curve (JSON) here"))
    ] = None,
    max_pieces: Annotated[
        int, typer.Option(min=1, max=20_000, help=_("pieces per part-location at most"))
    ] = 2000,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the result as JSON"))] = False,
    workers: Annotated[
        int,
        typer.Option(min=0, max=256, help=_("Dask worker processes on this machine (0: none)")),
    ] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help=_("address of an existing Dask scheduler"))
    ] = None,
    model: Annotated[
        Model, typer.Option(help=_("plan in the exact model or in VARI-METRIC's"))
    ] = DEFAULT_MODEL,
) -> None:
    """The availability-against-cost curve up to a target or a budget, and its last plan;
    with ``--workers`` or ``--scheduler`` the parts' trees are solved on a Dask cluster."""
    params = OptimiseParams(target_availability, budget, max_pieces, model=model)
    try:
        check_request(target_availability, budget)
    except OptimiseRequestError as exc:
        raise refused(problem_file, exc) from None
    for output in (out, curve_file):  # before the solve: nothing written when one cannot be
        if output is not None:
            writable(output)
    problem = _problem(problem_file)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(_("Solving each part's tree"), total=len(problem.part_ids))
        try:
            curve = optimise_on(
                problem,
                params,
                workers=workers,
                scheduler=scheduler,
                progress=lambda done: progress.update(task, completed=done),
            )
        except ClusterError as exc:
            raise refused(problem_file, exc) from None
    try:
        check_reached(curve, params)
    except OptimiseRequestError as exc:
        raise refused(problem_file, exc) from None
    write(out, stock_document(curve.stock, problem), indent=True)
    points = curve_json(curve)
    if curve_file is not None:
        curve_file.write_bytes(points + b"\n")
    if as_json:
        models = dict(zip(problem.part_ids, part_models(problem, model), strict=True))
        print_json(optimise_json(curve, points, models))
    err.print(
        _(
            "{n} plans on the curve; chosen: availability {a:.4%}, cost {cost:,.2f}, in {out}."
        ).format(n=curve.costs.size, a=curve.last.availability, cost=curve.last.cost, out=out)
    )


@app.command("fill-rate")
def fill_rate_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-plan/1 problem file"))
    ],
    fill_rate: Annotated[
        float,
        typer.Option("--fill-rate", help=_("share of demand met from the shelf, in (0, 0.999]")),
    ],
    out: Annotated[Path, typer.Option("--out", help=_("where to write the stock plan"))],
    as_json: Annotated[bool, typer.Option("--json", help=_("print the result as JSON"))] = False,
) -> None:
    """Each location's smallest stock meeting the fill rate from the shelf as if its supplier
    never kept it waiting: targets for the parts the machines run without
    (``plan build --parts not_critical``)."""
    if not 0 < fill_rate <= MAX_FILL_RATE:
        raise typer.BadParameter(
            _("must be > 0 and at most {most}").format(most=MAX_FILL_RATE),
            param_hint="--fill-rate",
        )
    writable(out)
    problem = _problem(problem_file)
    stock = fill_rate_stock(problem, fill_rate)
    cost = float((stock * problem.unit_cost[:, None]).sum())
    shelf = demand_weighted(problem, shelf_rates(problem, stock))
    document = stock_document(stock, problem)
    write(out, document, indent=True)
    if as_json:
        answer = {"fill_rate": fill_rate, "cost": cost, "shelf_rate": shelf, "stock": document}
        print_json(dumps(answer))
    err.print(
        _("Fill rate {rate:.1%} at every part-location: cost {cost:,.2f}, in {out}.").format(
            rate=fill_rate, cost=cost, out=out
        )
    )
    if shelf is not None:
        err.print(
            _(
                "In the exact model the depots have a piece on the shelf {shelf:.1%} of the time."
            ).format(shelf=shelf)
        )


@app.command("baselines")
def baselines_command(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM", help=_("a fleetcare-plan/1 problem file"))
    ],
    stock_file: Annotated[
        Path | None, typer.Option("--stock", help=_("the current stock, to compare as well"))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the table as JSON"))] = False,
    model: Annotated[
        Model, typer.Option(help=_("evaluate in the exact model or in VARI-METRIC's"))
    ] = DEFAULT_MODEL,
) -> None:
    """Rules of thumb (same fill rate everywhere, k months of demand) and the current stock,
    evaluated by the same model as the optimised plan."""
    problem = _problem(problem_file)
    current = None
    if stock_file is not None:
        try:
            current = read_stock(stock_file, problem)
        except ProblemError as exc:
            raise bad_file(stock_file, exc.messages) from None
    rows = baselines(problem, current, model)
    if as_json:
        print_json(dumps([baseline_document(row) for row in rows]))
        return
    table = Table(_("rule"), _("cost"), _("availability"))
    for row in rows:
        table.add_row(row.name, f"{row.cost:,.2f}", f"{row.availability:.4%}")
    Console().print(table)
