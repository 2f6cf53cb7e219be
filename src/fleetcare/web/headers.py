"""Security headers on every answer, and the nonce that lets a page's own scripts run.

Each request gets a fresh random nonce (``request.state.csp_nonce``); templates put it on
their inline ``<script>`` tags and hand it to HTMX (``inlineScriptNonce``) for the scripts of
swapped fragments. The Content-Security-Policy lets scripts run only from fleetcare itself or
with that nonce, so an injected ``<script>`` or ``onclick`` does nothing; no page may be framed.
With ``FLEETCARE_HTTPS=1`` the browser is also told to use HTTPS only (HSTS).
Sources: OWASP Secure Headers Project; CSP Level 3 (W3C), "nonce-source".
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(nonce: str) -> str:
    """The policy for one answer: scripts from here or with ``nonce``; styles may be inline
    (Plotly and HTMX set element styles); nothing from other hosts; never framed."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(
    https: bool,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """An HTTP middleware setting the headers (and HSTS when served over ``https``)."""

    async def add_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        nonce = secrets.token_urlsafe(16)
        request.state.csp_nonce = nonce
        response = await call_next(request)
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(nonce)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if https:
            headers["Strict-Transport-Security"] = HSTS
        return response

    return add_headers
