"""Jinja2 templates with gettext and HTMX fragments (a page, or only the block HTMX swaps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from fleetcare.core.auth import csrf_token
from fleetcare.core.i18n import format_money, get_locale, gettext, ngettext

# Templates live beside the app that serves them, one folder per domain (web/templates/).
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
environment.globals.update(format_money=format_money, get_locale=get_locale)
environment.filters["tojson_attr"] = lambda value: json.dumps(value, default=str)
templates = Jinja2Blocks(env=environment)


def page_url(path: str, chosen: dict[str, str], offset: int) -> str:
    """The address of a filtered list page: only the filters in use, and the offset when > 0."""
    query = urlencode({**chosen, "offset": offset} if offset else chosen)
    return f"{path}?{query}" if query else path


def is_htmx(request: Request) -> bool:
    """True when HTMX asks for a fragment rather than a whole page."""
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render ``name`` whole, or only ``block`` when HTMX asked for a fragment."""
    block_name = block if block is not None and is_htmx(request) else None
    # Every page's layout shows who is signed in and carries the anti-forgery token for HTMX.
    context = {
        "me": getattr(request.state, "principal", None),
        "csrf": csrf_token(request),
        **context,
    }
    return templates.TemplateResponse(
        request, name, context, block_name=block_name, status_code=status_code
    )
