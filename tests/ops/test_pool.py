"""A worker whose database connections are all busy answers a 503 problem, not a 500.

gevent lets a worker take far more requests at once than its pool has connections; a request that
waits longer than the pool's timeout for one used to end in an unhandled ``TimeoutError`` (seen
under bench_checks' 32 connections on PostgreSQL while a 10,000-item list was being compiled).
"""

from __future__ import annotations

import pytest

from registry.db import PG_POOL_SIZE, get_engine, make_engine

CHECK = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
         "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                     "important_data": False}}  # fmt: skip


def test_a_request_that_finds_every_connection_busy_is_a_503_and_the_next_is_answered(app, client):
    assert client.post("/api/v1/checks", json=CHECK).status_code == 200
    pool = get_engine(app).pool
    pool._timeout = 0.2  # the pool's own wait (pool_timeout), shortened so the test does not wait 30 s
    held = [pool.connect() for _ in range(pool.size() + pool._max_overflow)]
    try:
        busy = client.post("/api/v1/checks", json=CHECK)
        assert busy.status_code == 503 and busy.mimetype == "application/problem+json"
        assert busy.headers["Retry-After"] and "database" in busy.get_json()["detail"]
    finally:
        for connection in held:
            connection.close()
    assert client.post("/api/v1/checks", json=CHECK).status_code == 200


@pytest.mark.slow  # starts a PostgreSQL cluster of its own
def test_postgresql_connections_a_burst_opened_are_kept_for_the_next_burst(own_postgres):
    # SQLAlchemy's default pool kept 5 and closed the rest on return, so a gevent worker under load
    # started a PostgreSQL backend for most requests (registry.db.PG_POOL_SIZE).
    engine = make_engine(own_postgres.url)

    def burst() -> set[int]:
        held = [engine.raw_connection() for _ in range(PG_POOL_SIZE)]
        backends = set()
        for connection in held:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
            cursor.close()
        for connection in held:
            connection.close()
        return backends

    try:
        first = burst()
        assert len(first) == PG_POOL_SIZE
        assert burst() == first, "the same backends serve the next burst: none was closed and reopened"
    finally:
        engine.dispose()
