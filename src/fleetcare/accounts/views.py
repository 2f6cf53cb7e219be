"""Accounts as JSON: the token endpoint, who am I, users (admin) and the audit log (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import JSONResponse, Response

from fleetcare.accounts import addresses, service
from fleetcare.accounts.schemas import AuditRead, RoleChange, Token, UserCreate, UserRead
from fleetcare.core.api import Cursor, DbSession, Limit, Moment, Offset, SearchText
from fleetcare.core.auth import CurrentPrincipal, rule
from fleetcare.core.i18n import _
from fleetcare.core.permissions import POLICY, Permission
from fleetcare.core.schemas import Page
from fleetcare.core.security import issue_token

router = APIRouter(prefix="/api")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1


def client_address(request: Request) -> str:
    """The caller's address, for throttling sign-in failures.

    ``X-Forwarded-For`` counts only when the peer is one of ``FLEETCARE_TRUSTED_PROXIES``.
    """
    return addresses.client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        request.app.state.trusted_proxies,
    )


@router.post(
    "/auth/token",
    tags=["auth"],
    response_model=Token,
    responses={
        401: {"description": "wrong name or password"},
        429: {"description": "too many failures"},
    },
)
def token(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
) -> JSONResponse:
    """OAuth2 password flow: form fields ``username`` and ``password`` → a bearer token."""
    outcome = service.sign_in(session, username, password, client_address(request))
    if outcome.retry_after_seconds:
        return JSONResponse(
            {"detail": _("too many failed sign-ins; try again later")},
            status_code=429,
            headers={"Retry-After": str(outcome.retry_after_seconds)},
        )
    if outcome.principal is None:
        return JSONResponse(
            {"detail": _("wrong username or password")},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    lifetime = request.app.state.token_lifetime
    access = issue_token(
        outcome.principal.username,
        request.app.state.secret_key,
        version=outcome.principal.token_version,
        lifetime=lifetime,
    )
    body = Token(access_token=access, expires_in=int(lifetime.total_seconds()))
    return JSONResponse(body.model_dump(), headers=NO_STORE)


@router.post("/auth/logout", status_code=204, tags=["auth"], **rule(Permission.fleet_read))
def logout(session: DbSession, principal: CurrentPrincipal) -> Response:
    """Sign out everywhere: every token and page session of this account issued so far ends."""
    service.sign_out(session, principal.username, by=principal)
    return Response(status_code=204)


@router.get("/me", tags=["auth"], **rule(Permission.fleet_read))
def me(principal: CurrentPrincipal) -> dict[str, object]:
    """Who the token belongs to, and what its role may do."""
    return {
        "username": principal.username,
        "role": principal.role.value,
        "permissions": sorted(p.value for p in POLICY[principal.role]),
    }


@router.get("/users", tags=["users"], **rule(Permission.users_manage))
def list_users(session: DbSession) -> list[UserRead]:
    """Every account."""
    return service.list_users(session)


@router.post("/users", status_code=201, tags=["users"], **rule(Permission.users_manage))
def create_user(session: DbSession, principal: CurrentPrincipal, body: UserCreate) -> UserRead:
    """Create an account."""
    return service.add_user(session, body, by=principal)


@router.post("/users/{username}/disable", tags=["users"], **rule(Permission.users_manage))
def disable_user(
    session: DbSession, principal: CurrentPrincipal, username: Annotated[str, Path(max_length=80)]
) -> UserRead:
    """Disable an account: it can no longer sign in, and its tokens stop working."""
    return service.disable_user(session, username, by=principal)


@router.post("/users/{username}/role", tags=["users"], **rule(Permission.users_manage))
def set_role(
    session: DbSession,
    principal: CurrentPrincipal,
    username: Annotated[str, Path(max_length=80)],
    body: RoleChange,
) -> UserRead:
    """Give an account another role (and binding); its tokens and sessions end."""
    return service.set_role(session, username, body, by=principal)


@router.get("/audit", tags=["audit"], **rule(Permission.audit_read))
def audit_log(
    session: DbSession,
    entity: SearchText = None,
    key: SearchText = None,
    actor: SearchText = None,
    action: SearchText = None,
    since: Moment = None,
    until: Moment = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Page[AuditRead]:
    """Every state change, newest first: filtered by table (``entity``), record (``key``),
    who (``actor``), what (``action``) and when (``since`` ≤ at < ``until``, UTC), each
    entry with the fields it changed."""
    where = service.AuditFilter(entity, key, actor, action, since, until)
    return service.list_audit(session, where, limit=limit, offset=offset, cursor=cursor)
