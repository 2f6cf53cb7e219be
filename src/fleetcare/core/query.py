"""Lists that cost what they return: a page's keys first, then its rows; cursors; the total.

``page`` reads one page of a list in two steps:

1. the keys: ``SELECT key, <order columns> FROM <table> WHERE <filters> [AND <after cursor>]
   ORDER BY <order>, key LIMIT limit + 1 OFFSET offset`` — on the list's own table (and only
   the joins its filters or order need), so an index on the filter and order columns answers
   it by reading about ``limit`` rows instead of joining and sorting every match;
2. the rows: ``load(keys)`` reads those rows with everything they show (``WHERE key IN``);
   they are put back in the keys' order.

Keyset paging: ``next_cursor`` (``core.cursor``) names the last row's position when more rows
follow; given back as ``cursor``, the next page starts right after it: ``(order…, key) >
(values…)`` (row-value comparison when all columns run the same way, else the expanded
``OR``), so deep pages cost what the first does and rows written meanwhile neither repeat nor
vanish. ``offset`` still works, counted from the cursor when there is one.

The total counts the filters alone (``SELECT count(*)``, no display joins, no sort). It rides
in step 1 as a scalar subquery, which the database evaluates once: a page costs two round
trips, not three (a page with no rows counts in a statement of its own). On PostgreSQL the
count stops at ``ESTIMATE_ABOVE`` rows; past it the planner's estimate of the matches is
given instead (``EXPLAIN (FORMAT JSON)``, "Plan Rows"), flagged ``total_is_estimate``.
SQLite has no such estimate: it always counts.

Order columns must hold no NULL (the key settles ties, so the order is total).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select, tuple_
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql import operators
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, UnaryExpression

from fleetcare.core import cursor as cursors

MAX_LIMIT = 500  # rows per page at most
ESTIMATE_ABOVE = 10_000  # on PostgreSQL, totals past this many rows are the planner's estimate
AnySelect = Select[*tuple[Any, ...]]
K = TypeVar("K")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Window:
    """One page as ``page`` read it: its rows in order, the total and where the next begins."""

    rows: list[Any]
    total: int
    total_is_estimate: bool = False
    next_cursor: str | None = None

    def meta(self) -> dict[str, Any]:
        """The ``Page`` fields besides ``items``."""
        return {
            "total": self.total,
            "total_is_estimate": self.total_is_estimate,
            "next_cursor": self.next_cursor,
        }


class Paged(Protocol[T_co]):
    """What a list answers: its items and the cursor of the page after (``schemas.Page``)."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


def every_item(fetch: Callable[[str | None], Paged[T]]) -> list[T]:
    """All the items of a list, page after page: ``fetch(cursor)`` answers the page at
    ``cursor`` (None: the first), as a list route does with ``limit=MAX_LIMIT``."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        window = fetch(cursor)
        items += window.items
        cursor = window.next_cursor
        if cursor is None:
            return items


def _column(item: Any) -> ColumnElement[Any]:
    column: ColumnElement[Any] = (
        item.__clause_element__() if hasattr(item, "__clause_element__") else item
    )
    return column


@dataclass(frozen=True)
class _Key:
    column: ColumnElement[Any]
    descending: bool

    def sort(self) -> ColumnElement[Any]:
        return self.column.desc() if self.descending else self.column.asc()

    def bound(self, value: object) -> ColumnElement[Any]:
        return literal(value, type_=self.column.type)

    def beyond(self, value: object) -> ColumnElement[bool]:
        return (
            self.column < self.bound(value) if self.descending else self.column > self.bound(value)
        )


def _keys(order: Sequence[Any], key: Any, *, unique: bool) -> list[_Key]:
    """The order as (column, descending) pairs, ended by ``key`` (ascending) unless the order
    is total already: ``unique`` says so, or its last column is the key or unique."""
    keys = []
    for item in order:
        element = _column(item)
        if isinstance(element, UnaryExpression) and element.modifier in (
            operators.desc_op,
            operators.asc_op,
        ):
            column: ColumnElement[Any] = element.element
            keys.append(_Key(column, element.modifier is operators.desc_op))
        else:
            keys.append(_Key(element, False))
    last = keys[-1].column if keys else None
    total = last is not None and (
        last.compare(_column(key))
        or getattr(last, "unique", False) is True
        or getattr(last, "primary_key", False) is True
    )
    if not (unique or total):
        keys.append(_Key(_column(key), False))
    return keys


def _after(keys: Sequence[_Key], position: Sequence[object]) -> ColumnElement[bool]:
    """The rows after ``position`` in the order ``keys``."""
    if len({k.descending for k in keys}) == 1:
        row = tuple_(*(k.column for k in keys))
        values = tuple_(*(k.bound(v) for k, v in zip(keys, position, strict=True)))
        return row < values if keys[0].descending else row > values
    terms = []
    for i, k in enumerate(keys):
        same = [keys[j].column == keys[j].bound(position[j]) for j in range(i)]
        terms.append(and_(*same, k.beyond(position[i])))
    first, lead = keys[0], keys[0].bound(position[0])
    start = first.column <= lead if first.descending else first.column >= lead
    return and_(start, or_(*terms))  # the redundant start lets an index begin at the position


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>`` on PostgreSQL, its parameters bound as usual
    (the custom-construct recipe of ``sqlalchemy.ext.compiler``)."""

    inherit_cache = False

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def estimate(session: Session, statement: AnySelect) -> int:
    """The PostgreSQL planner's estimate of the rows ``statement`` returns ("Plan Rows")."""
    raw: Any = session.execute(Explain(statement)).scalar()
    plans = json.loads(raw) if isinstance(raw, str) else raw
    return int(plans[0]["Plan"]["Plan Rows"])


