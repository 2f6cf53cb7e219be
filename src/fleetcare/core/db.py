"""Engine, sessions and the declarative base: one transaction per request or command.

SQLite is the embedded default (foreign keys on, WAL, a busy timeout so concurrent writers wait
instead of failing); PostgreSQL is the production database. Both run the same migrations.
On PostgreSQL each process's pool is sized by ``core.pool`` so that the pools of all server
processes (``FLEETCARE_WORKERS``) fit in the server's ``max_connections``, and a connection that
has sat idle in the pool for more than ``IDLE_PING_SECONDS`` is pinged before it is handed out
(a dead one is replaced): a busy server does not pay a round trip a request for it.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Enum, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from fleetcare.core.config import get_settings
from fleetcare.core.pool import pool_sizes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


WRITE_OPTION = "fleetcare_write"
IDLE_PING_SECONDS = 5.0  # a pooled connection idle longer than this is pinged before use


def string_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """An enum column stored as its values in a short string with a CHECK constraint.

    Portable: the same migration on SQLite and PostgreSQL, no native ENUM type to alter.
    """
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable so migrations agree across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def mapped_class(name: str) -> type[Base]:
    """The mapped class called ``name`` (``"Location"``), for a lower layer that names a
    higher layer's table without importing it; ``LookupError`` when no model has that name."""
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == name:
            found: type[Base] = mapper.class_
            return found
    raise LookupError(name)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, issue BEGIN: a writing transaction must BEGIN IMMEDIATE so
    # that it takes the write lock up front (waiting for it), instead of failing half-way when
    # another writer committed after it read. (SQLAlchemy's pysqlite "serializable" recipe.)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@cache
def get_engine(url: str) -> Engine:
    """One engine per database URL for the life of the process."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    settings = get_settings()
    sizes = pool_sizes(settings.workers, settings.db_max_connections)
    engine = create_engine(url, pool_size=sizes.pool_size, max_overflow=sizes.max_overflow)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a connection before use when it has been idle in the pool for more than
    ``IDLE_PING_SECONDS`` (``pool_pre_ping`` would ping before every use). A dead one raises
    ``DisconnectionError``, on which the pool discards it and checks out another (SQLAlchemy's
    documented ``checkout`` event contract). A connection that dies while in use fails its
    request with ``OperationalError`` (answered 503, see ``core.heavy``) and invalidates
    the pool's older connections."""

    def checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


@cache
def get_sessionmaker(url: str) -> sessionmaker[Session]:
    """The session factory bound to ``url``'s engine."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


class ReadOnlyViolation(RuntimeError):
    """A session opened to read only tried to change data (a programming error)."""


@contextmanager
def transaction(url: str, *, write: bool = False, reads: bool = False) -> Iterator[Session]:
    """A session inside one transaction: committed when the block ends, rolled back on error.

    ``write=True`` declares a transaction that will change data: on SQLite it begins with the
    write lock held (concurrent writers queue, none fails); on PostgreSQL it changes nothing.
    ``reads=True`` declares one that only reads: a flush of changed rows, or any compiled
    INSERT, UPDATE or DELETE on its connection (ORM or Core, bulk included), raises
    ``ReadOnlyViolation`` before it reaches the database; textual SQL is not inspected. On
    PostgreSQL (psycopg) its statements run without BEGIN and COMMIT (autocommit), which
    saves two round trips; that changes nothing a reader sees, since at READ COMMITTED every
    statement takes its own snapshot inside a transaction too. A statement that streams its
    rows (``yield_per``: a server-side cursor, which PostgreSQL keeps only inside a
    transaction) begins one first, ``READ ONLY``.
    """
    with get_sessionmaker(url)() as session, session.begin():
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        elif reads:
            dialect = session.get_bind().dialect
            autocommit = dialect.name == "postgresql" and dialect.driver == "psycopg"
            session.info[READS] = AUTOCOMMIT if autocommit else READS
            options: dict[str, Any] = {READS: True}
            if autocommit:
                options["isolation_level"] = "AUTOCOMMIT"
            session.connection(execution_options=options)
        yield session


READS = "fleetcare_reads"  # the mark of a read-only session (its info) and its connection
AUTOCOMMIT = "autocommit"  # the session's mark where its statements autocommit


@event.listens_for(Session, "before_flush")
def _refuse_changed_rows(session: Session, _context: Any, _instances: Any) -> None:
    """A read-only session refuses to flush a net change. One listener for every session:
    registering one on each read session cost ~5 % of a unit list's CPU."""
    if not session.info.get(READS):
        return
    changed = any(session.is_modified(row) for row in session.dirty)
    if session.new or session.deleted or changed:
        raise ReadOnlyViolation("a read-only session tried to write rows")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_write_statements(
    connection: Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """A read-only session's connection refuses a compiled INSERT, UPDATE or DELETE."""
    if context is None or not connection.get_execution_options().get(READS):
        return
    if context.isinsert or context.isupdate or context.isdelete:
        raise ReadOnlyViolation("a read-only session tried to run a write statement")


@event.listens_for(Session, "do_orm_execute")
def _begin_before_streaming(state: ORMExecuteState) -> None:
    """In an autocommit read, a statement that streams its rows (a server-side cursor)
    begins a read-only transaction first."""
    if state.session.info.get(READS) != AUTOCOMMIT:
        return
    options = state.execution_options
    if options.get("yield_per") or options.get("stream_results"):
        from psycopg.pq import TransactionStatus  # loaded already: the session is on it

        connection = state.session.connection()
        driver = connection.connection.dbapi_connection
        if driver.info.transaction_status == TransactionStatus.IDLE:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN READ ONLY")
