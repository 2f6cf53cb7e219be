"""A person's path through the installed base, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy.orm import Session

from fleetcare.core.config import Settings
from fleetcare.web.app import create_app
from tests.fleet.factories import small_fleet

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(db: str) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings(database_url=db)), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (`make test` installs it); never a downloaded browser."""
    if shutil.which("chromium") is None:
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_filter_units_and_open_one(live_server: str, browser: Browser, session: Session) -> None:
    """Open the units page, filter by region (HTMX swaps the table), open a unit, see its chart."""
    small_fleet(session, units=30)
    session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/api/health")
    page.goto(f"{live_server}/units")
    expect(page.locator("#units-table")).to_contain_text("1–25 of 31")
    page.select_option("select[name=region]", "Baltic")
    expect(page.locator("#units-table")).to_contain_text("1–1 of 1")
    expect(page).to_have_url(f"{live_server}/units?region=Baltic")
    page.fill("input[name=q]", "LIFT")
    expect(page.locator("#units-table tbody tr")).to_have_count(1)
    page.click("text=LIFT-001")
    expect(page.locator("h1")).to_contain_text("LIFT-001")
    expect(page.locator("dl.facts")).to_contain_text("West depot")
    page.goto(f"{live_server}/units?region=Arctic")
    page.click("text=BUS-001")
    expect(page.locator("h1")).to_contain_text("BUS-001")
    page.close()


def test_unit_chart_draws(live_server: str, browser: Browser, session: Session) -> None:
    """The usage chart is drawn by the locally served plotly.js."""
    unit_id = small_fleet(session)[0]
    from fleetcare.fleet import schemas, service

    for month, hours in ((1, 100.0), (2, 250.0), (3, 400.0)):
        service.add_usage(
            session,
            schemas.UsageRecord.model_validate(
                {"serial": "BUS-001", "taken_at": f"2024-0{month}-01", "engine_hours": hours}
            ),
        )
    session.commit()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/units/{unit_id}")
    expect(page.locator("#usage-chart .main-svg").first).to_be_visible()
    assert errors == []
    page.close()
