"""Helpers every list shares: one page of rows with the total, and literal text search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_LIMIT = 500  # rows per page at most
AnySelect = Select[*tuple[Any, ...]]


def paginate(
    session: Session, statement: Select[Any], limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of ``statement``'s entities and the number of all rows it matches."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    rows = list(session.scalars(statement.limit(min(limit, MAX_LIMIT)).offset(offset)).unique())
    return rows, total


def paginate_rows(
    session: Session, statement: AnySelect, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Like ``paginate`` for statements selecting several columns: whole rows, not entities."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    rows = list(session.execute(statement.limit(min(limit, MAX_LIMIT)).offset(offset)).all())
    return rows, total


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape="\\\\"``)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
