"""What the service pages share: the router (every page route is on it), the permission
each page declares, form problems as lines, the var dir, and the claims of a defect.

The pages live by idea in ``pages`` (the board, a defect, the unit fragment, availability, the
portal and photos) and ``order_pages`` (a work order and its forms).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from fleetcare.core.api import DbSession
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.permissions import Permission, Principal
from fleetcare.service import schemas, service

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.service_read))]
Reporter = Annotated[Principal, Depends(require(Permission.service_report))]
Writer = Annotated[Principal, Depends(require(Permission.service_write))]
Mover = Annotated[Principal, Depends(require(Permission.service_transition))]
Decider = Annotated[Principal, Depends(require(Permission.warranty_decide))]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def var_dir(request: Request) -> Path:
    """The app's var dir (photos live under it)."""
    return Path(request.app.state.var_dir)


def claims_of(
    session: DbSession, principal: Principal, defect: schemas.DefectRead
) -> list[schemas.ClaimRead]:
    """The claims (warranty and recovery) of the defect's work orders, newest first."""
    orders = service.list_work_orders(session, scope=principal.scope, defect=defect.id, limit=20)
    ids = {o.id for o in orders.items}
    if not ids:
        return []
    claims = service.list_claims(session, scope=principal.scope, work_orders=ids, limit=100)
    return claims.items
