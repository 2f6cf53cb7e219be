"""Passwords (Argon2id), signed bearer tokens (JWT, HS256) and the signing keys.

The master key comes from ``FLEETCARE_SECRET_KEY``; when unset, one is generated into
``<var_dir>/secret_key`` (mode 600) on first use, so no secret ever lives in the repository.
It must hold at least ``MIN_KEY_BYTES`` bytes, or fleetcare refuses to start: a short or empty
key (a file cut off by a crash, a placeholder) never signs anything. Bearer tokens and session
cookies are signed with two keys derived from it (HMAC-SHA256 of the master key over a label,
as in HKDF-Expand, RFC 5869), so a value signed for one is worthless as the other.

A token carries the account's *token version*; changing the password or the role, disabling
the account or signing out raises the version, which ends every token and session issued
before.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fleetcare.core import clock
from fleetcare.core.config import Settings
from fleetcare.core.i18n import _

TOKEN_ALGORITHM = "HS256"
TOKEN_LIFETIME = timedelta(hours=1)  # default; FLEETCARE_TOKEN_MINUTES sets it
MIN_KEY_BYTES = 32
TOKEN_KEY_LABEL = b"fleetcare bearer tokens v1"
COOKIE_KEY_LABEL = b"fleetcare session cookies v1"
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so both paths take the same time.
    Made on the first sign-in, not at import: a hash takes ~0.3 s that every command paid."""
    return _hasher.hash(secrets.token_hex(16))


class SigningKeyError(RuntimeError):
    """The signing key is missing or too short: the server must not start."""


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; never store or log the password itself)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; runs a full verification even for an unknown user."""
    dummy = _dummy_hash()  # made for the first sign-in, known user or not: the same time
    try:
        return _hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _checked(key: str, where: str) -> str:
    size = len(key.encode())
    if size < MIN_KEY_BYTES:
        raise SigningKeyError(
            _(
                "{where} holds a signing key of {size} bytes; at least {minimum} are needed "
                "(set FLEETCARE_SECRET_KEY, or delete the file to have a new key generated)"
            ).format(where=where, size=size, minimum=MIN_KEY_BYTES)
        )
    return key


def secret_key(settings: Settings) -> str:
    """The master key: from the environment, else generated once into the var dir.

    Raises ``SigningKeyError`` when the key is shorter than ``MIN_KEY_BYTES`` bytes.
    """
    if settings.secret_key:
        return _checked(settings.secret_key, "FLEETCARE_SECRET_KEY")
    return _stored_key(settings.var_dir.resolve())


@cache
def _stored_key(var_dir: Path) -> str:
    """Read ``var_dir/secret_key``, creating it atomically when absent.

    The key is written whole to a temporary file first and then linked into place, which fails
    when the name exists: two processes starting at once end up with the one key that won,
    and no reader ever sees a half-written file.
    """
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it with mode 600
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return _checked(path.read_text().strip(), str(path))


def derived_key(master: str, label: bytes) -> str:
    """A key for one purpose: HMAC-SHA256(master, label), hex (64 characters)."""
    return hmac.new(master.encode(), label, hashlib.sha256).hexdigest()


def cookie_key(master: str) -> str:
    """The key that signs session cookies."""
    return derived_key(master, COOKIE_KEY_LABEL)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid bearer token says: whose it is and the account's token version then."""

    username: str
    version: int


def issue_token(
    username: str,
    key: str,
    now: datetime | None = None,
    *,
    version: int = 0,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> str:
    """A bearer token for ``username`` at token ``version``, valid for ``lifetime``."""
    issued = now or clock.now()
    claims = {"sub": username, "ver": version, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, derived_key(key, TOKEN_KEY_LABEL), algorithm=TOKEN_ALGORITHM)


def read_token(token: str, key: str) -> TokenClaims | None:
    """The claims of a valid token; None when it is expired, tampered with or malformed."""
    try:
        claims = jwt.decode(
            token,
            derived_key(key, TOKEN_KEY_LABEL),
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    subject, version = claims.get("sub"), claims.get("ver", 0)
    if not isinstance(subject, str) or not isinstance(version, int):
        return None
    return TokenClaims(subject, version)
