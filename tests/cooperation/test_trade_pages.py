"""The trade pages: figures converted to the reporting currency saying which day's rate was
used, target against actual, the add-or-replace forms, the file import (all or nothing,
FILE:ROW:FIELD, size limit, a manager's regions only), exports, and who may see them."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fleetcare.cooperation.models import Deal, TradeFigure, TradeTarget
from fleetcare.core.audit import AuditEntry
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from tests.cooperation.factories import cooperation_world
from tests.cooperation.test_deal_forms import browser_for, token_of


def _count(session: Session, table: type[TradeFigure] | type[TradeTarget]) -> int:
    session.commit()  # see what the app has committed
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_trade_converted_with_the_rate_used(pages: TestClient, session: Session) -> None:
    """In EUR, Arctic's 2014 food figure (3,500 M RUB) is 90 M EUR — at RUB 35 and EUR 0.9 of
    2014-01-01 — and its 2016 EUR figure stays as it is; the page names the rates' days."""
    cooperation_world(session)
    page = pages.get("/trade", params={"region": "Arctic", "currency": "EUR"})
    assert page.status_code == 200
    rows = (
        page.text.split('id="trade-table"')[1]
        .split("<tbody>")[1]
        .split("</tbody>")[0]
        .split("<tr>")[1:]
    )
    assert len(rows) == 3
    food = next(r for r in rows if ">Food<" in r)
    assert "€90,000,000.00" in food
    assert "RUB 35 per USD of 2014-01-01" in food and "EUR 0.9 per USD of 2014-01-01" in food
    same = next(r for r in rows if ">2016<" in r)
    assert same.count("€90,000,000.00") == 2 and "—" in same
    assert "Rates used:" in page.text
    russian = pages.get(
        "/trade", params={"region": "Arctic", "currency": "EUR"}, headers={"Accept-Language": "ru"}
    )
    food = next(
        r
        for r in russian.text.split('id="trade-table"')[1].split("<tr>")
        if ">Продовольствие<" in r
    )
    assert "0,9" in food and "0.9" not in food  # the rate in the reader's numbers
    missing = pages.get("/trade", params={"currency": "CNY"})
    assert missing.status_code == 422 and "no exchange rates for CNY" in missing.text


def test_targets_against_actual(pages: TestClient, session: Session) -> None:
    """Arctic 2014: 300 M USD actual against 300 M (100 %); 2016: 100 M against 190 M
    (52.6 %); Baltic 2016 has figures but no target."""
    cooperation_world(session)
    page = pages.get("/trade/targets")
    assert page.status_code == 200
    body = page.text.split('id="targets-table"')[1].split("<tbody>")[1]
    assert "$300,000,000.00" in body and "100.0 %" in body
    assert "$190,000,000.00" in body and "52.6 %" in body
    baltic = [r for r in body.split("<tr>") if ">Baltic<" in r]
    assert len(baltic) == 1 and "$5,000,000.00" in baltic[0] and "—" in baltic[0]


