"""Someone with write access to the database tries to rewrite the record; the registry notices.

The triggers refuse edits of published versions and filings outright; someone who drops them can
edit, but `registry audit verify` then reports it: the audit chain is keyed with a key the database
does not hold, a frozen version's content must still hash to its digest, and an anchor kept
elsewhere shows a tail cut off the chain.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from registry.audit.models import AuditEvent
from registry.audit.services import GENESIS_HASH, canonical_event, verify_chain
from registry.cli import main
from registry.clock import utcnow
from registry.db import get_engine, get_session, make_engine
from registry.migrate import current_revision, head_revision, upgrade
from tests.conftest import TEST_AUDIT_KEY
from tests.lifecycle_helpers import Tianjin


@pytest.fixture
def tianjin(as_user) -> Tianjin:
    """The Tianjin cast, with version 2024 published through the API and both filings on record."""
    cast = Tianjin(as_user)
    cast.bring_to("published")
    return cast


@pytest.fixture
def published(app, tianjin):
    return app


def _registry(app, *args: str):
    """Run the ``registry`` command against the test app's database and audit key."""
    env = {
        "REGISTRY_DATABASE_URL": app.config["DATABASE_URL"],
        "REGISTRY_INSTANCE_PATH": app.instance_path,
        "REGISTRY_AUDIT_KEY": app.config["AUDIT_KEY"],
    }
    return CliRunner().invoke(main, list(args), env=env)


def _drop_guard(connection, postgres_name: str, sqlite_name: str, table: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TRIGGER {postgres_name} ON {table}"))
    else:
        connection.execute(text(f"DROP TRIGGER {sqlite_name}"))


def _plain_chain(rows) -> list[tuple[int, str, str]]:
    """What someone without the key can compute: the chain's hashes as plain SHA-256."""
    previous, chained = GENESIS_HASH, []
    for row in rows:
        digest = hashlib.sha256((previous + canonical_event(row)).encode()).hexdigest()
        chained.append((row.id, previous, digest))
        previous = digest
    return chained


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE list_version SET title = 'another title' WHERE status = 'published'",
        "UPDATE list_version SET effective_from = '2024-01-01' WHERE status = 'published'",
        "UPDATE list_version SET approval_document_no = 'forged' WHERE status = 'published'",
        "UPDATE list_version SET status = 'draft' WHERE status = 'published'",
        "UPDATE list_version SET digest = NULL WHERE status = 'published'",
        "DELETE FROM list_version WHERE status = 'published'",
        "UPDATE list_filing SET filing_no = 'forged'",
        "UPDATE list_filing SET filed_on = '2024-01-01'",
        "DELETE FROM list_filing",
    ],
)
def test_the_database_refuses_edits_of_a_published_version_and_its_filings(published, statement):
    with pytest.raises(DatabaseError, match="frozen"), get_engine(published).begin() as connection:
        connection.execute(text(statement))


def test_the_lifecycle_steps_still_pass_the_guards(published, tianjin):
    revoked = tianjin.revoke("2024", "2099-01-01")
    assert revoked["status"] == "revoked"
    with pytest.raises(DatabaseError, match="frozen"), get_engine(published).begin() as connection:
        connection.execute(text("UPDATE list_version SET revoked_on = '2099-02-01' WHERE status = 'revoked'"))


def test_an_edit_rehashed_without_the_key_does_not_verify(published):
    engine = get_engine(published)
    with published.app_context():
        assert verify_chain(get_session()) == (True, None)
    with engine.begin() as connection:
        _drop_guard(connection, "audit_event_no_change", "audit_event_no_update", "audit_event")
        connection.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE action = 'published'"))
    with Session(engine) as session:
        rows = list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))
        chained = _plain_chain(rows)
    with engine.begin() as connection:
        for event_id, previous, digest in chained:
            connection.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": previous, "h": digest, "i": event_id},
            )
    with published.app_context():
        assert verify_chain(get_session())[0] is False
    outcome = _registry(published, "audit", "verify")
    assert outcome.exit_code == 1
    assert "audit trail broken at event" in outcome.output


