"""Export over REST: any importable table as CSV or JSON, within the caller's scope."""

from __future__ import annotations

from io import StringIO
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from fleetcare.core.api import DbSession
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.bulk import export_file
from fleetcare.core.permissions import Permission
from fleetcare.exchange.registry import PARTS_TABLES, TABLES, TableName

router = APIRouter(prefix="/api")


@router.get(
    "/export/{kind}",
    tags=["export"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
    **rule(Permission.fleet_export),
)
def export(
    session: DbSession,
    principal: CurrentPrincipal,
    kind: TableName,  # the path says "kind": a public route, kept as it is
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",
) -> Any:
    """A table as CSV or JSON with exactly the columns import reads, within the caller's scope."""
    # the parts tables also need parts.read
    if kind.value in {t.name for t in PARTS_TABLES} and not principal.can(Permission.parts_read):
        raise HTTPException(403, "your role may not do this")
    out = StringIO()
    export_file(session, TABLES[kind.value], format, out, principal.scope)
    media = "text/csv" if format == "csv" else "application/json"
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind.value}.{format}"'},
    )
