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
    """By default the problem holds the parts some machine of the network is down without —
    P-4 too, critical on the Baltic's lift though not on the Arctic's bus; the filter and the
    part without a cost are named under ``left_out``. ``parts="not_critical"`` holds the
    filter and names the critical ones; ``parts="all"`` plans every part with a cost, with
    the same figures for a part planned in two scopes."""
    planned_network(session)
    parts_left_out(session)
    critical = build_problem(session, region="Arctic")
    assert [part["id"] for part in critical["parts"]] == ["P-1", "P-4"]
    assert critical["left_out"] == {"P-2": "not_critical", "P-3": "no_cost"}
    other = build_problem(session, region="Arctic", parts="not_critical")
    assert [part["id"] for part in other["parts"]] == ["P-2"]
    assert other["left_out"] == {"P-1": "critical", "P-3": "critical", "P-4": "critical"}
    every = build_problem(session, region="Arctic", parts="all")
    assert [part["id"] for part in every["parts"]] == ["P-1", "P-2", "P-4"]
    assert every["left_out"] == {"P-3": "no_cost"}
    assert every["parts"][0] == critical["parts"][0] and every["parts"][1] == other["parts"][0]
    assert parse_problem(critical).part_ids == ("P-1", "P-4")
