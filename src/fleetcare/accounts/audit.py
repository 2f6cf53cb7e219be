"""Writing the audit log: called by every operation that changes state, in its transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from fleetcare.accounts.models import AuditEntry


def _plain(value: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
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
    before: BaseModel | dict[str, Any] | None = None,
    after: BaseModel | dict[str, Any] | None = None,
) -> None:
    """Add one entry; it commits or rolls back with the change it describes."""
    session.add(
        AuditEntry(
            at=datetime.now(UTC).replace(tzinfo=None),
            actor=actor,
            action=action,
            entity=entity,
            key=key[:200],
            before=_plain(before),
            after=_plain(after),
        )
    )
