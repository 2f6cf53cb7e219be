"""Who is calling, and may they: the dependencies every route declares.

``/api`` routes read an OAuth2 bearer token; pages read the signed session cookie. Either way
the account is looked up on every request, so disabling a user takes effect at once.
``rule(permission)`` goes on the route decorator: it enforces the permission and records it in
the OpenAPI document (``x-permission``), where the matrix test finds it. Pages, which are not in
that document, declare theirs with ``require(permission)`` as a dependency; ``permission_of``
reads it back from the dependency, so the page matrix test finds it too.

Finding the account behind a name is the accounts domain's business: the app hands its lookup
to this module as ``app.state.find_principal`` (a ``PrincipalLookup``), so that every domain can
declare who may call its routes without importing the accounts domain.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from fleetcare.core.api import DbSession, is_api
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.security import read_token

bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# (session, username, token version) → the principal, or None (unknown, disabled or revoked)
PrincipalLookup = Callable[[Session, str, int], Principal | None]


class LoginRequired(Exception):
    """A page was asked for without a signed-in session: the browser goes to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        _("not signed in, or the token is invalid or expired"),
        headers={"WWW-Authenticate": "Bearer"},
    )


def current_principal(
    request: Request, session: DbSession, token: Annotated[str | None, Depends(bearer)]
) -> Principal:
    """The signed-in principal: by bearer token on ``/api``, by session cookie on pages."""
    principal_for: PrincipalLookup = request.app.state.find_principal
    if is_api(request):
        claims = read_token(token, request.app.state.secret_key) if token else None
        principal = principal_for(session, claims.username, claims.version) if claims else None
        if principal is None:
            raise _unauthorized()
        return principal
    username, version = request.session.get("user"), request.session.get("ver", 0)
    principal = (
        principal_for(session, username, version)
        if isinstance(username, str) and isinstance(version, int)
        else None
    )
    if principal is None:
        request.session.pop("user", None)
        raise LoginRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


_REQUIRED: weakref.WeakKeyDictionary[Callable[..., Any], Permission] = weakref.WeakKeyDictionary()


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency letting the call through only when the role grants ``permission``."""

    # async: a check with no I/O runs on the event loop, not a worker thread of its own
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise HTTPException(status.HTTP_403_FORBIDDEN, _("your role may not do this"))
        return principal

    _REQUIRED[check] = permission
    return check


def permission_of(dependency: Callable[..., Any]) -> Permission | None:
    """The permission a dependency made by ``require`` enforces (None for any other)."""
    try:
        return _REQUIRED.get(dependency)
    except TypeError:  # not weakly referenceable, so not one of ours
        return None


def rule(permission: Permission) -> dict[str, Any]:
    """Route-decorator arguments: enforce ``permission`` and document it as ``x-permission``."""
    return {
        "dependencies": [Depends(require(permission))],
        "openapi_extra": {"x-permission": permission.value},
    }


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing page request without the session's token.

    Forms send it as the ``csrf_token`` field, HTMX as the ``X-CSRF-Token`` header (set once on
    ``<body hx-headers>``). Bearer-token API calls carry no ambient credential and need none.
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        form_value = (await request.form()).get("csrf_token")
        sent = form_value if isinstance(form_value, str) else None
    # Bytes: compare_digest raises TypeError on str with non-ASCII characters.
    if (
        not isinstance(expected, str)
        or sent is None
        or not secrets.compare_digest(expected.encode(), sent.encode())
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, _("missing or wrong anti-forgery token; reload the page")
        )


# A signed-in person on a page; the pages show the installed base, which every role may read.
PagePrincipal = Annotated[Principal, Depends(require(Permission.fleet_read))]
