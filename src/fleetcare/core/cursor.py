"""Opaque, signed list cursors: where the next page of a list begins (keyset pagination).

A cursor names one row's position in a list's order: the values of its order columns and its
key, as JSON, base64url-encoded, followed by an HMAC-SHA256 tag over the list's name and that
payload (truncated to 128 bits, RFC 2104 / NIST SP 800-107 §5.3.4). The key that signs is
derived from the master secret key (``core.security.derived_key`` over ``CURSOR_KEY_LABEL``),
so a cursor is worthless as a token or a cookie and the reverse. A cursor made for one list is
refused by another; a changed, cut or made-up cursor is refused with ``InvalidQuery`` (422
naming ``cursor``), never read.

The master key is the web app's (set for each request by ``use_key``); outside a request (the
CLI, a script) it is the settings' secret key (``FLEETCARE_SECRET_KEY`` or the var dir's file).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fleetcare.core.config import get_settings
from fleetcare.core.errors import FieldError, InvalidQuery
from fleetcare.core.i18n import _
from fleetcare.core.security import derived_key, secret_key

CURSOR_KEY_LABEL = b"fleetcare list cursors v1"
MAX_CURSOR_LENGTH = 1000  # characters: a position of a few columns needs far less
TAG_BYTES = 16
_master: ContextVar[str | None] = ContextVar("fleetcare_cursor_key", default=None)


def use_key(master: str) -> None:
    """Sign and check the cursors of the current request or command with ``master``."""
    _master.set(master)


def _key() -> bytes:
    master = _master.get()
    if master is None:
        master = secret_key(get_settings())
        _master.set(master)
    return derived_key(master, CURSOR_KEY_LABEL).encode()


def _tag(name: str, payload: bytes) -> bytes:
    return hmac.new(_key(), name.encode() + b"\0" + payload, hashlib.sha256).digest()[:TAG_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode_value(value: object) -> list[Any]:
    """A position value as ``[tag, json value]``: types JSON lacks keep their type."""
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, Decimal):
        return ["D", str(value)]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, str):  # enum members of ``StrEnum`` too: stored as their value
        return ["s", str(value)]
    raise TypeError(f"a cursor cannot hold {type(value).__name__}")


def _decode_value(item: Any) -> object:
    kind, *rest = item
    if kind == "n" and not rest:
        return None
    (value,) = rest
    if kind in ("b", "i", "f", "s"):
        expected = {"b": bool, "i": int, "f": float, "s": str}[kind]
        if not isinstance(value, expected):
            raise ValueError(kind)
        return value
    if kind == "D":
        return Decimal(value)
    if kind == "t":
        return datetime.fromisoformat(value)
    if kind == "d":
        return date.fromisoformat(value)
    raise ValueError(kind)


def encode(name: str, position: tuple[object, ...]) -> str:
    """The signed cursor of ``position`` (order values, then the key) in list ``name``."""
    payload = json.dumps([_encode_value(v) for v in position], separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_tag(name, payload))}"


def _refused(message: str) -> InvalidQuery:
    return InvalidQuery([FieldError("cursor", message)])


def decode(name: str, cursor: str, size: int) -> tuple[object, ...]:
    """The position a cursor of list ``name`` names (``size`` values), or ``InvalidQuery``."""
    invalid = _refused(
        _("the cursor is not valid: use the next_cursor of a previous page of this list")
    )
    if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
        raise invalid
    body, tag = cursor.split(".")
    try:
        payload, sent = _unb64(body), _unb64(tag)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not hmac.compare_digest(sent, _tag(name, payload)):
        raise invalid
    try:
        position = tuple(_decode_value(v) for v in json.loads(payload))
    except (ValueError, TypeError, InvalidOperation):
        raise invalid from None
    if len(position) != size:
        raise invalid
    return position
