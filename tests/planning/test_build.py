"""The planning problem and the current stock as the database gives them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fleetcare.planning.build import build_problem, current_stock
from fleetcare.planning.problem import parse_problem
from tests.planning.factories import parts_left_out, planned_network


def test_a_region_gives_its_depots_and_the_locations_above(session: Session) -> None:
    """Arctic: DEPOT-N with its 3 machines under the hub and the plant; a region without
    machines gives no part; the problem parses."""
    planned_network(session)
    problem = build_problem(session, region="Arctic")
    assert [(loc["id"], loc.get("units")) for loc in problem["locations"]] == [
        ("DEPOT-N", 3),
        ("HUB", None),
        ("PLANT", None),
    ]
    assert problem["parts"][0]["demand_per_day"]["DEPOT-N"] > 0
    assert parse_problem(problem).part_ids == ("P-1",)
    assert build_problem(session, region="Nowhere")["parts"] == []
    assert current_stock(session, problem) == {}


def test_parts_a_machine_runs_without_are_left_out_and_named(session: Session) -> None:
    """By default the problem holds the parts some planned machine is down without; a filter
    (not critical), a part critical only on a model the region does not run, and a part
    without a cost are named under ``left_out``; ``parts="all"`` plans the first two, with
    the same figures for the part planned both ways."""
    planned_network(session)
    parts_left_out(session)
    critical = build_problem(session, region="Arctic")
    assert [part["id"] for part in critical["parts"]] == ["P-1"]
    assert critical["left_out"] == {"P-2": "not_critical", "P-3": "no_cost", "P-4": "not_critical"}
    every = build_problem(session, region="Arctic", parts="all")
    assert [part["id"] for part in every["parts"]] == ["P-1", "P-2", "P-4"]
    assert every["left_out"] == {"P-3": "no_cost"}
    assert every["parts"][0] == critical["parts"][0]
    assert parse_problem(critical).part_ids == ("P-1",)
