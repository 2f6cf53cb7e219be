"""The fleetcare-dispatch/1 document: every bad field is named by its path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fleetcare.core.errors import InvalidInput
from fleetcare.workforce.routing.problem import MAX_JOBS, clock, parse_problem
from tests.workforce.routing.factories import NEAR, TOWN, job, person, problem

GOOD = problem(
    [person("T1", TOWN, ["bus"], ["loader"]), person("T2", TOWN, [], ["bus"])],
    [job("J1", NEAR, "bus"), job("J2", NEAR, "unknown_family")],
)


def fields(document: Any) -> list[str]:
    """The field paths ``parse_problem`` refuses."""
    with pytest.raises(InvalidInput) as refused:
        parse_problem(document)
    return [error.field for error in refused.value.errors]


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """GOOD with ``value`` at ``path``."""
    document = copy.deepcopy(GOOD)
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return document


def test_a_good_problem_is_frozen() -> None:
    parsed = parse_problem(GOOD)
    assert [t.id for t in parsed.technicians] == ["T1", "T2"]
    assert parsed.technicians[0].shift == (8 * 3600, 18 * 3600)
    assert parsed.jobs[0].seconds == 3600 and parsed.jobs[1].family == "unknown_family"
    assert parsed.speed_kmh == 60 and parsed.road_factor == 1.3


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("format",), "fleetcare-dispatch/2", "format"),
        (("date",), "2026-02-30", "date"),
        (("speed_kmh",), 0, "speed_kmh"),
        (("road_factor",), 0.5, "road_factor"),
        (("technicians", 0, "shift"), ["18:00", "08:00"], "technicians[0].shift"),
        (("technicians", 1, "shift"), ["08:00", "08:00"], "technicians[1].shift"),
        (("technicians", 0, "shift"), ["8:00", "18:00"], "technicians[0].shift"),
        (("technicians", 0, "shift"), ["08:00", "24:30"], "technicians[0].shift"),
        (("technicians", 0, "home"), [91, 33], "technicians[0].home[0]"),
        (("technicians", 0, "home"), ["68.9", 33], "technicians[0].home[0]"),
        (("technicians", 1, "home"), [68.9, True], "technicians[1].home[1]"),
        (("technicians", 0, "certified"), ["bus", 7], "technicians[0].certified[1]"),
        (("technicians", 1, "id"), "T1", "technicians[1].id"),
        (("jobs", 1, "window"), ["12:00", "11:59"], "jobs[1].window"),
        (("jobs", 0, "at"), [68.9, float("nan")], "jobs[0].at[1]"),
        (("jobs", 0, "at"), [68.9], "jobs[0].at"),
        (("jobs", 1, "minutes"), 0, "jobs[1].minutes"),
        (("jobs", 1, "minutes"), 10**400, "jobs[1].minutes"),
        (("jobs", 1, "id"), "J1", "jobs[1].id"),
        (("jobs", 0, "family"), None, "jobs[0].family"),
        (("jobs",), {"J1": 1}, "jobs"),
    ],
)
def test_each_bad_field_is_named(path: tuple[Any, ...], value: Any, field: str) -> None:
    assert fields(changed(path, value)) == [field]


def test_a_window_of_one_instant_is_allowed() -> None:
    parsed = parse_problem(changed(("jobs", 0, "window"), ["09:00", "09:00"]))
    assert parsed.jobs[0].window == (9 * 3600, 9 * 3600)


def test_too_many_jobs_are_refused_before_they_are_read() -> None:
    document = changed(("jobs",), [{"id": n} for n in range(MAX_JOBS + 1)])
    assert fields(document) == ["jobs"]


def test_not_an_object() -> None:
    assert fields([1, 2]) == ["-"]


def test_clock() -> None:
    assert clock("00:00") == 0 and clock("24:00") == 86_400 and clock("13:07") == 47_220
    assert clock("24:01") is None and clock("12:60") is None and clock(780) is None