def test_forms_add_replace_and_refuse(pages: TestClient, session: Session) -> None:
    """The figure form creates, then replaces the same region, year and group (audited); a bad
    amount is 422 on the page with nothing written; the target form likewise; no token: 403."""
    cooperation_world(session)
    token = token_of(pages, "/trade")
    figure = {"region": "Baltic", "year": "2017", "group": "food", "currency": "USD"}
    assert pages.post("/trade", data={**figure, "amount": "10"}).status_code == 403
    for amount in ("10", "12.5"):
        saved = pages.post(
            "/trade", data={**figure, "amount": amount, "csrf_token": token}, follow_redirects=False
        )
        assert saved.status_code == 303
    assert _count(session, TradeFigure) == 5
    stored = session.scalars(select(TradeFigure).where(TradeFigure.year == 2017)).one()
    assert str(stored.amount) == "12.50"
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "trade").order_by(AuditEntry.id)
    ).all()
    assert actions == ["create", "update"]
    refused = pages.post("/trade", data={**figure, "amount": "-3", "csrf_token": token})
    assert refused.status_code == 422 and "amount" in refused.text
    assert 'value="-3"' in refused.text
    typed = {**figure, "amount": "1 000,5", "csrf_token": token}  # as a Russian reader types it
    russian = pages.post("/trade", data=typed, headers={"Accept-Language": "ru"})
    assert russian.history and russian.history[0].status_code == 303, russian.text[:300]
    session.rollback()  # a new read: the request committed after this session's snapshot
    assert str(session.get(TradeFigure, stored.id).amount) == "1000.50"  # type: ignore[union-attr]
    english = pages.post("/trade", data={**typed, "amount": "1,00"}, follow_redirects=False)
    assert english.status_code == 422  # 1,00 is no English number: refused, not read as 100
    pages.post("/trade", data={**typed, "amount": "12.50"}, headers={"Accept-Language": "ru"})
    edit = pages.get("/trade", params={"edit": stored.id})
    assert 'value="12.50"' in edit.text and "Change the figure" in edit.text
    target = {"region": "Baltic", "year": "2017", "amount": "20", "currency": "USD"}
    assert (
        pages.post(
            "/trade/targets", data={**target, "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert _count(session, TradeTarget) == 3
    bad = pages.post("/trade/targets", data={**target, "year": "1800", "csrf_token": token})
    assert bad.status_code == 422 and _count(session, TradeTarget) == 3


def test_import_all_or_nothing(pages: TestClient, session: Session) -> None:
    """A file with one bad row writes nothing and names FILE:ROW:FIELD; a good one writes
    every row and says how many; an oversized one is 413 naming the limit; both pages."""
    cooperation_world(session)
    token = token_of(pages, "/trade")
    for page, action in (("/trade", "/trade/import"), ("/trade/targets", "/trade/targets/import")):
        form = pages.get(page).text.split(f'action="{action}"')[1].split("</form>")[0]
        assert f'name="csrf_token" value="{token}"' in form, page  # the form's own token
    bad = "region,year,group,amount,currency\nBaltic,2018,food,5,USD\nBaltic,2019,fish,5,USD\n"
    refused = pages.post(
        "/trade/import",
        data={"csrf_token": token},
        files={"file": ("../../trade 2019.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "trade_2019.csv:3:group:" in refused.text
    assert _count(session, TradeFigure) == 4
    good = "region,year,group,amount,currency\nBaltic,2018,food,5,USD\nBaltic,2019,food,6,EUR\n"
    done = pages.post(
        "/trade/import",
        data={"csrf_token": token},
        files={"file": ("trade.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 200 and "trade.csv: 2 created, 0 updated" in done.text
    assert _count(session, TradeFigure) == 6
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.key == "upload:trade.csv"
    huge = ("region,year,amount,currency\n" + "Baltic,2020,1,USD\n" * 40_000).encode()
    too_big = pages.post(
        "/trade/targets/import",
        data={"csrf_token": token},
        files={"file": ("targets.csv", huge, "text/csv")},
    )
    assert (
        too_big.status_code == 413
        and "targets.csv:0:-: the file is larger than 512 KiB" in too_big.text
    )
    beyond = pages.post(  # above the server's 1 MiB body limit: refused before the page
        "/trade/targets/import",
        data={"csrf_token": token},
        files={"file": ("targets.csv", huge * 2, "text/csv")},
    )
    assert beyond.status_code == 413
    assert _count(session, TradeTarget) == 2
    no_token = pages.post(
        "/trade/targets/import", files={"file": ("t.csv", good.encode(), "text/csv")}
    )
    assert no_token.status_code == 403


def test_manager_reads_and_writes_its_regions_only(
    settings: Settings, make_user: Callable[..., str], session: Session
) -> None:
    """A Baltic manager sees Baltic trade only, cannot open Arctic's figure (404), and a form
    or file naming Arctic is refused (422) with nothing written."""
    cooperation_world(session)
    browser = browser_for(settings, make_user, "balt", Role.regional_manager, regions=("Baltic",))
    page = browser.get("/trade")
    assert page.status_code == 200 and ">Baltic<" in page.text and ">Arctic<" not in page.text
    arctic = session.scalars(select(TradeFigure).where(TradeFigure.year == 2014)).first()
    assert arctic is not None
    assert browser.get("/trade", params={"edit": arctic.id}).status_code == 404
    token = token_of(browser, "/trade")
    form = {"region": "Arctic", "year": "2014", "group": "food", "amount": "1", "currency": "USD"}
    assert browser.post("/trade", data={**form, "csrf_token": token}).status_code == 422
    rows = "region,year,amount,currency\nBaltic,2018,5,USD\nArctic,2018,5,USD\n"
    refused = browser.post(
        "/trade/targets/import",
        data={"csrf_token": token},
        files={"file": ("targets.csv", rows.encode(), "text/csv")},
    )
    assert refused.status_code == 422 and "targets.csv:3:region: unknown region" in refused.text
    assert _count(session, TradeTarget) == 2 and _count(session, TradeFigure) == 4


def test_customer_and_navigation(
    settings: Settings, make_user: Callable[..., str], session: Session, pages: TestClient
) -> None:
    """A customer may not read trade (403) and sees no Trade link; an admin's navigation links
    /trade, and both pages' exports open as CSV and XLSX."""
    cooperation_world(session)
    customer = browser_for(settings, make_user, "west", Role.customer, customer="WEST")
    assert customer.get("/trade").status_code == 403
    assert customer.get("/trade/targets").status_code == 403
    assert 'href="/trade"' not in customer.get("/deals").text
    assert 'href="/trade"' in pages.get("/deals").text
    converted = pages.get(
        "/dashboard/export/trade-converted", params={"format": "csv", "currency": "EUR"}
    ).text
    assert converted.splitlines()[0] == "region,year,group,amount,currency,amount_EUR,rates"
    assert "Arctic,2014,food,3500000000.00,RUB,90000000.00," in converted
    book = load_workbook(
        io.BytesIO(
            pages.get("/dashboard/export/targets-vs-actual", params={"format": "xlsx"}).content
        )
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("region", "year", "actual_USD", "target_USD", "actual_share")
    assert rows[1] == ("Arctic", 2014, 300000000, 300000000, 1.0)


def test_an_imports_refusals_read_in_the_readers_words(pages: TestClient, session: Session) -> None:
    """A refused row of an uploaded file names file, row and field, in the reader's words."""
    from fleetcare.core.i18n import translations

    cooperation_world(session)
    token = token_of(pages, "/trade")
    bad = "region,year,group,amount,currency\nBaltic,2018,food,lots,USD\n"
    refused = pages.post(
        "/trade/import",
        data={"csrf_token": token},
        files={"file": ("t.csv", bad.encode(), "text/csv")},
        headers={"Accept-Language": "ru"},
    )
    assert refused.status_code == 422 and "Input should be" not in refused.text
    assert "t.csv:2:amount: " + translations("ru").gettext("a number is expected") in refused.text


def test_a_currency_without_rates_is_refused_and_a_missing_rate_left_out(
    client: TestClient, pages: TestClient, session: Session
) -> None:
    """A figure, target or deal in a currency with no exchange rate on file is refused on
    ``currency`` (it would count in no report); one older than its currency's first rate is
    kept, and the trade pages and the dashboard show it unconverted and say so — none of them
    refuses to answer for it."""
    cooperation_world(session)
    figure = {"region": "Arctic", "year": 2026, "group": "food", "amount": "5", "currency": "CNY"}
    refused = client.post("/api/trade", json=figure)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "currency"
    assert "no exchange rate for CNY on file" in refused.json()["detail"][0]["msg"]
    aim = {k: v for k, v in figure.items() if k != "group"}
    target = client.post("/api/trade/targets", json=aim)
    assert target.status_code == 422 and "no exchange rate for CNY" in target.text
    deal = client.get("/api/deals").json()["items"][0]
    moved = client.patch(f"/api/deals/{deal['id']}", json={"currency": "CNY"})
    assert moved.status_code == 422 and "CNY" in moved.text
    old = {**figure, "year": 1999, "currency": "RUB"}  # RUB is quoted, but not in 1999
    assert client.post("/api/trade", json=old).status_code == 200
    for path in ("/trade?year=1999", "/trade/targets", "/dashboard"):
        page = pages.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert 'id="unconverted"' in page.text and "1 amount in RUB" in page.text, path
    row = pages.get("/trade", params={"year": 1999}).text.split("<tbody>")[1]
    assert "no exchange rate on or before the year" in row
    old_aim = {"region": "Arctic", "year": 1998, "amount": "7", "currency": "RUB"}
    assert client.post("/api/trade/targets", json=old_aim).status_code == 200
    targets = pages.get("/trade/targets").text
    assert "1998" in targets  # a target not converted keeps its row (and its edit link)
    # a row stored before the rule, in a currency without rates, still takes other changes
    session.execute(update(Deal).where(Deal.id == deal["id"]).values(currency="CNY"))
    session.commit()
    kept = client.patch(f"/api/deals/{deal['id']}", json={"expected_signing": "2027-01-15"})
    assert kept.status_code == 200, kept.text
