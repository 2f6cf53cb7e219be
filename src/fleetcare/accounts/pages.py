"""Sign-in and sign-out pages, and the admin's users and audit pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from fleetcare.accounts import service
from fleetcare.accounts.views import client_address
from fleetcare.core.api import Day, DbSession, Offset, SearchText
from fleetcare.core.auth import check_csrf, csrf_token, require
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.templating import render, render_list

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
AdminOf = Annotated[Principal, Depends(require(Permission.users_manage))]
AuditReader = Annotated[Principal, Depends(require(Permission.audit_read))]
AUDIT_PAGE = 50  # entries a page of the audit log shows


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """The sign-in form."""
    csrf_token(request)
    return render(request, "accounts/login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password; on success start a fresh session and go where the person was going."""
    outcome = service.sign_in(session, username, password, client_address(request))
    if outcome.principal is None:
        error = (
            _("Too many failed attempts; wait {seconds} s and try again.").format(
                seconds=outcome.retry_after_seconds
            )
            if outcome.retry_after_seconds
            else _("Wrong username or password.")
        )
        status_code = 429 if outcome.retry_after_seconds else 401
        return render(
            request,
            "accounts/login.html",
            {"next": safe_next(next), "error": error},
            status_code=status_code,
        )
    request.session.clear()  # a new session on sign-in: no fixation
    request.session["user"] = outcome.principal.username
    request.session["ver"] = outcome.principal.token_version
    csrf_token(request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    """Sign out: this session and every other token and session of the account end."""
    username, version = request.session.get("user"), request.session.get("ver", 0)
    if isinstance(username, str) and isinstance(version, int):
        principal = service.principal_for(session, username, version)
        if principal is not None:
            service.sign_out(session, username, by=principal)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, session: DbSession, principal: AdminOf) -> Response:
    """Every account (admin)."""
    return render(request, "accounts/users.html", {"users": service.list_users(session)})


@router.get("/admin/audit")
def audit_page(
    request: Request,
    session: DbSession,
    principal: AuditReader,
    entity: SearchText = None,
    key: SearchText = None,
    actor: SearchText = None,
    action: SearchText = None,
    first: Annotated[Day, Query(alias="from")] = None,
    last: Annotated[Day, Query(alias="to")] = None,
    offset: Offset = 0,
) -> Response:
    """The audit log, newest first, filtered as the API filters it; ``from`` and ``to`` are
    days (UTC), both included."""
    since = None if first is None else datetime.combine(first, time())
    until = None if last is None else datetime.combine(last + timedelta(days=1), time())
    where = service.AuditFilter(entity, key, actor, action, since, until)
    page = service.list_audit(session, where, limit=AUDIT_PAGE, offset=offset)
    return render_list(
        request,
        "accounts/audit.html",
        path="/admin/audit",
        page=page,
        filters={
            "entity": entity,
            "key": key,
            "actor": actor,
            "action": action,
            "from": None if first is None else first.isoformat(),
            "to": None if last is None else last.isoformat(),
        },
        offset=offset,
        limit=AUDIT_PAGE,
    )
