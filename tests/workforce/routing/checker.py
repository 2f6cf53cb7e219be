"""An independent check of a dispatch answer against its problem, from the two documents alone.

It shares no code with the solver: it recomputes great-circle travel itself and reads the
"HH:MM" times back, allowing for their rounding to the minute (a shown time is within 30 s of
the exact one, so a sum of two shown times is within a minute of the exact sum).
"""

from __future__ import annotations

import math
from typing import Any

TOLERANCE_MINUTES = 1.05  # two roundings to the minute, and a leg's rounding to the second


def km(a: list[float], b: list[float]) -> float:
    """Great-circle km on a sphere of radius 6371.0088 km (haversine)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def minutes(text: str) -> int:
    """Minutes after midnight of "HH:MM"."""
    hours, mins = text.split(":")
    assert len(hours) == 2 and len(mins) == 2, text
    return int(hours) * 60 + int(mins)


def check_plan(problem: dict[str, Any], answer: dict[str, Any]) -> int:
    """Assert every rule of a dispatch answer; the number of jobs served."""
    assert set(answer) == {"routes", "unassigned", "travel_minutes"}
    people = {t["id"]: t for t in problem["technicians"]}
    jobs = {j["id"]: j for j in problem["jobs"]}
    speed = problem.get("speed_kmh", 60)
    factor = problem.get("road_factor", 1.3)

    def travel(a: list[float], b: list[float]) -> float:
        return km(a, b) * factor / speed * 60

    busy: set[str] = set()
    seen: list[str] = []
    total = 0.0
    for route in answer["routes"]:
        crew = route["crew"]
        assert 1 <= len(crew) <= 2 and route["stops"], route
        members = [people[name] for name in crew]
        assert not busy & set(crew), f"{crew}: a technician in two crews"
        busy |= set(crew)
        if len(crew) == 2:
            mentor, trainee = members
            assert set(mentor.get("certified", [])) & set(trainee.get("trainee", [])), crew
        skills = set().union(*(set(m.get("certified", [])) for m in members))
        shift_start = max(minutes(m["shift"][0]) for m in members)
        shift_end = min(minutes(m["shift"][1]) for m in members)
        home = members[0]["home"]
        at, free, legs = home, float(shift_start), 0.0
        for stop in route["stops"]:
            job = jobs[stop["job"]]
            seen.append(stop["job"])
            assert job["family"] in skills, f"{crew} not certified for {job['family']}"
            leg = travel(at, job["at"])
            legs += leg
            arrive, start, end = (minutes(stop[k]) for k in ("arrive", "start", "end"))
            assert abs(arrive - (free + leg)) <= TOLERANCE_MINUTES, (stop, free, leg)
            assert start >= arrive, stop
            assert minutes(job["window"][0]) <= start <= minutes(job["window"][1]), stop
            assert abs(end - (start + job["minutes"])) <= TOLERANCE_MINUTES, stop
            at, free = job["at"], float(end)
        back = travel(at, home)
        legs += back
        assert free + back <= shift_end + TOLERANCE_MINUTES, f"{crew} home late"
        assert shift_start <= shift_end
        assert abs(route["travel_minutes"] - legs) <= 0.06 + 0.01 * len(route["stops"]), route
        total += legs
    assert len(seen) == len(set(seen)), "a job served twice"
    left = [item["job"] for item in answer["unassigned"]]
    assert all(isinstance(item["reason"], str) and item["reason"] for item in answer["unassigned"])
    assert sorted(seen + left) == sorted(jobs), "every job once, in routes or unassigned"
    assert abs(answer["travel_minutes"] - total) <= 0.06 + 0.01 * (
        len(seen) + len(answer["routes"])
    )
    return len(seen)
