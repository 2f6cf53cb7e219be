"""Planning as JSON: build a problem from the database, evaluate a plan, walk the curve,
and save a plan as the target stock that replenishment aims for.

The maths routes (evaluate, optimise, baselines) are bounded: a problem naming more
part-locations than ``FLEETCARE_MAX_PLAN_CELLS`` is refused (413) before any array is built,
the curve answered is thinned to ``max_points``, and the work runs in the app's heavy pool
(``core.heavy``; 503 with ``Retry-After`` when its queue is full), awaited without holding a
request thread. They write nothing, so they take no write slot (``COMPUTE_PATHS``) and hold
no write transaction (``reads_only``) while they compute.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, Field, ValidationError

from fleetcare.core.api import DbSession, SearchText, reads_only
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.heavy import Heavy, MaxPlanCells
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import JsonDocument
from fleetcare.core.tabular import validation_errors
from fleetcare.parts import service as parts_service
from fleetcare.parts.schemas import TargetRecord
from fleetcare.planning import service
from fleetcare.planning.baselines import (
    MAX_FILL_RATE,
    baseline_document,
    baselines,
    demand_weighted,
    fill_rate_stock,
    shelf_rates,
)
from fleetcare.planning.exact import DEFAULT_MODEL, Model, evaluate, part_models
from fleetcare.planning.optimise import (
    Curve,
    OptimiseParams,
    OptimiseRequestError,
    check_reached,
    check_request,
    optimise,
)
from fleetcare.planning.problem import (
    DEFAULT_PARTS,
    PartScope,
    PlanningProblem,
    ProblemError,
    parse_problem,
    parse_stock,
    stock_document,
)
from fleetcare.planning.varimetric import evaluation_document

router = APIRouter(prefix="/api/plans", tags=["planning"])
COMPUTE_PATHS = frozenset(
    {"/api/plans/evaluate", "/api/plans/optimise", "/api/plans/baselines", "/api/plans/fill-rate"}
)  # POSTs that only compute: the heavy pool bounds them, they take no write slot
CURVE_POINTS = 1_000  # curve points answered by default
MAX_CURVE_POINTS = 10_000  # at most (the CLI's ``--curve`` writes them all)
Document = Annotated[JsonDocument, Body(description="a fleetcare-plan/1 problem")]


class EvaluateBody(BaseModel):
    """A problem and a stock plan to evaluate, and the model to evaluate it with."""

    problem: JsonDocument
    stock: JsonDocument = Field(default_factory=dict)
    model: Model = DEFAULT_MODEL


class OptimiseBody(BaseModel):
    """A problem and where to stop: a target availability in (0, 1) or a budget (not both)."""

    problem: JsonDocument
    target_availability: float | None = Field(default=None, gt=0, lt=1)
    budget: float | None = Field(default=None, ge=0, le=1e15)
    max_pieces: int = Field(default=2000, ge=1, le=20_000)
    max_points: int = Field(default=CURVE_POINTS, ge=2, le=MAX_CURVE_POINTS)
    model: Model = DEFAULT_MODEL


class FillRateBody(BaseModel):
    """A problem and the fill rate F ∈ (0, 0.999] every location of each part is sized to."""

    problem: JsonDocument
    fill_rate: float = Field(gt=0, le=MAX_FILL_RATE)


def check_cells(document: dict[str, Any], limit: int) -> None:
    """413 when the raw problem names more than ``limit`` part-locations (parts × locations),
    counted before any array is built."""
    parts, locations = document.get("parts"), document.get("locations")
    if not isinstance(parts, list) or not isinstance(locations, list):
        return  # parse_problem refuses it, naming the field
    cells = len(parts) * len(locations)
    if cells > limit:
        message = _(
            "the problem names {cells:,} part-locations; use `fleetcare plan ...` on the "
            "server for problems of more than {limit:,} part-locations"
        ).format(cells=cells, limit=limit)
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, message)


def _problem(document: dict[str, Any], field: str = "problem") -> PlanningProblem:
    try:
        return parse_problem(document)
    except ProblemError as exc:
        raise InvalidInput([FieldError(field, message) for message in exc.messages]) from None


@router.get("/build", **rule(Permission.parts_read))
def build(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    parts: PartScope = DEFAULT_PARTS,
) -> dict[str, Any]:
    """The planning problem of the network (or one region's depots) from the database, of the
    parts a machine is down without (``parts=not_critical``: the others; ``parts=all``: every
    fitted part); a region the caller does not see, and for a regional manager the whole
    network, is 404."""
    service.check_region(session, region=region, scope=principal.scope)
    return service.problem_document(session, region=region, parts=parts)


@router.get("/stock", **rule(Permission.parts_read))
def held_stock(
    session: DbSession,
    principal: CurrentPrincipal,
    region: SearchText = None,
    parts: PartScope = DEFAULT_PARTS,
) -> dict[str, dict[str, int]]:
    """The stock the problem of ``GET /api/plans/build`` holds now (on hand + in transit), as a
    stock file ``{part: {location: pieces}}``; the same regions answer 404."""
    service.check_region(session, region=region, scope=principal.scope)
    document = service.problem_document(session, region=region, parts=parts)
    return service.current_stock(session, document)


def _evaluated(body: EvaluateBody) -> dict[str, Any]:
    problem = _problem(body.problem)
    try:
        stock = parse_stock(body.stock, problem)
    except ProblemError as exc:
        raise InvalidInput([FieldError("stock", message) for message in exc.messages]) from None
    return evaluation_document(problem, stock, evaluate(problem, stock, body.model))


@router.post("/evaluate", **rule(Permission.parts_read))
@reads_only
async def evaluate_plan(body: EvaluateBody, pool: Heavy, cells: MaxPlanCells) -> dict[str, Any]:
    """Availability, cost and backorders of a stock plan (as ``fleetcare plan evaluate --json``)."""
    check_cells(body.problem, cells)
    return await pool.run(_evaluated, body)


def _optimised(body: OptimiseBody) -> dict[str, Any]:
    params = OptimiseParams(
        body.target_availability, body.budget, body.max_pieces, model=body.model
    )
    try:
        check_request(params.target_availability, params.budget)
        problem = _problem(body.problem)
        curve: Curve = optimise(problem, params)
        check_reached(curve, params)
    except OptimiseRequestError as exc:
        raise InvalidInput([FieldError(exc.field, str(exc))]) from None
    return {
        "availability": curve.last.availability,
        "cost": curve.last.cost,
        "curve": curve.as_json(body.max_points),
        "curve_points_total": int(curve.costs.size),
        "stock": stock_document(curve.stock, problem),
        "part_models": dict(zip(problem.part_ids, part_models(problem, body.model), strict=True)),
    }


@router.post("/optimise", **rule(Permission.parts_read))
@reads_only
async def optimise_plan(body: OptimiseBody, pool: Heavy, cells: MaxPlanCells) -> dict[str, Any]:
    """The availability-against-cost curve up to the target or budget, and its last plan.

    ``curve`` holds at most ``max_points`` of the ``curve_points_total`` points, evenly
    spread; the first and the last (the plan answered) are always among them."""
    check_cells(body.problem, cells)
    return await pool.run(_optimised, body)


def _baselines(body: EvaluateBody) -> list[dict[str, object]]:
    problem = _problem(body.problem)
    current = None
    if body.stock:
        try:
            current = parse_stock(body.stock, problem)
        except ProblemError as exc:
            raise InvalidInput([FieldError("stock", m) for m in exc.messages]) from None
    return [baseline_document(row) for row in baselines(problem, current, body.model)]


@router.post("/baselines", **rule(Permission.parts_read))
@reads_only
async def baseline_plans(
    body: EvaluateBody, pool: Heavy, cells: MaxPlanCells
) -> list[dict[str, object]]:
    """The rules of thumb, and ``stock`` as the current stock when given, each evaluated:
    ``[{"name", "rule", "parameter", "cost", "availability"}, ...]``."""
    check_cells(body.problem, cells)
    return await pool.run(_baselines, body)


def _fill_rate(body: FillRateBody) -> dict[str, Any]:
    problem = _problem(body.problem)
    stock = fill_rate_stock(problem, body.fill_rate)
    return {
        "fill_rate": body.fill_rate,
        "cost": float((stock * problem.unit_cost[:, None]).sum()),
        "shelf_rate": demand_weighted(problem, shelf_rates(problem, stock)),
        "stock": stock_document(stock, problem),
    }


@router.post("/fill-rate", **rule(Permission.parts_read))
@reads_only
async def fill_rate_plan(body: FillRateBody, pool: Heavy, cells: MaxPlanCells) -> dict[str, Any]:
    """Every part-location's smallest stock that meets ``fill_rate`` of its demand from the
    shelf, as if its supplier never kept it waiting (the targets of the parts the machines
    run without: ``GET /api/plans/build?parts=not_critical``): ``{"fill_rate", "cost",
    "shelf_rate", "stock"}``, ``shelf_rate`` the depots' demand-weighted share of time with a
    piece on the shelf in the exact model, their suppliers' delays included."""
    check_cells(body.problem, cells)
    return await pool.run(_fill_rate, body)


@router.post("/targets", **rule(Permission.parts_write))
def save_targets(
    session: DbSession, principal: CurrentPrincipal, stock: Document
) -> dict[str, int]:
    """Save a stock plan (``{part: {location: pieces}}``) as the targets the proposals aim for."""
    records: list[TargetRecord] = []
    errors: list[FieldError] = []
    for part, levels in stock.items():
        if not isinstance(levels, dict):
            errors.append(FieldError(str(part)[:60], "an object of location → pieces is needed"))
            continue
        for location, pieces in levels.items():
            try:
                records.append(TargetRecord(part=part, location=location, target=pieces))
            except ValidationError as exc:  # named by the key, saying what is wrong with it
                where = f"{str(part)[:60]}.{str(location)[:40]}"
                for error in validation_errors(exc):
                    name = "pieces" if error.field == "target" else error.field
                    errors.append(FieldError(where, f"{name}: {error.message}"))
    if errors:
        raise InvalidInput(errors)
    result = parts_service.save_targets(session, records, by=principal)
    return {"updated": result.updated, "unchanged": result.unchanged}
