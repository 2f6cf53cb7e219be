"""Each request's context (language, cursor key, script nonce) and the security headers.

``RequestContext`` is a plain ASGI middleware, outermost in the app, so that everything below
it (admission's refusals included) answers in the request's language and with the headers:

- the language: ``?lang=``, else the ``lang`` cookie, else the supported language the
  ``Accept-Language`` header weights highest, else the app's default; a page link with
  ``?lang=`` (the switcher in the page header) also keeps the choice in the ``lang`` cookie;
- list cursors are signed with the app's key (``core.cursor``);
- a fresh random nonce (``request.state.csp_nonce``); templates put it on their inline
  ``<script>`` tags and hand it to HTMX (``inlineScriptNonce``) for the scripts of swapped
  fragments. The Content-Security-Policy lets scripts run only from fleetcare itself or with
  that nonce, so an injected ``<script>`` or ``onclick`` does nothing; no page may be framed.
  With ``FLEETCARE_HTTPS=1`` the browser is also told to use HTTPS only (HSTS).

Sources: OWASP Secure Headers Project; CSP Level 3 (W3C), "nonce-source".
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetcare.core.cursor import use_key as use_cursor_key
from fleetcare.core.i18n import SUPPORTED_LOCALES, _, set_locale

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


def fixed_headers(https: bool) -> list[tuple[str, str]]:
    """The headers every answer carries besides the policy (HSTS when served over ``https``)."""
    headers = [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]
    return [*headers, ("Strict-Transport-Security", HSTS)] if https else headers


def accepted_languages(header: str) -> list[str]:
    """The primary language codes of an ``Accept-Language`` header, most wanted first (RFC 9110
    §12.5.4: each range's ``q`` weight, 1 when absent; ``q=0`` means "not this"; ties keep the
    header's order): ``"de-DE,ru;q=0.5,en;q=0.7"`` → ``["de", "en", "ru"]``."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _separator, parameters = item.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _equals, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        code = tag.strip().split("-")[0].lower()
        if code and weight > 0:
            weighted.append((-weight, position, code))
    return [code for _weight, _position, code in sorted(weighted)]


def chosen_locale(connection: HTTPConnection, supported: Iterable[str], default: str) -> str:
    """The request's language: ``?lang=``, the ``lang`` cookie, the most wanted supported
    language of ``Accept-Language``, the default."""
    offered = tuple(supported)
    wanted = connection.query_params.get("lang") or connection.cookies.get("lang")
    if wanted in offered:
        return str(wanted)
    accepted = accepted_languages(connection.headers.get("accept-language", ""))
    return next((code for code in accepted if code in offered), default) or "en"


def language_cookie(connection: HTTPConnection, locale: str, *, secure: bool) -> str | None:
    """The ``Set-Cookie`` value that keeps a language chosen by ``?lang=`` for the next
    requests (a year, every path), or None when the query chose none or the cookie has it."""
    if connection.query_params.get("lang") != locale or connection.cookies.get("lang") == locale:
        return None
    return f"lang={locale}; Path=/; Max-Age=31536000; SameSite=Lax" + ("; Secure" if secure else "")


def vary_by_language(headers: MutableHeaders) -> None:
    """Tell caches that the answer's words depend on ``Accept-Language`` and the ``lang``
    cookie (RFC 9110 §12.5.5), so that none serves one reader's language to another."""
    existing = [name.strip() for name in headers.get("vary", "").split(",") if name.strip()]
    known = {name.lower() for name in existing}
    added = [name for name in ("Accept-Language", "Cookie") if name.lower() not in known]
    headers["Vary"] = ", ".join([*existing, *added])


class RequestContext:
    """ASGI middleware: sets the request's language, cursor key and nonce; adds the headers."""

    def __init__(self, app: ASGIApp, *, default_locale: str, secret_key: str, https: bool) -> None:
        self.app = app
        self.default_locale = default_locale
        self.secret_key = secret_key
        self.headers = fixed_headers(https)
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        locale = chosen_locale(connection, SUPPORTED_LOCALES, self.default_locale)
        set_locale(locale)
        remembered = language_cookie(connection, locale, secure=self.https)
        use_cursor_key(self.secret_key)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce)
                for name, value in self.headers:
                    headers[name] = value
                if remembered:
                    headers.append("Set-Cookie", remembered)
                vary_by_language(headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # a defect: its 500 still carries the headers, then it is logged
                response = JSONResponse({"detail": _("internal error")}, status_code=500)
                await response(scope, receive, send_with_headers)
            raise
