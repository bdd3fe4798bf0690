"""Migrations build the schema from empty, match the models, and guard the audit trail."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from registry import create_app
from registry.audit.services import verify_chain
from registry.db import get_engine, get_session, writing
from registry.migrate import current_revision, head_revision, upgrade
from registry.models import metadata
from registry.seeding import list_record_files


def test_migrations_from_empty_build_every_table(empty_database_url):
    engine = create_engine(empty_database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"zone", "account", "api_token", "list_version", "list_item", "list_category",
            "list_filing", "audit_event", "alembic_version"} <= tables  # fmt: skip
    upgrade(engine)  # running again is a no-op
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_migrated_schema_matches_the_models(app):
    with get_engine(app).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_the_downgrade_and_upgrade_round_trip(empty_database_url):
    from alembic import command

    from registry.migrate import alembic_config

    engine = create_engine(empty_database_url)
    upgrade(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_audit_trail_cannot_be_edited_or_deleted(app):
    engine = get_engine(app)
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'someone else'"))
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))


def test_an_edit_behind_the_triggers_back_is_caught_by_the_hash_chain(app):
    """Even someone who drops the trigger cannot edit silently: the chain no longer verifies."""
    engine = get_engine(app)
    with app.app_context():
        assert verify_chain(get_session()) == (True, None)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
        connection.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 3"))
    with app.app_context():
        assert verify_chain(get_session()) == (False, 3)


def test_seeds_load_once_and_again_change_nothing(app):
    from registry.seeding import load_seeds

    with app.app_context(), writing():
        assert load_seeds(get_session(), lists=False) == {"zones": 0}


def test_an_app_on_an_unmigrated_database_is_brought_up_to_date_by_prepare(empty_database_url, tmp_path):
    from registry.cli import prepare_database

    app = create_app({"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path)})
    outcome = prepare_database(app)
    assert outcome["migrated_from"] is None
    assert outcome["seeded"]["zones"] == 23
    assert outcome["seeded"]["lists"] == len(list_record_files())
    assert prepare_database(app) == {"migrated_from": head_revision(), "seeded": {"zones": 0, "lists": 0}}
    get_engine(app).dispose()


def test_the_two_factor_columns_come_to_an_existing_account_and_go_again(empty_database_url):
    """0006: accounts made before two-factor sign-in keep everything and start without it."""
    from alembic import command

    from registry.migrate import alembic_config

    engine = create_engine(empty_database_url)
    upgrade(engine, "0005_in_force_generation")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account (name, role, password_hash, active, created_at) "
                "VALUES ('registry-admin', 'admin', 'argon2-hash', true, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine, "0006_account_totp")
    assert current_revision(engine) == "0006_account_totp"
    columns = {c["name"] for c in inspect(engine).get_columns("account")}
    assert {"totp_secret", "totp_enabled_at", "totp_last_step"} <= columns
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT name, password_hash, totp_secret, totp_enabled_at, totp_last_step FROM account")
        ).one()
    assert tuple(row) == ("registry-admin", "argon2-hash", None, None, None)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_in_force_generation")
    assert "totp_secret" not in {c["name"] for c in inspect(engine).get_columns("account")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM account")).scalar() == "registry-admin"
    engine.dispose()
