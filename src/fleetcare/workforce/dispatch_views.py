"""Dispatch as JSON: ``POST /api/dispatch/solve`` answers crews and routes for a day's jobs.

The body is a ``fleetcare-dispatch/1`` problem (``docs/workforce.md``), optionally with
``"seconds"`` (time allowed for the search, > 0 and ≤ 30, default 5) and ``"seed"`` (default
1). The answer is the document ``fleetcare dispatch solve --json`` prints. A bad field is 422
naming it (``jobs[3].window``), a problem of more than 2,000 jobs or 500 technicians too; the
body is held to ``FLEETCARE_MAX_BODY_BYTES`` (413). The search runs in the app's heavy pool
(``core.heavy``; 503 with ``Retry-After`` when its queue is full), awaited without holding a
request thread; it writes nothing, so it takes no write slot (``COMPUTE_PATHS``) and holds no
write transaction.

``POST /api/dispatch/plan`` ``{"region", "date", "seconds"?, "seed"?}`` builds the region's
problem from the database (``service.dispatch_problem``; permission ``dispatch.plan``, a region
the caller may not see is 404, a day already over 422 naming ``date``), solves it in the heavy
pool and answers ``{"problem", "plan"}``; it writes nothing either (publish with
``POST /api/dispatch/publish``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from fleetcare.core.api import DbSession, reads_only
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.heavy import Heavy
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission
from fleetcare.core.schemas import CalendarDay, JsonDocument
from fleetcare.workforce import service
from fleetcare.workforce.routing import SolveOptions, solve_document

router = APIRouter(prefix="/api/dispatch", tags=["dispatch"])
COMPUTE_PATHS = frozenset(
    {"/api/dispatch/solve", "/api/dispatch/plan", "/dispatch/plan"}
)  # computes only: no write slot
MAX_SECONDS = 30.0
DEFAULT_SECONDS = 5.0
Problem = Annotated[
    JsonDocument,
    Body(description='a fleetcare-dispatch/1 problem, optionally with "seconds" and "seed"'),
]


def options(body: dict[str, Any]) -> SolveOptions:
    """The search's options from the body; ``InvalidInput`` naming a bad one."""
    seconds, seed = body.get("seconds", DEFAULT_SECONDS), body.get("seed", 1)
    errors: list[FieldError] = []
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not number or not 0 < seconds <= MAX_SECONDS:
        message = _("a number of seconds > 0 and ≤ {most:g} is needed").format(most=MAX_SECONDS)
        errors.append(FieldError("seconds", message))
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        errors.append(FieldError("seed", _("a whole number from 0 to 2³¹ − 1 is needed")))
    if errors:
        raise InvalidInput(errors)
    return SolveOptions(seconds=float(seconds), seed=seed)


def _solved(body: dict[str, Any]) -> dict[str, Any]:
    return solve_document(body, options(body))


@router.post("/solve", **rule(Permission.dispatch_solve))
@reads_only
async def solve(body: Problem, pool: Heavy) -> dict[str, Any]:
    """Crews and routes: ``{"routes": [{"crew", "stops": [{"job", "arrive", "start", "end"}],
    "travel_minutes"}], "unassigned": [{"job", "reason"}], "travel_minutes"}``."""
    options(body)  # refused before it waits for the pool
    return await pool.run(_solved, body)


class PlanRequest(BaseModel):
    """A region's day to plan, and the search's options (as ``/solve``'s)."""

    model_config = ConfigDict(extra="forbid")
    region: str = Field(min_length=1, max_length=120)
    date: CalendarDay
    seconds: float = Field(DEFAULT_SECONDS, gt=0, le=MAX_SECONDS)
    seed: int = Field(1, ge=0, lt=2**31)


@router.post("/plan", **rule(Permission.dispatch_plan))
@reads_only
def plan(
    body: PlanRequest, session: DbSession, principal: CurrentPrincipal, pool: Heavy
) -> dict[str, Any]:
    """The region's problem for the day and its plan: ``{"problem", "plan"}``."""
    problem = service.dispatch_problem(session, principal, body.region, body.date)
    solved = pool.call(solve_document, problem, SolveOptions(seconds=body.seconds, seed=body.seed))
    return {"problem": problem, "plan": solved}
