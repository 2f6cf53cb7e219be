"""Shared fixtures: every database test runs on SQLite and, when ``FLEETCARE_TEST_PG`` is set,
on PostgreSQL too (a database of its own, created and dropped by the session)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.core.config import Settings
from fleetcare.core.db import Base, get_engine, get_sessionmaker
from fleetcare.core.migrate import upgrade
from fleetcare.models import load_all_models
from fleetcare.web.app import create_app

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("FLEETCARE_TEST_PG") else [])


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
def client(db: str) -> Iterator[TestClient]:
    """The web app on the test database."""
    with TestClient(create_app(Settings(database_url=db))) as test_client:
        yield test_client


@pytest.fixture
def cli_env(db: str) -> dict[str, str]:
    """Environment for CLI invocations against the test database."""
    return {"FLEETCARE_DATABASE_URL": db}


@pytest.fixture
def runner() -> CliRunner:
    """Typer's runner, keeping stdout and stderr apart."""
    return CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A folder for the files a test writes."""
    return tmp_path
