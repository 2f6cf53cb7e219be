"""Shared fixtures: every database test runs on SQLite and, when ``FLEETCARE_TEST_PG`` is set,
on PostgreSQL too (a database of its own, created and dropped by the session)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.accounts.schemas import UserCreate
from fleetcare.accounts.service import add_user
from fleetcare.core import api as core_api
from fleetcare.core.config import Settings
from fleetcare.core.db import Base, get_engine, get_sessionmaker, transaction
from fleetcare.core.i18n import set_locale
from fleetcare.core.migrate import upgrade
from fleetcare.core.permissions import Role, system
from fleetcare.core.security import hash_password, issue_token
from fleetcare.models import load_all_models
from fleetcare.web.app import create_app

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("FLEETCARE_TEST_PG") else [])
# The suite reads English whatever the developer's terminal speaks (``fleetcare.cli`` takes
# its language from the environment when imported, and commands run in subprocesses inherit it).
os.environ["LANGUAGE"] = "en"


def _create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"fleetcare_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database for the whole test session, on each backend."""
    load_all_models()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fleetcare.db'}"
        upgrade(url)
        yield url
        get_engine(url).dispose()
        return
    admin_url = os.environ["FLEETCARE_TEST_PG"]
    url, name = _create_pg_database(admin_url)
    upgrade(url)
    yield url
    get_engine(url).dispose()
    _drop_pg_database(admin_url, name)


def wipe(url: str) -> None:
    """Delete every row, children first."""
    with get_engine(url).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def db(database_url: str) -> Iterator[str]:
    """The test database URL, emptied after the test."""
    yield database_url
    wipe(database_url)


@pytest.fixture
def session(db: str) -> Iterator[Session]:
    """A session on the test database; the test commits what it wants to keep."""
    with get_sessionmaker(db)() as session:
        yield session


@pytest.fixture
def request_sessions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, bool]]:
    """The kind of each request's session opened during the test (``transaction``'s
    ``write`` and ``reads``), in order."""
    opened: list[dict[str, bool]] = []
    real = core_api.transaction

    @contextmanager
    def noting(url: str, **kinds: bool) -> Iterator[Session]:
        opened.append(kinds)
        with real(url, **kinds) as session:
            yield session

    monkeypatch.setattr(core_api, "transaction", noting)
    return opened


TEST_PASSWORD = "correct horse battery"
TEST_SECRET = "a-test-signing-key-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One Argon2 hash of ``TEST_PASSWORD`` for the whole session (hashing is slow on purpose)."""
    return hash_password(TEST_PASSWORD)


@pytest.fixture
def settings(db: str) -> Settings:
    """Settings for the test database with a fixed signing key."""
    return Settings(database_url=db, secret_key=TEST_SECRET)


@pytest.fixture
def make_user(db: str, password_hash: str) -> Callable[..., str]:
    """Create a user (password ``TEST_PASSWORD``) and return its name."""

    def make(
        name: str, role: Role, customer: str | None = None, regions: tuple[str, ...] = ()
    ) -> str:
        with transaction(db) as session:
            new = UserCreate(
                username=name,
                role=role,
                password=TEST_PASSWORD,
                customer=customer,
                regions=list(regions),
            )
            add_user(session, new, by=system("test"), password_hash=password_hash)
        return name

    return make


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    """The web app on the test database, signed in as nobody."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def client_for(
    settings: Settings, make_user: Callable[..., str]
) -> Iterator[Callable[..., TestClient]]:
    """Clients carrying a bearer token of a new user with the given role (and binding)."""
    clients: list[TestClient] = []

    def make(role: Role, name: str | None = None, **binding: Any) -> TestClient:
        username = make_user(name or f"{role.value}-{len(clients)}", role, **binding)
        test_client = TestClient(create_app(settings))
        test_client.headers["Authorization"] = f"Bearer {issue_token(username, TEST_SECRET)}"
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


@pytest.fixture
def client(client_for: Callable[..., TestClient]) -> TestClient:
    """The web app with an admin's bearer token."""
    return client_for(Role.admin, "admin")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread (real HTTP, real threads)."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def form_token(page: str) -> str:
    """The anti-forgery token a page's form carries (the test fails when it has none)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page's form carries an anti-forgery token"
    return found.group(1)


def sign_in(test_client: TestClient, username: str, password: str = TEST_PASSWORD) -> Any:
    """Sign in through the login form (with its anti-forgery token), as a browser does."""
    form = test_client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "the login form carries an anti-forgery token"
    return test_client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )


@pytest.fixture
def pages(anonymous: TestClient, make_user: Callable[..., str]) -> TestClient:
    """A browser-like client signed in as an admin through the login page."""
    sign_in(anonymous, make_user("page-admin", Role.admin))
    return anonymous


@pytest.fixture
def cli_env(db: str, tmp_path: Path) -> dict[str, str]:
    """Environment for CLI invocations against the test database."""
    return {"FLEETCARE_DATABASE_URL": db, "FLEETCARE_VAR_DIR": str(tmp_path / "var")}


@pytest.fixture
def runner() -> CliRunner:
    """Typer's runner, keeping stdout and stderr apart."""
    return CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A folder for the files a test writes."""
    return tmp_path


@pytest.fixture(autouse=True)
def english_again() -> Iterator[None]:
    """Every test ends in English, whatever language it chose (``set_locale``)."""
    yield
    set_locale("en")


@pytest.fixture
def russian() -> None:
    """The current language is Russian for the test."""
    set_locale("ru")
