"""List pages (``core.query.page``): the keys first, then the rows; signed keyset cursors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from fleetcare.core import cursor as cursors
from fleetcare.core import query
from fleetcare.core.errors import InvalidQuery
from fleetcare.core.schemas import Page
from fleetcare.core.templating import environment
from fleetcare.fleet import service
from fleetcare.fleet.models import Customer, ProductModel, Site, Unit, UnitStatus
from tests.conftest import TEST_SECRET
from tests.fleet.factories import small_fleet

STATUSES = list(UnitStatus)
START = date(2020, 1, 1)
ORDERS: dict[str, tuple[Any, ...]] = {
    "serial": (Unit.serial,),  # unique: the key is not added
    "delivered, newest first": (Unit.delivered_on.desc(),),  # ties: settled by the key
    "status, then newest": (Unit.status, Unit.delivered_on.desc()),  # mixed directions
}
examples = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def cursor_key() -> Iterator[None]:
    """Cursors signed with the tests' key, as the app signs them with its own."""
    cursors.use_key(TEST_SECRET)
    yield


def expected(units: list[Unit], order: str) -> list[int]:
    """The ids in the list's order, computed in Python (the key settles ties)."""
    if order == "serial":
        return [u.id for u in sorted(units, key=lambda u: u.serial)]
    if order == "delivered, newest first":
        return [u.id for u in sorted(units, key=lambda u: (-u.delivered_on.toordinal(), u.id))]
    ranked = sorted(units, key=lambda u: (u.status.value, -u.delivered_on.toordinal(), u.id))
    return [u.id for u in ranked]


def add_units(session: Session, rows: list[tuple[int, int]]) -> list[Unit]:
    """Units with the given (status index, days after START); few days, so many ties."""
    if session.scalar(select(Site.id).limit(1)) is None:
        small_fleet(session, units=1)
        session.execute(delete(Unit))  # keep the sites, customers and models
        session.commit()
    site, customer, model = (
        session.scalars(select(t.id)).first() for t in (Site, Customer, ProductModel)
    )
    units = [
        Unit(
            serial=f"U-{n:04d}",
            model_id=model,
            customer_id=customer,
            site_id=site,
            delivered_on=START + timedelta(days=days),
            warranty_start=START,
            status=STATUSES[status],
        )
        for n, (status, days) in enumerate(rows)
    ]
    session.add_all(units)
    session.flush()
    return units


def walk(session: Session, order: str, limit: int) -> list[int]:
    """Every id of the list, page after page by ``next_cursor``; every page's total the
    same, counted whatever the cursor."""
    seen: list[int] = []
    cursor = None
    for _ in range(1000):
        window = query.entity_page(
            session,
            select(Unit),
            name="test-units",
            order=ORDERS[order],
            limit=limit,
            cursor=cursor,
        )
        assert len(window.rows) <= limit
        assert (window.total, window.total_is_estimate) == (walk_total(session), False)
        seen += [u.id for u in window.rows]
        cursor = window.next_cursor
        if cursor is None:
            return seen
        assert len(window.rows) == limit  # a cursor only when a full page came back
    raise AssertionError("the pages never ended")


def walk_total(session: Session) -> int:
    """The units there are, counted plainly."""
    return len(session.scalars(select(Unit.id)).all())


@examples
@given(
    rows=st.lists(st.tuples(st.integers(0, len(STATUSES) - 1), st.integers(0, 5)), max_size=30),
    limit=st.integers(1, 12),
    order=st.sampled_from(sorted(ORDERS)),
)
def test_cursor_walks_every_row_once_in_order(
    session: Session, rows: list[tuple[int, int]], limit: int, order: str
) -> None:
    """Following ``next_cursor`` from the first page yields every row exactly once, in the
    list's order, whatever the page size, the ties and the directions; totals are exact."""
    try:
        units = add_units(session, rows)
        assert walk(session, order, limit) == expected(units, order)
        first = query.entity_page(
            session, select(Unit), name="test-units", order=ORDERS[order], limit=limit
        )
        assert (first.total, first.total_is_estimate) == (len(rows), False)
        beyond = query.entity_page(  # no rows come back: the total is counted on its own
            session,
            select(Unit),
            name="test-units",
            order=ORDERS[order],
            limit=limit,
            offset=len(rows),
        )
        assert beyond.rows == [] and beyond.next_cursor is None
        assert (beyond.total, beyond.total_is_estimate) == (len(rows), False)
    finally:
        session.rollback()
        session.execute(delete(Unit))
        session.commit()


def test_offset_counts_from_the_cursor(session: Session) -> None:
    """``offset`` with a cursor skips that many rows after the cursor's position."""
    units = add_units(session, [(0, d) for d in range(6)])
    ids = expected(units, "serial")
    first = query.entity_page(session, select(Unit), name="u", order=(Unit.serial,), limit=2)
    later = query.entity_page(
        session,
        select(Unit),
        name="u",
        order=(Unit.serial,),
        limit=2,
        offset=1,
        cursor=first.next_cursor,
    )
    assert [u.id for u in later.rows] == ids[3:5]


@pytest.mark.parametrize(
    "forged",
    [
        "garbage",
        "a.b",
        "W1sicyIsIlUtMDAwMSJdXQ.AAAAAAAAAAAAAAAAAAAAAA",  # a position with a made-up tag
        "",
    ],
)
def test_forged_cursor_is_refused(session: Session, forged: str) -> None:
    """A cursor this server did not sign for this list is refused, naming ``cursor``."""
    add_units(session, [(0, 0), (0, 1)])
    with pytest.raises(InvalidQuery) as refused:
        query.entity_page(
            session, select(Unit), name="u", order=(Unit.serial,), limit=1, cursor=forged
        )
    assert [e.field for e in refused.value.errors] == ["cursor"]


