"""Reading the audit log: every change, newest first, filtered by what, who and when, with the
fields each change touched.

The filters combine (all must hold): ``entity`` (the table, as the entries name it: ``units``,
``technicians``, ``work_orders`` …), ``key`` (the record's key as people write it:
``BUS-001``; with ``entity``, one record's whole history), ``actor`` (a username; ``cli:`` and
the shell user for commands), ``action`` (``create``, ``update``, ``import``, ``transition``
…) and ``since`` ≤ at < ``until`` (UTC). Entries are kept as written: nothing here changes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.accounts.schemas import AuditRead
from fleetcare.core.audit import AuditEntry
from fleetcare.core.clock import naive_utc
from fleetcare.core.query import entity_page
from fleetcare.core.schemas import Page


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read (None: any); ``since``/``until`` in UTC (naive, or aware and
    converted)."""

    entity: str | None = None
    key: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The fields a change touched: those whose value differs between ``before`` and ``after``
    (a field only one side has counts), in the order they appear; every field of the one
    side when the other is None (a row created or removed)."""
    if before is None or after is None:
        return list(after or before or {})
    names = list(before) + [name for name in after if name not in before]
    return [
        name
        for name in names
        if name not in before or name not in after or before[name] != after[name]
    ]


def entry_read(row: AuditEntry) -> AuditRead:
    """An entry as the API answers it."""
    return AuditRead(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        key=row.key,
        before=row.before,
        after=row.after,
        changed=changed_fields(row.before, row.after),
    )


def list_audit(
    session: Session,
    where: AuditFilter = AuditFilter(),
    *,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[AuditRead]:
    """A page of the entries ``where`` keeps, newest first (keyset ``cursor`` or ``offset``)."""
    statement = select(AuditEntry)
    for column, value in (
        (AuditEntry.entity, where.entity),
        (AuditEntry.key, where.key),
        (AuditEntry.actor, where.actor),
        (AuditEntry.action, where.action),
    ):
        if value:
            statement = statement.where(column == value)
    if where.since is not None:
        statement = statement.where(AuditEntry.at >= naive_utc(where.since))
    if where.until is not None:
        statement = statement.where(AuditEntry.at < naive_utc(where.until))
    window = entity_page(
        session,
        statement,
        name="audit",
        order=(AuditEntry.id.desc(),),
        limit=limit,
        offset=offset,
        cursor=cursor,
        unique=True,
    )
    return Page[AuditRead](items=[entry_read(row) for row in window.rows], **window.meta())