def test_a_tail_cut_off_the_chain_is_caught_by_an_anchor(published, tianjin):
    anchor = _registry(published, "audit", "anchor")
    assert anchor.exit_code == 0, anchor.output
    checkpoint = json.loads(anchor.output)
    assert _registry(published, "audit", "verify", "--anchor", anchor.output.strip()).exit_code == 0

    tianjin.revoke("2024", "2099-01-01")  # the chain grows: the anchor still holds
    assert _registry(published, "audit", "verify", "--anchor", anchor.output.strip()).exit_code == 0

    with get_engine(published).begin() as connection:
        _drop_guard(connection, "audit_event_no_change", "audit_event_no_delete", "audit_event")
        connection.execute(text("DELETE FROM audit_event WHERE id >= :head"), {"head": checkpoint["head_id"]})
    # What is left is a valid prefix: without the anchor nothing shows the cut.
    assert _registry(published, "audit", "verify").exit_code == 0
    outcome = _registry(published, "audit", "verify", "--anchor", anchor.output.strip())
    assert outcome.exit_code == 1
    assert "cut or rewritten" in outcome.output


def test_a_malformed_anchor_is_a_usage_error(published):
    outcome = _registry(published, "audit", "verify", "--anchor", "{not json")
    assert outcome.exit_code == 2
    assert "not a checkpoint" in outcome.output


def test_content_changed_behind_the_triggers_back_no_longer_matches_its_digest(published):
    assert _registry(published, "audit", "verify").exit_code == 0
    with get_engine(published).begin() as connection:
        _drop_guard(connection, "list_item_frozen", "list_item_frozen_update", "list_item")
        connection.execute(text("UPDATE list_item SET name_zh = '另一个名称'"))
    outcome = _registry(published, "audit", "verify")
    assert outcome.exit_code == 1
    assert "version CN-TJ-FTZ/2024 no longer matches its digest" in outcome.output


def _legacy_event(session: Session, previous: str, action: str) -> str:
    event = AuditEvent(at=utcnow(), actor="system", actor_role="system", action=action, details={},
                       prev_hash=previous, hash="")  # fmt: skip
    event.hash = hashlib.sha256((previous + canonical_event(event)).encode()).hexdigest()
    session.add(event)
    session.flush()
    return event.hash


def _database_with_a_legacy_chain(url: str, *, altered: bool = False):
    """A database at revision 0001 whose audit trail is chained with plain SHA-256, as 0001 wrote it."""
    engine = make_engine(url)  # transactional DDL on SQLite too: a refused migration leaves nothing behind
    upgrade(engine, "0001_registry_foundation")
    with Session(engine) as session:
        previous = GENESIS_HASH
        for action in ("zone_created", "account_created", "zone_created"):
            previous = _legacy_event(session, previous, action)
        session.commit()
    if altered:
        with engine.begin() as connection:
            _drop_guard(connection, "audit_event_no_change", "audit_event_no_update", "audit_event")
            connection.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 2"))
    return engine


def test_the_migration_keys_an_existing_chain(empty_database_url):
    engine = _database_with_a_legacy_chain(empty_database_url)
    with pytest.raises(RuntimeError, match="audit key"):
        upgrade(engine)
    upgrade(engine, audit_key=TEST_AUDIT_KEY)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session:
        assert verify_chain(session, key=TEST_AUDIT_KEY.encode()) == (True, None)
        assert verify_chain(session, key=b"another key")[0] is False
    engine.dispose()


def test_the_migration_refuses_to_key_a_chain_that_was_already_altered(empty_database_url):
    engine = _database_with_a_legacy_chain(empty_database_url, altered=True)
    with pytest.raises(RuntimeError, match="altered before it could be keyed"):
        upgrade(engine, audit_key=TEST_AUDIT_KEY)
    assert current_revision(engine) == "0001_registry_foundation"
    engine.dispose()
