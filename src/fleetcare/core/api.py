"""What every JSON router shares: the session dependency, path and query types, error answers.

Errors answer in FastAPI's own shape, ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``,
so a client handles a bad field the same whether Pydantic or a business rule refused it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, MutableMapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator, StringConstraints
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from fleetcare.core.db import transaction
from fleetcare.core.errors import InvalidInput, InvalidQuery, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.schemas import CalendarDay, CalendarMoment
from fleetcare.core.validation import refusal_words

MAX_ID = 2_147_483_647  # INTEGER primary keys on PostgreSQL


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Requests that may change data (anything but GET, HEAD, OPTIONS, and routes marked
    ``reads_only``) open a write transaction; the others a read-only one (``transaction``'s
    ``reads``: no BEGIN and COMMIT on PostgreSQL, and a write through it is refused).
    ``DbSession`` runs it with ``scope="function"``: the commit happens before the response is
    sent, so a client never sees success for a write that then fails to commit.
    """
    write = request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(
        request.scope.get("endpoint"), READS_ONLY, False
    )
    with transaction(request.app.state.database_url, write=write, reads=not write) as session:
        yield session


READS_ONLY = "__fleetcare_reads_only__"
C = TypeVar("C", bound=Callable[..., Any])


def reads_only(endpoint: C) -> C:
    """Mark a POST route that writes nothing (it only computes on its body): its request
    opens a read transaction, so it holds no write lock while it computes."""
    setattr(endpoint, READS_ONLY, True)
    return endpoint


DbSession = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="the row's id")]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
E = TypeVar("E")


def is_api(request: Request) -> bool:
    """True for the JSON API (``/api/...``), judged on the path below the app's ``root_path``.

    Behind a proxy serving the app under a prefix, ``request.url.path`` starts with the prefix.
    """
    return is_api_scope(request.scope)


def is_api_scope(scope: MutableMapping[str, Any]) -> bool:
    """``is_api`` for an ASGI scope (a middleware's view of the request)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path + "/"):
        path = path[len(root_path) :]
    return path == "/api" or path.startswith("/api/")


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# A filter left empty in a form (``?status=``) means "no filter", as the field being absent does.
_Text = Annotated[str, StringConstraints(max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")]
SearchText = Annotated[_Text | None, BeforeValidator(_blank_is_none), Query()]
Choice = Annotated[E | None, BeforeValidator(_blank_is_none)]
# the constraints sit on the text itself: on the parameter they would be applied to the None
# that a blank ``?cursor=`` becomes, and fail as a server error
_CursorText = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[A-Za-z0-9_.-]*$")]
Cursor = Annotated[
    _CursorText | None,
    BeforeValidator(_blank_is_none),
    Query(description="where the page begins: the next_cursor of the page before (keyset paging)"),
]


# a moment bounding a list (``since``, ``until``): ISO 8601, a date alone its midnight, UTC
# unless an offset is given
Moment = Annotated[CalendarMoment | None, BeforeValidator(_blank_is_none), Query()]
# a day of a page's period form (``from``, ``to``; the page adds its ``Query``), blank for none
Day = Annotated[CalendarDay | None, BeforeValidator(_blank_is_none)]


def _detail(field: str, message: str, kind: str) -> list[dict[str, object]]:
    return [{"loc": ["body", field], "msg": message, "type": kind}]


ECHO_DEPTH = 24  # levels of a client's nested input an error answer echoes; deeper: "…"


def printable(content: Any, depth: int = 0) -> Any:
    """``content`` (JSON-like) with what JSON cannot carry made text: a NaN or an infinity as
    its name, a lone surrogate (from a ``\\ud800`` escape) as its escape, and what lies deeper
    than ``ECHO_DEPTH`` levels as "…". An error answer echoes what the client sent, which may
    hold any of these (a body nested hundreds deep would exhaust the recursion)."""
    if isinstance(content, float) and not math.isfinite(content):
        return str(content)
    if isinstance(content, str):
        return content.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(content, dict | list | tuple) and depth >= ECHO_DEPTH:
        return "…"
    if isinstance(content, dict):
        return {
            printable(key, depth + 1): printable(value, depth + 1) for key, value in content.items()
        }
    if isinstance(content, list | tuple):
        return [printable(value, depth + 1) for value in content]
    return content


class ErrorJSON(JSONResponse):
    """An error's JSON answer, ``printable`` whatever the client sent."""

    def render(self, content: Any) -> bytes:
        """The JSON of ``printable(content)``."""
        return super().render(printable(content))


def validation_response(exc: RequestValidationError) -> JSONResponse:
    """422 with FastAPI's detail of a refused request (its ``input`` echoed, made printable)."""
    errors = [{**error, "msg": refusal_words(error)} for error in exc.errors()]
    return ErrorJSON({"detail": jsonable_encoder(printable(errors))}, status_code=422)


def not_found_response(exc: Exception) -> JSONResponse:
    """404 with the message, as every JSON route answers a missing row."""
    return ErrorJSON({"detail": str(exc)}, status_code=404)


def install_error_handlers(app: FastAPI) -> None:
    """Answer refused input with 422 (the field named) and missing rows with 404; never 500."""

    @app.exception_handler(InvalidInput)
    async def _invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        where = "query" if isinstance(exc, InvalidQuery) else "body"
        detail = [
            {"loc": [where, e.field], "msg": e.message, "type": "value_error"} for e in exc.errors
        ]
        return ErrorJSON({"detail": detail}, status_code=422)

    @app.exception_handler(NotFound)
    async def _missing(_request: Request, exc: NotFound) -> JSONResponse:
        return not_found_response(exc)

    # Safety nets: a rule the checks above missed still answers as bad input, not as a crash.
    @app.exception_handler(IntegrityError)
    async def _conflict(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return JSONResponse(
            {"detail": _detail("-", _("conflicts with stored data"), "conflict")}, status_code=409
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, _exc: DataError) -> JSONResponse:
        return JSONResponse(
            {"detail": _detail("-", _("a value is out of range"), "value_error")}, status_code=422
        )
