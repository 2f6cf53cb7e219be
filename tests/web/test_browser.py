"""A person's path through the installed base, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from fleetcare.core.permissions import Role
from tests.conftest import TEST_PASSWORD
from tests.fleet.factories import small_fleet
from tests.planning.factories import planned_network

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


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the login form, as a person does."""
    page.goto(f"{base}/units")
    expect(page).to_have_url(f"{base}/login?next=/units")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/units")


def test_filter_units_and_open_one(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """Sign in, filter the units by region (HTMX swaps the table), open a unit."""
    small_fleet(session, units=30)
    session.commit()
    page = browser.new_page()
    sign_in(page, live_server, make_user("dispatch", Role.dispatcher))
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


def test_unit_chart_draws(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """The usage chart is drawn by the locally served plotly.js, within the page's CSP; its
    mode bar speaks the reader's language."""
    unit_id = small_fleet(session)[0]
    from fleetcare.core.permissions import system
    from fleetcare.fleet import schemas, service

    for month, hours in ((1, 100.0), (2, 250.0), (3, 400.0)):
        record = schemas.UsageRecord.model_validate(
            {"serial": "BUS-001", "taken_at": f"2024-0{month}-01", "engine_hours": hours}
        )
        service.add_usage(session, record, by=system("test"))
    session.commit()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    sign_in(page, live_server, make_user("customer", Role.customer, customer="NORD"))
    page.goto(f"{live_server}/units/{unit_id}")
    expect(page.locator("#usage-chart .main-svg").first).to_be_visible()
    download = '#usage-chart .modebar-btn[data-title="{}"]'
    expect(page.locator(download.format("Download plot as a PNG"))).to_have_count(1)
    expect(page.locator('#usage-chart .modebar-btn[data-title="Share chart..."]')).to_have_count(0)
    page.goto(f"{live_server}/units/{unit_id}?lang=ru")  # plotly.js's own words in Russian
    expect(page.locator(download.format("Скачать график как PNG"))).to_have_count(1)
    page.goto(f"{live_server}/regions?lang=en")
    assert errors == []  # no script refused by the Content-Security-Policy, none failed
    page.close()


def test_find_a_part_and_accept_proposals(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """A planner searches a part, opens it, and accepts the replenishment proposals."""
    from tests.parts.factories import receive, small_network

    small_network(session)
    receive(session, "P-1", "HUB", 4)
    from fleetcare.parts.balances import set_target
    from fleetcare.parts.queries import location_of, part_of

    set_target(session, part_of(session, "P-1"), location_of(session, "DEPOT-A"), 2)
    session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/login?next=/parts")
    page.fill("input[name=username]", make_user("plan", Role.planner))
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/parts")
    page.fill("input[name=q]", "Part 1")
    expect(page.locator("#parts-table tbody tr")).to_have_count(1)
    page.click("text=P-1")
    expect(page.locator("h1")).to_contain_text("P-1")
    page.goto(f"{live_server}/stock/proposals")
    page.click("button.primary")
    expect(page.locator(".notice")).to_contain_text("1 transfer or purchase created")
    page.close()


def test_customer_reports_a_defect_and_the_dispatcher_sees_it(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """A customer reports a defect on its own machine through the portal, follows it, and a
    dispatcher finds it on the board and opens its work order."""
    small_fleet(session)
    session.commit()
    page = browser.new_page()
    sign_in(page, live_server, make_user("nord", Role.customer, customer="NORD"))
    page.click("nav >> text=Service")
    expect(page).to_have_url(f"{live_server}/portal")
    expect(page.locator('#unit-choices option[value="BUS-001"]')).to_have_count(1)
    page.fill("input[name=unit]", "BUS-002")  # the suggestions narrow as it is typed
    expect(page.locator('#unit-choices option[value="BUS-001"]')).to_have_count(0)
    expect(page.locator('#unit-choices option[value="BUS-002"]')).to_have_count(1)
    page.select_option("select[name=component_group]", "hydraulics")
    page.fill("textarea[name=symptom]", "hose burst at minus forty")
    page.check("input[name=down]")
    page.click("form.portal button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Defect #")
    expect(page.locator("dl.facts").first).to_contain_text("BUS-002")
    page.close()
    page = browser.new_page()
    sign_in(page, live_server, make_user("disp", Role.dispatcher))
    page.click("nav >> text=Service")
    expect(page.locator("#board-table")).to_contain_text("hose burst at minus forty")
    page.select_option("select[name=region]", "Baltic")
    expect(page.locator("#board-table")).to_contain_text("No defect matches.")
    page.select_option("select[name=region]", "Arctic")
    page.click("#board-table a >> text=#")
    page.click("text=Open a work order")
    expect(page.locator("h1")).to_contain_text("Work order #")
    expect(page.locator("#crew")).to_contain_text("Nobody is assigned yet.")  # loaded by HTMX
    page.click("button[value=scheduled]")
    expect(page.locator("h1")).to_contain_text("Scheduled")
    page.close()


def test_switch_to_russian_and_stay(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """The header's "Русский" shows this page in Russian, with its filters; the next page
    stays Russian (the cookie) until "English" is chosen."""
    from fleetcare.core.i18n import translations

    russian = translations("ru")
    small_fleet(session, units=3)
    session.commit()
    page = browser.new_page()
    sign_in(page, live_server, make_user("reader", Role.dispatcher))
    page.goto(f"{live_server}/units?region=Baltic")
    page.click("header .languages >> text=Русский")
    expect(page).to_have_url(f"{live_server}/units?region=Baltic&lang=ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("header nav")).to_contain_text(russian.gettext("Regions"))
    page.click(f"header nav >> text={russian.gettext('Regions')}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.click("header .languages >> text=English")
    expect(page.locator("header nav")).to_contain_text("Regions")
    page.close()


def test_the_header_wraps_instead_of_running_off_the_page(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """An administrator's header (every link, the longest words: Russian) on a 1,024-pixel
    screen wraps onto a second line: the page does not scroll sideways, and "Sign out" stays on the
    header's background, where it can be read and clicked."""
    small_fleet(session, units=3)
    session.commit()
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    sign_in(page, live_server, make_user("boss", Role.admin))
    page.goto(f"{live_server}/units?lang=ru")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    header = page.locator("header.top").bounding_box()
    sign_out = page.locator("header button.link").bounding_box()
    assert header and sign_out
    assert sign_out["x"] + sign_out["width"] <= header["x"] + header["width"]
    assert sign_out["y"] + sign_out["height"] <= header["y"] + header["height"]
    page.close()


def test_simulate_the_plans_under_one_policy_then_another(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """The planning page's simulation answers below its form, which stays: a second policy
    can be simulated without reloading the page."""
    planned_network(session)
    session.commit()
    page = browser.new_page()
    sign_in(page, live_server, make_user("planner", Role.planner))
    page.goto(f"{live_server}/planning?region=Arctic&target=0.9")
    page.click("text=Simulate these plans")
    expect(page.locator("#simulation-result")).to_contain_text("the machine waits")
    page.select_option("#simulation select[name=policy]", "grey")
    page.click("text=Simulate these plans")
    expect(page.locator("#simulation-result")).to_contain_text("buy on the grey market")
    expect(page.locator("#simulation form")).to_have_count(1)
    page.close()


def test_a_session_that_ended_signs_in_again_back_to_the_page(
    live_server: str, browser: Browser, session: Session, make_user: Callable[..., str]
) -> None:
    """Signed out while on the planning page, a click on a fragment's link takes the whole
    page to sign in, and signing in comes back to the planning page, not to a bare fragment."""
    planned_network(session)
    session.commit()
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, make_user("planner", Role.planner))
    page.goto(f"{live_server}/planning?region=Arctic&target=0.9")
    context.clear_cookies()
    page.locator("#baselines a", has_text="show").first.click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/planning?region=Arctic&target=0.9")
    expect(page.locator("header nav")).to_be_visible()
    context.close()
