"""The FastAPI application: mounts every domain's JSON router and HTML pages, and static files."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import plotly
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Scope

from fleetcare import __version__
from fleetcare.accounts import pages as account_pages
from fleetcare.accounts import views as account_views
from fleetcare.accounts.service import principal_for
from fleetcare.analytics import pages as analytics_pages
from fleetcare.analytics import service as analytics_service
from fleetcare.analytics import views as analytics_views
from fleetcare.cooperation import pages as cooperation_pages
from fleetcare.cooperation import views as cooperation_views
from fleetcare.core.api import (
    install_error_handlers,
    is_api,
    is_api_scope,
    not_found_response,
    validation_response,
)
from fleetcare.core.auth import LoginRequired
from fleetcare.core.config import Settings, get_settings
from fleetcare.core.errors import InvalidInput, NotFound
from fleetcare.core.heavy import install as install_heavy_pool
from fleetcare.core.i18n import N_, _
from fleetcare.core.security import cookie_key, read_token, secret_key
from fleetcare.core.templating import render
from fleetcare.exchange import views as exchange_views
from fleetcare.fleet import pages as fleet_pages
from fleetcare.fleet import views as fleet_views
from fleetcare.labels import use_every_label
from fleetcare.parts import pages as parts_pages
from fleetcare.parts import service as parts_service
from fleetcare.parts import views as parts_views
from fleetcare.planning import fill_pages as planning_fill_pages
from fleetcare.planning import pages as planning_pages
from fleetcare.planning import service as planning_service
from fleetcare.planning import views as planning_views
from fleetcare.service import pages as service_pages
from fleetcare.service import service as service_facade
from fleetcare.service import views as service_views
from fleetcare.service.photos import PhotoLimits
from fleetcare.simulation import pages as simulation_pages
from fleetcare.web import pages as home_pages
from fleetcare.web.admission import WriteAdmission
from fleetcare.web.headers import RequestContext
from fleetcare.workforce import dispatch_views
from fleetcare.workforce import pages as workforce_pages
from fleetcare.workforce import views as workforce_views

STATIC_DIR = Path(__file__).resolve().parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SESSION_LIFETIME = timedelta(hours=8)  # a page session, renewed by every response
# FastAPI's native OpenTelemetry, switched off: with it on, every request asks the process for
# its tracer, meter and logger providers, whether any was set up or not
TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the database the settings name."""
    settings = settings or get_settings()
    use_every_label()
    app = FastAPI(
        title="fleetcare",
        version=__version__,
        description="Installed base, spare parts, service and planning for exported fleets.",
        # every writing body is held to its path's limit by WriteAdmission (below); this outer
        # bound only has to let the largest of them, the portal's photos, through
        max_body_size=max(settings.max_body_bytes, _portal_limit(settings)),
        docs_url=None,  # served below from the package's own Swagger UI files, no CDN
        redoc_url=None,
        telemetry=None if settings.telemetry else TELEMETRY_OFF,  # None: FastAPI's defaults
    )
    app.state.database_url = settings.resolved_database_url
    # the plan's replacement rates come from the reliability fits (planning imports no analytics)
    planning_service.use_rates(analytics_service.plan_rates)
    app.state.secret_key = secret_key(settings)
    app.state.find_principal = principal_for
    app.state.token_lifetime = timedelta(minutes=settings.token_minutes)
    app.state.trusted_proxies = settings.trusted_proxies  # accounts.views.client_address
    app.state.var_dir = settings.var_dir  # defect photos live under <var_dir>/photos/
    app.state.photo_limits = PhotoLimits(settings.max_photo_bytes, settings.max_photos)
    install_heavy_pool(
        app,
        workers=settings.heavy_workers,
        queue=settings.heavy_queue,
        max_cells=settings.max_plan_cells,
    )
    install_error_handlers(app)
    parts_views.install_handlers(app)
    service_views.install_handlers(app)
    _install_page_errors(app)

    app.add_middleware(
        WriteAdmission,
        limit=settings.max_concurrent_writes,
        body_seconds=settings.body_seconds,
        max_body_bytes=settings.max_body_bytes,
        body_limits={service_pages.REPORT_PATH: _portal_limit(settings)},
        # the planning maths POSTs write nothing: the heavy pool bounds them, not a write slot
        credentialed=_writing(
            _credentialed(app.state.secret_key),
            planning_views.COMPUTE_PATHS | dispatch_views.COMPUTE_PATHS,
        ),
    )
    # Signed cookie: HttpOnly (Starlette always sets it), SameSite=Lax, 8 hours.
    app.add_middleware(
        SessionMiddleware,
        secret_key=cookie_key(app.state.secret_key),
        session_cookie="fleetcare_session",
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=settings.https,
    )
    # outermost: everything below answers in the request's language, with the headers
    app.add_middleware(
        RequestContext,
        default_locale=settings.default_locale,
        secret_key=app.state.secret_key,
        https=settings.https,
    )

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without touching the database."""
        return {"status": "ok", "version": __version__}

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> Response:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        assets = f"{root}/static/vendor/swagger-ui"
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title="fleetcare API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}{app.swagger_ui_oauth2_redirect_url}",
        )
        # Its one inline script (the set-up call) runs under this answer's nonce.
        nonce = request.state.csp_nonce
        body = bytes(page.body).replace(b"<script>", f'<script nonce="{nonce}">'.encode())
        return Response(body, media_type="text/html")

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static/vendor/swagger-ui", StaticFiles(directory=SWAGGER_UI_DIR), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        account_views.router,
        fleet_views.router,
        exchange_views.router,
        parts_views.router,
        planning_views.router,
        service_views.router,
        dispatch_views.router,
        workforce_views.router,
        workforce_views.dispatch_router,
        cooperation_views.router,
        analytics_views.router,
        account_pages.router,
        home_pages.router,
        fleet_pages.router,
        parts_pages.router,
        planning_pages.router,
        planning_fill_pages.router,
        simulation_pages.router,
        service_pages.router,
        workforce_pages.router,
        cooperation_pages.router,
        analytics_pages.router,
    ):
        app.include_router(router)
    return app


FORM_FIELDS_BYTES = 64 * 1024  # the report's text fields and multipart framing


def _portal_limit(settings: Settings) -> int:
    """The largest body a customer's defect report may have: its photos and its form fields."""
    return settings.max_photos * settings.max_photo_bytes + FORM_FIELDS_BYTES


