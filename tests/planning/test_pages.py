"""The planning page: curve, a point's plan, save as targets; one solve per region."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item, import_file
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.parts.models import ComponentGroup
from fleetcare.parts.schemas import BomRecord, PartRecord
from fleetcare.parts.stock_tables import STOCK
from fleetcare.parts.tables import BOMS, PARTS
from fleetcare.planning import service
from fleetcare.planning.baselines import Baseline
from fleetcare.planning.optimise import Curve
from fleetcare.planning.pages import same_availability_costs
from fleetcare.web.app import create_app
from tests.conftest import sign_in
from tests.planning.factories import parts_left_out, planned_network


@pytest.fixture(autouse=True)
def _fresh_solves() -> None:
    """Each test solves its own network: the solve cache starts empty."""
    service.cache.clear()


def test_planning_page_curve_point_and_save(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """The page draws the curve and the baselines; a point's plan saves as the targets."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.97})
    assert page.status_code == 200
    assert "plan-curve" in page.text and "months of demand" in page.text
    figure = re.search(r'data-figure="([^"]+)"', page.text)
    assert figure
    curve = json.loads(figure.group(1).replace("&#34;", '"').replace("&quot;", '"'))["data"][0]
    assert curve["y"][-1] >= 97 and curve["x"] == sorted(curve["x"])
    budget = curve["x"][-1]
    plan = pages.get(
        "/planning/plan", params={"region": "Arctic", "target": 0.97, "budget": budget}
    )
    assert (
        plan.status_code == 200 and "P-1" in plan.text and "Save as the stock targets" in plan.text
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', plan.text)
    assert token
    form = {"region": "Arctic", "target": "0.97", "budget": str(budget)}
    assert pages.post("/planning/targets", data=form).status_code == 403
    shown = re.search(r'name="plan" value="([0-9a-f]{64})"', plan.text)
    assert shown
    # another plan than the page showed (solved again meanwhile, the same cost or not): the
    # plan as it is now is shown, nothing is saved
    other = ("0" if shown.group(1)[0] != "0" else "1") + shown.group(1)[1:]
    stale = {**form, "csrf_token": token.group(1), "plan": other}
    refused = pages.post("/planning/targets", data=stale)
    assert refused.status_code == 200 and "nothing was saved" in refused.text
    assert f'name="plan" value="{shown.group(1)}"' in refused.text
    missing = pages.post("/planning/targets", data={**form, "csrf_token": token.group(1)})
    assert missing.status_code == 422
    items = client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    assert not any(row["target"] for row in items)
    form["plan"] = shown.group(1)
    hub = [{"part": "P-1", "location": "HUB", "target": 7}]  # set by the network's plan
    assert client.put("/api/stock/targets", json=hub).status_code == 200
    saved = pages.post("/planning/targets", data={**form, "csrf_token": token.group(1)})
    assert saved.status_code == 200 and "Targets saved" in saved.text
    assert "Only the region" in saved.text and "keep their targets" in saved.text
    targets = {
        row["location"]: row["target"]
        for row in client.get("/api/stock", params={"part": "P-1"}).json()["items"]
    }
    assert targets.get("DEPOT-N", 0) >= 1
    assert targets["HUB"] == 7  # shared with other regions: the region's plan leaves it


def test_the_chart_draws_the_targets_plan_as_the_text_gives_it(
    pages: TestClient, session: Session
) -> None:
    """The curve drawn past the target holds the walk's plans; the target's own point is
    drawn at its polished availability, the figure the text above the chart states, and
    every point hovers with its money and its percent."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    figure = re.search(r'data-figure="([^"]+)"', page.text)
    assert figure
    drawn = json.loads(figure.group(1).replace("&#34;", '"').replace("&quot;", '"'))["data"]
    solved = service.solve(session, region="Arctic", target=0.9)
    assert solved is not None
    point = drawn[0]["x"].index(solved.curve.last.cost)
    assert drawn[0]["y"][point] == pytest.approx(solved.curve.last.availability * 100)
    assert all("%{y:.2f} %" in trace["hovertemplate"] for trace in drawn)


def test_a_page_waiting_past_the_bound_for_a_solve_is_503(
    pages: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another caller solves the region, a page that would wait beyond the bound
    answers 503 with Retry-After instead of holding its thread; once the solve is done, the
    page answers."""
    planned_network(session)
    solution = service.cache.get(
        (str(session.get_bind().engine.url), "Arctic", "exact"),
        lambda: service._solution(service.load_problem(session, region="Arctic"), "exact"),
    )
    monkeypatch.setattr(service, "cache", service.SingleFlight(wait_seconds=0.05, max_waiting=1))
    key = (str(session.get_bind().engine.url), "Arctic", "exact")
    release, started = threading.Event(), threading.Event()

    def solving() -> service.Solution | None:
        started.set()
        release.wait(10)
        return solution

    holder = threading.Thread(target=lambda: service.cache.get(key, solving))
    holder.start()
    assert started.wait(10)
    busy = pages.get("/planning", params={"region": "Arctic"})  # waits 0.05 s, then gives up
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    release.set()
    holder.join(timeout=10)
    solved = pages.get("/planning", params={"region": "Arctic"})
    assert solved.status_code == 200 and "plan-curve" in solved.text


def test_the_page_says_which_parts_it_plans(pages: TestClient, session: Session) -> None:
    """The plan holds the parts a machine is down without; the page counts the others and
    says why they are not in it; the curve and its plans name only the planned parts."""
    planned_network(session)
    parts_left_out(session)
    page = pages.get("/planning", params={"region": "Arctic"})
    assert page.status_code == 200
    said = " ".join(page.text.split())
    assert "Planned: the 2 parts a machine is down without" in said
    assert "1 part critical on no bill of materials is not in the plan" in said
    assert "1 part without a cost is left out" in said
    plan = pages.get("/planning/plan", params={"region": "Arctic", "budget": 10_000})
    assert "P-1" in plan.text and "P-4" in plan.text and "P-2" not in plan.text


def test_planning_page_without_machines(pages: TestClient, session: Session) -> None:
    """A region whose depots serve no machine says so instead of failing; a region that does
    not exist is 404 (and is never solved nor cached)."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Baltic"})
    assert page.status_code == 200 and "nothing to plan" in page.text
    assert pages.get("/planning", params={"region": "Nowhere"}).status_code == 404
    assert all(region != "Nowhere" for _url, region, _model in service.cache.held())
    assert pages.get("/planning", params={"target": 2}).status_code == 422


def test_one_solve_per_region_serves_every_target(pages: TestClient, session: Session) -> None:
    """The hulls do not depend on the target: a second target walks the cached solve."""
    planned_network(session)
    first = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    second = pages.get("/planning", params={"region": "Arctic", "target": 0.97})
    assert first.status_code == second.status_code == 200
    here = str(session.get_bind().engine.url)
    arctic = [key for key in service.cache.held() if key == (here, "Arctic", "exact")]
    assert len(arctic) == 1 and service.cache.computed == 1
    reached = [
        float(m.group(1))
        for m in (re.search(r"from no stock to ([0-9.]+)%", page.text) for page in (first, second))
        if m
    ]
    assert len(reached) == 2 and 90 <= reached[0] < reached[1] and reached[1] >= 97


def test_a_target_is_snapped_to_the_grid_before_it_names_a_cache_key(
    pages: TestClient, session: Session
) -> None:
    """Targets within 0.05 percentage point of each other are the same target (0.1 pp grid):
    the page shows the snapped target and says it is rounded."""
    planned_network(session)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.96987654})
    assert page.status_code == 200 and 'value="0.97"' in page.text
    assert "rounded to 0.1 percentage point" in page.text
    top = pages.get("/planning", params={"region": "Arctic", "target": 0.99999})
    assert top.status_code == 200 and 'value="0.999"' in top.text


def test_a_regional_manager_plans_only_its_regions(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """The picker lists the manager's regions only (no whole network); another region, an
    unknown one and the whole network are 404 on the page, a point's plan and the simulation,
    before anything is solved."""
    planned_network(session)
    with TestClient(create_app(settings)) as manager:
        sign_in(manager, make_user("arctic-planner", Role.regional_manager, regions=("Arctic",)))
        picker = manager.get("/planning")
        assert picker.status_code == 200
        assert ">Arctic<" in picker.text and "Baltic" not in picker.text
        assert "the whole network" not in picker.text
        own = manager.get("/planning", params={"region": "Arctic", "target": 0.95})
        assert own.status_code == 200 and "plan-curve" in own.text
        for path in ("/planning", "/planning/plan", "/planning/simulate"):
            for region in ("Baltic", "Nowhere", ""):
                answer = manager.get(path, params={"region": region, "target": 0.95})
                assert answer.status_code == 404, (path, region)
        assert [key for _url, key, _model in service.cache.held()] == ["Arctic"]


def test_the_model_selector_names_its_own_solve(pages: TestClient, session: Session) -> None:
    """The page offers both models, exact selected by default; each model is its own cache
    key and its own curve, and the curve's plan links carry the model; an unknown model is
    422 before anything is solved."""
    planned_network(session)
    exact = pages.get("/planning", params={"region": "Arctic", "target": 0.95})
    assert exact.status_code == 200
    assert '<option value="exact" selected>' in exact.text
    assert '<option value="vari-metric" >' in exact.text and "model=exact" in exact.text
    fitted = pages.get(
        "/planning", params={"region": "Arctic", "target": 0.95, "model": "vari-metric"}
    )
    assert fitted.status_code == 200 and '<option value="vari-metric" selected>' in fitted.text
    assert "model=vari-metric" in fitted.text
    here = str(session.get_bind().engine.url)
    held = set(service.cache.held())
    assert {(here, "Arctic", "exact"), (here, "Arctic", "vari-metric")} <= held
    assert service.cache.computed == 2
    bad = pages.get("/planning", params={"region": "Arctic", "target": 0.95, "model": "metric"})
    assert bad.status_code == 422 and service.cache.computed == 2


def test_parts_in_two_currencies_are_not_planned_as_one(
    pages: TestClient, session: Session
) -> None:
    """A region whose parts are priced in RUB and EUR: the page says so (422 naming both), it
    does not add roubles and euros and label the sum RUB."""
    planned_network(session)
    euro = PartRecord(
        number="P-2",
        name="Filter",
        group=ComponentGroup.filters,
        unit_cost=Decimal("10"),
        currency="EUR",
        weight_kg=0.5,
    )
    PARTS.apply(session, [Item(euro)])
    BOMS.apply(session, [Item(BomRecord(model="CB-12", part="P-2", quantity=1, critical=True))])
    session.commit()
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    assert page.status_code == 422 and "priced in EUR, RUB" in page.text


def test_same_availability_costs_take_the_cheapest_point_that_reaches_it() -> None:
    """The first point of the curve at or above a baseline's availability; None past its end."""
    curve = Curve(
        costs=np.array([0.0, 10.0, 25.0, 40.0]),
        availabilities=np.array([0.5, 0.8, 0.9, 0.95]),
        stock=np.zeros((1, 1), dtype=np.int64),
        reached=True,
    )
    rows = [
        Baseline("current", 0.0, np.zeros((1, 1), dtype=np.int64), 60.0, 0.9),
        Baseline("months", 1.0, np.zeros((1, 1), dtype=np.int64), 30.0, 0.81),
        Baseline("months", 3.0, np.zeros((1, 1), dtype=np.int64), 90.0, 0.99),
    ]
    assert same_availability_costs(curve, rows) == [25.0, 25.0, None]


def stock_only_at_the_plant(session: Session, tmp_path: Path) -> None:
    """The planned network holding 6 pieces of P-1 at the plant and nothing below it."""
    planned_network(session)
    held = tmp_path / "stock.csv"
    held.write_text("part,location,on_hand\nP-1,PLANT,6\n")
    import_file(session, STOCK, held, actor="importer")
    session.commit()


def test_the_current_stock_row_shows_what_its_availability_costs_optimised(
    pages: TestClient, session: Session, tmp_path: Path
) -> None:
    """Stock held below the curve (all of it at the plant, 90 days from the machines) reads
    with the optimised plan of the same availability beside it, cheaper, and how much."""
    stock_only_at_the_plant(session, tmp_path)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    assert page.status_code == 200
    row = re.search(r"<tr><td>current stock</td>(.*?)</tr>", page.text, re.S)
    assert row, page.text
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)
    value, same = (float(re.sub(r"[^\d.]", "", cell.split("<span")[0])) for cell in cells[:3:2])
    assert value == 6 * 500 and 0 < same < value
    assert f"({round((same / value - 1) * 100)}%)" in cells[2]


