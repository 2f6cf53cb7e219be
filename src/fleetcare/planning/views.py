"""Planning as JSON: build a problem from the database, evaluate a plan, walk the curve,
and save a plan as the target stock that replenishment aims for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from fleetcare.core.api import DbSession, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.permissions import Permission
from fleetcare.parts import service as parts_service
from fleetcare.parts.schemas import TargetRecord
from fleetcare.planning import service
from fleetcare.planning.baselines import baseline_document, baselines
from fleetcare.planning.optimise import (
    OptimiseParams,
    OptimiseRequestError,
    check_reached,
    check_request,
    optimise,
)
from fleetcare.planning.problem import (
    PlanningProblem,
    ProblemError,
    parse_problem,
    parse_stock,
    stock_document,
)
from fleetcare.planning.varimetric import evaluate, evaluation_document

router = APIRouter(prefix="/api/plans", tags=["planning"])
Document = Annotated[dict[str, Any], Body(description="a fleetcare-plan/1 problem")]


class EvaluateBody(BaseModel):
    """A problem and a stock plan to evaluate."""

    problem: dict[str, Any]
    stock: dict[str, Any] = Field(default_factory=dict)


class OptimiseBody(BaseModel):
    """A problem and where to stop: a target availability in (0, 1) or a budget (not both)."""

    problem: dict[str, Any]
    target_availability: float | None = Field(default=None, gt=0, lt=1)
    budget: float | None = Field(default=None, ge=0, le=1e15)
    max_pieces: int = Field(default=2000, ge=1, le=20_000)


def _problem(document: dict[str, Any], field: str = "problem") -> PlanningProblem:
    try:
        return parse_problem(document)
    except ProblemError as exc:
        raise InvalidInput([FieldError(field, message) for message in exc.messages]) from None


@router.get("/build", **rule(Permission.parts_read))
def build(session: DbSession, region: SearchText = None) -> dict[str, Any]:
    """The planning problem of the network (or one region's depots) from the database."""
    return service.problem_document(session, region=region)


@router.post("/evaluate", **rule(Permission.parts_read))
def evaluate_plan(body: EvaluateBody) -> dict[str, Any]:
    """Availability, cost and backorders of a stock plan (as ``fleetcare plan evaluate --json``)."""
    problem = _problem(body.problem)
    try:
        stock = parse_stock(body.stock, problem)
    except ProblemError as exc:
        raise InvalidInput([FieldError("stock", message) for message in exc.messages]) from None
    return evaluation_document(problem, stock, evaluate(problem, stock))


@router.post("/optimise", **rule(Permission.parts_read))
def optimise_plan(body: OptimiseBody) -> dict[str, Any]:
    """The availability-against-cost curve up to the target or budget, and its last plan."""
    params = OptimiseParams(body.target_availability, body.budget, body.max_pieces)
    try:
        check_request(params.target_availability, params.budget)
        problem = _problem(body.problem)
        curve = optimise(problem, params)
        check_reached(curve, params)
    except OptimiseRequestError as exc:
        raise InvalidInput([FieldError(exc.field, str(exc))]) from None
    return {
        "availability": curve.last.availability,
        "cost": curve.last.cost,
        "curve": curve.as_json(),
        "stock": stock_document(curve.stock, problem),
    }


@router.post("/baselines", **rule(Permission.parts_read))
def baseline_plans(body: EvaluateBody) -> list[dict[str, object]]:
    """The rules of thumb, and ``stock`` as the current stock when given, each evaluated:
    ``[{"name", "rule", "parameter", "cost", "availability"}, ...]``."""
    problem = _problem(body.problem)
    current = None
    if body.stock:
        try:
            current = parse_stock(body.stock, problem)
        except ProblemError as exc:
            raise InvalidInput([FieldError("stock", m) for m in exc.messages]) from None
    return [baseline_document(row) for row in baselines(problem, current)]


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
            except ValueError as exc:
                errors.append(
                    FieldError(f"{str(part)[:60]}.{str(location)[:40]}", str(exc).splitlines()[0])
                )
    if errors:
        raise InvalidInput(errors)
    result = parts_service.save_targets(session, records, by=principal)
    return {"updated": result.updated, "unchanged": result.unchanged}