def _credentialed(key: str) -> Callable[[Scope], bool]:
    """Whether a request carries a valid credential (no database), judged as ``current_principal``
    judges it: on ``/api`` the first ``Authorization`` header's bearer token, on pages the
    session alone (a stray header cannot let a signed-in write skip its slot)."""

    def check(scope: Scope) -> bool:
        if is_api_scope(scope):
            authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            token = authorization[7:] if authorization[:7].lower() == b"bearer " else b""
            return bool(token) and read_token(token.decode("latin-1"), key) is not None
        session = scope.get("session") or {}
        return isinstance(session.get("user"), str)

    return check


def _writing(
    credentialed: Callable[[Scope], bool], exempt: frozenset[str]
) -> Callable[[Scope], bool]:
    """Whether a request takes a write slot: credentialed, and not one of the ``exempt`` paths
    (POSTs that only compute, bounded by the heavy pool instead)."""

    def check(scope: Scope) -> bool:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root + "/"):
            path = path[len(root) :]
        return path not in exempt and credentialed(scope)

    return check


# What a page says for an error the framework raises with only its status's English phrase.
STATUS_WORDS = {
    404: N_("There is no page at this address."),
    405: N_("This address takes a form, not a link."),
}


def _page_of(request: Request) -> str:
    """The path and query of the page an HTMX request came from (``HX-Current-URL``), when
    it is this server's; else ``/``."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    if page.netloc != request.url.netloc or not page.path.startswith("/"):
        return "/"
    return page.path + (f"?{page.query}" if page.query else "")


def _install_page_errors(app: FastAPI) -> None:
    """Pages answer with HTML (or a redirect to sign in); ``/api`` keeps JSON."""

    async def login_required(request: Request, exc: Exception) -> Response:
        if request.headers.get("HX-Request") == "true":
            # a fragment's page goes to sign in, and comes back to that page, not the fragment
            target = "/login?next=" + quote(_page_of(request))
            return Response(status_code=204, headers={"HX-Redirect": target})
        target = "/login?next=" + quote(exc.next_path if isinstance(exc, LoginRequired) else "/")
        return RedirectResponse(target, status_code=303)

    async def not_found(request: Request, exc: Exception) -> Response:
        if is_api(request):
            return not_found_response(exc)
        context = {"title": _("Not found"), "message": str(exc)}
        return render(request, "error.html", context, block="problem", status_code=404)

    async def bad_query(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, RequestValidationError):
            raise exc
        if is_api(request):
            return validation_response(exc)
        message = _("This address has a value the page cannot use; check the filters.")
        context = {"title": _("Bad request"), "message": message}
        return render(request, "error.html", context, block="problem", status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        if is_api(request) or not isinstance(exc, HTTPException):
            return await http_exception_handler(request, exc)  # type: ignore[arg-type]
        message = str(exc.detail)
        if message == HTTPStatus(exc.status_code).phrase:  # the framework's English words
            other = N_("This request cannot be answered.")
            message = _(STATUS_WORDS.get(exc.status_code, other))
        context = {"title": str(exc.status_code), "message": message}
        return render(request, "error.html", context, block="problem", status_code=exc.status_code)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(RequestValidationError, bad_query)
    app.add_exception_handler(HTTPException, http_error)
    # the JSON refusals (422, 409) a page's own code did not catch: on a page, as a page
    refusals = (InvalidInput, IntegrityError, DataError, parts_service.NotEnoughStock)
    for kind in (*refusals, service_facade.Conflict):
        app.add_exception_handler(kind, _as_page(app.exception_handlers[kind]))


def _as_page(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``'s answer on ``/api``; elsewhere its status and words as the error page (its
    ``problem`` block for HTMX, which swaps it in place of the fragment)."""

    async def answer(request: Request, exc: Exception) -> Response:
        response: Response = await handler(request, exc)
        if is_api(request) or not response.media_type or "json" not in response.media_type:
            return response
        detail = json.loads(bytes(response.body)).get("detail", "")
        if isinstance(detail, list):  # [{"loc": [..., field], "msg": ...}]
            detail = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in detail if "msg" in e)
        context = {"title": str(response.status_code), "message": str(detail)}
        page = render(
            request, "error.html", context, block="problem", status_code=response.status_code
        )
        for name in ("Retry-After",):
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page

    return answer
