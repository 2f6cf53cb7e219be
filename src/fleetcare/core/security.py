"""Passwords (Argon2id), signed bearer tokens (JWT, HS256) and the signing key.

The key comes from ``FLEETCARE_SECRET_KEY``; when unset, one is generated into
``<var_dir>/secret_key`` (mode 600) on first use, so no secret ever lives in the repository.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fleetcare.core.config import Settings

TOKEN_ALGORITHM = "HS256"
TOKEN_LIFETIME = timedelta(hours=8)
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; never store or log the password itself)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; runs a full verification even for an unknown user."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def secret_key(settings: Settings) -> str:
    """The signing key: from the environment, else generated once into the var dir."""
    if settings.secret_key:
        return settings.secret_key
    return _stored_key(settings.var_dir.resolve())


@cache
def _stored_key(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def issue_token(username: str, key: str, now: datetime | None = None) -> str:
    """A bearer token for ``username``, valid for ``TOKEN_LIFETIME``."""
    issued = now or datetime.now(UTC)
    claims = {"sub": username, "iat": issued, "exp": issued + TOKEN_LIFETIME}
    return jwt.encode(claims, key, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, key: str) -> str | None:
    """The username a valid token names; None when it is expired, tampered with or malformed."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
