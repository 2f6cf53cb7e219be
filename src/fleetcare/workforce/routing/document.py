"""The plan as the answer document, and why each unserved job was left out.

::

    {"routes": [{"crew": ["T1", "T4"], "stops": [{"job": "WO-17", "arrive": "08:47",
                 "start": "09:00", "end": "10:30"}], "travel_minutes": 74.2}],
     "unassigned": [{"job": "WO-23", "reason": "no one certified for mining_dump_truck"}],
     "travel_minutes": 1234.5}

Times are "HH:MM" on the problem's date, each rounded to the nearest minute from the integer
seconds the plan is computed in (so a shown time is within 30 s of the exact one; a window's
and a shift's bounds are whole minutes, so a start inside its window stays inside when shown).
Travel minutes are rounded to 0.1. Only crews with stops are listed; ``unassigned`` follows the
problem's job order.
"""

from __future__ import annotations

from typing import Any

from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.workforce.routing.crews import solo
from fleetcare.workforce.routing.plan import Plan, Roads


def hhmm(seconds: int) -> str:
    """Seconds after midnight as "HH:MM", rounded to the nearest minute (half up)."""
    minutes = (seconds + 30) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def reason(roads: Roads, job: int) -> str:
    """Why ``job`` is unserved: no one works that day; no one certified at all; certified
    people but none can reach it alone within its window and their shift; or all who could
    are busy."""
    code = roads.problem.jobs[job].family
    family = named(code)  # in the reader's words, the code for an English reader
    if not roads.problem.technicians:
        return _("no one of the region works that day")
    certified = [n for n, t in enumerate(roads.problem.technicians) if code in t.certified]
    if not certified:
        return _("no one certified for {family}").format(family=family)
    if not any(roads.reachable(solo(roads.problem, n), job) for n in certified):
        return _(
            "no one certified for {family} within reach: none can start it within its window "
            "and be home by the end of the shift"
        ).format(family=family)
    return _("capacity: everyone certified for {family} who could reach it is busy").format(
        family=family
    )


def plan_document(roads: Roads, plan: Plan) -> dict[str, Any]:
    """The answer document of ``plan`` (see the module's docstring)."""
    problem = roads.problem
    routes: list[dict[str, Any]] = []
    served: set[int] = set()
    total = 0
    for crew, route in zip(plan.crews, plan.routes, strict=True):
        stops = roads.schedule(crew, route)
        if not route or stops is None:
            continue
        seconds = roads.route_seconds(crew, route)
        total += seconds
        served |= set(route)
        routes.append(
            {
                "crew": [problem.technicians[n].id for n in crew.members],
                "stops": [
                    {
                        "job": problem.jobs[stop.job].id,
                        "arrive": hhmm(stop.arrive),
                        "start": hhmm(stop.start),
                        "end": hhmm(stop.end),
                    }
                    for stop in stops
                ],
                "travel_minutes": round(seconds / 60, 1),
            }
        )
    unassigned = [
        {"job": job.id, "reason": reason(roads, n)}
        for n, job in enumerate(problem.jobs)
        if n not in served
    ]
    return {"routes": routes, "unassigned": unassigned, "travel_minutes": round(total / 60, 1)}
