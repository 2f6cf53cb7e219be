"""The planning problem and the current stock as the database gives them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fleetcare.planning.build import build_problem, current_stock
from fleetcare.planning.problem import parse_problem
from tests.planning.factories import planned_network


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
