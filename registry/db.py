"""Database engine, per-request sessions and the SQLite settings that let workers share a file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session

# Set for requests and commands that write: on SQLite their transaction starts with BEGIN IMMEDIATE,
# taking the write lock up front instead of failing to upgrade a stale read snapshot (SQLITE_BUSY).
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000
PG_CONNECT_TIMEOUT_SECONDS = 5
# Connections a process keeps to PostgreSQL: SQLAlchemy's default maximum (5 kept, 10 more at
# need), all of them kept. With the default, a gevent worker under load opened and closed the 10
# extra ones request after request (a PostgreSQL backend started for each): a sixth of a worker's
# samples under bench_checks' 32 connections; checks went from 870 to 2,190 req/s with all of them kept.
PG_POOL_SIZE = 15


def make_engine(database_url: str) -> Engine:
    """Create the engine for ``database_url``, tuned for SQLite or PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    # connect_timeout: an unreachable server fails a request in seconds (503). The pool: see PG_POOL_SIZE.
    engine = create_engine(url, pool_size=PG_POOL_SIZE, max_overflow=0,
                           connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS})  # fmt: skip
    _ping_on_checkout(engine)
    return engine


# Set while taking a pooled connection whose first statement is one round trip that its caller
# retries on a fresh connection if this one was dropped (the in-force generation read of a check).
verified_by_its_first_statement: ContextVar[bool] = ContextVar("verified_by_its_first_statement", default=False)


def _ping_on_checkout(engine: Engine) -> None:
    """Ping each pooled connection as it is taken, as ``pool_pre_ping`` does, unless its user verifies it.

    A connection PostgreSQL dropped (a restart) is then replaced before use, so the app recovers by
    itself: raising ``DisconnectionError`` here makes the pool discard it and connect afresh. A
    check's generation read skips the ping: its own statement costs the same round trip, and it
    retries once on a pinged connection (``registry.checks.services._read_generation``), so every
    check makes one round trip where it made two.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, _record, _proxy) -> None:
        if verified_by_its_first_statement.get():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error
            raise


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        use_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def use_wal(cursor) -> None:
    """Switch the file to WAL once; retry while another process is switching it at the same time.

    Two processes opening a new file at once both read it, then both want the exclusive lock the
    switch needs: SQLite answers one with "database is locked" at once, without waiting (it would
    be a deadlock), so the busy timeout does not help there.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def init_app(app: Flask) -> None:
    """Create the app's engine and close each request's session at teardown."""
    import registry.models  # noqa: F401  (every mapper known before the first query)

    app.extensions["registry.engine"] = make_engine(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.close()
        except DBAPIError:
            # The server dropped the connection under us (a restart): the answer is already made,
            # so throw the connection away instead of turning the answer into a 500.
            session.invalidate()


def get_engine(app: Flask) -> Engine:
    """Return the app's engine."""
    return app.extensions["registry.engine"]


def get_session() -> Session:
    """Return this app context's session, opening it on first use."""
    if "db_session" not in g:
        from flask import current_app

        g.db_session = Session(get_engine(current_app), expire_on_commit=False)
    return g.db_session


@contextmanager
def writing() -> Iterator[None]:
    """Mark the enclosed work as a writer (BEGIN IMMEDIATE on SQLite)."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)
