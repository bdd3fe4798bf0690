"""A rate-limit counter store shared by every worker process: a small SQLite file in the instance folder.

Flask-Limiter's memory store counts per process, so with one gunicorn worker per core a client
would get the limit once per worker. Redis would be the usual answer; this keeps the registry
self-contained. Fixed windows (Flask-Limiter's default strategy): one row per key, its count and
when its window ends.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from pathlib import Path

from limits.storage import Storage

from registry.db import use_wal


def _thread_local() -> object:
    """A per-thread slot; under gevent, per OS thread rather than per greenlet (one connection a worker).

    Sharing is safe: each counter update runs from BEGIN to COMMIT without yielding to another greenlet.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        return monkey.get_original("threading", "local")()
    return threading.local()


class SqliteFileStorage(Storage):
    """``registry+sqlite:///ABSOLUTE/PATH`` — counters in a SQLite file, safe across processes."""

    STORAGE_SCHEME = ["registry+sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path((uri or "").removeprefix("registry+sqlite://"))
        self._local = _thread_local()
        with self._connection() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counter "
                "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"
            )

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            use_wal(connection)  # with the retry two processes opening a new file at once need
            connection.execute("PRAGMA synchronous = OFF")  # counters, not records: speed over durability
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM counter WHERE key = ? AND expires_at <= ?", (key, now))
            connection.execute(
                "INSERT INTO counter (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            (value,) = connection.execute("SELECT value FROM counter WHERE key = ?", (key,)).fetchone()
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return int(value)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT value FROM counter WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
