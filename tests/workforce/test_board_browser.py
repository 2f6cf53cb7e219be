"""The dispatch board in Debian's Chromium driven by Playwright: a dispatcher plans a day, sees
the routes plot and the timeline drawn, publishes, and the day's assignments appear."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.conftest import TEST_PASSWORD
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.workforce.factories import crew, day_ahead, work_order

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (`make test` installs it); never a downloaded browser."""
    if shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_dispatcher_plans_and_publishes_a_day(
    live_server: str, chromium: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server}/login?next=/dispatch")
    page.fill("input[name=username]", make_user("dispatcher", Role.dispatcher))
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/dispatch")
    page.select_option("#dispatch-region", "Arctic")
    page.fill("#dispatch-date", day_ahead().isoformat())
    page.click("#plan-day")
    expect(page.locator("#dispatch-routes .main-svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#dispatch-timeline .main-svg").first).to_be_visible()
    expect(page.locator("#plan-stops")).to_contain_text(f"WO-{first}")
    expect(page.locator("#plan-stops")).to_contain_text(f"WO-{second}")
    expect(page.locator("#plan-unassigned")).to_contain_text("Every job is served.")
    page.click("#publish")
    expect(page.locator("#published")).to_contain_text("Published:")
    expect(page.locator("#dispatch-booked .main-svg").first).to_be_visible()
    expect(page.locator("#booked")).to_contain_text(f"WO-{first}")
    expect(page.locator("#booked")).to_contain_text(f"WO-{second}")
    assert errors == []  # no script refused by the Content-Security-Policy, none failed
    page.close()
