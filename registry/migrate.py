"""Run the Alembic migrations programmatically (``serve``, the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from registry.db import writing

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic config pointing at the package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the database's Alembic revision, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


MIGRATION_LOCK = 160_323  # PostgreSQL advisory lock key: one migrating process at a time


def upgrade(engine: Engine, revision: str = "head", *, audit_key: str | None = None) -> None:
    """Bring the database to ``revision`` (creating the tables on an empty one).

    ``audit_key`` (the app's ``AUDIT_KEY``) is needed to key an existing audit trail's chain
    (revision 0002); an empty database needs none.

    Safe when several processes start at once (`registry serve` beside `registry users add`):
    the migration takes the write lock before it reads the current revision (BEGIN IMMEDIATE on
    SQLite, an advisory lock on PostgreSQL), so the second process finds the work done.
    """
    config = alembic_config(engine)
    with writing(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        config.attributes["audit_key"] = audit_key
        command.upgrade(config, revision)
