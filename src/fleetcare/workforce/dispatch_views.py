"""Dispatch as JSON: ``POST /api/dispatch/solve`` answers crews and routes for a day's jobs.

The body is a ``fleetcare-dispatch/1`` problem (``docs/workforce.md``), optionally with
``"seconds"`` (time allowed for the search, > 0 and ≤ 30, default 5) and ``"seed"`` (default
1). The answer is the document ``fleetcare dispatch solve --json`` prints. A bad field is 422
naming it (``jobs[3].window``), a problem of more than 2,000 jobs or 500 technicians too; the
body is held to ``FLEETCARE_MAX_BODY_BYTES`` (413). The search runs in the app's heavy pool
(``core.heavy``; 503 with ``Retry-After`` when its queue is full), awaited without holding a
request thread; it writes nothing, so it takes no write slot (``COMPUTE_PATHS``) and holds no
write transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from fleetcare.core.api import reads_only
from fleetcare.core.auth import rule
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.heavy import Heavy
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission
from fleetcare.workforce.routing import SolveOptions, solve_document

router = APIRouter(prefix="/api/dispatch", tags=["dispatch"])
COMPUTE_PATHS = frozenset({"/api/dispatch/solve"})  # computes only: no write slot
MAX_SECONDS = 30.0
DEFAULT_SECONDS = 5.0
Problem = Annotated[
    dict[str, Any],
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
