"""The dispatch solver: every plan passes the independent checker, serves at least as many
jobs as the greedy baseline, pairs trainees only when that costs no job, and says why a job
was left out."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetcare.workforce.routing import SolveOptions, baseline_document, solve_document
from tests.workforce.routing.checker import check_plan
from tests.workforce.routing.factories import FAR, NEAR, TOWN, job, person, problem

QUICK = SolveOptions(seconds=2.0, seed=1, max_iterations=200)
FAMILIES = ("bus", "loader", "truck")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    """≤ 12 jobs, ≤ 5 technicians (some trainees) within ~80 km, random shifts and windows."""

    def spot() -> list[float]:
        return [
            round(draw(st.floats(68.6, 69.3)), 4),
            round(draw(st.floats(32.5, 34.0)), 4),
        ]

    technicians = []
    for n in range(draw(st.integers(1, 5))):
        start = draw(st.integers(6 * 60, 11 * 60))
        end = draw(st.integers(start + 60, min(start + 12 * 60, 24 * 60)))
        certified = draw(st.lists(st.sampled_from(FAMILIES), max_size=2, unique=True))
        trainee = draw(st.lists(st.sampled_from(FAMILIES), max_size=1))
        technicians.append(person(f"T{n}", spot(), certified, trainee, (_hhmm(start), _hhmm(end))))
    jobs = []
    for n in range(draw(st.integers(0, 12))):
        opens = draw(st.integers(6 * 60, 18 * 60))
        closes = draw(st.integers(opens, min(opens + 6 * 60, 24 * 60)))
        family = draw(st.sampled_from((*FAMILIES, "unknown")))
        minutes = draw(st.integers(10, 240))
        jobs.append(job(f"J{n}", spot(), family, (_hhmm(opens), _hhmm(closes)), minutes))
    return problem(technicians, jobs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_plan_is_feasible_and_serves_at_least_the_baseline(
    document: dict[str, Any],
) -> None:
    baseline = check_plan(document, baseline_document(document))
    served = check_plan(document, solve_document(document, QUICK))
    assert served >= baseline


def test_same_seed_same_plan() -> None:
    document = problem(
        [person("T1", TOWN, ["bus"]), person("T2", FAR, ["bus"], ["loader"])],
        [job(f"J{n}", [68.9 - n * 0.1, 33.0 + n * 0.05], "bus") for n in range(8)],
    )
    assert solve_document(document, QUICK) == solve_document(document, QUICK)


def test_no_one_certified_says_so() -> None:
    document = problem([person("T1", TOWN, ["bus"])], [job("J1", NEAR, "mining_dump_truck")])
    answer = solve_document(document, QUICK)
    assert answer["routes"] == []
    assert answer["unassigned"] == [
        {"job": "J1", "reason": "no one certified for mining_dump_truck"}
    ]


def test_no_one_at_work_says_so() -> None:
    """A day nobody of the region works (a Sunday, say): that, not a missing certificate."""
    answer = solve_document(problem([], [job("J1", NEAR, "bus")]), QUICK)
    assert answer["unassigned"] == [{"job": "J1", "reason": "no one of the region works that day"}]


def test_a_window_out_of_reach_says_so() -> None:
    # 150 km away is about 3 h 15 min at 60 km/h × 1.3: a window closing at 09:00 is lost
    document = problem([person("T1", TOWN, ["bus"])], [job("J1", FAR, "bus", ("08:00", "09:00"))])
    answer = solve_document(document, QUICK)
    assert answer["routes"] == []
    (left,) = answer["unassigned"]
    assert left["reason"].startswith("no one certified for bus within reach")


def test_busy_technicians_are_a_matter_of_capacity() -> None:
    document = problem(
        [person("T1", TOWN, ["bus"])],
        [
            job("J1", NEAR, "bus", ("09:00", "09:00"), 120),
            job("J2", NEAR, "bus", ("09:30", "09:30"), 30),
        ],
    )
    answer = check_plan(document, solve_document(document, QUICK))
    assert answer == 1
    (left,) = solve_document(document, QUICK)["unassigned"]
    assert left["reason"].startswith("capacity")


def test_a_trainee_is_never_alone_on_a_job() -> None:
    # the trainee lives next to the job; only the certified colleague far away may do it
    document = problem(
        [person("T1", FAR, ["bus"]), person("T2", TOWN, [], ["bus"])],
        [job("J1", NEAR, "bus", ("08:00", "18:00"), 30)],
    )
    answer = solve_document(document, QUICK)
    check_plan(document, answer)
    assert [route["crew"][0] for route in answer["routes"]] == ["T1"]
    alone = problem([person("T2", TOWN, [], ["bus"])], [job("J1", NEAR, "bus")])
    answer = solve_document(alone, QUICK)
    assert answer["routes"] == []
    assert answer["unassigned"][0]["reason"] == "no one certified for bus"


def test_a_pair_is_formed_when_it_costs_nothing() -> None:
    document = problem(
        [person("T1", TOWN, ["bus"]), person("T4", NEAR, [], ["bus"], ("07:00", "17:00"))],
        [job("WO-17", NEAR, "bus", ("09:00", "12:00"), 90), job("WO-18", TOWN, "bus")],
    )
    answer = solve_document(document, QUICK)
    assert check_plan(document, answer) == 2
    assert [route["crew"] for route in answer["routes"]] == [["T1", "T4"]]


def test_no_pair_when_it_would_cost_a_job() -> None:
    # T2 is certified for loaders and training on buses; each has a job at 09:00 sharp, far
    # apart: riding together, one of the two would be lost
    document = problem(
        [person("T1", TOWN, ["bus"]), person("T2", FAR, ["loader"], ["bus"])],
        [
            job("J1", NEAR, "bus", ("09:00", "09:00"), 60),
            job("J2", FAR, "loader", ("09:00", "09:00"), 60),
        ],
    )
    answer = solve_document(document, QUICK)
    assert check_plan(document, answer) == 2
    assert sorted(route["crew"] for route in answer["routes"]) == [["T1"], ["T2"]]


def test_a_pair_keeps_to_the_common_shift() -> None:
    # the trainee's shift ends at 12:00: riding along would lose the afternoon job
    document = problem(
        [person("T1", TOWN, ["bus"]), person("T2", TOWN, [], ["bus"], ("08:00", "12:00"))],
        [job("J1", NEAR, "bus", ("14:00", "15:00"), 60)],
    )
    answer = solve_document(document, QUICK)
    assert check_plan(document, answer) == 1
    assert [route["crew"] for route in answer["routes"]] == [["T1"]]


def test_the_example_of_the_contract() -> None:
    document = problem(
        [
            person("T1", [68.97, 33.08], ["city_bus"], ["forestry_forwarder"]),
            person("T4", [68.96, 33.05], [], ["city_bus"]),
        ],
        [
            job("WO-17", [68.95, 33.10], "city_bus", ("09:00", "12:00"), 90),
            job("WO-23", [68.95, 33.10], "mining_dump_truck"),
        ],
    )
    answer = solve_document(document, QUICK)
    check_plan(document, answer)
    (route,) = answer["routes"]
    assert route["crew"] == ["T1", "T4"]
    assert route["stops"][0]["job"] == "WO-17"
    assert route["stops"][0]["start"] == "09:00" and route["stops"][0]["end"] == "10:30"
    assert route["stops"][0]["arrive"] == "08:03"  # 2.4 km × 1.3 at 60 km/h ≈ 3.2 min
    assert answer["unassigned"][0]["job"] == "WO-23"


def test_the_checker_refuses_forged_plans() -> None:
    """The checker is not a rubber stamp: a trainee alone, a start outside the window, a late
    return and a job served twice are each refused."""
    import pytest

    document = problem(
        [person("T1", TOWN, ["bus"], shift=("08:00", "10:00")), person("T2", TOWN, [], ["bus"])],
        [job("J1", NEAR, "bus", ("09:00", "09:30"), 30)],
    )
    good = solve_document(document, QUICK)
    assert check_plan(document, good) == 1
    stop = {"job": "J1", "arrive": "08:03", "start": "09:00", "end": "09:30"}
    forgeries = [
        [{"crew": ["T2"], "stops": [stop], "travel_minutes": 6.4}],
        [
            {
                "crew": ["T1"],
                "stops": [{**stop, "start": "08:30", "end": "09:00"}],
                "travel_minutes": 6.4,
            }
        ],
        [{"crew": ["T1"], "stops": [{**stop, "arrive": "08:01"}], "travel_minutes": 6.4}],
        [{"crew": ["T1"], "stops": [stop, stop], "travel_minutes": 6.4}],
    ]
    for routes in forgeries:
        with pytest.raises(AssertionError):
            check_plan(document, {"routes": routes, "unassigned": [], "travel_minutes": 6.4})
    late = problem(
        [person("T1", TOWN, ["bus"], shift=("08:00", "09:31"))],
        [job("J1", NEAR, "bus", ("09:00", "09:30"), 30)],
    )
    with pytest.raises(AssertionError):
        check_plan(
            late,
            {
                "routes": [{"crew": ["T1"], "stops": [stop], "travel_minutes": 6.4}],
                "unassigned": [],
                "travel_minutes": 6.4,
            },
        )