def test_the_current_stock_is_read_afresh_while_the_solve_is_kept(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """A receipt after the region was solved shows at once in the current stock's row and in
    a point's plan against it, without solving again."""
    planned_network(session)
    first = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    assert first.status_code == 200
    solved = service.cache.computed
    moved = client.post(
        "/api/stock/moves",
        json={"kind": "receipt", "part": "P-1", "location": "DEPOT-N", "quantity": 3},
    )
    assert moved.status_code == 201, moved.text
    again = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    assert service.cache.computed == solved  # the hulls were kept
    row = re.search(r"<tr><td>current stock</td><td class=\"num\">([^<]+)</td>", again.text)
    before = re.search(r"<tr><td>current stock</td><td class=\"num\">([^<]+)</td>", first.text)
    assert before and row
    assert before.group(1) == "RUB0.00" and row.group(1) == "RUB1,500.00"
    plan = pages.get("/planning/plan", params={"region": "Arctic", "target": 0.9, "budget": 0})
    assert plan.status_code == 200 and "DEPOT-N" in plan.text


def test_a_regions_plan_keeps_the_shared_locations_apart(
    pages: TestClient, session: Session, tmp_path: Path
) -> None:
    """A region's plan counts what saving it changes at its depots, and names the plant and
    the hub apart (saving leaves them); the whole network's plan counts every location. A
    budget past the curve's end says the curve ends there."""
    stock_only_at_the_plant(session, tmp_path)
    page = pages.get("/planning", params={"region": "Arctic", "target": 0.9})
    assert 'id="shared-stock"' in page.text
    assert 'id="shared-stock"' not in pages.get("/planning", params={"region": ""}).text
    fragment = pages.get("/planning/plan", params={"region": "Arctic", "target": 0.9, "budget": 0})
    cards = re.findall(r'<div class="big">([^<]+)</div><div class="label">([^<]+)<', fragment.text)
    assert cards == [
        ("RUB3,000.00", "current stock value"),
        ("RUB0.00", "to buy or move in at the region's depots"),
        ("RUB0.00", "above the plan at the region's depots"),
    ]
    shared = re.search(r'<p class="muted" id="shared">([^<]+)</p>', fragment.text)
    assert shared and shared.group(1).startswith("PLANT, HUB hold stock for every region")
    assert "RUB3,000.00 above it" in shared.group(1)
    whole = pages.get("/planning/plan", params={"region": "", "target": 0.9, "budget": 0})
    assert (
        'id="shared"' not in whole.text
        and 'RUB3,000.00</div><div class="label">above the plan<' in whole.text
    )
    assert 'id="curve-ends"' not in whole.text
    past = pages.get("/planning/plan", params={"region": "", "target": 0.9, "budget": 10**9})
    assert 'id="curve-ends"' in past.text and "RUB1,000,000,000.00 buys this plan" in past.text
