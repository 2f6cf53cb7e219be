"""Jinja2 templates with gettext and HTMX fragments (a page, or only the block HTMX swaps)."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from pydantic import ValidationError
from starlette.responses import Response

from fleetcare.core.auth import csrf_token
from fleetcare.core.charts import chart_locale
from fleetcare.core.errors import InvalidInput
from fleetcare.core.i18n import (
    LANGUAGE_NAMES,
    format_fixed,
    format_money,
    format_number,
    format_significant,
    get_locale,
    gettext,
    language_names,
    month_name,
    ngettext,
    npgettext,
    number_separators,
    pgettext,
    weekday_name,
)
from fleetcare.core.labels import label
from fleetcare.core.validation import field_words, refusal_words

# Templates live beside the app that serves them, one folder per domain (web/templates/).
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_callables(  # type: ignore[attr-defined]
    gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
)


def in_language(request: Request, locale: str) -> str | None:
    """This page in ``locale``, as a link relative to it (its query only, so that it never
    leaves this page, whatever its path holds): ``?lang=`` replaces any earlier choice, and the
    answer keeps it in the ``lang`` cookie (``web/headers.py``). None for a page drawn in
    answer to a form (a POST): its address only takes forms."""
    if request.method != "GET":
        return None
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]
    return "?" + urlencode([*kept, ("lang", locale)])


environment.globals.update(
    chart_locale=chart_locale,
    format_money=format_money,
    format_number=format_number,
    get_locale=get_locale,
    in_language=in_language,
    number_separators=number_separators,
    languages=LANGUAGE_NAMES,
)
environment.filters["label"] = label
environment.filters["number"] = format_fixed  # {{ hours|number }}, {{ share|number(1) }}
environment.filters["significant"] = format_significant
environment.filters["weekday"] = weekday_name
environment.filters["language_names"] = language_names
environment.filters["month_name"] = month_name
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
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        **context,
    }
    return templates.TemplateResponse(
        request, name, context, block_name=block_name, status_code=status_code
    )


def render_list(
    request: Request,
    name: str,
    *,
    path: str,
    page: Any,
    filters: Mapping[str, str | enum.Enum | None],
    offset: int,
    limit: int,
    context: Mapping[str, Any] | None = None,
    block: str = "table",
    status_code: int = 200,
) -> Response:
    """A filtered, paged list page: HTMX swaps only ``block``, the address bar follows.

    The template receives ``page``, ``chosen`` (the filters in use), ``offset``, ``limit`` and
    ``url(offset)`` (this list's address at another offset, with the same filters), plus
    ``context``; the ``HX-Push-Url`` header shows only the filters in use.
    """
    chosen = {
        key: value.value if isinstance(value, enum.Enum) else value
        for key, value in filters.items()
        if value
    }

    def url(new_offset: int) -> str:
        return page_url(path, chosen, new_offset)

    full = {
        "page": page,
        "chosen": chosen,
        "offset": offset,
        "limit": limit,
        "url": url,
        **(context or {}),
    }
    response = render(request, name, full, block=block, status_code=status_code)
    response.headers["HX-Push-Url"] = url(offset)
    return response


def problems_of(exc: InvalidInput | ValidationError) -> list[str]:
    """Each problem of a refused form as ``field: message``, for the page that shows it."""
    if isinstance(exc, InvalidInput):
        return [f"{field_words(e.field)}: {e.message}" for e in exc.errors]
    named = [(".".join(str(p) for p in e["loc"]), refusal_words(e)) for e in exc.errors()]
    return [f"{field_words(field)}: {message}" for field, message in named]
