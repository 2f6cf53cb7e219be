"""The analytics routes and pages: who may read them, the scope, and bad input."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.analytics import service
from fleetcare.cli import app
from fleetcare.core.permissions import Role
from tests.analytics.factories import cold_history, cold_network
from tests.conftest import sign_in

FIT_KEYS = {
    "model", "component_group", "climate", "n_units", "n_failed", "n_censored", "status",
    "shape", "scale", "b10", "shape_ci95", "scale_ci95", "used_in_plan",
}  # fmt: skip
SERIES_KEYS = {
    "model", "component_group", "region", "climate", "reference", "claims", "expected",
    "cusum", "claims_total", "expected_total", "flagged", "first_alarm",
}  # fmt: skip


def test_routes_pages_and_their_attacks(
    session: Session,
    client_for: Callable[..., TestClient],
    anonymous: TestClient,
    make_user: Callable[..., str],
) -> None:
    """A planner reads every fit and series; a customer is refused (403); a Baltic manager
    sees only the Baltic, and the Arctic answers it 404; a window out of range is 422; the
    pages draw the plot and the chart; a cohort that does not exist is 404."""
    cold_history(session)
    planner = client_for(Role.planner, "planner-a")
    fits = planner.get("/api/analytics/weibull")
    assert fits.status_code == 200
    body: dict[str, Any] = fits.json()
    assert body["unit"] == "engine hours" and body["min_plan_failures"] == 5
    assert {tuple(sorted(c)) for c in body["cohorts"]} == {tuple(sorted(FIT_KEYS))}
    warnings = planner.get("/api/analytics/warnings").json()
    assert set(warnings) == {"months", "shift", "decision_interval", "series"}
    assert set(warnings["series"][0]) == SERIES_KEYS
    assert [(s["region"], s["component_group"]) for s in warnings["series"] if s["flagged"]] == [
        ("Arctic", "hydraulics")
    ]

    customer = client_for(Role.customer, "cust-a", customer="NORD")
    dispatcher = client_for(Role.dispatcher, "disp-a")
    for path in ("/api/analytics/weibull", "/api/analytics/warnings"):
        assert customer.get(path).status_code == 403
        assert dispatcher.get(path).status_code == 403
        assert anonymous.get(path).status_code == 401

    manager = client_for(Role.regional_manager, "rm-baltic", regions=("Baltic",))
    seen = manager.get("/api/analytics/warnings").json()["series"]
    assert seen and {s["region"] for s in seen} == {"Baltic"}
    assert manager.get("/api/analytics/warnings", params={"region": "Arctic"}).status_code == 404
    for months in ("0", "121", "x" * 5000):
        answer = planner.get("/api/analytics/warnings", params={"months": months})
        assert answer.status_code == 422
    assert planner.get("/api/analytics/warnings", params={"region": "x" * 5000}).status_code == 422
    for h in ("0", "-1", "51", "nan"):
        answer = planner.get("/api/analytics/warnings", params={"h": h})
        assert answer.status_code == 422, h
    strict = planner.get("/api/analytics/warnings", params={"h": 50}).json()
    assert strict["decision_interval"] == 50 and not any(s["flagged"] for s in strict["series"])

    sign_in(anonymous, make_user("page-planner", Role.planner))
    page = anonymous.get("/reliability")
    assert page.status_code == 200 and "probability-plot" in page.text
    assert "still running (censored)" in page.text
    assert anonymous.get("/reliability", params={"cohort": 3}).status_code == 200
    assert anonymous.get("/reliability", params={"cohort": 99}).status_code == 404
    page = anonymous.get("/warnings")
    assert page.status_code == 200 and "warning-chart" in page.text and "⚠" in page.text
    drawn = re.search(r'id="warning-chart" class="chart" data-figure="([^"]*)"', page.text)
    assert drawn, "the first series' chart is on the page"
    figure = json.loads(html.unescape(drawn.group(1)))  # once drew the macro's name instead
    assert len(figure["data"]) == 3 and all(trace["y"] for trace in figure["data"])
    assert anonymous.get("/warnings", params={"series": 99}).status_code == 404
    reference = warnings["series"][0]["reference"]  # a code in the API, words on the page
    assert f"<td>{reference}</td>" not in page.text
    assert f"<td>{service.reference_label(reference)}</td>" in page.text
    one = anonymous.get("/warnings", params={"region": "Arctic"}).text
    offered = re.findall(
        r'<option value="([^"]+)"', one.split('name="region"')[1].split("</select>")[0]
    )
    assert "Arctic" in offered and len(offered) > 1  # another region is one choice away


def test_cli_fits_and_warnings(
    session: Session, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """``fleetcare analytics fits --json`` and ``warnings --json`` print the API's documents;
    an unknown region is exit status 2."""
    cold_history(session)
    fits = runner.invoke(app, ["analytics", "fits", "--json"], env=cli_env)
    assert fits.exit_code == 0, fits.stderr
    assert {c["climate"] for c in json.loads(fits.stdout)["cohorts"]} == {"arctic", "temperate"}
    table = runner.invoke(app, ["analytics", "fits"], env=cli_env)
    assert table.exit_code == 0 and "CB-12" in table.stdout
    warned = runner.invoke(app, ["analytics", "warnings", "--json"], env=cli_env)
    assert warned.exit_code == 0, warned.stderr
    series = json.loads(warned.stdout)["series"]
    assert series[0]["flagged"] and series[0]["region"] == "Arctic"
    human = runner.invoke(app, ["analytics", "warnings", "--months", "12", "--h", "5"], env=cli_env)
    assert human.exit_code == 0 and "flagged" in human.stderr
    unknown = runner.invoke(app, ["analytics", "warnings", "--region", "Nowhere"], env=cli_env)
    assert unknown.exit_code == 2 and unknown.stdout == ""


def test_plan_build_takes_the_fits_through_both_roots(
    session: Session,
    runner: CliRunner,
    cli_env: dict[str, str],
    client_for: Callable[..., TestClient],
    tmp_path: Path,
) -> None:
    """The root CLI and the web app register the fits with planning: ``plan build`` and
    ``GET /api/plans/build`` give the hydraulics parts ``rate_source`` fitted, the brake pads
    engineering, and the command says how many of each."""
    cold_history(session)
    cold_network(session)
    out = tmp_path / "problem.json"
    built = runner.invoke(app, ["plan", "build", "--out", str(out)], env=cli_env)
    assert built.exit_code == 0, built.stderr
    sources = {p["id"]: p["rate_source"] for p in json.loads(out.read_text())["parts"]}
    assert sources == {"P-HOSE": "fitted", "P-PAD": "engineering", "P-PUMP": "fitted"}
    assert "2 parts fitted, 0 mixed, 1 engineering" in built.stderr
    planner = client_for(Role.planner, "planner-b")
    document = planner.get("/api/plans/build", params={"region": "Arctic"}).json()
    assert {p["id"]: p["rate_source"] for p in document["parts"]} == sources
