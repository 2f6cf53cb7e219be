"""The audit log: one row per state change, written by every domain in the change's transaction.

``record`` adds one entry through the session; ``record_many`` inserts many in one statement
(every move of a ``ledger.move_many``, every row of an import).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, DateTime, Index, String, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from fleetcare.core.clock import utcnow
from fleetcare.core.db import Base


class AuditEntry(Base):
    """One state change: who, when, what (action, table, key), and the record before and after."""

    __tablename__ = "audit_log"
    # a record's history, newest first (``accounts.audit_log``)
    __table_args__ = (Index("ix_audit_log_entity_key_id", "entity", "key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


State = BaseModel | dict[str, Any] | None


@dataclass(frozen=True)
class Change:
    """One row written by a batch: its key as people write it, the row before (None: created)
    and after, each a record or a plain dict; ``record_many`` turns them into entries."""

    key: str
    before: State
    after: State


def _plain(value: State) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return value.model_dump(mode="json")


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    key: str,
    before: State = None,
    after: State = None,
) -> None:
    """Add one entry; it commits or rolls back with the change it describes."""
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor,
            action=action,
            entity=entity,
            key=key[:200],
            before=_plain(before),
            after=_plain(after),
        )
    )


def record_many(
    session: Session, *, actor: str, entity: str, entries: Sequence[tuple[str, Change]]
) -> None:
    """Insert one entry per ``(action, change)`` in one statement, all stamped now."""
    if not entries:
        return
    at = utcnow()
    session.execute(
        insert(AuditEntry),
        [
            {
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "key": change.key[:200],
                "before": _plain(change.before),
                "after": _plain(change.after),
            }
            for action, change in entries
        ],
    )
