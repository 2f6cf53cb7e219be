"""The migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from fleetcare.core.db import Base, get_engine
from fleetcare.core.migrate import downgrade, upgrade

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("FLEETCARE_TEST_PG") else [])


def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate finds nothing to add: no model change is missing a migration."""
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database with no tables, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        yield url
        get_engine(url).dispose()
        return
    admin_url = os.environ["FLEETCARE_TEST_PG"]
    name = f"fleetcare_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _site_columns(url: str) -> set[str]:
    return {column["name"] for column in inspect(get_engine(url)).get_columns("sites")}


def test_site_depot_migration_up_and_down(empty_url: str) -> None:
    """0010 adds sites.depot_id (empty on existing sites) and takes it away again, keeping the
    sites and the units that stand at them, on a database that holds rows."""
    upgrade(empty_url, "0009")
    with get_engine(empty_url).begin() as connection:
        for statement in (
            "INSERT INTO regions (id, name, country, climate) VALUES (1, 'R', 'C', 'cold')",
            "INSERT INTO sites (id, region_id, name, latitude, longitude)"
            " VALUES (1, 1, 'Mine', 64.5, 114.0)",
            "INSERT INTO customers (id, code, name, region_id) VALUES (1, 'C1', 'Miner', 1)",
            "INSERT INTO product_models (id, code, family, name)"
            " VALUES (1, 'DT-90', 'mining_dump_truck', 'Truck')",
            "INSERT INTO units (id, serial, model_id, customer_id, site_id, delivered_on,"
            " warranty_start, status) VALUES (1, 'S1', 1, 1, 1, '2024-01-01', '2024-01-01',"
            " 'in_service')",
            "INSERT INTO locations (id, code, name, kind, latitude, longitude, region_id)"
            " VALUES (1, 'DEP', 'Depot', 'depot', 62.5, 113.9, 1)",
        ):
            connection.execute(text(statement))
    assert "depot_id" not in _site_columns(empty_url)

    upgrade(empty_url, "0010")
    assert "depot_id" in _site_columns(empty_url)
    with get_engine(empty_url).begin() as connection:
        assert connection.execute(text("SELECT depot_id FROM sites")).all() == [(None,)]
        connection.execute(text("UPDATE sites SET depot_id = 1"))
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text("UPDATE sites SET depot_id = 99"))  # no such location

    downgrade(empty_url, "0009")
    assert "depot_id" not in _site_columns(empty_url)
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT name FROM sites")).all() == [("Mine",)]
        assert connection.execute(text("SELECT serial, site_id FROM units")).all() == [("S1", 1)]

    upgrade(empty_url)
    assert "depot_id" in _site_columns(empty_url)


def _indexes(url: str, table: str) -> set[str]:
    return {str(index["name"]) for index in inspect(get_engine(url)).get_indexes(table)}


def test_list_indexes_migration_up_and_down(empty_url: str) -> None:
    """0011 adds the list pages' indexes (filter, then order) and takes them away again."""
    upgrade(empty_url, "0010")
    assert "ix_units_status_serial" not in _indexes(empty_url, "units")
    upgrade(empty_url, "0011")
    assert {"ix_units_status_serial", "ix_units_customer_id_serial"} <= _indexes(empty_url, "units")
    assert "ix_work_orders_status_opened_at_id" in _indexes(empty_url, "work_orders")
    downgrade(empty_url, "0010")
    assert not {i for i in _indexes(empty_url, "units") if i.startswith("ix_") and "serial" in i}
    assert "ix_defects_reported_at_id" not in _indexes(empty_url, "defects")


def test_technician_account_migration_up_and_down(empty_url: str) -> None:
    """0013 adds technicians.account_id referring to a user, one technician an account, and
    takes it away again with the technicians kept."""
    upgrade(empty_url, "0012")
    with get_engine(empty_url).begin() as connection:
        for statement in (
            "INSERT INTO regions (id, name, country, climate) VALUES (1, 'R', 'C', 'cold')",
            "INSERT INTO users (id, username, password_hash, role, active, token_version,"
            " created_at) VALUES (1, 'ivan', 'x', 'technician', true, 0, '2026-01-01')",
            "INSERT INTO technicians (id, code, name, kind, region_id, home_latitude,"
            " home_longitude, languages) VALUES (1, 'T1', 'Ivan', 'local', 1, 60, 30, 'ru'),"
            " (2, 'T2', 'Olga', 'local', 1, 60, 30, 'ru')",
        ):
            connection.execute(text(statement))
    upgrade(empty_url, "0013")
    assert "ix_technicians_account_id" in _indexes(empty_url, "technicians")
    with get_engine(empty_url).begin() as connection:
        connection.execute(text("UPDATE technicians SET account_id = 1 WHERE id = 1"))
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text("UPDATE technicians SET account_id = 1 WHERE id = 2"))
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text("UPDATE technicians SET account_id = 99 WHERE id = 2"))
    downgrade(empty_url, "0012")
    columns = {c["name"] for c in inspect(get_engine(empty_url)).get_columns("technicians")}
    assert "account_id" not in columns
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT code FROM technicians ORDER BY id")).all() == [
            ("T1",),
            ("T2",),
        ]
    upgrade(empty_url)
