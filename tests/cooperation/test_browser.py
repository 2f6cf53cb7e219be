"""The regional dashboard in Debian's Chromium: charts and map drawn by the locally served
plotly.js, no console errors, no request leaving the machine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.cooperation.factories import cooperation_world
from tests.web.test_browser import browser, sign_in

pytestmark = pytest.mark.browser
__all__ = ["browser"]


def test_dashboard_draws_without_errors(
    live_server: str,
    browser: Browser,
    session: Session,
    make_user: Callable[..., str],
    tmp_path: Path,
) -> None:
    """Sign in as Arctic's manager, open the dashboard: three Plotly charts drawn (the map
    over its borders), figures shown; then the trade page and the new-deal form; no console
    error, every request to the app itself."""
    cooperation_world(session)
    shots = tmp_path
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None,
    )
    sign_in(page, live_server, make_user("arctic", Role.regional_manager, regions=("Arctic",)))
    page.goto(f"{live_server}/dashboard?currency=EUR")
    expect(page.locator("#figures")).to_contain_text("Units delivered")
    for chart in ("#trade-chart", "#deals-chart", "#map-chart"):
        expect(page.locator(f"{chart} .main-svg").first).to_be_visible()
    expect(page.locator("#trade-series")).to_contain_text("2014")
    # the map: the shipped borders, the sites and the depots, three scatter traces
    expect(page.locator("#map-chart .scatterlayer .trace")).to_have_count(3)
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    page.click("text=Printable region report")
    expect(page.locator("h1")).to_contain_text("Cooperation report")
    page.click("nav >> text=Trade")
    expect(page.locator("#trade-table")).to_contain_text("RUB 35 per USD of 2014-01-01")
    page.click("nav >> text=Deals")
    page.click("#new-deal")
    page.fill("input[name=reference]", "DL-BROWSER")
    page.fill("input[name=customer]", "NORD")
    page.fill("input[name=model]", "CB-12")
    page.fill("input[name=quantity]", "2")
    page.fill("input[name=value]", "50000")
    page.fill("input[name=currency]", "EUR")
    page.click("text=Create the deal")
    expect(page.locator("h1")).to_contain_text("DL-BROWSER")
    assert errors == []
    assert outside == []
    page.close()
