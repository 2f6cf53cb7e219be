"""Signing keys fail closed, are created atomically, and are separate for tokens and cookies."""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import itsdangerous
import jwt
import pytest
from fastapi.testclient import TestClient

from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.core.security import (
    MIN_KEY_BYTES,
    SigningKeyError,
    cookie_key,
    issue_token,
    read_token,
    secret_key,
)
from fleetcare.web.app import create_app
from tests.core.keyfile import key_of


@pytest.mark.parametrize("key", ["", "short", "x" * (MIN_KEY_BYTES - 1)])
def test_a_short_key_file_stops_the_server(tmp_path: Path, key: str) -> None:
    """An empty or short key file (a crash between creating and writing it) never signs."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "secret_key").write_text(key)
    settings = Settings(var_dir=var_dir, secret_key="", database_url="sqlite://")
    with pytest.raises(SigningKeyError, match="secret_key"):
        create_app(settings)


def test_a_short_environment_key_stops_the_server() -> None:
    """FLEETCARE_SECRET_KEY shorter than 32 bytes is refused, naming the variable."""
    settings = Settings(secret_key="k" * (MIN_KEY_BYTES - 1), database_url="sqlite://")
    with pytest.raises(SigningKeyError, match="FLEETCARE_SECRET_KEY"):
        create_app(settings)
    assert secret_key(Settings(secret_key="k" * MIN_KEY_BYTES)) == "k" * MIN_KEY_BYTES


def test_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    """Eight processes creating the key file at the same moment all read the same full key."""
    var_dir = str(tmp_path / "var")
    with ProcessPoolExecutor(max_workers=8, mp_context=get_context("spawn")) as pool:
        keys = list(pool.map(key_of, [var_dir] * 8))
    assert len(set(keys)) == 1 and len(keys[0].encode()) >= MIN_KEY_BYTES
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret_key"]  # no leftovers


def test_tokens_and_cookies_use_separate_keys() -> None:
    """A token signed with the master key or the cookie key is not a token."""
    master = "m" * 40
    assert read_token(issue_token("ann", master), master) is not None
    assert read_token(issue_token("ann", cookie_key(master)), master) is None
    raw = jwt.encode({"sub": "ann", "exp": 4_102_444_800}, master, algorithm="HS256")
    assert read_token(raw, master) is None


def test_a_cookie_forged_with_the_master_key_is_no_session(
    anonymous: TestClient, settings: Settings, make_user: Callable[..., str]
) -> None:
    """A session cookie signed with the master key itself (not the cookie key) opens nothing."""
    make_user("forger-target", Role.admin)
    payload = b64encode(json.dumps({"user": "forger-target", "ver": 0}).encode())
    for key in (settings.secret_key, ""):
        forged = itsdangerous.TimestampSigner(key).sign(payload).decode()
        anonymous.cookies.set("fleetcare_session", forged)
        answer = anonymous.get("/units", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    genuine = itsdangerous.TimestampSigner(cookie_key(settings.secret_key)).sign(payload)
    anonymous.cookies.set("fleetcare_session", genuine.decode())
    assert anonymous.get("/units", follow_redirects=False).status_code == 200