def _matched(statement: AnySelect, key: Any) -> AnySelect:
    """The keys ``statement`` matches, unordered: what the total counts."""
    return statement.with_only_columns(_column(key), maintain_column_froms=True).order_by(None)


def _counted(session: Session, statement: AnySelect, key: Any) -> Select[int]:
    """``SELECT count(*)`` of the matches: all of them on SQLite, at most
    ``ESTIMATE_ABOVE`` + 1 on PostgreSQL (past that ``count`` asks the planner)."""
    matched = _matched(statement, key)
    if session.get_bind().dialect.name == "postgresql":
        matched = matched.limit(ESTIMATE_ABOVE + 1)
    return select(func.count()).select_from(matched.subquery())


def count(
    session: Session, statement: AnySelect, key: Any, counted: int | None = None
) -> tuple[int, bool]:
    """How many rows ``statement`` matches, and whether that is the planner's estimate.
    ``counted`` is ``_counted``'s answer when the caller has it already (``page`` reads it
    with the keys)."""
    total = session.scalar(_counted(session, statement, key)) if counted is None else counted
    total = total or 0
    if session.get_bind().dialect.name != "postgresql" or total <= ESTIMATE_ABOVE:
        return total, False
    return max(estimate(session, _matched(statement, key)), total), True


def page(
    session: Session,
    statement: AnySelect,
    *,
    name: str,
    key: Any,
    order: Sequence[Any],
    load: Callable[[list[Any]], Mapping[Any, T]],
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
    unique: bool = False,
) -> Window:
    """One page of the rows ``statement`` (filters only: no order, no loader options) selects.

    ``name`` names the list in its cursors; ``key`` is the unique column that identifies a row
    (the primary key) and settles ties; ``order`` the columns to sort by (``col`` or
    ``col.desc()``; ``unique=True`` when together they identify a row already); ``load``
    reads the rows of the page's keys, keyed by them (see ``load_rows``).
    """
    keys = _keys(order, key, unique=unique)
    key_column = _column(key)
    found_at = [i for i, k in enumerate(keys) if k.column.compare(key_column)]
    columns = [k.column for k in keys] + ([] if found_at else [key_column])
    key_at = found_at[0] if found_at else len(keys)
    limit = max(1, min(limit, MAX_LIMIT))
    selected = statement.with_only_columns(*columns, maintain_column_froms=True).order_by(None)
    if cursor is not None:
        selected = selected.where(_after(keys, cursors.decode(name, cursor, len(keys))))
    # the total rides along as a scalar subquery (evaluated once): one round trip fewer
    selected = selected.add_columns(_counted(session, statement, key).scalar_subquery())
    selected = selected.order_by(*(k.sort() for k in keys)).limit(limit + 1).offset(offset)
    fetched = [tuple(row) for row in session.execute(selected)]
    counted = fetched[0][-1] if fetched else None  # an empty page counts on its own
    rows = [row[:-1] for row in fetched]
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [row[key_at] for row in rows]
    found = load(ids) if ids else {}
    total, is_estimate = count(session, statement, key, counted)
    return Window(
        rows=[found[i] for i in ids if i in found],
        total=total,
        total_is_estimate=is_estimate,
        next_cursor=cursors.encode(name, rows[-1][: len(keys)]) if more else None,
    )


def entity_page(
    session: Session,
    statement: AnySelect,
    *,
    name: str,
    order: Sequence[Any],
    loads: Sequence[ORMOption] = (),
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
    unique: bool = False,
) -> Window:
    """``page`` for a statement of one mapped entity: keyed by its primary key, the page's rows
    loaded with ``loads`` (loader options such as ``joinedload``)."""
    entity = statement.column_descriptions[0]["entity"]
    key = getattr(entity, sa_inspect(entity).primary_key[0].key)
    return page(
        session,
        statement,
        name=name,
        key=key,
        order=order,
        load=load_rows(session, select(entity).options(*loads), key),
        limit=limit,
        offset=offset,
        cursor=cursor,
        unique=unique,
    )


def load_rows(
    session: Session, statement: AnySelect, key: Any
) -> Callable[[Collection[K]], dict[K, Any]]:
    """A ``load`` for ``page``: ``statement`` (entities with their loader options, or several
    columns) narrowed to the page's keys, each result by its ``key`` value.

    A statement of one entity yields the entity; one of several yields the row (the entity
    with ``key`` first).
    """
    column = _column(key)
    single = len(statement.column_descriptions) == 1

    def load(ids: Collection[K]) -> dict[K, Any]:
        narrowed = statement.where(column.in_(list(ids)) if ids else false())
        if single:
            return {getattr(e, str(column.key)): e for e in session.scalars(narrowed).unique()}
        rows = session.execute(narrowed).unique()
        return {getattr(row[0], str(column.key)): row for row in rows}

    return load


def load_values(
    session: Session, statement: AnySelect, key: Any
) -> Callable[[Collection[K]], dict[K, Any]]:
    """A ``load`` for ``page`` reading plain columns (no ORM objects to build): the rows of
    ``statement``, whose first column is ``key``, narrowed to the page's keys, by key."""
    column = _column(key)

    def load(ids: Collection[K]) -> dict[K, Any]:
        narrowed = statement.where(column.in_(list(ids)) if ids else false())
        return {row[0]: row for row in session.execute(narrowed)}

    return load


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape="\\\\"``)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