def test_cursor_of_another_list_or_key_is_refused(session: Session) -> None:
    """A genuine cursor is good for its own list only, and only under the key that signed it."""
    add_units(session, [(0, 0), (0, 1), (0, 2)])
    made = query.entity_page(session, select(Unit), name="u", order=(Unit.serial,), limit=1)
    assert made.next_cursor is not None
    with pytest.raises(InvalidQuery):
        query.entity_page(
            session,
            select(Unit),
            name="other",
            order=(Unit.serial,),
            limit=1,
            cursor=made.next_cursor,
        )
    cursors.use_key(TEST_SECRET + "-rotated")
    with pytest.raises(InvalidQuery):
        query.entity_page(
            session,
            select(Unit),
            name="u",
            order=(Unit.serial,),
            limit=1,
            cursor=made.next_cursor,
        )


def test_total_past_the_threshold_is_an_estimate_on_postgresql(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``ESTIMATE_ABOVE`` matches PostgreSQL gives the planner's estimate (never below
    the threshold) and says so; SQLite counts exactly."""
    add_units(session, [(0, d) for d in range(8)])
    monkeypatch.setattr(query, "ESTIMATE_ABOVE", 3)
    window = query.entity_page(session, select(Unit), name="u", order=(Unit.serial,), limit=2)
    if session.get_bind().dialect.name == "postgresql":
        assert window.total_is_estimate
        assert window.total > 3
    else:
        assert (window.total, window.total_is_estimate) == (8, False)
    small = query.entity_page(
        session,
        select(Unit).where(Unit.serial == "U-0001"),
        name="u",
        order=(Unit.serial,),
        limit=2,
    )
    assert (small.total, small.total_is_estimate) == (1, False)


def test_units_page_selects_its_ids_from_the_units_table_alone(session: Session) -> None:
    """The page's ids come from ``units`` alone, filtered, ordered and limited there, with the
    count (no join either) in the same statement; the joins for display run only for the
    page's ids."""
    small_fleet(session, units=6)
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        page = service.list_units(
            session, service.UnitFilter(status=UnitStatus.in_service), limit=2
        )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [u.serial for u in page.items] == ["BUS-001", "BUS-002"]
    assert page.next_cursor is not None and page.total == 7
    keys, rows = [s for s in statements if s.startswith("SELECT")]
    assert "JOIN" not in keys and "LIMIT" in keys and "ORDER BY UNITS.SERIAL" in keys
    assert "(SELECT COUNT(*)" in keys
    assert "JOIN" in rows and " IN " in rows and "LIMIT" not in rows


def test_load_values_reads_the_rows_of_the_pages_keys(session: Session) -> None:
    """Plain rows by their first column; keys with no row are absent; no keys, no rows."""
    small_fleet(session, units=4)
    units = session.scalars(select(Unit).order_by(Unit.id)).all()
    load = query.load_values(session, select(Unit.id, Unit.serial, Unit.status), Unit.id)
    wanted = [units[2].id, units[0].id, 10_000_000]
    found = load(wanted)
    assert {k: tuple(row) for k, row in found.items()} == {
        u.id: (u.id, u.serial, u.status) for u in (units[0], units[2])
    }
    assert load([]) == {}


def test_units_list_answers_what_the_rows_hold(session: Session) -> None:
    """Each item of the units page (read as plain columns) says what its ORM row says."""
    small_fleet(session, units=5)
    items = service.list_units(session, service.UnitFilter(), limit=50).items
    assert len(items) == 6
    for item in items:
        unit = session.get(Unit, item.id)
        assert unit is not None
        assert item.model_dump() == {
            "id": unit.id,
            "serial": unit.serial,
            "model": unit.model.code,
            "customer": unit.customer.code,
            "site": unit.site.name,
            "delivered_on": unit.delivered_on,
            "warranty_start": unit.warranty_start,
            "status": unit.status,
            "delivery": unit.delivery.reference if unit.delivery else None,
            "region": unit.site.region.name,
            "family": unit.model.family,
            "engine_hours": unit.engine_hours,
            "km": unit.km,
            "last_reading_at": unit.last_reading_at,
        }
        assert service.unit_read(session, unit.id) == item


def test_pager_says_about_and_offers_next_by_the_cursor() -> None:
    """A page whose total is an estimate reads "of about N", and offers "Next" exactly when
    more rows follow (its ``next_cursor``), not by comparing with the estimate."""
    pager = environment.get_template("macros/ui.html").module.pager  # type: ignore[attr-defined]

    def url(offset: int) -> str:
        return f"/units?offset={offset}"

    more = Page[int](items=[1, 2], total=20_000, total_is_estimate=True, next_cursor="c")
    html = str(pager(more, 2, 0, url, "#t"))
    assert "1–2 of about 20000" in html and 'rel="next"' in html
    last = Page[int](items=[1, 2], total=20_000, total_is_estimate=True)
    assert 'rel="next"' not in str(pager(last, 2, 10, url, "#t"))
    exact = Page[int](items=[1, 2], total=5)
    html = str(pager(exact, 2, 0, url, "#t"))
    assert "1–2 of 5" in html and "about" not in html and 'rel="next"' in html


@given(st.lists(st.integers(), max_size=40), st.integers(min_value=1, max_value=7))
def test_every_item_reads_every_page(items: list[int], size: int) -> None:
    """``every_item`` follows ``next_cursor`` until the last page: every item once, in order."""

    def fetch(cursor: str | None) -> Page[int]:
        start = int(cursor or 0)
        more = start + size < len(items)
        return Page[int](
            items=items[start : start + size],
            total=len(items),
            next_cursor=str(start + size) if more else None,
        )

    assert query.every_item(fetch) == items
