"""Fixtures: a migrated, seeded database per test (SQLite by default, PostgreSQL when asked).

Set ``REGISTRY_TEST_DATABASE_URL=postgresql+psycopg://user@host:port/postgres`` to run every test
on PostgreSQL: the migrations run once into a template database and each test gets a copy.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from registry import create_app
from registry.db import get_engine, get_session, writing
from registry.migrate import upgrade

POSTGRES_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL")
# One audit key for the template database and every app on a copy of it, so their chains verify.
TEST_AUDIT_KEY = "test-audit-key-" + "a" * 40
_database_numbers = itertools.count()


def _seed(url: str, instance: Path) -> None:
    # The zones only: scenario tests play out lists of their own on an empty record; the lists of
    # record are loaded by the `seeded_app` fixture for the tests about them.
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "s" * 64, "AUDIT_KEY": TEST_AUDIT_KEY}
    )
    upgrade(get_engine(app))
    from registry.seeding import load_seeds

    with app.app_context(), writing():
        load_seeds(get_session(), lists=False)
    get_engine(app).dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate and seed one database for the whole run; tests copy it."""
    instance = tmp_path_factory.mktemp("template-instance")
    if POSTGRES_URL:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"registry_template_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        _seed(url, instance)
        yield name
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "registry.sqlite3"
    _seed(f"sqlite:///{path}", instance)
    yield str(path)


@contextmanager
def _postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """Create a throwaway PostgreSQL database (a copy of ``template`` if given); drop it after."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{next(_database_numbers)}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the migrated, seeded database for one test."""
    if POSTGRES_URL:
        with _postgres_database("registry_test", template=template_database) as url:
            yield url
        return
    copy = tmp_path / "registry.sqlite3"
    shutil.copyfile(template_database, copy)
    yield f"sqlite:///{copy}"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on the backend under test."""
    if POSTGRES_URL:
        with _postgres_database("registry_empty") as url:
            yield url
        return
    yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path):
    """Create test apps on this test's database: ``make_app(MAX_CONTENT_LENGTH=2048)``."""
    made = []

    def make(instance: str = "instance", **config: Any):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": str(tmp_path / instance),
                "SECRET_KEY": "test-secret-" + "k" * 40,
                "AUDIT_KEY": TEST_AUDIT_KEY,
                "RATE_LIMIT": "off",
                **config,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        get_engine(app).dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def seeded_app(app):
    """The app with the lists the zones have really published, as `registry serve` loads them."""
    from registry.seeding import load_lists

    with app.app_context(), writing():
        session = get_session()
        load_lists(session)
        session.commit()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Caller:
    """The test client acting with one account's token (or anonymously)."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def get(self, url: str, **kwargs: Any):
        return self.client.get(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any):
        return self.client.post(url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, url: str, json: Any = None, **kwargs: Any):
        return self.client.put(url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, url: str, **kwargs: Any):
        return self.client.delete(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def make_account(app):
    """Create an account as ``registry users add`` does and return its token."""
    from registry.accounts.services import create_account

    def make(name: str, role: str, **scope: str) -> str:
        with app.app_context(), writing():
            session = get_session()
            _account, token = create_account(session, name, role, **scope)
            session.commit()
        return token

    return make


@pytest.fixture
def as_user(client, make_account):
    """Return a :class:`Caller` for a new account: ``as_user("tj", "zone_admin", zone=...)``."""

    def act(name: str, role: str | None = None, **scope: str) -> Caller:
        return Caller(client, make_account(name, role, **scope) if role else None)

    return act


@pytest.fixture
def anonymous(client) -> Caller:
    return Caller(client, None)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis the hosts share: ``REGISTRY_TEST_REDIS_URL`` (tests/run-all.sh starts one), else a
    throwaway Debian ``redis-server`` on a free loopback port for this run."""
    configured = os.environ.get("REGISTRY_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    import socket
    import subprocess
    import time

    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run tests/run-all.sh, which installs it"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
