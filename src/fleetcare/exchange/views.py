"""Export over REST: any importable table as CSV or JSON, within the caller's scope, streamed.

The rows are read from a server-side cursor while the answer is sent, so the session must
outlive the handler: this route takes it with ``scope="request"`` (closed once the answer is
sent), not ``DbSession``'s ``scope="function"``, which exists so that writes commit before
their answer. A GET commits nothing.
"""

from __future__ import annotations

from itertools import chain
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from fleetcare.core.api import get_session
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.bulk import export_chunks
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission
from fleetcare.exchange.registry import EXPORT_NEEDS, PARTS_TABLES, TABLES, TableName

router = APIRouter(prefix="/api")
StreamSession = Annotated[Session, Depends(get_session, scope="request")]


@router.get(
    "/export/{kind}",
    tags=["export"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
    **rule(Permission.fleet_export),
)
def export(
    session: StreamSession,
    principal: CurrentPrincipal,
    kind: TableName,  # the path says "kind": a public route, kept as it is
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",
) -> Any:
    """A table as CSV or JSON with exactly the columns import reads, within the caller's scope."""
    # the parts tables also need parts.read
    if kind.value in {t.name for t in PARTS_TABLES} and not principal.can(Permission.parts_read):
        raise HTTPException(403, _("your role may not do this"))
    needed = EXPORT_NEEDS.get(kind.value)
    if needed is not None and not principal.can(needed):
        raise HTTPException(403, _("your role may not do this"))
    chunks = export_chunks(session, TABLES[kind.value], format, principal.scope)
    first = next(chunks)  # a failing query answers 500 here, before the 200 is sent
    media = "text/csv" if format == "csv" else "application/json"
    return StreamingResponse(
        chain([first], chunks),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind.value}.{format}"'},
    )
