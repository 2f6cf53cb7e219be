"""The FastAPI application: mounts every domain's JSON router and HTML pages, and static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from fleetcare import __version__
from fleetcare.core.api import install_error_handlers, not_found_response
from fleetcare.core.config import Settings, get_settings
from fleetcare.core.errors import NotFound
from fleetcare.core.i18n import SUPPORTED_LOCALES, _, set_locale
from fleetcare.fleet import pages as fleet_pages
from fleetcare.fleet import views as fleet_views
from fleetcare.web import pages as home_pages
from fleetcare.web.templating import render

STATIC_DIR = Path(__file__).resolve().parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the database the settings name."""
    settings = settings or get_settings()
    app = FastAPI(
        title="fleetcare",
        version=__version__,
        description="Installed base, spare parts, service and planning for exported fleets.",
    )
    app.state.database_url = settings.resolved_database_url
    app.state.default_locale = settings.default_locale
    install_error_handlers(app)
    _install_page_errors(app)

    @app.middleware("http")
    async def choose_language(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        wanted = request.query_params.get("lang") or request.cookies.get("lang")
        if wanted not in SUPPORTED_LOCALES:
            accept = request.headers.get("accept-language", "")
            wanted = next(
                (code for code in SUPPORTED_LOCALES if accept.startswith(code)),
                app.state.default_locale,
            )
        set_locale(wanted or "en")
        return await call_next(request)

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without touching the database."""
        return {"status": "ok", "version": __version__}

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(fleet_views.router)
    app.include_router(home_pages.router)
    app.include_router(fleet_pages.router)
    return app


def _install_page_errors(app: FastAPI) -> None:
    """Pages answer a missing row or a bad query with an HTML page; ``/api`` keeps JSON."""

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api"):
            return not_found_response(exc)
        return render(
            request, "error.html", {"title": _("Not found"), "message": str(exc)}, status_code=404
        )

    async def bad_query(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api"):
            return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]
        message = _("This address has a value the page cannot use; check the filters.")
        return render(
            request, "error.html", {"title": _("Bad request"), "message": message}, status_code=422
        )

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(RequestValidationError, bad_query)
